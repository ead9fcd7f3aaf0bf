"""STY100: apply ruff's own fix edits, verified like every other fix."""

from __future__ import annotations

import contextlib

from heal.cases import Invalid, Valid
from heal.catalog import COMMENT_RULES
from heal.edits import apply_edits
from heal.fixer import Fixer, ModuleContext, dropped_comments
from heal.model import Category, Declined, Finding, Fix, Safety


class RuffEdits(Fixer):
    """Ruff's own fix for a ruff finding, applied by heal's engine.

    ## What it does
    Takes the edits ruff proposes for a finding (`ruff check --output-format json`, field
    `fix.edits`) and offers them to the engine as a fix, like any other fixer's.

    ## Why is this bad?
    `ruff --fix` writes its edits straight into your tree and hopes. heal applies the same
    edits in a sandbox worktree, re-runs ruff and your tests, and lands only what passes.

    ## Example
    ```python
    import os, sys
    print(sys.argv)
    ```
    becomes, after F401 (unused import) and the re-scan that follows:
    ```python
    import sys
    print(sys.argv)
    ```

    ## Fix safety
    As safe as ruff says: edits ruff marks `safe` land after verification; `unsafe` ones only
    with `--unsafe-fixes`; `display-only` ones are never applied. A `safe` edit that drops a
    comment (ruff's F401 fix takes `import os  # why` with it) is unsafe here.
    """

    CODE = "STY100"
    NAME = "ruff-edits"
    CATEGORY = Category.STYLE
    RULES = ("ruff:*",)
    SAFETY = Safety.SAFE
    VALID = [Valid("import os\n\nprint(os.sep)\n")]
    INVALID = [
        Invalid("import os\nimport sys\n\nprint(sys.argv)\n", expected="import sys\n\nprint(sys.argv)\n"),
        Invalid(
            '"""Two rounds: UP006 rewrites the annotation, then F401 drops the import."""\n'
            "from typing import List\n\n\ndef f() -> List[int]:\n    return []\n",
            expected='"""Two rounds: UP006 rewrites the annotation, then F401 drops the import."""\n'
            "\n\ndef f() -> list[int]:\n    return []\n",
        ),
        # ruff calls this F401 edit safe; it drops the comment, so heal makes it unsafe
        Invalid("import sys\nimport os, json  # paths\n\nprint(sys.argv)\n",
                expected="import sys\n\nprint(sys.argv)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        tool_fix = finding.tool_fix
        if tool_fix is None:
            return None
        if tool_fix.applicability == "display-only":
            return self.decline(finding, "ruff shows this fix for display only; apply it by hand")
        safety = Safety.SAFE if tool_fix.applicability == "safe" else Safety.UNSAFE
        lost = []
        if safety is Safety.SAFE and finding.rule not in COMMENT_RULES:  # F401 can drop one
            with contextlib.suppress(ValueError):  # overlapping edits: the planner says so
                lost = dropped_comments(context.text, apply_edits(context.text, tool_fix.edits))
        if lost:
            safety = Safety.UNSAFE
        if safety is Safety.UNSAFE and not context.config.unsafe_fixes:
            why = f"drops the comment `{lost[0]}`" if lost else "is marked unsafe by ruff"
            return self.decline(finding, f"ruff's fix {why}; pass --unsafe-fixes to try it")
        return self.make_fix(finding, tool_fix.edits, tool_fix.message or finding.message, safety,
                             f"ruff's edit drops the comment `{lost[0]}`" if lost else "")

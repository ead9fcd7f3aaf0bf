"""IMP102: unsorted import blocks are sorted with ruff's own edits."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.edits import apply_edits
from heal.fixcheck import in_bounds
from heal.fixer import Fixer, ModuleContext
from heal.healers.imports.project import tightened
from heal.healers.imports.unused_imports import matches
from heal.model import Category, Declined, Finding, Fix, Safety

# modules whose import changes how later imports behave, so their position in a block matters
ORDER_SENSITIVE = ("setuptools", "gevent.monkey", "eventlet", "pytest_asyncio")


def imported_modules(code: str) -> set[str]:
    """Modules an import block's text names (`a.b` for `import a.b` and `from a.b import c`)."""
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:
        return set()
    found: set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            found.update(alias.evaluated_name for alias in node.names)

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if node.module is not None and not node.relative:
                name = cst.Module(body=[]).code_for_node(node.module)
                found.add(name)
                if not isinstance(node.names, cst.ImportStar):
                    found.update(f"{name}.{alias.evaluated_name}" for alias in node.names)

    module.visit(Collect())
    return found


class SortedImports(Fixer):
    """Sort an import block the way ruff's isort rules want it.

    ## What it does
    Where ruff reports `Import block is un-sorted or un-formatted` (`I001`), applies ruff's own
    edit for the block (sections, order, blank lines, as configured in the project's
    `[tool.ruff.lint.isort]`), verified like every other fix. It declines when the block
    imports a module whose position matters (`setuptools` patches `distutils`, `gevent.monkey`
    patches the standard library, ...) or one listed in `side-effect-imports`.

    ## Why is this bad?
    Unsorted imports make diffs noisy and merge conflicts likely, and hide duplicates; a fixed
    order is what every isort-style tool enforces.

    ## Example
    ```python
    import sys
    import os
    ```
    becomes
    ```python
    import os
    import sys
    ```

    ## Fix safety
    Safe: reordering imports of modules without import-time side effects changes nothing.
    Blocks with order-sensitive imports are declined, and the tests run after every fix.
    """

    CODE = "IMP102"
    NAME = "sorted-imports"
    CATEGORY = Category.IMPORT
    RULES = ("ruff:I001",)
    SAFETY = Safety.SAFE
    VALID = [Valid("import os\nimport sys\n\nprint(os, sys)\n")]
    INVALID = [
        Invalid("import sys\nimport os\n\nprint(os, sys)\n",
                expected="import os\nimport sys\n\nprint(os, sys)\n"),
        Invalid("from typing import cast, Any  # types\nimport json\n\nprint(cast, Any, json)\n",
                expected="import json\nfrom typing import Any, cast  # types\n\n"
                "print(cast, Any, json)\n"),
        Invalid("import setuptools\nfrom distutils.core import setup\n\nprint(setuptools, setup)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        tool_fix = finding.tool_fix
        if tool_fix is None:
            return self.decline(finding, "ruff offers no edit for this block")
        lines = context.text.splitlines(keepends=True)
        start, end = finding.span.start.line, finding.span.end.line
        block = "".join(lines[start - 1:end])
        sensitive = {m for m in imported_modules(block)
                     if matches(m, ORDER_SENSITIVE + context.config.side_effect_imports)}
        if sensitive:
            return self.decline(finding, f"the block imports {', '.join(sorted(sensitive))}, whose "
                                         "position may matter; sort it by hand")
        try:
            apply_edits(context.text, tool_fix.edits)
        except ValueError:
            return self.decline(finding, "ruff's edits overlap")
        safety = Safety.SAFE if tool_fix.applicability == "safe" else Safety.UNSAFE
        fix = self.make_fix(finding, tightened(context.text, tool_fix.edits),
                            tool_fix.message or "sort the import block", safety)
        if not in_bounds(context.text, finding, fix):
            return self.decline(finding, "the block comes after other code and spans several "
                                         "statements; left to ruff's own edit (ruff-edits)")
        return fix

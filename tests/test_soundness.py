"""The soundness checks themselves (heal.soundness): what counts as a fixer repeating itself."""

from __future__ import annotations

from heal.config import Config
from heal.fixer import ModuleContext
from heal.healers.imports.unused_imports import UnusedImport
from heal.model import Category, Finding, Fix, Priority, Span
from heal.soundness import repeats

TEXT = "import os, sys\nimport os\n\nprint(sys)\n"


def _f401(line: int, column: int) -> Finding:
    return Finding(rule="ruff:F401", category=Category.IMPORT, priority=Priority.P2, path="m.py",
                   span=Span.of(line, column, line, column + 2), message="`os` imported but unused",
                   tool="ruff", fingerprint=f"os-{line}", group="os")


def _fix(finding: Finding) -> Fix:
    fix = UnusedImport().fix(finding, ModuleContext("m.py", TEXT, Config()))
    assert isinstance(fix, Fix)
    return fix


def test_a_finding_still_at_its_place_is_a_repeat() -> None:
    """A fixer whose output still has the finding where it was is not idempotent."""
    finding = _f401(2, 7)
    fix = _fix(finding)
    assert repeats(fix, TEXT, [finding], TEXT, [finding], Config())  # as if nothing changed


def test_the_twin_reported_after_the_fix_is_the_next_fix_not_a_repeat() -> None:
    """ruff reports the second `import os` (F401) while the first is shadowed; once it is gone
    the first is reported, in the same group: that is the next round's fix."""
    finding = _f401(2, 7)
    fix = _fix(finding)
    after = "import os, sys\n\nprint(sys)\n"
    assert not repeats(fix, TEXT, [finding], after, [_f401(1, 7)], Config())


LIBCST_CANNOT = "import os\n\n((foo)): int = 3\n"  # valid Python libcst does not parse


def test_a_file_libcst_cannot_parse_is_judged_by_pythons_parser() -> None:
    """Such a file is declined as a whole by the planner; a fix asked for directly (as the
    sweep does) is no fixer bug when Python still parses the result, and is one when not."""
    from heal.discover import python_syntax_error
    from heal.fixcheck import parses, still_parses
    from heal.model import TextEdit, ToolFix
    from heal.plan import Planner

    assert not parses(LIBCST_CANNOT) and python_syntax_error(LIBCST_CANNOT) is None
    assert still_parses(LIBCST_CANNOT, LIBCST_CANNOT.replace("import os\n", ""))
    assert not still_parses(LIBCST_CANNOT, LIBCST_CANNOT + "(((\n")
    edit = TextEdit(Span.of(1, 0, 2, 0), "")
    finding = Finding(rule="ruff:F401", category=Category.IMPORT, priority=Priority.P2,
                      path="m.py", span=Span.of(1, 7, 1, 9), message="`os` imported but unused",
                      tool="ruff", fingerprint="os", tool_fix=ToolFix("safe", "Remove", (edit,)))
    plan = Planner(Config()).plan([finding], {"m.py": LIBCST_CANNOT})
    assert not plan.bugs and not plan.fixes
    assert "libcst cannot parse this file" in plan.declined[0].reason

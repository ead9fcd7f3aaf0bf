"""The soundness checks themselves (heal.soundness): what counts as a fixer repeating itself."""

from __future__ import annotations

from heal.config import Config
from heal.healers.base import ModuleContext
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

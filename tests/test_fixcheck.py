"""The checks every fix passes in the product (fixcheck.py, and the re-check's idempotence
check): a safe fix that drops a comment, or a fixer that changes its own output again, is a
fixer bug, whoever made the fix."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from heal.analyze import findings_in
from heal.cases import Invalid
from heal.config import Config
from heal.discover import read_source
from heal.fixcheck import comment_tokens, dropped_comment
from heal.fixer import Fixer, ModuleContext, dropped_comments
from heal.healers import FIXERS
from heal.model import Category, Declined, Finding, Fix, Priority, Safety, Span, TextEdit
from heal.plan import Planner
from heal.soundness import unstable


def _finding(rule: str, line: int, fingerprint: str = "f1") -> Finding:
    return Finding(rule=rule, category=Category.STYLE, priority=Priority.P3, path="m.py",
                   span=Span.of(line, 0, line, 1), message="m", tool="ruff",
                   fingerprint=fingerprint, fixable="safe")


def _deleting(fingerprint: str, first: int, last: int, safety: Safety) -> Fix:
    return Fix(fingerprints=(fingerprint,), rule="ruff:E999X", category=Category.STYLE,
               path="m.py", edits=(TextEdit(Span.of(first, 0, last + 1, 0), ""),),
               source="pattern:drops-a-line@1", safety=safety, description="delete",
               confidence=0.99)


def test_a_safe_fix_that_drops_a_comment_is_a_fixer_bug() -> None:
    text = "x = 1  # the answer, before we knew the question\ny = 2\n"
    planner = Planner(Config(), patterns=lambda finding, context: _deleting(
        finding.fingerprint, 1, 1, Safety.SAFE))
    plan = planner.plan([_finding("ruff:E999X", 1)], {"m.py": text})
    assert not plan.fixes
    assert [why for _, why in plan.bugs] == [
        "the fix drops the comment `# the answer, before we knew the question` and calls itself safe"]


def test_an_unsafe_fix_may_drop_the_comment_it_replaces_and_no_comment_no_check() -> None:
    text = "x = 1  # the answer\ny = 2\n"
    unsafe = _deleting("f1", 1, 1, Safety.UNSAFE)
    assert dropped_comment(text, "y = 2\n", unsafe) is None
    safe_elsewhere = _deleting("f1", 2, 2, Safety.SAFE)  # deletes `y = 2`: no `#` in its range
    assert dropped_comment(text, "x = 1  # the answer\n", safe_elsewhere) is None


class GrowingComparison(Fixer):
    """A fixer that is wrong on purpose: it rewrites `== None` into `== None == None`.

    ## What it does
    Nothing a user should want: each time it is asked, it adds another comparison.

    ## Why is this bad?
    It is a test fixture for the idempotence check.

    ## Example
    ```python
    x == None
    ```

    ## Fix safety
    Safe, it says; the engine must not believe it.
    """

    CODE = "TST901"
    NAME = "growing-comparison"
    CATEGORY = Category.STYLE
    RULES = ("ruff:E711",)
    SAFETY = Safety.SAFE
    INVALID = [Invalid("x = None\nprint(x == None)\n", expected="x = None\nprint(x == None == None)\n")]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        lines = context.text.splitlines(keepends=True)
        line = lines[finding.span.start.line - 1]
        lines[finding.span.start.line - 1] = line.replace("== None", "== None == None", 1)
        return self.fix_from_text(finding, context, "".join(lines), "compare once more")


@pytest.mark.slow
def test_a_fixer_that_changes_its_own_output_again_is_not_idempotent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FIXERS, GrowingComparison.CODE, GrowingComparison)
    config = Config(analyzers=("ruff",))
    (tmp_path / "pyproject.toml").write_text("[tool.ruff.lint]\nselect = ['E711']\n")
    before_text = "x = None\nprint(x == None)\n"
    (tmp_path / "m.py").write_text(before_text)
    before = findings_in(tmp_path, [read_source(tmp_path, "m.py", config)], config)
    assert [f.rule for f in before] == ["ruff:E711"]
    fix = GrowingComparison().fix(before[0], ModuleContext("m.py", before_text, config))
    assert isinstance(fix, Fix)
    after_text = "x = None\nprint(x == None == None)\n"
    (tmp_path / "m.py").write_text(after_text)
    after = findings_in(tmp_path, [read_source(tmp_path, "m.py", config)], config)
    assert unstable([fix], before_text, before, after_text, after, config) == [fix]


@pytest.mark.slow
def test_a_fixer_whose_output_is_left_alone_is_idempotent(tmp_path: Path) -> None:
    config = Config(analyzers=("ruff",))
    (tmp_path / "pyproject.toml").write_text("[tool.ruff.lint]\nselect = ['F401']\n")
    before_text = "import os\nimport sys\n\nprint(sys.argv)\n"
    (tmp_path / "m.py").write_text(before_text)
    before = findings_in(tmp_path, [read_source(tmp_path, "m.py", config)], config)
    plan = Planner(config).plan(before, {"m.py": before_text})
    assert len(plan.fixes) == 1
    after_text = "import sys\n\nprint(sys.argv)\n"
    (tmp_path / "m.py").write_text(after_text)
    after = findings_in(tmp_path, [read_source(tmp_path, "m.py", config)], config)
    assert unstable(plan.fixes, before_text, before, after_text, after, config) == []


SAMPLE = '''import os  # paths
from typing import (List,  # the old name
                    Optional)

NAME = "not # a comment"
PATH = 'it\\'s'  # quoted
TAIL = "a"  # c "
DOC = """
# inside a string
"""


def f(items: List[int]) -> Optional[int]:  # returns the first
    # a whole-line comment
    return items[0] if items else None
'''


def _every_comment_dropped_by_tokenizing(before: str, after: str) -> list[str]:
    return sorted((Counter(c.rstrip() for *_, c in comment_tokens(before)) -
                   Counter(c.rstrip() for *_, c in comment_tokens(after))).elements())


def test_dropped_comments_are_what_tokenizing_both_texts_finds() -> None:
    """The comments an edit drops, told without tokenizing the fixed text when the edit cannot
    touch one, are always those a comparison of both texts' comment tokens finds: over
    thousands of random edits of a module with comments, strings that hold `#`, quotes,
    escapes and brackets (insertions, deletions, replacements, anywhere)."""
    rng = random.Random(7)
    pieces = ["#", "'", '"', "\\", "\n", "(", ")", "[", "]", " ", "x", "1", ",", "int", "# c"]
    escaped = SAMPLE.index('"a"') + 2  # `"a\"  # c "`: the comment becomes part of the string
    edits = [(escaped, escaped, "\\")]
    for _ in range(3000):
        start = rng.randrange(len(SAMPLE) + 1)
        end = min(len(SAMPLE), start + rng.choice([0, 0, 1, 2, 5, 20]))
        edits.append((start, end, "".join(rng.choice(pieces)
                                          for _ in range(rng.choice([0, 1, 1, 2, 3])))))
    for start, end, insert in edits:
        after = SAMPLE[:start] + insert + SAMPLE[end:]
        dropped_comments.cache_clear()
        assert dropped_comments(SAMPLE, after) == \
            _every_comment_dropped_by_tokenizing(SAMPLE, after), (start, end, insert)

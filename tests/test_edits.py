"""Which fixes of one file may go in one batch (heal.edits.non_overlapping)."""

from __future__ import annotations

import pytest

from heal.edits import apply_edits, apply_fixes, non_overlapping
from heal.model import Category, Fix, Position, Safety, Span, TextEdit

TEXT = "from typing import Callable\nfrom typing import ClassVar\n\nx: ClassVar[int]\n"


def _fix(rule: str, *edits: tuple[int, int, int, int, str]) -> Fix:
    return Fix(fingerprints=(rule,), rule=rule, category=Category.IMPORT, path="m.py",
               edits=tuple(TextEdit(Span.of(*e[:4]), e[4]) for e in edits), source="t",
               safety=Safety.SAFE, description=rule)


def test_edits_to_different_characters_of_one_line_wait_for_the_next_round():
    # I001 merges line 2 into line 1 by appending to it; UP035 moves line 1's module
    merge = _fix("I001", (1, 27, 1, 27, ", ClassVar"), (2, 0, 3, 0, ""))
    move = _fix("UP035", (1, 5, 1, 11, "collections.abc"))
    kept, waiting = non_overlapping(TEXT, [merge, move])
    assert kept == [merge] and waiting == [move]
    assert apply_fixes(TEXT, kept).startswith("from typing import Callable, ClassVar\n")


def test_edits_on_different_lines_go_together_and_the_same_edit_twice_is_no_collision():
    first = _fix("A", (1, 5, 1, 11, "typing_extensions"))
    second = _fix("B", (4, 3, 4, 11, "Final"))
    same = _fix("C", (1, 5, 1, 11, "typing_extensions"))
    kept, waiting = non_overlapping(TEXT, [first, second, same])
    assert kept == [first, second, same] and waiting == []


def test_two_deletions_on_one_line_collide():
    left = _fix("A", (4, 0, 4, 3, ""))
    right = _fix("B", (4, 5, 4, 11, ""))
    assert non_overlapping(TEXT, [left, right]) == ([left], [right])


@pytest.mark.parametrize(("text", "lines", "expected"), [
    # the imports at the top of a file go with the blank lines after them
    ("import os\nimport sys\n\n\ndef f():\n    pass\n", (1, 2), "def f():\n    pass\n"),
    ("import os\nimport sys\n\n\ndef f():\n    pass\n", (2,), "import os\n\n\ndef f():\n    pass\n"),
    # two blank lines at the top level, one in a block, none at a block's start or the end
    ("import a\n\nimport b\n\n\ndef f():\n    pass\n", (3,), "import a\n\n\ndef f():\n    pass\n"),
    ('"""Doc."""\n\nimport os\n\n\nX = 1\n', (3,), '"""Doc."""\n\n\nX = 1\n'),
    ("def f():\n    import os\n\n    return 1\n", (2,), "def f():\n    return 1\n"),
    ("def f():\n    x = 1\n\n    import os\n\n    return x\n", (4,),
     "def f():\n    x = 1\n\n    return x\n"),
    ("x = 1\n\nimport os\n", (3,), "x = 1\n"),
    ("if x:  # why\n    import os\n\n    y = 1\n", (2,), "if x:  # why\n    y = 1\n"),
    ("# Example:\n\nimport os\n\nx = 1\n", (3,), "# Example:\n\n\nx = 1\n"),
    # blank lines inside a string are the string's: a line removed there leaves them
    ('X = """a\nb\n\n\n\nc"""\n', (2,), 'X = """a\n\n\n\nc"""\n'),
    # blank lines nowhere near a removed line stay
    ("import os\nx = 1\n\n\n\ny = 2\n", (1,), "x = 1\n\n\n\ny = 2\n"),
])
def test_removed_lines_leave_no_extra_blank_lines(text: str, lines: tuple[int, ...],
                                                  expected: str) -> None:
    edits = [TextEdit(Span(Position(n, 0), Position(n + 1, 0)), "") for n in lines]
    assert apply_edits(text, edits, tidy=True) == expected
    assert apply_edits(text, edits) == "".join(
        line for n, line in enumerate(text.splitlines(keepends=True), 1) if n not in lines)

"""Which fixes of one file may go in one batch (heal.edits.non_overlapping)."""

from __future__ import annotations

from heal.edits import apply_fixes, non_overlapping
from heal.model import Category, Fix, Safety, Span, TextEdit

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

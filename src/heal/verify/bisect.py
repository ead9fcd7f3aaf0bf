"""Find the fixes that break the tests, without one test run per fix.

A batch that fails is split in two and both halves are tested at once (in two worktrees when
`--jobs` allows). A failing half is split again; a passing half is kept. When both halves pass
but the whole failed, the fixes interact: the first half is kept and the second is bisected on
top of it. With k culprits among N fixes this takes at most 2k·⌈log2 N⌉ runs after the first.
The kept set is tested once more as a whole, since halves that pass apart may fail together.
When the failing tests name three or more groups of the fixes (a data-driven test per data
file: `test_case[E40.py]` names the fixes in `E40.py`), every group is tested on its own at once
instead: a culprit in each of k files costs about k runs, not 2 per halving of all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_RECHECKS = 3


@dataclass
class Outcome(Generic[T]):
    kept: list[T] = field(default_factory=list)
    culprits: list[T] = field(default_factory=list)
    runs: int = 0


# check(list of candidate sets, each on top of a base) -> one pass/fail per set, run together
Check = Callable[[Sequence[tuple[Sequence[T], Sequence[T]]]], list[bool]]
# suspects(base, failing) -> the items of `failing` that the failure of `base + failing` names
Suspects = Callable[[Sequence[T], Sequence[T]], Sequence[T]]
# groups(base, failing) -> `failing` split by which of the failing tests name each item (one
# data file per test: `test_case[E40.py]`), the items no test names together; [] when that
# gives fewer than three groups
Groups = Callable[[Sequence[T], Sequence[T]], list[list[T]]]


def _halves(items: Sequence[T]) -> tuple[list[T], list[T]]:
    middle = len(items) // 2
    return list(items[:middle]), list(items[middle:])


def _split(base: Sequence[T], items: Sequence[T], suspects: Suspects[T] | None
           ) -> tuple[list[T], list[T]]:
    """(the rest, the suspects) when the failure names some but not all, else two halves."""
    if suspects is not None:
        named = suspects(base, items)
        chosen = [item for item in items if item in named]
        if 0 < len(chosen) < len(items):
            return [item for item in items if item not in chosen], chosen
    return _halves(items)


def _isolate(base: list[T], failing: list[T], check: Check[T], outcome: Outcome[T],
             suspects: Suspects[T] | None = None, groups: Groups[T] | None = None) -> list[T]:
    """`base + failing` is known to fail; return the part of `failing` that can be kept."""
    if len(failing) == 1:
        outcome.culprits.extend(failing)
        return []
    parts = groups(base, failing) if groups is not None else []
    if len(parts) >= 3:  # each named group on its own, all at once: not two runs per halving
        answers = check([(base, part) for part in parts])
        outcome.runs += len(parts)
        if not all(answers):
            kept: list[T] = []
            for part, ok in zip(parts, answers, strict=True):
                kept += part if ok else _isolate(base, part, check, outcome, suspects, groups)
            return kept
        # every group passes alone, so they fail together: halves find the interaction
    first, second = _split(base, failing, suspects)
    ok_first, ok_second = check([(base, first), (base, second)])
    outcome.runs += 2
    if ok_first and ok_second:
        return first + _isolate(base + first, second, check, outcome, suspects, groups)
    kept = first if ok_first else _isolate(base, first, check, outcome, suspects, groups)
    kept += second if ok_second else _isolate(base, second, check, outcome, suspects, groups)
    return kept


def verify(items: Sequence[T], check: Check[T], base: Sequence[T] = (),
           recheck: Check[T] | None = None, suspects: Suspects[T] | None = None,
           groups: Groups[T] | None = None) -> Outcome[T]:
    """Keep the largest set of `items` the check passes with, isolating each culprit.
    `recheck` (default: `check`) tests the kept set as a whole after bisection; a caller whose
    check runs only selected tests passes a full run here, which then also serves as the final
    check of that state. `suspects` (see `Suspects`) guides the split; `groups` (see `Groups`),
    when the failing tests name three or more groups, splits it that many ways at once."""
    recheck = recheck or check
    outcome: Outcome[T] = Outcome()
    if not items:
        return outcome
    candidates = list(items)
    outcome.runs += 1
    if check([(list(base), candidates)])[0]:
        outcome.kept = candidates
        return outcome
    for _ in range(MAX_RECHECKS):
        kept = _isolate(list(base), candidates, check, outcome, suspects, groups)
        if not kept or len(kept) == len(candidates):
            outcome.kept = kept
            return outcome
        outcome.runs += 1
        if recheck([(list(base), kept)])[0]:
            outcome.kept = kept
            return outcome
        candidates = kept
    outcome.culprits.extend(candidates)  # still failing together: keep none of them
    return outcome

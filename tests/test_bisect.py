"""The bisection that isolates culprits: with halves, and guided by what a failure names."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from heal.verify import bisect


def suite(culprits: set[int], calls: list[int]) -> bisect.Check[int]:
    """A test suite that fails whenever any culprit is applied (the fixes are numbers)."""
    def check(candidates: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[bool]:
        calls.append(len(candidates))
        return [not (set(base) | set(subset)) & culprits for base, subset in candidates]
    return check


@pytest.mark.parametrize("culprits", [set(), {0}, {63}, {5, 40}, {1, 2, 3}])
def test_halves_keep_everything_but_the_culprits(culprits):
    calls: list[int] = []
    outcome = bisect.verify(list(range(64)), suite(culprits, calls))
    assert sorted(outcome.culprits) == sorted(culprits)
    assert sorted(outcome.kept) == sorted(set(range(64)) - culprits)
    assert outcome.runs == sum(calls)


def test_a_failure_that_names_its_culprit_is_isolated_in_a_few_runs():
    culprits = {41}
    unguided, guided = [], []
    bisect.verify(list(range(1000)), suite(culprits, unguided))

    def names(base: Sequence[int], failing: Sequence[int]) -> list[int]:
        return [item for item in failing if item in culprits]  # the failing test names it

    outcome = bisect.verify(list(range(1000)), suite(culprits, guided), suspects=names)
    assert outcome.culprits == [41] and len(outcome.kept) == 999
    assert sum(guided) == 1 + 2 + 1  # the batch, suspects against the rest, the recheck
    assert sum(unguided) > 4 * sum(guided)


def test_wrong_suspects_cost_runs_but_never_a_culprit():
    culprits = {7, 300}

    def wrong(base: Sequence[int], failing: Sequence[int]) -> list[int]:
        return [item for item in failing if item % 97 == 1]  # innocent fixes, named anyway

    calls: list[int] = []
    outcome = bisect.verify(list(range(500)), suite(culprits, calls), suspects=wrong)
    assert sorted(outcome.culprits) == [7, 300]
    assert sorted(outcome.kept) == sorted(set(range(500)) - culprits)


def test_suspects_that_name_everything_or_nothing_fall_back_to_halves():
    for names in (lambda base, failing: list(failing), lambda base, failing: []):
        calls: list[int] = []
        outcome = bisect.verify(list(range(32)), suite({9}, calls), suspects=names)
        assert outcome.culprits == [9]
        assert sum(calls) == 1 + 2 * 5 + 1

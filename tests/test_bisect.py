"""The bisection that isolates culprits: with halves, and guided by what a failure names; and
the runs a failing batch costs (`verify/batch.py`) on a modelled suite."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from heal.model import Category, Fix, Safety
from heal.verify import bisect
from heal.verify.batch import test_batch as run_batch
from heal.verify.runner import TestRun as Run


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


def _fix(number: int) -> Fix:
    return Fix(fingerprints=(f"fp{number}",), rule="ruff:F401", category=Category.IMPORT,
               path=f"pkg/m{number}.py", edits=(), source="fixer:F401", safety=Safety.SAFE,
               description="")


class ModelSuite:
    """A suite where test `t{n}` fails whenever fix n is applied and n is a culprit; every run
    is logged as (kind, tests run: "whole" or the ids)."""

    def __init__(self, culprits: set[int]) -> None:
        self.culprits = {f"fp{n}" for n in culprits}
        self.log: list[tuple[str, str | tuple[str, ...]]] = []

    def failing(self, group: Sequence[Fix], tests: Sequence[str] | None) -> tuple[str, ...]:
        broken = sorted(f"t{fix.fingerprints[0][2:]}" for fix in group
                        if fix.fingerprints[0] in self.culprits)
        return tuple(t for t in broken if tests is None or t in tests)

    def run(self, kind: str, group: Sequence[Fix], tests: Sequence[str] | None) -> Run:
        self.log.append((kind, "whole" if tests is None else tuple(tests)))
        failed = self.failing(group, tests)
        return Run(passed=not failed, returncode=1 if failed else 0, failed=failed,
                       duration=0.0, output="", complete=tests is None)

    def selected(self, group: Sequence[Fix], kind: str, focus: Sequence[str] | None) -> Run:
        return self.run(kind, group, focus)

    def full(self, group: Sequence[Fix], named: Sequence[str] | None) -> Run | None:
        if named == []:
            self.log.append(("recheck", "skipped"))
            return None
        return self.run("recheck", group, named)


@pytest.mark.parametrize("culprits", [{3}, {0, 5}, {1, 2, 6}])
def test_after_a_whole_batch_run_the_kept_set_runs_only_the_tests_that_failed(culprits):
    """The batch's run was the whole suite, so it named every test that fails with the batch:
    the fixes kept after bisection run once more on those tests (or not at all when a
    bisection run already ran exactly that set on them), never the whole suite again."""
    fixes = [_fix(n) for n in range(8)]
    model = ModelSuite(culprits)
    outcome = run_batch(fixes, 1, model.selected, model.full, lambda run, group: [])
    assert sorted(int(fix.fingerprints[0][2:]) for fix, _ in outcome.culprits) == sorted(culprits)
    assert len(outcome.kept) == 8 - len(culprits)
    named = tuple(sorted(f"t{n}" for n in culprits))
    assert [tests for _, tests in model.log].count("whole") == 1, model.log  # the batch's own
    assert model.log[-1] in (("recheck", named), ("recheck", "skipped")), model.log


def test_after_a_hint_run_the_kept_set_runs_the_whole_suite():
    """A batch that first ran only the tests an earlier fix broke (its hint) never saw the rest
    of the suite fail or pass: its kept set runs the whole suite."""
    fixes = [_fix(n) for n in range(8)]
    model = ModelSuite({3})
    outcome = run_batch(fixes, 1, model.selected, model.full, lambda run, group: [],
                        hint=["t3"])
    assert [fix.fingerprints for fix, _ in outcome.culprits] == [("fp3",)]
    assert model.log[0] == ("batch", ("t3",)) and model.log[-1] == ("recheck", "whole")


@pytest.mark.parametrize("culprits", [{3, 14, 25, 36, 47, 58}, {3, 4, 14, 25, 71}, {0, 99}])
def test_failures_that_name_their_files_test_each_file_at_once(culprits):
    """A data-driven test per data file: the fixes are numbers, file n // 10 holds ten of them,
    and a failing run's tests name the files of the culprits it had. Each named file is tested
    on its own at once, so culprits in k files cost about k runs plus a few inside each file,
    where halving the named fixes costs two runs per level: the same culprits either way."""
    def names(base: Sequence[int], failing: Sequence[int]) -> list[int]:
        files = {n // 10 for n in failing if n in culprits}
        return [n for n in failing if n // 10 in files]

    def groups(base: Sequence[int], failing: Sequence[int]) -> list[list[int]]:
        files = {n // 10 for n in failing if n in culprits}
        split: dict[int, list[int]] = {}
        for n in failing:
            split.setdefault(n // 10 if n // 10 in files else -1, []).append(n)
        return list(split.values()) if len(split) >= 3 else []

    halving: list[int] = []
    grouped: list[int] = []
    before = bisect.verify(list(range(100)), suite(culprits, halving), suspects=names)
    after = bisect.verify(list(range(100)), suite(culprits, grouped), suspects=names,
                          groups=groups)
    assert sorted(after.culprits) == sorted(before.culprits) == sorted(culprits)
    assert sorted(after.kept) == sorted(before.kept)
    files = len({n // 10 for n in culprits})
    if files >= 2:
        assert sum(grouped) < sum(halving), (sum(grouped), sum(halving))
    assert sum(grouped) <= 1 + (files + 1) + 2 * len(culprits) * 4 + 1


def test_groups_that_each_pass_alone_but_fail_together_fall_back_to_halves():
    """Fixes 5 and 15 break the tests only together (each file's group passes alone): the
    halving that follows finds the pair, and one of them is the culprit."""
    def together(candidates: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[bool]:
        return [not {5, 15} <= set(base) | set(subset) for base, subset in candidates]

    def groups(base: Sequence[int], failing: Sequence[int]) -> list[list[int]]:
        split: dict[int, list[int]] = {}
        for n in failing:
            split.setdefault(n // 10, []).append(n)
        return list(split.values()) if len(split) >= 3 else []

    outcome = bisect.verify(list(range(40)), together, groups=groups)
    assert len(outcome.culprits) == 1 and outcome.culprits[0] in (5, 15)
    assert len(outcome.kept) == 39

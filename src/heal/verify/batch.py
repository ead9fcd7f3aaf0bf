"""A batch of fixes against the tests: one run for all of them, bisection when it fails.

The batch runs the tests that can see it (all of them with `--verify full`; tests known to
fail with its fixes, `hint`, run alone first). When that fails,
`verify/bisect.py` splits it, on what the failure names when it can: the fixes in a file that a
failing test's id or traceback names (a data-driven test such as `test_case[E40.py]`), or whose
lines a failing test runs, are tested against all the others at once. The set that is kept is
run once more as a whole: with the full suite, which then also serves as the final check; or,
when the batch's own run was the whole suite and so named every test that fails with the batch,
with those tests only, leaving the whole suite to the next run that has it (the next round's
batch, or the final check before landing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from heal.model import Fix
from heal.verify import bisect
from heal.verify.runner import TestRun

GENERIC_NAMES = frozenset({"__init__.py", "__main__.py", "conftest.py", "setup.py", "main.py",
                           "utils.py", "util.py", "test.py", "tests.py"})

Candidates = Sequence[tuple[Sequence[Fix], Sequence[Fix]]]


@dataclass
class BatchOutcome:
    kept: list[Fix] = field(default_factory=list)
    culprits: list[tuple[Fix, TestRun | None]] = field(default_factory=list)  # with its failure


def names_file(text: str, path: str) -> bool:
    """Whether a test run's output names this file: its path, or a distinctive file name
    (`test_normalizer_issue[E40.py]` reads `test/normalizer_issue_files/E40.py`)."""
    if path in text:
        return True
    name = path.rsplit("/", 1)[-1]
    return name not in GENERIC_NAMES and re.search(rf"(?<![\w.]){re.escape(name)}\b", text) is not None


def named_by(run: TestRun, fixes: Sequence[Fix]) -> list[Fix]:
    """The fixes in a file the failing tests' ids or tracebacks name."""
    text = "\n".join(run.failed) + "\n" + run.output
    return [fix for fix in fixes if any(names_file(text, path) for path in fix.paths)]


def named_groups(run: TestRun, fixes: Sequence[Fix]) -> list[list[Fix]]:
    """The fixes grouped by which of the failing tests' ids name their files (the fixes no id
    names together), when that makes three groups or more; else []."""
    by_tests: dict[frozenset[str], list[Fix]] = {}
    for fix in fixes:
        naming = frozenset(test for test in run.failed
                           if any(names_file(test, path) for path in fix.paths))
        by_tests.setdefault(naming, []).append(fix)
    return list(by_tests.values()) if len(by_tests) >= 3 else []


def why_rejected(run: TestRun | None) -> str:
    return "breaks the tests" + (f": {', '.join(run.failed[:3])}" if run and run.failed else
                                 " (timed out)" if run and run.timed_out else "")


def test_batch(fixes: list[Fix], jobs: int,
               selected: Callable[[Sequence[Fix], str, Sequence[str] | None], TestRun],
               full: Callable[[Sequence[Fix], Sequence[str] | None], TestRun | None],
               covered_by: Callable[[TestRun, Sequence[Fix]], list[Fix]],
               hint: Iterable[str] = ()) -> BatchOutcome:
    """Keep the largest part of `fixes` the tests pass with. `selected(group, kind, focus)`
    runs the tests that can see `group` (with `focus`, those and the named failing tests);
    `full(group, named)` the kept set's run as a whole: the whole suite, or, given `named` (the
    batch's run was the whole suite and named every test that fails with the batch), may run
    only those ([]: a bisection run of this very set passed on them); None: no run was needed
    (the whole suite already passed on exactly that state, or `named` was []);
    `covered_by(run, fixes)` the fixes whose lines the failing tests run. `hint`: tests likely to
    fail with these fixes (the look-ahead's failures, the tests an earlier fix in one of their
    files broke): the batch run tries those first, and the rest only when they pass.

    Once a run fails, every bisection step runs only the tests that have failed so far (and
    what selection says can see the group); the set that is kept is run whole once more."""
    runs: dict[frozenset[str], TestRun] = {}  # by the ids of every fix the run had (`_ids`)
    failing: set[str] = set(hint)  # every test a run of this batch saw fail
    complete: list[bool] = []  # whether the batch's own run named every test it fails
    tried: dict[frozenset[str], frozenset[str]] = {}  # a bisection run's group -> its focus

    def check(candidates: Candidates) -> list[bool]:
        def one(pair: tuple[Sequence[Fix], Sequence[Fix]]) -> bool:
            group = [*pair[0], *pair[1]]
            first = not runs
            focus = sorted(failing) or None
            run = selected(group, "batch" if first else "bisect", focus)
            if first and focus is not None and run.passed:  # the hint's failures are not ours
                run = selected(group, "batch", None)
            if first:
                complete.append(run.complete)
            elif focus is not None:
                tried[_ids(group)] = frozenset(focus)
            runs[_ids(group)] = run
            failing.update(run.failed)
            return run.passed
        with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(candidates)))) as pool:
            return list(pool.map(one, candidates))

    def recheck(candidates: Candidates) -> list[bool]:
        answers = []
        for base, subset in candidates:
            group = [*base, *subset]
            key = _ids(group)
            named = None
            if complete == [True]:  # the tests that fail with the batch, unless it ran them
                ran = key in runs and runs[key].passed and tried.get(key, frozenset()) >= failing
                named = [] if ran else sorted(failing)
            run = full(group, named)
            if run is None:  # bisection ran it whole, or on every test the batch fails
                answers.append(True)
                continue
            runs[key] = run
            failing.update(run.failed)
            answers.append(run.passed)
        return answers

    def failed(base: Sequence[Fix], failing_fixes: Sequence[Fix]) -> TestRun | None:
        """The failing run of `base + failing_fixes` (None: no such run, or it passed)."""
        run = runs.get(_ids([*base, *failing_fixes]))
        return run if run is not None and not run.passed else None

    def suspects(base: Sequence[Fix], failing_fixes: Sequence[Fix]) -> list[Fix]:
        run = failed(base, failing_fixes)
        return [] if run is None else named_by(run, failing_fixes) or covered_by(run, failing_fixes)

    def groups(base: Sequence[Fix], failing_fixes: Sequence[Fix]) -> list[list[Fix]]:
        run = failed(base, failing_fixes)
        return [] if run is None else named_groups(run, failing_fixes)

    outcome = bisect.verify(fixes, check, recheck=recheck, suspects=suspects, groups=groups)
    result = BatchOutcome(kept=outcome.kept)
    for culprit in outcome.culprits:
        theirs = [(len(ids), r) for ids, r in runs.items() if culprit.id in ids and not r.passed]
        run = min(theirs, key=lambda pair: pair[0])[1] if theirs else None
        result.culprits.append((culprit, run))
    return result


def _ids(fixes: Iterable[Fix]) -> frozenset[str]:
    return frozenset(fix.id for fix in fixes)

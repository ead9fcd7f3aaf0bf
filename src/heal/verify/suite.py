"""The run's worktrees, and every test run made in them.

A pool of detached worktrees (at most `jobs`), made on demand; each test run borrows one,
writes the texts it is to test into it (`Worktree.materialize`), runs the test command there and
gives it back. Every run is counted and recorded in history with its kind (baseline, batch,
bisect, recheck, final...), and the suite remembers which texts last passed a full run, so that
a bisection that already ran the whole suite on the final state need not run it again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import queue
from collections.abc import Iterator, Mapping, Sequence

from heal.history import History
from heal.sandbox.worktree import Sandbox, Worktree
from heal.status import ProgressCallback
from heal.verify.baseline import Baseline
from heal.verify.runner import TestRun, TestRunner


class Suite:
    def __init__(self, sandbox: Sandbox, jobs: int, history: History, run_id: str,
                 progress: ProgressCallback) -> None:
        self.sandbox = sandbox
        self.jobs = jobs
        self.history = history
        self.run_id = run_id
        self.progress = progress
        self.pool: queue.Queue[Worktree] = queue.Queue()
        self.trees = 0
        self.runner: TestRunner | None = None
        self.baseline: Baseline | None = None
        self.runs = 0  # test runs made, the baseline's included
        self.full_runs = 0  # of them, runs of the whole suite (not a selection of its tests)
        self.failed_last: set[str] = set()  # every test a run of this suite saw fail
        self.last_passed: dict[str, str] | None = None  # the texts the last full pass had
        # the kept set of a bisected batch ran only the tests the batch failed: a passing run
        # of the whole suite is owed before anything lands (`Engine.final_check`)
        self.owed = False
        # the texts and the tests of the last passing run of selected tests
        self.last_selected: tuple[dict[str, str], frozenset[str]] | None = None

    def primary(self) -> Worktree:
        """The first worktree (made on first use): baseline, analyzer re-checks, branches."""
        if not self.sandbox.trees:
            self.sandbox.add()
            self.trees = 1
            self.pool.put(self.sandbox.trees[0])
        return self.sandbox.trees[0]

    def aside(self) -> Worktree:
        """A worktree of the pool's other than the primary, out of the pool until `give_back`:
        the baseline's, while the analyzers' re-checks use the primary beside it."""
        self.primary()
        self.trees += 1
        return self.sandbox.add()

    def give_back(self, tree: Worktree) -> None:
        self.pool.put(tree)

    @contextlib.contextmanager
    def borrowed(self) -> Iterator[Worktree]:
        try:
            tree = self.pool.get_nowait()
        except queue.Empty:
            if self.trees < self.jobs:
                self.trees += 1
                tree = self.sandbox.add()
            else:
                tree = self.pool.get()
        try:
            yield tree
        finally:
            self.pool.put(tree)

    def run(self, texts: dict[str, str], kind: str, fixes: int, only: Sequence[str] = (),
            keep_going: bool = False, require: Sequence[str] = ()) -> TestRun:
        """The suite (or only the tests `only` names) with these texts in place of the seed;
        `keep_going`: past the first failure, so that every failing test is named. `require`:
        tests that failed at baseline and must pass now (`heal --from-tests`): not deselected,
        and run with any selection."""
        assert self.runner is not None and self.baseline is not None
        only = [*only, *(t for t in require if t not in only)] if only else only
        with self.borrowed() as tree:
            tree.materialize(texts)
            run = self.runner.run(tree.path, deselect=self.deselected(require), only=only,
                                  keep_going=keep_going)
        run = dataclasses.replace(run, complete=not only and (keep_going or run.passed)
                                  and self.runner.is_pytest and not run.timed_out
                                  and run.returncode in (0, 1))
        self.runs += 1
        self.full_runs += not only
        if not only and run.passed:
            self.last_passed = texts
            self.owed = False
        self.last_selected = (texts, frozenset(only)) if only and run.passed else None
        self.failed_last.update(run.failed)
        self.history.record_test_run(self.run_id, kind, fixes, run.passed, run.returncode,
                                     run.duration, run.failed, selected=len(only))
        self.history.event(self.run_id, "test_run", "passed" if run.passed else "failed",
                           tool="tests", parameters={"kind": kind, "fixes": fixes},
                           duration=run.duration,
                           error=None if run.passed else run.excerpt(5))
        self.progress("tests", kind, f"{fixes} fixes: {'pass' if run.passed else 'FAIL'} "
                                     f"({run.duration:.1f}s)")
        return run

    def deselected(self, require: Sequence[str] = ()) -> list[str]:
        """The baseline's failing and flaky tests, but those a run requires to pass."""
        assert self.baseline is not None
        return [t for t in self.baseline.deselected() if t not in require]

    def record_run(self, kind: str, run: TestRun, selected: int = 0) -> None:
        """Count and record a run made outside `run` (the baseline's, coverage recording)."""
        self.runs += 1
        self.full_runs += not selected
        self.history.record_test_run(self.run_id, kind, 0, run.passed, run.returncode,
                                     run.duration, run.failed, selected=selected)

    def materialized(self, texts: Mapping[str, str]) -> Worktree:
        """The primary worktree holding these texts (for the analyzers' re-check)."""
        tree = self.primary()
        tree.materialize(texts)
        return tree

    def close(self) -> None:
        self.sandbox.close()

"""A run's baseline: the suite on the unchanged code, or its cached result (with the coverage
map recorded again when it is stale).

`Establish.start` decides in the caller's thread what is to run (the cache, the coverage plan,
the worktree) and starts the test runs: at once, or beside the caller's own work (`proc.Beside`:
round 1 is planned and re-checked by the analyzers in the primary worktree meanwhile, so the
runs take a worktree of their own). `ready()` waits for them and takes their results in, in
the caller's thread: the suite's count and history, the baseline cache, the coverage map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from heal.discover import digest
from heal.history import History
from heal.sandbox import git as gitops
from heal.sandbox import proc
from heal.sandbox.worktree import Worktree
from heal.status import ProgressCallback
from heal.verify import baseline as baselines
from heal.verify import coverage as coverage_map
from heal.verify.runner import TestRun, TestRunner
from heal.verify.select import Selector
from heal.verify.suite import Suite

Found = tuple[baselines.Baseline, list[TestRun]]


@dataclass(frozen=True)
class _Runs:
    """Where the baseline's runs go on, and what taking them in needs."""

    tree: Worktree
    recording: dict[str, str] | None  # the coverage map's recording environment
    cached: baselines.Baseline | None  # the runs only record the map again
    selected: int  # how many tests they select (0: the whole suite)
    key: str  # the baseline cache's


class Establish:
    def __init__(self, suite: Suite, selector: Selector, history: History, run_id: str,
                 root: Path, state_dir: Path, progress: ProgressCallback) -> None:
        self.suite = suite
        self.selector = selector
        self.history = history
        self.run_id = run_id
        self.root = root
        self.state_dir = state_dir
        self.progress = progress
        self._pending: proc.Beside[Found] | None = None
        self._runs: _Runs | None = None

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def start(self, runner: TestRunner, only: list[str], known: list[str], beside: bool) -> None:
        """The baseline (`only`: the selected tests it runs; `known`: tests known to fail,
        deselected from the start). `beside`: its runs go on in a thread until `ready()`."""
        key = self.key(runner, only)
        data = None if self.selector.imports_only else self.selector.recording_plan(runner)
        cached = baselines.load_cached(self.state_dir, key)
        if cached is not None:
            self.suite.baseline = cached
            self.progress("tests", "baseline", "cached")
            if data is None:
                return
            self.progress("tests", "coverage", "recording which test runs which line")
        else:
            self.progress("tests", "baseline", "running the test suite on the unchanged code"
                          + (" (recording coverage)" if data else ""))
        tree = self.suite.aside() if beside else self.suite.primary()
        recording = None if data is None else coverage_map.recording_env(data, tree.path)

        def runs() -> Found:
            if cached is not None:
                return cached, [runner.run(tree.path, deselect=cached.deselected(),
                                           recording=recording)]
            return baselines.establish(runner, tree.path, recording, only, known)

        self._runs = _Runs(tree, recording, cached, len(only), key)
        if beside:
            self._pending = proc.Beside(runs)
        else:
            self._found(*runs())

    def key(self, runner: TestRunner, only: list[str]) -> str:
        """The baseline cache's key: the commit's tree, the user's uncommitted changes, the
        selected tests and the command."""
        changed = [(p, digest((self.root / p).read_bytes()) if (self.root / p).is_file() else "")
                   for p in self.suite.sandbox.changed]
        return baselines.baseline_key(gitops.tree_key(self.suite.sandbox.repo), changed + [
            (t, "selected") for t in only], runner)

    def ready(self) -> None:
        """Wait for runs started beside the caller's work, and take in what they found."""
        if self._pending is None:
            return
        found = self._pending.result()
        self._pending = None
        assert self._runs is not None
        self.suite.give_back(self._runs.tree)
        self._found(*found)

    def cancel(self) -> None:
        """The run failed or stopped before it needed the baseline: its runs are killed."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _found(self, baseline: baselines.Baseline, runs: list[TestRun]) -> None:
        """The runs into the suite's count and history, the coverage map read."""
        assert self._runs is not None
        tree, recording, cached = self._runs.tree, self._runs.recording, self._runs.cached
        if cached is not None:  # its one run recorded the coverage map again
            self.suite.record_run("coverage", runs[0])
            if runs[0].passed and recording is not None:
                self.selector.read_recording(tree.path, recording, runs[0].duration,
                                             cached.duration)
            return
        for run in runs:
            self.suite.record_run("baseline", run, selected=self._runs.selected)
        self.history.event(self.run_id, "baseline", "ok", tool="tests",
                           parameters={"known_failures": baseline.known_failures,
                                       "flaky": baseline.flaky,
                                       "coverage": recording is not None},
                           duration=baseline.duration)
        self.suite.baseline = baseline
        baselines.store(self.state_dir, self._runs.key, baseline)
        self.suite.last_passed = {}
        if recording is not None:
            self.selector.read_recording(tree.path, recording, runs[-1].duration, None)

"""The one place heal's flow lives: discover -> analyze -> plan -> verify -> land -> record.

The CLI turns options into a request and calls `scan()` or `heal()`; everything here returns
values and raises `HealError`s, and reports progress through a callback so the CLI can draw it.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import difflib
import functools
import hashlib
import queue
import re
import secrets
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import git

from heal import breaker, catalog, lock, proc, review, rulebook
from heal.analyzers import ANALYZERS
from heal.analyzers.base import AnalyzeContext, Analyzer, AnalyzerResult
from heal.audit import AuditLog
from heal.config import Config, load_config, project_python, project_target
from heal.dashboard.status import clear_status, write_status
from heal.discover import Discovery, SourceFile, digest, discover, select_paths, syntax_cache
from heal.edits import apart, apply_fixes, non_overlapping, texts_after, unified_diff
from heal.errors import HealError, StoppedError, ToolMissingError, UsageError
from heal.fixable import fix_level_for
from heal.history import History
from heal.land import land as land_files
from heal.land import linked
from heal.model import (
    AnalyzerError,
    Category,
    Declined,
    Finding,
    Fix,
    Priority,
    Safety,
    Verdict,
    fingerprint,
)
from heal.redact import redact
from heal.sandbox import bisect
from heal.sandbox import coverage as coverage_map
from heal.sandbox import git as gitops
from heal.sandbox.coverage import CoverageMap, Selection
from heal.sandbox.verify import Baseline, TestRun, TestRunner
from heal.sandbox.verify import baseline_key as verify_baseline_key
from heal.sandbox.verify import establish as establish_baseline
from heal.sandbox.verify import load_cached as load_baseline
from heal.sandbox.verify import store as store_baseline
from heal.sandbox.worktree import Sandbox, Worktree, prune_stale
from heal.state import ensure_state_dir

if TYPE_CHECKING:  # the heal flow imports these when it runs: a scan never needs libcst's fixers
    from heal.patterns.library import PatternLibrary

# (event, analyzer name, detail): "start" | "done" with "N findings in S s" | "skip" with why
ProgressCallback = Callable[[str, str, str], None]
NEW_FINDINGS = "the fix brings new findings"  # reasons of the analyzer check: retry_rejected
STILL_THERE = "the finding is still there after the fix"


def _quiet(event: str, name: str, detail: str) -> None:
    return None


@dataclass(frozen=True)
class ScanRequest:
    repo: Path = field(default_factory=Path.cwd)
    paths: tuple[str, ...] = ()
    changed: bool = False
    since: str | None = None
    overrides: dict[str, object] = field(default_factory=dict)
    shard: tuple[int, int] | None = None  # (I, N): this run's deterministic 1/N of the files


@dataclass
class ScanResult:
    root: Path
    config: Config
    findings: list[Finding]
    errors: list[AnalyzerError]
    files: list[SourceFile]
    generated: list[str]
    durations: dict[str, float]
    duration: float
    skipped_tools: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.priority.at_least(self.config.fail_on)]


@dataclass(frozen=True)
class Workspace:
    """A repository opened for one run: its root, config, and the files in scope."""

    root: Path
    config: Config
    candidates: list[str]


def open_workspace(request: ScanRequest) -> Workspace:
    repo = gitops.open_repo(request.repo)
    root = gitops.root_of(repo)
    config = load_config(root).with_overrides(**request.overrides)
    rulebook.check_selectors(config.select, "--select")
    rulebook.check_selectors(config.ignore, "--ignore")
    gitops.ensure_ok(repo, request.paths)
    prefixes = [gitops.relative_to_root(repo, p) for p in request.paths]
    only = set(gitops.changed_files(repo, request.since)) if request.changed or request.since else None
    candidates = select_paths(gitops.listed_files(repo), prefixes, config, only)
    if request.shard is not None:
        candidates = [p for p in candidates if in_shard(p, *request.shard)]
    return Workspace(root=root, config=config, candidates=candidates)


def in_shard(path: str, index: int, count: int) -> bool:
    """Is `path` in shard `index` (1-based) of `count`? Stable across machines and runs."""
    digest = hashlib.sha1(path.encode("utf-8"), usedforsecurity=False).hexdigest()
    return int(digest, 16) % count == index - 1


def _wanted_tools(config: Config) -> list[str]:
    """Analyzers to run: enabled in config, and (with --select) owning a selected rule."""
    names = list(config.analyzers)
    if config.select:
        tools = {"native" if r.tool == "heal" else r.tool
                 for r in rulebook.all_rules() if any(rulebook.matches(r.rule, s) for s in config.select)}
        names = [n for n in names if n in tools]
    return names


def _ruff_extend_select(config: Config) -> tuple[str, ...]:
    """Selected ruff codes are switched on in ruff even if the project's config leaves them off."""
    codes = []
    for selector in config.select:
        tool, _, code = selector.rpartition(":")
        if tool in ("", "ruff") and any(
                r.tool == "ruff" and rulebook.matches(r.rule, selector) for r in rulebook.all_rules()):
            codes.append(code)
    return tuple(codes)


def analyze(
    root: Path,
    files: Sequence[SourceFile],
    config: Config,
    state_dir: Path,
    python: str,
    progress: ProgressCallback = _quiet,
    skip_missing: bool = False,
) -> tuple[list[AnalyzerResult], list[str]]:
    """Run the wanted analyzers concurrently over the readable files."""
    analyzers = []
    skipped: list[str] = []
    for name in _wanted_tools(config):
        analyzer = ANALYZERS[name]()
        try:
            analyzer.check_available()
        except ToolMissingError:
            if not (skip_missing or config.skip_missing):
                raise
            skipped.append(name)
            progress("skip", name, "not installed")
            continue
        analyzers.append(analyzer)
    context = AnalyzeContext(root=root, files=files, config=config, python=python,
                             state_dir=state_dir, extra_ruff_select=_ruff_extend_select(config))

    def run_one(analyzer: Analyzer) -> AnalyzerResult:
        progress("start", analyzer.name, "")
        result = analyzer.run(context)
        progress("done", analyzer.name, f"{len(result.findings)} findings in {result.duration:.1f}s")
        return result

    if not analyzers or not files:
        return [], skipped
    with ThreadPoolExecutor(max_workers=len(analyzers)) as pool:
        results = list(pool.map(run_one, analyzers))
    return results, skipped


def _node_source(text_lines: Sequence[str], finding: Finding) -> str:
    start, end = finding.span.start, finding.span.end
    if start.line < 1 or start.line > len(text_lines):
        return finding.message
    if (start.line, start.column) == (end.line, end.column):
        return text_lines[start.line - 1]
    chunk = list(text_lines[start.line - 1:end.line])
    if len(chunk) == 1:
        return chunk[0][start.column:end.column]
    chunk[0] = chunk[0][start.column:]
    chunk[-1] = chunk[-1][:end.column]
    return "\n".join(chunk)


def with_fingerprints(findings: Iterable[Finding], files: dict[str, SourceFile]) -> list[Finding]:
    """Give each finding its fingerprint; identical nodes in one file are told apart by order."""
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    out = []
    for finding in sorted(findings, key=lambda f: (f.path, f.span.start, f.rule)):
        source = files.get(finding.path)
        node = _node_source(source.lines, finding) if source else finding.message
        key = (finding.rule, finding.path, " ".join(node.split()))
        occurrence = seen[key]
        seen[key] += 1
        out.append(dataclasses.replace(
            finding, fingerprint=fingerprint(finding.rule, finding.path, node, occurrence),
            group=fingerprint(finding.rule, finding.path, node, 0)))
    return out


def deduplicate(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per problem: exact repeats go, and where two tools report the same rule on the
    same line (ruff's S-rules mirror bandit; ruff F821 and mypy name-defined; heal's native
    rules and their twins in ruff or bandit), one is kept."""
    unique: dict[tuple[str, str, object, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.path, finding.span, finding.message), finding)
    kept = list(unique.values())
    bandit_lines = {(f.path, f.span.start.line, f.code) for f in kept if f.tool == "bandit"}
    ruff_f821 = {(f.path, f.span.start.line) for f in kept if f.rule == "ruff:F821"}
    lines = {(f.path, f.span.start.line, f.rule) for f in kept}
    result = []
    for finding in kept:
        twins = catalog.NATIVE_TWINS.get(finding.rule, ())
        if any((finding.path, finding.span.start.line, twin) in lines for twin in twins):
            continue
        mirror = catalog.ruff_to_bandit(finding.code) if finding.tool == "ruff" else None
        if mirror and (finding.path, finding.span.start.line, mirror) in bandit_lines:
            continue
        if finding.rule == "mypy:name-defined" and (finding.path, finding.span.start.line) in ruff_f821:
            continue
        result.append(finding)
    return result


def _selected(finding: Finding, config: Config) -> bool:
    if finding.category not in config.categories:
        return False
    if config.select and not any(rulebook.matches(finding.rule, s) for s in config.select):
        return False
    return not any(rulebook.matches(finding.rule, s) for s in config.ignore)


def _with_fixability(finding: Finding, config: Config) -> Finding:
    level = fix_level_for(finding.rule)[0]
    if level == "none" and finding.tool_fix is not None:
        applicability = finding.tool_fix.applicability
        if applicability == "safe" or (applicability == "unsafe" and config.unsafe_fixes):
            level = applicability
        elif applicability == "unsafe":
            level = "unsafe"
    return dataclasses.replace(finding, fixable=level) if level != finding.fixable else finding


def merge(
    results: Sequence[AnalyzerResult],
    found: Discovery,
    config: Config,
) -> list[Finding]:
    files = {f.path: f for f in found.files}
    in_scope = set(files) | {f.path for f in found.findings}
    raw = [f for r in results for f in r.findings if f.path in in_scope] + found.findings
    findings = deduplicate(with_fingerprints(raw, files))
    findings = [_with_fixability(f, config) for f in findings if _selected(f, config)]
    return sorted(findings, key=Finding.sort_key)


def scan(
    request: ScanRequest,
    progress: ProgressCallback = _quiet,
    skip_missing: bool = False,
) -> ScanResult:
    """Steps 1 and 2: discover the files and analyze them; one merged, prioritised list."""
    started = time.perf_counter()
    workspace = open_workspace(request)
    state_dir = ensure_state_dir(workspace.root)
    found = discover(workspace.root, workspace.candidates, workspace.config,
                     syntax_cache(state_dir))
    results, skipped = analyze(
        workspace.root, found.files, workspace.config, state_dir,
        project_python(workspace.root, workspace.config), progress, skip_missing)
    findings = merge(results, found, workspace.config)
    return ScanResult(
        root=workspace.root, config=workspace.config, findings=findings,
        errors=[e for r in results for e in r.errors], files=found.files,
        generated=found.generated, durations={r.tool: r.duration for r in results},
        duration=time.perf_counter() - started, skipped_tools=skipped,
        secrets={s for r in results for s in r.secrets},
    )


def count_by(findings: Iterable[Finding], key: Callable[[Finding], str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[key(finding)] += 1
    return dict(sorted(counts.items()))


def summary(result: ScanResult) -> dict[str, object]:
    return {
        "by_category": {c.value: n for c in Category
                        if (n := sum(1 for f in result.findings if f.category is c))},
        "by_priority": {p.value: n for p in Priority
                        if (n := sum(1 for f in result.findings if f.priority is p))},
        "by_tool": count_by(result.findings, lambda f: f.tool),
        "files": len(result.files),
        "duration_s": round(result.duration, 3),
    }


# --------------------------------------------------------------------------------------------
# healing: plan -> verify -> land -> record
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HealRequest:
    scan: ScanRequest = field(default_factory=ScanRequest)
    dry_run: bool = False
    no_verify: bool = False
    commit: bool = False
    branch: str | None = None
    command: str = "heal"
    approve_all: bool = False  # --approve-all-verified: land review fixes too (batch use in CI)


@dataclass
class FixRecord:
    fix: Fix
    verdict: Verdict
    reason: str
    diff: str
    round: int
    failing_tests: tuple[str, ...] = ()
    output: str = ""
    evidence: str = ""
    covering_tests: tuple[str, ...] = ()
    base: str | None = field(default=None, repr=False)  # the text the fix's edits apply to

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.fix.id, "fingerprints": list(self.fix.fingerprints), "rule": self.fix.rule,
            "category": self.fix.category.value, "priority": self.fix.priority.value,
            "path": self.fix.path, "line": self.fix.line, "source": self.fix.source,
            "safety": self.fix.safety.value, "verdict": self.verdict.value,
            "reason": self.reason, "diff": self.diff, "failing_tests": list(self.failing_tests),
            "evidence": self.evidence, "covering_tests": list(self.covering_tests),
        }


@dataclass
class HealResult:
    run_id: str
    root: Path
    config: Config
    scan: ScanResult
    records: list[FixRecord] = field(default_factory=list)
    declined: list[Declined] = field(default_factory=list)
    patch: dict[str, str] = field(default_factory=dict)  # path -> unified diff of what lands
    landed: list[str] = field(default_factory=list)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    test_runs: int = 0
    duration: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    baseline: Baseline | None = None
    dry_run: bool = False
    commit: str | None = None
    branch: str | None = None
    remaining: list[Finding] = field(default_factory=list)

    def by_verdict(self, verdict: Verdict) -> list[FixRecord]:
        return [r for r in self.records if r.verdict is verdict]

    def failing(self) -> list[Finding]:
        return [f for f in self.remaining if f.priority.at_least(self.config.fail_on)]


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


class _Phases:
    def __init__(self) -> None:
        self.times: dict[str, float] = defaultdict(float)
        self._start = time.perf_counter()
        self._name = ""

    def enter(self, name: str) -> None:
        now = time.perf_counter()
        if self._name:
            self.times[self._name] += now - self._start
        self._name, self._start = name, now

    def done(self) -> dict[str, float]:
        self.enter("")
        return {k: round(v, 3) for k, v in self.times.items() if k}


def _keys(findings: Iterable[Finding]) -> set[tuple[str, str]]:
    return {(f.rule, f.fingerprint) for f in findings}


def _fixable(finding: Finding, config: Config) -> bool:
    return finding.fixable == "safe" or (finding.fixable == "unsafe" and config.unsafe_fixes)


class _Healer:
    """One healing run's state: the worktrees, the current verified texts, and the records."""

    def __init__(self, request: HealRequest, repo: git.Repo, root: Path, state_dir: Path,
                 config: Config, run_id: str, originals: dict[str, SourceFile],
                 history: History, audit: AuditLog, progress: ProgressCallback,
                 secrets_found: set[str], library: PatternLibrary | None = None,
                 blocked: Callable[[str], bool] | None = None) -> None:
        self.request = request
        self.root = root
        self.state_dir = state_dir
        self.config = config
        self.run_id = run_id
        self.originals = originals
        self.history = history
        self.audit = audit
        self.progress = progress
        self.secrets = secrets_found
        self.python = project_python(root, config)
        self.sandbox = Sandbox(repo, root, state_dir, run_id, originals)
        self.pool: queue.Queue[Worktree] = queue.Queue()
        self.trees = 0
        self.state: dict[str, str] = {}  # path -> verified text (only changed files)
        self.records: list[FixRecord] = []
        self.declined: dict[str, Declined] = {}
        self.given_up: set[str] = set()
        self.retried: set[str] = set()  # fingerprints judged again once, by retry_rejected
        self.test_runs = 0
        self.baseline: Baseline | None = None
        self.runner: TestRunner | None = None
        self.library = library
        from heal.plan import Planner

        self.planner = Planner(config, root=root, target=project_target(root),
                               patterns=library.propose if library else None,
                               blocked=blocked)
        self.last_passed_state: dict[str, str] | None = None
        self.seen: dict[str, set[str]] = defaultdict(set)
        self.selective = config.verify_mode == "affected"
        self.imports_only = config.verify_mode == "imports"  # the pre-commit fast profile
        self.coverage: CoverageMap | None = None
        self.test_files: list[str] = []
        self._importing: dict[str, set[str]] | None = None  # module -> what it imports
        self._exercised: dict[str, set[str] | None] = {}  # by _exercising, per path
        self.failed_last: set[str] = set()
        self.selection_used = False
        self.deferred: dict[str, str] = {}  # fingerprint -> why it goes to review instead
        self.lookahead_findings: list[Finding] = []
        self.messages: list[str] = []

    # -- worktrees and test runs -------------------------------------------------------------
    def primary(self) -> Worktree:
        if not self.sandbox.trees:
            self.sandbox.add()
            self.trees = 1
            self.pool.put(self.sandbox.trees[0])
        return self.sandbox.trees[0]

    def _borrow(self) -> Worktree:
        try:
            return self.pool.get_nowait()
        except queue.Empty:
            if self.trees < self.config.jobs:
                self.trees += 1
                return self.sandbox.add()
            return self.pool.get()

    def _texts(self, fixes: Sequence[Fix]) -> dict[str, str]:
        return {**self.state, **texts_after(fixes, self.current)}

    def current(self, path: str) -> str:
        """The file as this run has it now: with the fixes kept so far."""
        return self.state.get(path, self.originals[path].text)

    def _test(self, fixes: Sequence[Fix], kind: str, selection: Selection | None = None) -> TestRun:
        """One test run with `fixes` applied: the whole suite, or only `selection`'s tests."""
        assert self.runner is not None and self.baseline is not None
        only: list[str] = []
        if selection is not None and not selection.everything:
            if not selection.tests:  # a test may still read the file as data: the final
                self.selection_used = True  # full run is what can tell, as a selection miss
                return TestRun(passed=True, returncode=0, failed=(), duration=0.0,
                               output="no test covers the changed lines")
            if self._share_of_suite(selection.tests) < SELECT_ALL_SHARE:
                only = selection.tests
                self.selection_used = True
        tree = self._borrow()
        try:
            texts = self._texts(fixes)
            tree.materialize(texts)
            run = self.runner.run(tree.path, deselect=self.baseline.deselected(), only=only,
                                  keep_going=False)
        finally:
            self.pool.put(tree)
        self.test_runs += 1
        if not only and run.passed:
            self.last_passed_state = texts
        self.failed_last.update(run.failed)
        self.history.record_test_run(self.run_id, kind, len(fixes), run.passed, run.returncode,
                                     run.duration, run.failed, selected=len(only))
        self.history.event(self.run_id, "test_run", "passed" if run.passed else "failed",
                           tool="tests", parameters={"kind": kind, "fixes": len(fixes)},
                           duration=run.duration,
                           error=None if run.passed else run.excerpt(5))
        self.progress("tests", kind, f"{len(fixes)} fixes: {'pass' if run.passed else 'FAIL'} "
                                     f"({run.duration:.1f}s)")
        return run

    def establish_baseline(self) -> None:
        self.runner = TestRunner(self.config.test_command, self.python, self.config.test_timeout)
        tree = self.primary()
        changed = [(p, digest((self.root / p).read_bytes()) if (self.root / p).is_file() else "")
                   for p in self.sandbox.changed]
        only: list[str] = []
        if self.imports_only:  # the fast profile: a baseline of the tests that matter here
            only = sorted(set(self.select([]).tests + coverage_map.importers(
                self.root, self.test_files, list(self.originals))))
            if not only:  # no test imports these files: safe fixes keep meaning by construction
                self.baseline = Baseline()
                self.messages.append("no test imports the files in scope; safe fixes land on "
                                     "their own evidence")
                return
        key = verify_baseline_key(gitops.tree_key(self.sandbox.repo), changed + [
            (t, "selected") for t in only], self.runner)
        recording = None if self.imports_only else self._coverage_plan(tree.path)
        cached = load_baseline(self.state_dir, key)
        if cached is not None:
            self.baseline = cached
            self.progress("tests", "baseline", "cached")
            if recording is not None:
                self._record_coverage(tree.path, recording, plain_duration=cached.duration)
            return
        self.progress("tests", "baseline", "running the test suite on the unchanged code"
                      + (" (recording coverage)" if recording else ""))
        baseline, runs = establish_baseline(self.runner, tree.path, recording, only)
        for run in runs:
            self.test_runs += 1
            self.history.record_test_run(self.run_id, "baseline", 0, run.passed, run.returncode,
                                         run.duration, run.failed)
        self.history.event(self.run_id, "baseline", "ok", tool="tests",
                           parameters={"known_failures": baseline.known_failures,
                                       "flaky": baseline.flaky,
                                       "coverage": recording is not None},
                           duration=baseline.duration)
        self.baseline = baseline
        store_baseline(self.state_dir, key, baseline)
        self.last_passed_state = {}
        if recording is not None:
            self._read_coverage(tree.path, recording, runs[-1].duration, None)

    # -- the coverage map: evidence and affected-test selection ------------------------------
    def _digests(self) -> dict[str, str]:
        return {path: _hash(source.text) for path, source in self.originals.items()}

    def _coverage_plan(self, worktree: Path) -> dict[str, str] | None:
        """Load the map; return the recording environment when it must be (re)recorded."""
        assert self.runner is not None
        if not self.selective:
            return None
        self.test_files = coverage_map.test_files(self.root, gitops.listed_files(self.sandbox.repo))
        if not self.runner.is_pytest:
            self.selective = False
            self.messages.append("the test command is not pytest: every batch runs the whole "
                                 "suite and evidence is not measured")
            return None
        loaded = coverage_map.load(self.state_dir)
        digests = self._digests()
        if loaded is not None and len(loaded.stale(digests)) * 2 <= max(len(loaded.files), 1):
            self.coverage = loaded
            return None
        if not coverage_map.available(self.python, self.root):
            self.selective = False
            self.messages.append("coverage is not installed in the project's environment: every "
                                 "batch runs the whole suite and evidence is not measured "
                                 "(pip install coverage there to enable it)")
            return None
        data = self.state_dir / coverage_map.MAP_DIR / f"data-{self.run_id}"
        data.parent.mkdir(parents=True, exist_ok=True)
        return coverage_map.recording_env(data, worktree)

    def _record_coverage(self, worktree: Path, recording: dict[str, str],
                         plain_duration: float) -> None:
        assert self.runner is not None and self.baseline is not None
        self.progress("tests", "coverage", "recording which test runs which line")
        run = self.runner.run(worktree, deselect=self.baseline.deselected(), recording=recording)
        self.test_runs += 1
        self.history.record_test_run(self.run_id, "coverage", 0, run.passed, run.returncode,
                                     run.duration, run.failed)
        if run.passed:
            self._read_coverage(worktree, recording, run.duration, plain_duration)

    def _read_coverage(self, worktree: Path, recording: dict[str, str], duration: float,
                       plain_duration: float | None) -> None:
        data = Path(recording["HEAL_COVERAGE_DATA"])
        try:
            recorded = coverage_map.read_data(data, worktree, self._digests())
        except Exception as error:  # an unreadable data file: fall back to full runs
            self.selective = False
            self.messages.append(f"could not read the coverage data ({error}); full runs instead")
            return
        finally:
            for leftover in data.parent.glob(data.name + "*"):
                leftover.unlink()
        if plain_duration:
            recorded.overhead_s = max(duration - plain_duration, 0.0)
        coverage_map.save(self.state_dir, recorded)
        self.coverage = recorded
        self.history.event(self.run_id, "coverage_map", "recorded", tool="tests",
                           parameters={"files": len(recorded.files), "tests": len(recorded.tests)},
                           duration=duration,
                           resources={"overhead_s": round(recorded.overhead_s, 3)})

    def _share_of_suite(self, tests: Sequence[str]) -> float:
        """The share of the recorded tests a selection (test ids or whole test files) runs."""
        recorded = self.coverage.tests if self.coverage is not None else []
        if not recorded:
            return 0.0
        chosen = set(tests)
        return sum(t in chosen or t.split("::", 1)[0] in chosen for t in recorded) / len(recorded)

    def select(self, fixes: Sequence[Fix]) -> Selection:
        """The tests that can see these fixes, and which tests cover each fix."""
        if self.imports_only:
            if not self.test_files:
                self.test_files = coverage_map.test_files(
                    self.root, gitops.listed_files(self.sandbox.repo))
            touched = {fix.path for fix in fixes} | set(self.state)
            return Selection(tests=coverage_map.importers(self.root, self.test_files, touched),
                             reason="imports")
        if not self.selective or self.coverage is None:
            return Selection(tests=[], everything=True, reason="full")
        tests: set[str] = set()
        covering: dict[str, list[str]] = {}
        module_level: set[str] = set()
        blind: set[str] = set()  # files the map cannot answer for (stale, or import-time code)
        for fix in fixes:
            blind.update(fix.paths[1:])  # a rename's other files: names bound at import time
            original = self.originals[fix.path].text
            base = self.current(fix.path)
            entry = self.coverage.valid_for(fix.path, _hash(original))
            if entry is None:
                blind.add(fix.path)
                continue
            # heal's own earlier fixes moved lines: map them back to the recorded text
            back = _line_map(base, original) if base != original else None
            ids: set[str] = set()
            for line in _changed_lines(fix):
                recorded = back.get(line) if back is not None else line
                if recorded is not None and recorded not in entry.module_level:
                    ids.update(entry.lines.get(recorded, ()))
                    continue
                if recorded is None and line not in _import_time_lines(base):
                    blind.add(fix.path)  # a line an earlier fix rewrote: the map cannot tell
                    continue
                module_level.add(fix.id)  # import-time code: who uses the module sees it
                users = self._exercising(fix.path)
                if users is None:
                    blind.add(fix.path)
                else:
                    ids |= users
            covering[fix.id] = sorted(ids)
            tests |= ids
        if blind:
            importing = coverage_map.importers(self.root, self.test_files, blind)
            importing += sorted(blind & set(self.test_files) - set(importing))  # edited tests
            for fix in fixes:
                if blind & set(fix.paths):
                    covering[fix.id] = sorted(set(covering.get(fix.id, [])) | set(importing))
            tests.update(importing)
        if tests:
            tests |= {t for t in self.failed_last if "::" in t or t.endswith(".py")}
        return Selection(tests=sorted(tests), covering=covering, module_level=module_level)

    def _exercising(self, path: str) -> set[str] | None:
        """The tests that can see a change to `path`'s import-time code (an import, a constant,
        a decorator): those that run any of its lines, those that import it by name, and those
        that run a line of a project module importing it (which took its names when it was
        imported). None when the map cannot answer for one of those modules (edited since).
        Remembered per path: the map and the originals do not change during a run."""
        assert self.coverage is not None
        if path in self._exercised:
            return self._exercised[path]
        if self._importing is None:
            self._importing = coverage_map.import_index(
                {p: s.text for p, s in self.originals.items() if p not in self.test_files})
        users = [path, *coverage_map.importers_of(self._importing, path)]
        # a module not in the map ran in no test when it was recorded (one added since is left
        # to the final full run); one edited since leaves the map unable to answer
        recorded = {u: self.coverage.files[u] for u in users if u in self.coverage.files}
        found: set[str] | None = None
        if all(e.digest == _hash(self.originals[u].text) for u, e in recorded.items()):
            found = {test for e in recorded.values() for ids in e.lines.values() for test in ids}
            found.update(coverage_map.importers(self.root, self.test_files, [path], exact=True))
        self._exercised[path] = found
        return found

    def evidence(self, fix: Fix) -> tuple[str, tuple[str, ...]]:
        if self.request.no_verify:
            return "unverified", ()
        if not self.selective or self.coverage is None:
            return "", ()
        covering = self.select([fix]).covering.get(fix.id, [])
        return ("covered" if covering else "uncovered"), tuple(covering)

    # -- analyzers in the worktree -----------------------------------------------------------
    def rescan(self, texts: Mapping[str, str], paths: Iterable[str]) -> list[Finding]:
        tree = self.primary()
        tree.materialize(texts)
        wanted = sorted(set(paths))
        found = discover(tree.path, wanted, self.config)
        results, _ = analyze(tree.path, found.files, self.config, self.state_dir, self.python)
        for result in results:
            self.secrets |= result.secrets
        return merge(results, found, self.config)

    # -- records -----------------------------------------------------------------------------
    def record(self, fix: Fix, verdict: Verdict, reason: str, round_no: int,
               run: TestRun | None = None) -> FixRecord:
        base = self.current(fix.path)
        try:
            after = texts_after([fix], self.current)
            diff = "".join(unified_diff(path, self.current(path), after[path])
                           for path in fix.paths)
        except ValueError:
            diff = ""
        evidence: str = ""
        covering: tuple[str, ...] = ()
        if verdict in (Verdict.VERIFIED, Verdict.NEEDS_REVIEW, Verdict.UNVERIFIED):
            evidence, covering = self.evidence(fix)
        entry = FixRecord(fix=fix, verdict=verdict, reason=reason, diff=redact(diff, self.secrets),
                          round=round_no, failing_tests=run.failed if run else (),
                          output=redact(run.excerpt(), self.secrets) if run else "",
                          evidence=evidence, covering_tests=covering, base=base)
        if self.retried & set(fix.fingerprints):  # judged again: the new verdict stands
            self.records = [r for r in self.records if not (
                r.verdict is Verdict.REJECTED and set(r.fix.fingerprints) & set(fix.fingerprints))]
        self.records.append(entry)
        if verdict in (Verdict.REJECTED,):
            self.given_up.update(fix.fingerprints)
        return entry

    # -- one round ---------------------------------------------------------------------------
    def _ineffective(self, fixes: Sequence[Fix], before: Sequence[Finding],
                     after: Sequence[Finding]) -> list[Fix]:
        """Fixes whose finding is still there. Identical nodes in one file share a group, and
        fixing one of two renumbers the other, so groups are counted, not fingerprints matched."""
        group_of = {f.fingerprint: f.group or f.fingerprint for f in before}
        touched = {fix.path for fix in fixes}
        count_before = Counter(f.group or f.fingerprint for f in before if f.path in touched)
        count_after = Counter(f.group or f.fingerprint for f in after if f.path in touched)
        by_group: dict[str, list[Fix]] = defaultdict(list)
        for fix in fixes:
            for fp in fix.fingerprints:
                by_group[group_of.get(fp, fp)].append(fix)
        stuck: list[Fix] = []
        for group, group_fixes in by_group.items():
            if count_after[group] >= count_before[group]:
                stuck += [f for f in group_fixes if f not in stuck]
        return stuck

    def _new_unfixable(self, before: Sequence[Finding], after: Sequence[Finding],
                       paths: set[str], texts: Mapping[str, str]) -> set[tuple[str, str]]:
        """Findings the fixes (giving `texts`) brought that heal cannot fix. A finding whose
        node the fix edited has a new fingerprint but is no new problem (bandit's B101 on an
        `assert` a rename passed through): per file, rule and message, only a rise in the count
        is new."""
        known = _keys(before)
        had = Counter((f.path, f.rule, f.message) for f in before if f.path in paths)
        has = Counter((f.path, f.rule, f.message) for f in after if f.path in paths)
        new = [f for f in after
               if f.path in paths and (f.rule, f.fingerprint) not in known
               and has[(f.path, f.rule, f.message)] > had[(f.path, f.rule, f.message)]]
        return {(f.rule, f.fingerprint) for f in self._unfixable(new, texts)}

    def _unfixable(self, findings: list[Finding], texts: Mapping[str, str]) -> list[Finding]:
        """Of findings a fix brought, those the next round would not fix: no fixer of their
        rule lands on its own, or one does and declines this case (`x: int = None` made
        `x: int | None = None` can bring an [assignment] error on another line that the
        implicit-Optional fixer does not mend). Left in, the run would end with more findings
        than it started with."""
        maybe = [f for f in findings if _fixable(f, self.config)]
        if not maybe:
            return findings
        everything = {p: texts.get(p, self.current(p)) for p in self.originals}
        plan = self.planner.plan(maybe, everything, skip=self.given_up)
        fixed = {fp for fix in [*plan.fixes, *plan.waiting] for fp in fix.fingerprints}
        return [f for f in findings if f.fingerprint not in fixed]

    def _attribute(self, fixes: list[Fix], bad_keys: set[tuple[str, str]]) -> list[Fix]:
        """Which fixes bring in the new findings: bisect with the analyzers as the check."""
        def check(candidates: Sequence[tuple[Sequence[Fix], Sequence[Fix]]]) -> list[bool]:
            answers = []
            for base, subset in candidates:
                group = [*base, *subset]
                paths = _paths_of(group)
                after = self.rescan(self._texts(group), paths) if paths else []
                answers.append(not (_keys(after) & bad_keys))
            return answers
        return bisect.verify(fixes, check).culprits

    def _tests(self, fixes: list[Fix], round_no: int) -> tuple[list[Fix], list[Fix]]:
        if self.request.no_verify or not fixes:
            return fixes, []
        runs: dict[frozenset[str], TestRun] = {}  # by the ids of every fix the run had

        def check(candidates: Sequence[tuple[Sequence[Fix], Sequence[Fix]]]) -> list[bool]:
            def one(pair: tuple[Sequence[Fix], Sequence[Fix]]) -> bool:
                group = [*pair[0], *pair[1]]
                run = self._test(group, "batch" if not runs else "bisect", self.select(group))
                runs[frozenset(f.id for f in group)] = run
                return run.passed
            with ThreadPoolExecutor(max_workers=max(1, min(self.config.jobs, len(candidates)))) as pool:
                return list(pool.map(one, candidates))

        def full(candidates: Sequence[tuple[Sequence[Fix], Sequence[Fix]]]) -> list[bool]:
            answers = []
            for base, subset in candidates:
                group = [*base, *subset]
                if self.last_passed_state == self._texts(group):  # bisection ran it whole
                    answers.append(True)
                    continue
                run = self._test(group, "recheck")
                runs[frozenset(f.id for f in group)] = run
                answers.append(run.passed)
            return answers

        def suspects(base: Sequence[Fix], failing: Sequence[Fix]) -> list[Fix]:
            run = runs.get(frozenset(f.id for f in [*base, *failing]))
            return self._suspects(run, failing) if run is not None and not run.passed else []

        outcome = bisect.verify(fixes, check, recheck=full, suspects=suspects)
        for culprit in outcome.culprits:
            failing = [(len(ids), r) for ids, r in runs.items() if culprit.id in ids and not r.passed]
            run = min(failing, key=lambda pair: pair[0])[1] if failing else None
            why = "breaks the tests" + (f": {', '.join(run.failed[:3])}" if run and run.failed else
                                        " (timed out)" if run and run.timed_out else "")
            self.record(culprit, Verdict.REJECTED, why, round_no, run)
        return outcome.kept, outcome.culprits

    def _suspects(self, run: TestRun, fixes: Sequence[Fix]) -> list[Fix]:
        """The fixes a failing run points at, to split a bisection on: those whose file the
        failing tests' ids or tracebacks name (a data-driven test names the file it reads),
        else those the coverage map says a failing test runs. Empty when it names none."""
        text = "\n".join(run.failed) + "\n" + run.output
        named = [fix for fix in fixes if any(_names_file(text, path) for path in fix.paths)]
        if named or not run.failed or self.coverage is None:
            return named
        failed = set(run.failed)
        return [fix for fix in fixes if failed & set(self.select([fix]).covering.get(fix.id, ()))]

    def _candidates(self, round_no: int, findings: list[Finding], texts: Mapping[str, str],
                    record: bool = True) -> tuple[list[Fix], bool]:
        """This round's batch from the planner: (fixes, whether fixer bugs were dropped)."""
        plan = self.planner.plan(findings, texts, skip=self.given_up | set(self.deferred))
        for declined in plan.declined:
            self.declined.setdefault(declined.fingerprint, declined)
        if not record:
            return ([] if plan.bugs else plan.fixes), bool(plan.bugs)
        for fix, problem in plan.bugs:
            self.record(fix, Verdict.REJECTED, f"fixer bug: {problem}", round_no)
            self.history.event(self.run_id, "fixer_bug", "dropped", tool=fix.source,
                               parameters={"rule": fix.rule, "path": fix.path}, error=problem)
        candidates = []
        for path in sorted({f.path for f in plan.fixes}):
            group = [f for f in plan.fixes if f.path == path]
            if _hash(apply_fixes(texts[path], group)) in self.seen[path]:
                for fix in group:
                    self.record(fix, Verdict.REJECTED, "fixer bug: the fix does not converge "
                                                       "(it brings back an earlier version)", round_no)
            else:
                candidates += group
        return self._defer_uncovered(candidates, texts), bool(plan.bugs)

    def _analyzer_check(self, candidates: list[Fix], findings: list[Finding], round_no: int
                        ) -> tuple[list[Fix], list[Finding], bool]:
        """Re-run the analyzers with the fixes applied: each fix must remove its finding and
        bring nothing new heal cannot fix. (surviving fixes, findings after, all passed)"""
        touched = _paths_of(candidates)
        texts = self._texts(candidates)
        after = self.rescan(texts, touched)
        ineffective = self._ineffective(candidates, findings, after)
        for fix in ineffective:
            self.record(fix, Verdict.REJECTED, STILL_THERE, round_no)
        rest = [f for f in candidates if f not in ineffective]
        bad_keys = self._new_unfixable(findings, after, touched, texts)
        culprits = self._attribute(rest, bad_keys) if bad_keys and rest else []
        for fix in culprits:
            introduced = sorted({k[0] for k in bad_keys})
            self.record(fix, Verdict.REJECTED,
                        f"{NEW_FINDINGS}: {', '.join(introduced)}", round_no)
        kept = [f for f in rest if f not in culprits]
        return kept, after, not (ineffective or culprits)

    def _lookahead(self, round_no: int, first: list[Fix], findings: list[Finding],
                   after: list[Finding]) -> bool:
        """The fast path: plan the later rounds on top of this one with the analyzers alone,
        then run the tests once for all of them. When that run passes every round is verified
        by it (and it is the final check); when it fails, nothing of the look-ahead is kept
        and the caller bisects this round as usual. Returns whether it was kept."""
        if self.request.no_verify:
            return False
        base_state = dict(self.state)
        steps: list[tuple[dict[str, str], list[Fix]]] = [(base_state, first)]
        state = self._texts(first)
        now = [f for f in findings if f.path not in _paths_of(first)] + after
        for _ in range(self.config.max_iterations - round_no):
            texts = {p: state.get(p, s.text) for p, s in self.originals.items()}
            more, bugs = self._candidates(round_no, now, texts, record=False)
            more = [f for f in more if _hash(apply_fixes(texts[f.path], [
                g for g in more if g.path == f.path])) not in self.seen[f.path]]
            self.state = state
            more = self._defer_uncovered(more, texts)
            self.state = base_state
            if not more or bugs:
                break
            self.state = state
            touched = _paths_of(more)
            more_texts = self._texts(more)
            rescanned = self.rescan(more_texts, touched)
            gone = not self._ineffective(more, now, rescanned)
            clean = not self._new_unfixable(now, rescanned, touched, more_texts)
            self.state = base_state
            if not (gone and clean):
                break
            steps.append((state, more))
            state = {**state, **texts_after(more, texts.__getitem__)}
            now = [f for f in now if f.path not in touched] + rescanned
        if len(steps) == 1:
            return False
        run = self._run_texts(state, "batch")
        if not run.passed:
            self.history.event(self.run_id, "lookahead", "failed", tool="tests",
                               parameters={"rounds": len(steps)})
            return False
        for offset, (step_state, fixes) in enumerate(steps):
            self.state = step_state
            for fix in fixes:
                self.record(fix, Verdict.VERIFIED, "tests pass", round_no + offset)
            for path in _paths_of(fixes):
                self.seen[path].add(_hash(step_state.get(path, self.originals[path].text)))
        self.state = state
        self.last_passed_state = state
        self.lookahead_findings = now
        self.history.event(self.run_id, "lookahead", "passed", tool="tests",
                           parameters={"rounds": len(steps),
                                       "fixes": sum(len(f) for _, f in steps)})
        return True

    def _run_texts(self, texts: dict[str, str], kind: str) -> TestRun:
        """The full suite on exactly these texts."""
        assert self.runner is not None and self.baseline is not None
        tree = self._borrow()
        try:
            tree.materialize(texts)
            run = self.runner.run(tree.path, deselect=self.baseline.deselected())
        finally:
            self.pool.put(tree)
        self.test_runs += 1
        self.failed_last.update(run.failed)
        self.history.record_test_run(self.run_id, kind, len(texts), run.passed, run.returncode,
                                     run.duration, run.failed)
        self.progress("tests", kind, f"all rounds at once: {'pass' if run.passed else 'FAIL'} "
                                     f"({run.duration:.1f}s)")
        return run

    def round(self, round_no: int, findings: list[Finding]) -> tuple[bool, list[Finding]]:
        """Plan, check and verify one batch; (anything kept, the findings now)."""
        proc.check_stop()
        texts = {p: self.current(p) for p in self.originals}
        candidates, bugs = self._candidates(round_no, findings, texts)
        if not candidates:
            return bugs, findings
        self.progress("plan", f"round {round_no}", f"{len(candidates)} fixes")
        touched = _paths_of(candidates)
        after: list[Finding] = []
        tested = settled = False
        first = True
        test_passes = 3  # suite runs (with bisection) this batch may take to settle
        while True:
            if not candidates:
                settled = True
                break
            # an unclean check always drops a fix, so this loop ends: a drop can expose the
            # next fix that leaned on it (UP007 kept out, so F401 on `Optional` breaks F821)
            candidates, after, clean = self._analyzer_check(candidates, findings, round_no)
            if not clean:
                tested = False
                continue
            if tested:
                settled = True
                break
            if first and self._lookahead(round_no, candidates, findings, after):
                return True, self.lookahead_findings  # the later rounds are verified too
            first = False
            if not test_passes:
                break
            test_passes -= 1
            candidates, dropped = self._tests(candidates, round_no)
            tested = True
            if not dropped:
                settled = True
                break
        if not settled:
            for fix in candidates:
                self.record(fix, Verdict.REJECTED, "the batch did not settle after repeated checks",
                            round_no)
            candidates = []
        if not candidates:
            return True, findings
        verdict = Verdict.UNVERIFIED if self.request.no_verify else Verdict.VERIFIED
        for fix in candidates:
            self.record(fix, verdict, "tests pass" if verdict is Verdict.VERIFIED else
                        "not verified (--no-verify)", round_no)
        for path in touched:
            self.seen[path].add(_hash(texts[path]))
        self.state = self._texts(candidates)
        remaining = [f for f in findings if f.path not in touched] + [
            f for f in after if f.path in touched]
        return True, remaining

    def retry_rejected(self) -> bool:
        """Once no fix is left to try: give the fixes the analyzers turned down one more chance
        against what landed after them. Their verdict depended on the rest of their batch: a
        fix that wrote `Optional[str]` elsewhere in the file made UP045's `Optional[str]` look
        still there, and `version: str = None` made `str | None` brings an [arg-type] error
        until the callee's parameter is made Optional too. A second run of heal would land
        them; this way one run does. Each fix is judged again at most once, and only when a
        fix was verified after it was rejected. Whether there is anything to try again."""
        again: set[str] = set()
        later_change = False
        for entry in reversed(self.records):
            if entry.verdict in (Verdict.VERIFIED, Verdict.UNVERIFIED):
                later_change = True
            elif later_change and entry.verdict is Verdict.REJECTED and \
                    entry.reason.startswith((NEW_FINDINGS, STILL_THERE)):
                again.update(fp for fp in entry.fix.fingerprints if fp not in self.retried)
        if not again:
            return False
        self.retried |= again
        self.given_up -= again
        self.history.event(self.run_id, "retry", "started", tool="planner",
                           parameters={"fingerprints": len(again)})
        return True

    def reset_for_full_runs(self) -> None:
        """After a selection miss: forget this run's fixes and verify from scratch, fully."""
        self.selective = False
        self.selection_used = False
        self.state = {}
        self.records = [r for r in self.records if r.verdict is Verdict.REJECTED
                        and r.reason.startswith("fixer bug")]
        self.given_up = {fp for r in self.records for fp in r.fix.fingerprints}
        self.retried.clear()
        self.seen.clear()
        self.deferred.clear()
        self.last_passed_state = {}

    def _defer_uncovered(self, fixes: list[Fix], texts: Mapping[str, str]) -> list[Fix]:
        """A passing suite proves nothing about a line no test runs: an unsafe fix (or a pattern
        below the auto-apply confidence) that no test covers goes to review, not to land."""
        kept = []
        for fix in fixes:
            risky = fix.safety is Safety.UNSAFE or (
                fix.source.startswith("pattern:")
                and fix.confidence < self.config.auto_apply_confidence)
            if risky and self.evidence(fix)[0] == "uncovered":
                if fix.also:  # the review queue lands one file's fixes at a time: not these
                    self._decline(fix, "no test executes the changed lines, and a rename "
                                       "across files needs that evidence; rename it by hand")
                    continue
                for fingerprint in fix.fingerprints:
                    self.deferred[fingerprint] = (
                        "no test executes the changed lines, and an unsafe fix needs that "
                        "evidence to land on its own")
                continue
            kept.append(fix)
        return kept

    def _decline(self, fix: Fix, reason: str) -> None:
        """The engine, not the fixer, says no: shown with the fixers' reasons, asked no more."""
        for key in fix.fingerprints:
            self.declined.setdefault(key, Declined(key, fix.rule, fix.path, fix.line,
                                                   fix.source, reason))
        self.given_up.update(fix.fingerprints)

    def final_check(self) -> None:
        """The combined patch passes the full test command before anything lands. When the
        batches ran only selected tests and the full run fails, the selection missed a test:
        that is recorded, and the caller verifies everything again with full runs."""
        if self.request.no_verify or not self.state or self.last_passed_state == self.state:
            return
        if self.imports_only:  # the fast profile: the tests that import what changed, not all
            run = self._test([], "final", self.select([]))
            if not run.passed:
                for entry in self.records:
                    if entry.verdict is Verdict.VERIFIED:
                        entry.verdict = Verdict.REJECTED
                        entry.reason = "the combined patch fails the tests that import it"
                self.state = {}
            return
        run = self._test([], "final")
        if not run.passed and self.selection_used:
            self.history.event(self.run_id, "selection_miss", "failed", tool="tests",
                               parameters={"failed": list(run.failed)}, error=run.excerpt(5))
            raise SelectionMissError(run)
        if not run.passed:
            for entry in self.records:
                if entry.verdict is Verdict.VERIFIED:
                    entry.verdict = Verdict.REJECTED
                    entry.reason = "the combined patch fails the final test run"
            self.state = {}

    def review_phase(self, findings: list[Finding], round_no: int) -> None:
        """Fixes that need a human: verified on top of the final state, queued, never landed.
        A fix a reviewer rejected is not proposed again; one already queued for this very text
        is not verified again."""
        texts = {p: self.current(p) for p in self.originals}
        plan = self.planner.plan(findings, texts, skip=self.given_up)
        for declined in plan.declined:
            self.declined.setdefault(declined.fingerprint, declined)
        decided = {item.id: item for item in review.items(self.history, status=None)}
        fresh = []
        deferred = [dataclasses.replace(fix, safety=Safety.REVIEW,
                                        rationale=self.deferred[fix.fingerprints[0]])
                    for fix in [*plan.fixes, *plan.waiting]
                    if fix.fingerprints and fix.fingerprints[0] in self.deferred]
        for fix in [*plan.review, *deferred]:
            item = decided.get(fix.id)
            if item is not None and (item.status == review.REJECTED or (
                    item.status == review.PENDING
                    and item.base_digest == _hash(texts[fix.path]))):
                continue
            fresh.append(fix)
        independent, _ = _split_independent(fresh, texts)
        if not independent:
            return
        # a review fix must still remove its finding; what else it brings in (bandit's LOW
        # B603 after a shell=True rewrite, say) is for the reviewer to weigh, not a veto
        after = self.rescan(self._texts(independent), _paths_of(independent))
        for fix in self._ineffective(independent, findings, after):
            self.record(fix, Verdict.REJECTED, STILL_THERE, round_no)
            independent.remove(fix)
        if not independent:
            return
        if self.request.no_verify:
            for fix in independent:
                self.record(fix, Verdict.SKIPPED, "needs review, and --no-verify cannot verify it",
                            round_no)
            return
        kept, _ = self._tests(independent, round_no)
        for fix in kept:
            self.record(fix, Verdict.NEEDS_REVIEW, fix.rationale or "needs a human's approval",
                        round_no)


# a selection of at least this share of the suite runs the whole suite instead: it costs about
# the same, and a passing full run is also the final check the combined patch needs anyway
SELECT_ALL_SHARE = 0.8


def _names_file(text: str, path: str) -> bool:
    """Whether a test run's output names this file: its path, or a distinctive file name
    (`test_normalizer_issue[E40.py]` reads `test/normalizer_issue_files/E40.py`)."""
    if path in text:
        return True
    name = path.rsplit("/", 1)[-1]
    return name not in GENERIC_NAMES and re.search(rf"(?<![\w.]){re.escape(name)}\b", text) is not None


GENERIC_NAMES = frozenset({"__init__.py", "__main__.py", "conftest.py", "setup.py", "main.py",
                           "utils.py", "util.py", "test.py", "tests.py"})


def _paths_of(fixes: Iterable[Fix]) -> set[str]:
    """Every file the fixes edit: their own, and the other files a project-wide rename edits."""
    return {path for fix in fixes for path in fix.paths}


class SelectionMissError(Exception):
    """The final full run failed although every selective batch run passed."""

    def __init__(self, run: TestRun) -> None:
        super().__init__("selection miss")
        self.run = run


@functools.lru_cache(maxsize=128)
def _line_map(current: str, recorded: str) -> dict[int, int]:
    """Line numbers of `current` that are unchanged from `recorded`, mapped to their lines there
    (remembered: selection asks for every fix of a file, with the same two texts)."""
    matcher = difflib.SequenceMatcher(a=current.splitlines(), b=recorded.splitlines(),
                                      autojunk=False)
    mapping = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            mapping[block.a + offset + 1] = block.b + offset + 1
    return mapping


@functools.lru_cache(maxsize=64)
def _import_time_lines(text: str) -> frozenset[int]:
    """Lines of `text` that run when the module is imported: all but function bodies."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return frozenset()
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            inside.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(set(range(1, text.count("\n") + 2)) - inside)


def _changed_lines(fix: Fix) -> set[int]:
    """Lines of the base text a fix touches (an insertion touches the lines around it)."""
    lines: set[int] = set()
    for edit in fix.edits:
        start, end = edit.span.start.line, edit.span.end.line
        if edit.span.end.column == 0 and end > start:
            end -= 1
        lines.update(range(start, end + 1))
        if edit.span.start == edit.span.end:
            lines.add(max(start - 1, 1))
    return lines


def _split_independent(fixes: Sequence[Fix], texts: Mapping[str, str]) -> tuple[list[Fix], list[Fix]]:
    kept: list[Fix] = []
    waiting: list[Fix] = []
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for fix in fixes:
        by_path[fix.path].append(fix)
    for path, group in by_path.items():
        ok, later = non_overlapping(texts[path], group)
        kept += ok
        waiting += later
    kept, crossing = apart(kept)
    return kept, waiting + crossing


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM (from `heal stop`) and Ctrl-C stop the run: children die, cleanup runs, exit 3."""
    def on_signal(signum: int, frame: object) -> None:
        proc.request_stop()
        proc.quiet_finalizers()
        raise StoppedError("stopped on request; your working tree is unchanged")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # Ctrl-C too: as a KeyboardInterrupt it reached the main thread only, which may be waiting
    # for a worker thread whose test run then went on to its end before anything stopped it
    previous = signal.signal(signal.SIGTERM, on_signal)
    previous_int = signal.signal(signal.SIGINT, on_signal)
    proc.reset_stop()
    try:
        yield
    except KeyboardInterrupt:
        proc.request_stop()
        proc.quiet_finalizers()
        raise StoppedError("interrupted; your working tree is unchanged") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Landing as one step: Ctrl-C or `heal stop` while files are written is held until the last
    one is (each write is atomic, but only the whole set was verified); the pipeline honours the
    stop request right after recording what landed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def hold(signum: int, frame: object) -> None:
        proc.request_stop()

    previous = {number: signal.signal(number, hold) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def heal(request: HealRequest, progress: ProgressCallback = _quiet,
         skip_missing: bool = False) -> HealResult:
    """Scan, fix in a worktree, verify with the tests, land what passed, record everything."""
    started = time.perf_counter()
    phases = _Phases()
    repo = gitops.open_repo(request.scan.repo)
    root = gitops.root_of(repo)
    problem = gitops.environment_problem(repo)
    if problem:
        raise problem
    if request.branch and (request.commit or request.dry_run):
        raise UsageError("--branch cannot be combined with --commit or --dry-run")
    if request.branch:
        gitops.check_branch_name(repo, request.branch)
    if request.commit and gitops.is_detached(repo):
        raise UsageError("--commit: HEAD is detached, so the commit would be on no branch; check "
                         "out a branch first, or use --branch NAME to commit on a new one")
    state_dir = ensure_state_dir(root)
    run_id = new_run_id()
    with _stop_on_signals(), lock.held(state_dir, request.command, run_id) as held_lock:
        history = History(state_dir)
        messages = [history.warning] if history.warning else []
        if held_lock.recovered:
            messages.append(f"recovered a stale lock left by pid {held_lock.recovered.get('pid')}")
        for killed, landing in history.mark_killed():
            messages.append(f"run {killed} was killed while landing {', '.join(landing)}: each of "
                            "them holds either its old or its new text (`git diff` shows which)")
        pruned = prune_stale(repo, state_dir)
        if pruned:
            messages.append(f"removed {len(pruned)} stale worktree(s) of killed runs")
        history.start_run(run_id, request.command, "dry-run" if request.dry_run else "heal",
                          gitops.head_sha(repo))
        progress = _status(state_dir, run_id, progress)
        write_status(state_dir, run_id, "scan", 0, 0)
        healer: _Healer | None = None
        outcome: HealResult | None = None
        try:
            phases.enter("scan")
            scanned = scan(request.scan, progress, skip_missing)
            config = scanned.config
            history.record_findings(run_id, [
                (f.fingerprint, f.rule, f.category.value, f.priority.value, f.path,
                 f.span.start.line, redact(f.message, scanned.secrets), f.tool)
                for f in scanned.findings])
            originals = {f.path: f for f in scanned.files}
            from heal.healers import fixers_for
            from heal.patterns.library import PatternLibrary

            library = PatternLibrary(root, config)  # a bad pattern file stops here, named
            audit = AuditLog(state_dir, run_id, scanned.secrets)
            audit.write("run-start", command=request.command, findings=len(scanned.findings))
            result = outcome = HealResult(run_id=run_id, root=root, config=config, scan=scanned,
                                          messages=messages, dry_run=request.dry_run)
            healer = _Healer(request, repo, root, state_dir, config, run_id, originals, history,
                             audit, progress, scanned.secrets, library,
                             blocked=_breaker(history, config, root))
            findings = [f for f in scanned.findings if f.path in originals]
            fixable = [f for f in findings if _fixable(f, config) or f.fixable == "review"
                       or any(rule_fixer.SAFETY is Safety.REVIEW for rule_fixer in fixers_for(f.rule)
                              if f.rule in rule_fixer.RULES)]
            if fixable:
                if not request.no_verify:
                    phases.enter("verify")
                    healer.establish_baseline()
                    result.baseline = healer.baseline
                start_findings = findings
                try:
                    findings = _rounds(healer, findings, config, result, phases)
                except SelectionMissError as miss:
                    result.messages.append(
                        "selection miss: the final full run failed "
                        f"({', '.join(miss.run.failed[:3]) or 'see history'}) although every "
                        "selected test passed; verified everything again with full runs")
                    healer.reset_for_full_runs()
                    findings = _rounds(healer, start_findings, config, result, phases)
                healer.review_phase(findings, config.max_iterations + 1)
                result.messages += healer.messages
            result.records = healer.records
            result.declined = list(healer.declined.values())
            result.test_runs = healer.test_runs
            phases.enter("land")
            write_status(state_dir, run_id, "land", 0, 0)
            _land(request, repo, root, result, healer)
            landed = set(result.landed)
            result.remaining = [f for f in findings if f.path in landed
                                or f.path not in healer.state] + [
                f for f in scanned.findings if f.path in healer.state and f.path not in landed]
            phases.enter("record")
            write_status(state_dir, run_id, "record", 0, 0)
            _record(history, audit, result, healer)
            if proc.stop_requested():
                raise StoppedError(f"stopped on request after landing {len(result.landed)} files "
                                   "(`heal history` lists them)" if result.landed else
                                   "stopped on request; your working tree is unchanged")
            for source, why in breaker.record_trips(history, config, run_id, root=root).items():
                result.messages.append(f"circuit breaker: {source} is off after repeated "
                                       f"failures ({why}); `heal rule ... --enable` turns it on")
            if not request.dry_run:
                _queue_for_review(history, repo, root, result, healer, request.approve_all)
                _learn(history, result, healer, library)
            result.phases = phases.done()
            result.duration = time.perf_counter() - started
            history.finish_run(run_id, "ok", findings=len(scanned.findings),
                               landed=len(result.by_verdict(Verdict.VERIFIED)) if result.landed
                               else 0, rejected=len(result.by_verdict(Verdict.REJECTED)),
                               review=len(result.by_verdict(Verdict.NEEDS_REVIEW)),
                               test_runs=result.test_runs, duration=result.duration,
                               phases=result.phases)
            audit.write("run-end", status="ok", landed=result.landed,
                        duration=round(result.duration, 3))
            return result
        except StoppedError:
            with contextlib.suppress(HealError):
                history.finish_run(run_id, "stopped", duration=time.perf_counter() - started)
            raise
        except HealError as error:
            with contextlib.suppress(HealError):  # a full disk fails this too: keep the first
                history.finish_run(run_id, "error", error=error.message,
                                   duration=time.perf_counter() - started)
            if outcome is not None and outcome.landed:
                raise HealError(f"{error.message} (this run had already landed its verified "
                                f"fixes to {', '.join(outcome.landed)})") from None
            raise
        except BaseException as error:
            with contextlib.suppress(HealError):
                history.finish_run(run_id, "error", error=f"{type(error).__name__}: {error}",
                                   duration=time.perf_counter() - started)
            raise
        finally:
            if healer is not None:
                healer.sandbox.close()
            clear_status(state_dir, run_id)
            history.close()


def _rounds(healer: _Healer, findings: list[Finding], config: Config, result: HealResult,
            phases: _Phases) -> list[Finding]:
    """Plan and verify round after round until nothing more changes (then once more for the
    fixes the analyzers turned down, if anything landed after them), then the final check."""
    round_no = 1
    while round_no <= config.max_iterations:
        phases.enter("plan")
        changed, findings = healer.round(round_no, findings)
        round_no += 1
        if not changed and not healer.retry_rejected():
            break
    else:
        result.messages.append(f"stopped after {config.max_iterations} rounds "
                               "(max-iterations); rerun heal to continue")
    phases.enter("verify")
    healer.final_check()
    return findings


def _land(request: HealRequest, repo: git.Repo, root: Path, result: HealResult,
          healer: _Healer) -> None:
    landing_fixes = [r.fix for r in result.records
                     if r.verdict in (Verdict.VERIFIED, Verdict.UNVERIFIED)
                     and (r.verdict is Verdict.VERIFIED or r.fix.safety is Safety.SAFE)]
    landable = _paths_of(landing_fixes)
    groups = [f.paths for f in landing_fixes if f.also]  # files that land together or not at all
    texts = {p: t for p, t in healer.state.items() if p in landable}
    result.patch = {p: redact(unified_diff(p, healer.originals[p].text, t), healer.secrets)
                    for p, t in sorted(texts.items())}
    if not texts or request.dry_run:
        return
    if request.branch:
        changed = set(healer.sandbox.changed)
        dirty = linked(changed, groups)
        clean = [p for p in texts if p not in dirty]
        for path in sorted(set(texts) - set(clean)):
            result.skipped_files.append((path, "it has uncommitted changes; left out of the branch"
                                         if path in changed else "it goes with a file that has "
                                         "uncommitted changes; left out of the branch"))
        if clean:
            tree = healer.primary()
            tree.materialize({p: texts[p] for p in clean})
            result.commit = gitops.commit_on_branch(tree.path, clean, _commit_message(result),
                                                    request.branch)
            result.branch = request.branch
            result.landed = sorted(clean)
        return
    healer.history.event(result.run_id, "land", "started", parameters={"files": sorted(texts)})
    with _uninterrupted():  # a stop request waits until every file is written
        landing = land_files(root, healer.originals, texts, together=groups)
    result.landed = landing.written
    result.skipped_files += landing.skipped
    if request.commit and landing.written:
        tracked = sorted(gitops.tracked(repo, landing.written))
        for path in sorted(set(landing.written) - set(tracked)):
            result.skipped_files.append((path, "untracked; fixed but not committed"))
        if tracked:
            result.commit = gitops.commit_paths(repo, tracked, _commit_message(result))


def _commit_message(result: HealResult) -> str:
    verified = result.by_verdict(Verdict.VERIFIED)
    rules = sorted({r.fix.rule for r in verified})
    body = "\n".join(f"- {r.fix.path}:{r.fix.line} {r.fix.rule} ({r.fix.source})" for r in verified)
    return (f"heal: {len(verified)} verified fixes ({', '.join(rules[:6])}"
            f"{', ...' if len(rules) > 6 else ''})\n\n{body}\n\nheal run {result.run_id}")


def _record(history: History, audit: AuditLog, result: HealResult, healer: _Healer) -> None:
    landed = set(result.landed)
    for entry in result.records:
        history.record_fix(result.run_id, {
            "id": entry.fix.id, "fingerprints": entry.fix.fingerprints, "rule": entry.fix.rule,
            "category": entry.fix.category.value, "priority": entry.fix.priority.value,
            "path": entry.fix.path, "line": entry.fix.line, "source": entry.fix.source,
            "safety": entry.fix.safety.value, "verdict": entry.verdict.value,
            "reason": redact(entry.reason, healer.secrets), "diff": entry.diff,
            "failing_tests": entry.failing_tests, "output": entry.output,
            "evidence": entry.evidence, "covering_tests": entry.covering_tests,
            "round": entry.round,
            "landed": int(entry.fix.path in landed and entry.verdict in (Verdict.VERIFIED,
                                                                         Verdict.UNVERIFIED)),
        })
        audit.write("fix", id=entry.fix.id, rule=entry.fix.rule, path=entry.fix.path,
                    line=entry.fix.line, source=entry.fix.source, safety=entry.fix.safety.value,
                    verdict=entry.verdict.value, reason=entry.reason, diff=entry.diff,
                    failing_tests=list(entry.failing_tests))
    if result.landed:
        audit.write("land", files=result.landed, commit=result.commit, branch=result.branch,
                    skipped=[list(s) for s in result.skipped_files])
        history.event(result.run_id, "land", "ok", parameters={"files": result.landed,
                                                               "commit": result.commit})


def _breaker(history: History, config: Config, root: Path) -> Callable[[str], bool]:
    """The circuit breaker: sources that failed verification too often in a row stay off."""
    off = breaker.tripped(history, config, root=root)
    return lambda source: breaker.source_key(source) in off


def _status(state_dir: Path, run_id: str, progress: ProgressCallback) -> ProgressCallback:
    """Progress to the terminal and to `.heal/status.json` (what `heal dashboard` shows)."""
    phases = {"start": "scan", "done": "scan", "skip": "scan", "plan": "plan", "tests": "verify"}
    counts: dict[str, int] = defaultdict(int)

    def report(event: str, name: str, detail: str) -> None:
        progress(event, name, detail)
        phase = phases.get(event, event)
        counts[phase] += event in ("done", "tests")
        write_status(state_dir, run_id, f"{phase}: {name}", counts[phase], 0)

    return report


def _learn(history: History, result: HealResult, healer: _Healer,
           library: PatternLibrary) -> None:
    """Every verified, landed fixer fix teaches a pattern; every pattern fix moves its
    confidence. Recorded in history as pattern events."""
    from heal.patterns.model import pattern_id_of

    landed = set(result.landed)
    records = [r for r in result.records
               if r.verdict is not Verdict.VERIFIED or r.fix.path in landed]
    report = library.learn(result.run_id, records)  # each record carries its base
    for record in records:
        owner = pattern_id_of(record.fix.source)
        if owner is not None:
            history.event(result.run_id, "pattern_reuse", record.verdict.value,
                          tool=record.fix.source, parameters={"pattern": owner[0],
                                                              "rule": record.fix.rule,
                                                              "path": record.fix.path})
    for pattern_id in report.created:
        history.event(result.run_id, "pattern_learned", "created", tool=f"pattern:{pattern_id}")
    for pattern_id in report.retired:
        history.event(result.run_id, "pattern_retired", "retired", tool=f"pattern:{pattern_id}")
    if report.created:
        result.messages.append(f"learned {len(report.created)} new patterns in .heal/patterns/ "
                               "(commit them with your code)")


def tree_key(repo: git.Repo, root: Path) -> str:
    """HEAD's tree plus the content of every uncommitted file: 'has the tree moved?'"""
    changed, deleted = gitops.uncommitted(repo)
    parts = [gitops.tree_key(repo)]
    for path in changed:
        if path.startswith(".heal/"):
            continue
        target = root / path
        parts.append(f"{path}:{digest(target.read_bytes()) if target.is_file() else '-'}")
    parts += [f"{path}:deleted" for path in deleted]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _queue_for_review(history: History, repo: git.Repo, root: Path, result: HealResult,
                      healer: _Healer, approve_all: bool) -> None:
    queued = [r for r in result.records if r.verdict is Verdict.NEEDS_REVIEW]
    if not queued:
        return
    key = tree_key(repo, root)
    for entry in queued:
        base = healer.current(entry.fix.path)
        review.enqueue(history, result.run_id, entry.fix, entry.diff, _hash(base), key,
                       verification=f"tests pass with this fix on top of run {result.run_id}",
                       evidence=entry.evidence, covering_tests=entry.covering_tests)
    if approve_all:
        result.messages.append(f"--approve-all-verified: landing {len(queued)} reviewed fixes")
        outcome = _approve_items(history, repo, root, result.config,
                                 [review.find(history, e.fix.id) for e in queued], result.run_id,
                                 healer.progress)
        result.landed = sorted(set(result.landed) | set(outcome.landed))
        result.messages += outcome.messages
        fixed = {fp for e in queued if e.fix.id in outcome.approved for fp in e.fix.fingerprints}
        result.remaining = [f for f in result.remaining if f.fingerprint not in fixed]


@dataclass
class ApproveResult:
    landed: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    stale: list[tuple[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    test_runs: int = 0


def _current_sources(root: Path, config: Config, paths: Iterable[str]) -> dict[str, SourceFile]:
    from heal.discover import read_source

    sources = {}
    for path in sorted(set(paths)):
        read = read_source(root, path, config)
        if isinstance(read, SourceFile):
            sources[path] = read
    return sources


def _approve_items(history: History, repo: git.Repo, root: Path, config: Config,
                   chosen: list[review.ReviewItem], run_id: str,
                   progress: ProgressCallback) -> ApproveResult:
    outcome = ApproveResult()
    sources = _current_sources(root, config, [i.fix.path for i in chosen])
    ready: list[review.ReviewItem] = []
    for item in chosen:
        source = sources.get(item.fix.path)
        if source is None or _hash(source.text) != item.base_digest:
            why = "the file changed since the fix was verified; rerun heal to propose it again"
            review.decide(history, item, review.STALE, why, run_id)
            outcome.stale.append((item.id, why))
            continue
        ready.append(item)
    if not ready:
        return outcome
    fixes = [i.fix for i in ready]
    texts_now = {p: s.text for p, s in sources.items()}
    fixes, later = _split_independent(fixes, texts_now)
    for fix in later:
        outcome.messages.append(f"{fix.id} collides with another approved fix; approve it again "
                                "after this one lands")
    moved = any(i.tree_key != tree_key(repo, root) for i in ready if i.fix in fixes)
    kept = fixes
    if moved:
        progress("tests", "review", "the tree moved since verification: verifying again")
        state_dir = ensure_state_dir(root)
        request = HealRequest(scan=ScanRequest(repo=root), command="heal review approve")
        healer = _Healer(request, repo, root, state_dir, config, run_id, sources, history,
                         AuditLog(state_dir, run_id), progress, set())
        try:
            healer.establish_baseline()
            kept, culprits = healer._tests(fixes, 1)
            outcome.test_runs = healer.test_runs
        finally:
            healer.sandbox.close()
        for fix in culprits:
            item = next(i for i in ready if i.fix.id == fix.id)
            why = "fails the tests on the current tree; rerun heal to propose it again"
            review.decide(history, item, review.STALE, why, run_id)
            outcome.stale.append((item.id, why))
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for fix in kept:
        by_path[fix.path].append(fix)
    texts = {p: apply_fixes(texts_now[p], group) for p, group in by_path.items()}
    landing = land_files(root, sources, texts)
    outcome.landed = landing.written
    for path, why in landing.skipped:
        outcome.messages.append(f"skipped {path}: {why}")
    for fix in kept:
        item = next(i for i in ready if i.fix.id == fix.id)
        if fix.path in landing.written:
            review.decide(history, item, review.LANDED, None, run_id)
            with contextlib.suppress(HealError):
                from heal.patterns.library import PatternLibrary

                PatternLibrary(root, config).reviewed(fix, True, texts_now[fix.path], run_id)
            outcome.approved.append(item.id)
    return outcome


def approve(repo_dir: Path, prefixes: Sequence[str], progress: ProgressCallback = _quiet,
            everything: bool = False) -> ApproveResult:
    """`heal review approve ID...`: land queued fixes, verifying again if the tree moved."""
    repo = gitops.open_repo(repo_dir)
    root = gitops.root_of(repo)
    state_dir = ensure_state_dir(root)
    config = load_config(root)
    run_id = new_run_id()
    with _stop_on_signals(), lock.held(state_dir, "heal review approve", run_id):
        history = History(state_dir)
        try:
            chosen = review.items(history) if everything else [review.find(history, p)
                                                                for p in prefixes]
            for item in chosen:
                if item.status != review.PENDING:
                    raise UsageError(f"review item {item.id} is {item.status}, not pending")
            history.start_run(run_id, "heal review approve", "review", gitops.head_sha(repo))
            outcome = _approve_items(history, repo, root, config, chosen, run_id, progress)
            history.finish_run(run_id, "ok", landed=len(outcome.approved),
                               test_runs=outcome.test_runs)
            return outcome
        finally:
            history.close()


def reject(repo_dir: Path, prefixes: Sequence[str], reason: str) -> list[review.ReviewItem]:
    """`heal review reject ID... --reason`: recorded, never proposed again, and the pattern
    that proposed a fix loses confidence."""
    repo = gitops.open_repo(repo_dir)
    root = gitops.root_of(repo)
    history = History(ensure_state_dir(root))
    try:
        rejected = review.reject(history, list(prefixes), reason)
    finally:
        history.close()
    with contextlib.suppress(HealError):
        from heal.patterns.library import PatternLibrary

        library = PatternLibrary(root, load_config(root))
        for item in rejected:
            library.reviewed(item.fix, False)
    return rejected

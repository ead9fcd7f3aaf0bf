"""Step 4 of the flow: verify the planned fixes, round after round, until nothing changes.

A round plans a batch (`plan.py`), re-checks it with the analyzers (`recheck.py`) and tests it
(`batch.py`); the later rounds are planned on top of it with the analyzers alone and tested in
one run with it (`Engine.lookahead`). When no fix is left, fixes the analyzers turned down get one
more chance against what landed after them; then the combined patch passes the full suite
(`final_check`). Fixes that need a human are verified last, on top of that state, for review
(`for_review.py`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import git

from heal import failures
from heal.clock import Clock
from heal.config import Config, project_target
from heal.discover import SourceFile, text_hash
from heal.edits import apply_fixes, texts_after, unified_diff
from heal.history import History
from heal.model import Finding, Fix, Safety, Verdict
from heal.plan import PatternSource, Planner
from heal.redact import redact
from heal.sandbox import git as gitops
from heal.sandbox import proc, trust
from heal.sandbox.worktree import Sandbox
from heal.status import ProgressCallback
from heal.verify import baseline as baselines
from heal.verify import coverage as coverage_map
from heal.verify.attribute import describe
from heal.verify.batch import test_batch, why_rejected
from heal.verify.coverage import Selection
from heal.verify.establish import Establish
from heal.verify.lookahead import Chain
from heal.verify.recheck import NOT_IDEMPOTENT, Recheck, paths_of
from heal.verify.records import NEW_FINDINGS, STILL_THERE, FixRecord, Ledger
from heal.verify.runner import PYTEST_NO_TESTS, PYTEST_USAGE, TestRun, TestRunner
from heal.verify.select import Selector
from heal.verify.suite import Suite


def focused(tests: set[str]) -> list[str]:
    """Test ids to run, without the ids inside a test file that is itself among them (a file
    that failed to import is named alone, and pytest finds none of its tests' ids)."""
    files = {test for test in tests if "::" not in test}
    return sorted(test for test in tests
                  if "::" not in test or test.split("::", 1)[0] not in files)


class SelectionMissError(Exception):
    """The final full run failed although every selective batch run passed."""

    def __init__(self, run: TestRun) -> None:
        super().__init__("selection miss")
        self.run = run


class Engine:
    """One run's verification: the worktrees and tests (`suite`), the coverage map
    (`selector`), the analyzers' re-check, the verdicts (`ledger`) and the verified texts."""

    def __init__(self, root: Path, state_dir: Path, config: Config, run_id: str,
                 originals: Mapping[str, SourceFile], history: History, suite: Suite,
                 planner: Planner, python: str, progress: ProgressCallback,
                 secrets: set[str], no_verify: bool = False, clock: Clock | None = None) -> None:
        self.root = root
        self.state_dir = state_dir
        self.config = config
        self.run_id = run_id
        self.originals = originals
        self.history = history
        self.suite = suite
        self.planner = planner
        self.python = python
        self.progress = progress
        self.no_verify = no_verify
        self.clock = clock or Clock()
        self.selector = Selector(root, state_dir, config, run_id, originals,
                                 gitops.listed_files(suite.sandbox.repo), history, python)
        self.recheck = Recheck(suite, config, state_dir, python, planner, secrets, self.clock)
        self.establish = Establish(suite, self.selector, history, run_id, root, state_dir,
                                   progress)
        self.ledger = Ledger()
        self.state: dict[str, str] = {}  # path -> verified text (only changed files)
        self.seen: dict[str, set[str]] = defaultdict(set)  # hashes each file has had
        self.lookahead_findings: list[Finding] = []
        self.hint: set[str] = set()  # tests the look-ahead's run saw fail: the batch tries them first
        # path -> the tests a rejected fix there broke: a later batch tries them first
        self.broken_by: dict[str, set[str]] = defaultdict(set)
        self.messages: list[str] = []
        # reactive healing: fingerprint -> the tests that failed and must pass with its fix,
        # and the tests known to fail before any fix (the baseline need not find them again)
        self.expected: dict[str, tuple[str, ...]] = {}
        self.known_failures: list[str] = []
        self.passed = "tests pass"  # a verified fix's reason (what did pass)
        # the kept set of a batch whose own run was the whole suite runs only the tests that
        # failed; a whole-suite run is then owed (`Suite.owed`; its failure: verify again)
        self.defer_whole_runs = config.verify_mode != "imports"

    @classmethod
    def open(cls, repo: git.Repo, root: Path, state_dir: Path, config: Config, run_id: str,
             originals: Mapping[str, SourceFile], history: History, progress: ProgressCallback,
             secrets: set[str], patterns: PatternSource | None = None,
             blocked: Callable[[str], bool] | None = None, no_verify: bool = False,
             clock: Clock | None = None) -> Engine:
        """An engine with its own worktrees (call `close()` in a `finally`)."""
        python, _ = trust.interpreter(repo, root, config)  # the scan said why, if it is not
        suite = Suite(Sandbox(repo, root, state_dir, run_id, originals), config.jobs, history,
                      run_id, progress)
        planner = Planner(config, root=root, target=project_target(root), patterns=patterns,
                          blocked=blocked)
        return cls(root, state_dir, config, run_id, originals, history, suite, planner, python,
                   progress, secrets, no_verify, clock)

    def close(self) -> None:
        self.establish.cancel()  # a run that failed or stopped before it needed the baseline
        self.suite.close()

    @property
    def secrets(self) -> set[str]:
        return self.recheck.secrets

    # -- texts -------------------------------------------------------------------------------
    def current(self, path: str) -> str:
        """The file as this run has it now: with the fixes kept so far."""
        return self.state.get(path, self.originals[path].text)

    def texts(self, fixes: Sequence[Fix]) -> dict[str, str]:
        return {**self.state, **texts_after(fixes, self.current)}

    def everything(self, texts: Mapping[str, str]) -> dict[str, str]:
        return {p: texts.get(p, self.current(p)) for p in self.originals}

    # -- tests -------------------------------------------------------------------------------
    def select(self, fixes: Sequence[Fix]) -> Selection:
        self.baseline_ready()
        return self.selector.select(fixes, self.state, self.suite.failed_last)

    def required(self, fixes: Sequence[Fix]) -> list[str]:
        """The tests a run with `fixes` (on top of the verified ones) must see pass: those
        that failed with the findings these fixes and the verified ones fix."""
        fixed = [*fixes, *(r.fix for r in self.ledger.by_verdict(Verdict.VERIFIED))]
        return sorted({test for fix in fixed for fp in fix.fingerprints
                       for test in self.expected.get(fp, ())})

    def expect(self, findings: Sequence[Finding]) -> None:
        """Reactive findings: a failing test's fix must make it pass; a logged traceback's fix
        must pass the tests that run its line (by the coverage map), and without one it waits
        for review as uncovered."""
        if any(f.evidence or f.tool == failures.LOG_TOOL for f in findings):
            self.baseline_ready()
        deselected = set(self.suite.baseline.deselected()) if self.suite.baseline else set()
        for finding in findings:
            if finding.evidence:
                self.expected[finding.fingerprint] = finding.evidence
            elif finding.tool == failures.LOG_TOOL and not self.no_verify:
                line = finding.span.start.line
                tests = tuple(t for t in self.selector.covering_line(finding.path, line)
                              if t not in deselected)
                if tests:
                    self.expected[finding.fingerprint] = tests
                else:
                    self.ledger.deferred[finding.fingerprint] = (
                        f"uncovered: no test runs {finding.path}:{line}, where the logged "
                        f"traceback failed ({finding.message}); check the fix by hand")

    def test(self, fixes: Sequence[Fix], kind: str, selection: Selection | None = None,
             keep_going: bool = False, texts: dict[str, str] | None = None) -> TestRun:
        """One test run with `fixes` applied (or these `texts`, which hold them): the whole
        suite, or only `selection`'s tests."""
        self.baseline_ready()
        only = self.selector.narrow(selection)
        require = self.required(fixes)
        if only is None and not require:
            return TestRun(passed=True, returncode=0, failed=(), duration=0.0,
                           output="no test covers the changed lines")
        return self.suite.run(self.texts(fixes) if texts is None else texts, kind, len(fixes),
                              require if only is None else only, keep_going,
                              require)

    def fragile(self, fixes: Sequence[Fix]) -> set[str]:
        """The tests a rejected fix in one of these files broke (parso's normalizer tests read
        its test data round after round): tried first, they fail without a whole-suite run."""
        return {test for path in paths_of(fixes) for test in self.broken_by.get(path, ())}

    def test_for_batch(self, group: Sequence[Fix], kind: str,
                       focus: Sequence[str] | None) -> TestRun:
        """A batch or bisection run: the tests that can see `group`, and with `focus` (the
        tests that failed so far) only those and them. Past the first failure, so that every
        failing test is named; a focus pytest cannot run (an id it does not find) falls back
        to the plain selection."""
        selection = self.select(group)
        if focus is not None and self.suite.runner is not None and self.suite.runner.is_pytest:
            # not a selection the final run must back: the kept set is run whole at the end. A
            # batch's first try is its hint alone: the batch's own tests run next if it passes
            alone = selection.everything or kind == "batch"
            tests = focused(set(focus) | (set() if alone else set(selection.tests)))
            require = self.required(group)
            run = self.suite.run(self.texts(group), kind, len(group), tests, keep_going=True,
                                 require=require)
            if run.returncode not in (PYTEST_USAGE, PYTEST_NO_TESTS):
                return run
            # an id pytest does not find (one it printed cut short): their whole files instead
            files = focused({test.split("::", 1)[0] for test in tests})
            if files != tests:
                run = self.suite.run(self.texts(group), kind, len(group), files, keep_going=True,
                                     require=require)
                if run.returncode not in (PYTEST_USAGE, PYTEST_NO_TESTS):
                    return run
        return self.test(group, kind, selection, keep_going=True)

    def establish_baseline(self, beside: bool = False) -> None:
        """The suite on the unchanged code, or its cached result (with the coverage map
        recorded again when it is stale). `beside`: those test runs go on in a thread while
        the caller plans the first round and re-checks it with the analyzers; whatever needs a
        test run, the coverage map or the baseline waits for them first (`baseline_ready`)."""
        with self.clock.phase("baseline"):
            self._establish_baseline(beside)

    def baseline_ready(self) -> None:
        """Wait for a baseline started beside the planning, and take in what it found."""
        if self.establish.pending:
            with self.clock.phase("baseline"):
                self.establish.ready()

    def _establish_baseline(self, beside: bool) -> None:
        runner = self.suite.runner = TestRunner(self.config.test_command, self.python,
                                                self.config.test_timeout)
        self.suite.primary()  # the analyzers' re-checks run there
        only: list[str] = []
        selector = self.selector
        if selector.imports_only:  # the fast profile: a baseline of the tests that matter here
            only = sorted(set(self.select([]).tests + coverage_map.importers(
                self.root, selector.test_files, list(self.originals))))
            if not only:  # no test imports these files: safe fixes keep meaning by construction
                self.suite.baseline = baselines.Baseline()
                self.messages.append("no test imports the files in scope; safe fixes land on "
                                     "their own evidence")
                self.passed = "the analyzers pass; no test imports the file"
                return
        self.establish.start(runner, only, self.known_failures, beside)

    def evidence(self, fix: Fix) -> tuple[str, tuple[str, ...]]:
        if self.no_verify:
            return "unverified", ()
        self.baseline_ready()  # the coverage map comes with it
        return self.selector.evidence(fix, self.state, self.suite.failed_last)

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
        self.ledger.add(entry)
        return entry

    # -- one round ---------------------------------------------------------------------------
    def test_batch(self, fixes: list[Fix], round_no: int) -> tuple[list[Fix], list[Fix]]:
        if self.no_verify or not fixes:
            return fixes, []
        self.baseline_ready()  # before the batch's worker threads need it
        with self.clock.phase("tests"):
            return self._test_batch(fixes, round_no)

    def _test_batch(self, fixes: list[Fix], round_no: int) -> tuple[list[Fix], list[Fix]]:

        def full(group: Sequence[Fix], named: Sequence[str] | None) -> TestRun | None:
            if self.suite.last_passed == self.texts(group):
                return None
            if named is not None and self.defer_whole_runs:  # []: bisection ran the set on them
                run = self.suite.run(self.texts(group), "recheck", len(group), focused(set(named)),
                                     keep_going=True, require=self.required(group)) if named else None
                if run is None or run.returncode not in (PYTEST_USAGE, PYTEST_NO_TESTS):
                    self.suite.owed = True  # a passing whole-suite run must follow
                    return run
            return self.test(group, "recheck", keep_going=True)

        hint, self.hint = self.hint | self.fragile(fixes), set()
        outcome = test_batch(
            fixes, self.config.jobs, self.test_for_batch, full,
            lambda run, failing: self.selector.suspects(run, failing, self.state,
                                                        self.suite.failed_last), hint)
        for culprit, run in outcome.culprits:
            for path in culprit.paths:
                self.broken_by[path].update(run.failed if run is not None else ())
            mine = {t for fp in culprit.fingerprints for t in self.expected.get(fp, ())}
            own = [t for t in (run.failed if run else ()) if t in mine]
            reason = (f"its failing test still fails: {', '.join(own[:3])}"
                      if own and run is not None and set(run.failed) <= set(own)
                      else why_rejected(run))
            self.record(culprit, Verdict.REJECTED, reason, round_no, run)
        return outcome.kept, [culprit for culprit, _ in outcome.culprits]

    def candidates(self, round_no: int, findings: list[Finding], texts: Mapping[str, str],
                   record: bool = True) -> tuple[list[Fix], bool]:
        """This round's batch from the planner: (fixes, whether fixer bugs were dropped)."""
        ledger = self.ledger
        with self.clock.phase("plan"):
            plan = self.planner.plan(findings, texts,
                                     skip=ledger.settled | set(ledger.deferred))
        ledger.note_declined(plan.declined)
        if not record:
            return ([] if plan.bugs else plan.fixes), bool(plan.bugs)
        for fix, problem in plan.bugs:
            self.record(fix, Verdict.REJECTED, f"fixer bug: {problem}", round_no)
            self.history.event(self.run_id, "fixer_bug", "dropped", tool=fix.source,
                               parameters={"rule": fix.rule, "path": fix.path}, error=problem)
        candidates = []
        for path in sorted({f.path for f in plan.fixes}):
            group = [f for f in plan.fixes if f.path == path]
            if text_hash(apply_fixes(texts[path], group)) in self.seen[path]:
                for fix in group:
                    self.record(fix, Verdict.REJECTED, "fixer bug: the fix does not converge "
                                                       "(it brings back an earlier version)", round_no)
            else:
                candidates += group
        return self.defer_uncovered(candidates, texts), bool(plan.bugs)

    def analyzer_check(self, candidates: list[Fix], findings: list[Finding], round_no: int
                       ) -> tuple[list[Fix], list[Finding], bool]:
        """Re-run the analyzers with the fixes applied: each fix must remove its finding and
        bring nothing new heal cannot fix. (surviving fixes, findings after, all passed)"""
        touched = paths_of(candidates)
        texts = self.texts(candidates)
        after = self.recheck.rescan_from(findings, self.current, texts, touched)
        ineffective = self.recheck.ineffective(candidates, findings, after)
        for fix in ineffective:
            self.record(fix, Verdict.REJECTED, STILL_THERE, round_no)
        rest = [f for f in candidates if f not in ineffective]
        brought = self.recheck.brought(findings, after, self.current, texts, touched,
                                       self.everything(texts), self.ledger.given_up)
        blamed = self.recheck.blame(candidates, brought, findings, self.current, self.texts) \
            if brought and rest else {}
        culprits = [fix for fix in rest if fix in blamed]  # the still-there ones are turned down
        for fix in culprits:
            self.record(fix, Verdict.REJECTED, f"{NEW_FINDINGS}: {describe(blamed[fix])}",
                        round_no)
        kept = [f for f in rest if f not in culprits]
        unstable = self.recheck.unstable(kept, candidates, findings, after, texts, self.current)
        for fix in unstable:
            self.record(fix, Verdict.REJECTED, f"fixer bug: {NOT_IDEMPOTENT}", round_no)
        kept = [f for f in kept if f not in unstable]
        return kept, after, not (ineffective or culprits or unstable)

    def round(self, round_no: int, findings: list[Finding]) -> tuple[bool, list[Finding]]:
        """Plan, check and verify one batch; (anything kept, the findings now)."""
        proc.check_stop()
        texts = {p: self.current(p) for p in self.originals}
        candidates, bugs = self.candidates(round_no, findings, texts)
        if not candidates:
            return bugs, findings
        self.progress("plan", f"round {round_no}", f"{len(candidates)} fixes")
        touched = paths_of(candidates)
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
            candidates, after, clean = self.analyzer_check(candidates, findings, round_no)
            if not clean:
                tested = False
                continue
            if tested:
                settled = True
                break
            if first and not self.no_verify and self.lookahead(round_no, candidates, findings, after):
                return True, self.lookahead_findings  # the later rounds are verified too
            first = False
            if not test_passes:
                break
            test_passes -= 1
            candidates, dropped = self.test_batch(candidates, round_no)
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
        verdict = Verdict.UNVERIFIED if self.no_verify else Verdict.VERIFIED
        for fix in candidates:
            self.record(fix, verdict, self.passed if verdict is Verdict.VERIFIED else
                        "not verified (--no-verify)", round_no)
        for path in touched:
            self.seen[path].add(text_hash(texts[path]))
        self.state = self.texts(candidates)
        return True, [f for f in findings if f.path not in touched] + [
            f for f in after if f.path in touched] + self.carried(findings, candidates, texts,
                                                                 self.state)

    @staticmethod
    def carried(findings: Sequence[Finding], fixes: Sequence[Fix], before: Mapping[str, str],
                after: Mapping[str, str]) -> list[Finding]:
        """Failures (`heal --from-tests`) in files the fixes edit and do not fix: no analyzer
        reports them again, so they go on to the next round, moved with their lines."""
        fixed = {fp for fix in fixes for fp in fix.fingerprints}
        touched = paths_of(fixes)
        return [failures.moved(f, before[f.path], after.get(f.path, before[f.path]))
                for f in findings if f.tool in failures.TOOLS and f.path in touched
                and f.fingerprint not in fixed]

    def lookahead(self, round_no: int, first: list[Fix], findings: list[Finding],
                  after: list[Finding]) -> bool:
        """The fast path of a round: plan the later rounds on top of it with the analyzers
        alone (`lookahead.Chain`), then run the tests once for all of them (an unused import
        removed in round 1 makes an import block unsorted for round 2). When that run passes
        every round is verified by it (and it is the final check); when it fails nothing of the
        look-ahead is kept and the caller bisects the first round as usual. Whether it was
        kept."""
        base_state = dict(self.state)
        state = self.texts(first)
        chain = Chain(self, round_no, [(base_state, first)], state, [
            f for f in findings if f.path not in paths_of(first)] + after + self.carried(
            findings, first, {p: self.current(p) for p in self.originals}, state))
        chain.plan()
        steps, state, now = chain.steps, chain.state, chain.now
        if len(steps) == 1:
            return False
        with self.clock.phase("tests"):
            run = self.all_rounds(state, [fix for _, fixes in steps for fix in fixes])
        if not run.passed:
            self.history.event(self.run_id, "lookahead", "failed", tool="tests",
                               parameters={"rounds": len(steps)})
            self.hint = set(run.failed)
            return False
        for offset, (step_state, fixes) in enumerate(steps):
            self.state = step_state
            for fix in fixes:
                self.record(fix, Verdict.VERIFIED, self.passed, round_no + offset)
            for path in paths_of(fixes):
                self.seen[path].add(text_hash(step_state.get(path, self.originals[path].text)))
        self.state = state
        self.suite.last_passed = state
        self.lookahead_findings = now
        self.history.event(self.run_id, "lookahead", "passed", tool="tests",
                           parameters={"rounds": len(steps),
                                       "fixes": sum(len(f) for _, f in steps),
                                       "ruff_alone": chain.ruff_alone})
        return True

    def all_rounds(self, state: dict[str, str], fixes: Sequence[Fix]) -> TestRun:
        """The look-ahead's one run for all its rounds: the whole suite, or in the pre-commit
        profile the tests that import the files it changes."""
        self.baseline_ready()
        selection = Selection(tests=self.selector.importers_of_scope(state, fixes),
                              reason="imports") if self.selector.imports_only else None
        fragile = self.fragile(fixes)
        if fragile and selection is None and self.suite.runner and self.suite.runner.is_pytest:
            run = self.suite.run(state, "batch", len(fixes), focused(fragile), keep_going=True,
                                 require=self.required(fixes))
            if not run.passed and run.returncode not in (PYTEST_USAGE, PYTEST_NO_TESTS):
                return run  # it fails on them: the caller bisects the first round from there
        return self.test(fixes, "batch", selection, texts=state)

    def retry_rejected(self) -> bool:
        """Once no fix is left to try: give the fixes the analyzers turned down one more chance
        against what landed after them. Their verdict depended on the rest of their batch: a
        fix that wrote `Optional[str]` elsewhere in the file made UP045's `Optional[str]` look
        still there, and `version: str = None` made `str | None` brings an [arg-type] error
        until the callee's parameter is made Optional too. A second run of heal would land
        them; this way one run does. Each fix is judged again at most once, and only when a
        fix was verified after it was rejected. Whether there is anything to try again."""
        again = self.ledger.retry_candidates()
        if not again:
            return False
        self.ledger.retried |= again
        self.ledger.given_up -= again
        self.history.event(self.run_id, "retry", "started", tool="planner",
                           parameters={"fingerprints": len(again)})
        return True

    def reset_for_full_runs(self) -> None:
        """After a selection miss: forget this run's fixes and verify from scratch, fully."""
        self.selector.give_up()
        self.defer_whole_runs = self.suite.owed = False
        self.state = {}
        self.ledger.restart()
        self.seen.clear()
        self.suite.last_passed = {}

    def defer_uncovered(self, fixes: list[Fix], texts: Mapping[str, str]) -> list[Fix]:
        """A passing suite proves nothing about a line no test runs: an unsafe fix (or a pattern
        below the auto-apply confidence) that no test covers goes to review, not to land."""
        kept = []
        for fix in fixes:
            if any(fp in self.expected for fp in fix.fingerprints):
                kept.append(fix)  # its failing tests are its evidence, and they must pass
                continue
            risky = fix.safety is Safety.UNSAFE or (
                fix.source.startswith("pattern:")
                and fix.confidence < self.config.auto_apply_confidence)
            if risky and self.evidence(fix)[0] == "uncovered":
                if fix.also:  # the review queue lands one file's fixes at a time: not these
                    self.ledger.decline(fix, "no test executes the changed lines, and a rename "
                                             "across files needs that evidence; rename it by hand")
                    continue
                for fingerprint in fix.fingerprints:
                    self.ledger.deferred[fingerprint] = (
                        "no test executes the changed lines, and an unsafe fix needs that "
                        "evidence to land on its own")
                continue
            kept.append(fix)
        return kept

    # -- the whole run -----------------------------------------------------------------------
    def rounds(self, findings: list[Finding], notes: list[str]) -> list[Finding]:
        """Plan and verify round after round until nothing more changes (then once more for the
        fixes the analyzers turned down, if anything landed after them), then the final check.
        What the user should know is appended to `notes`."""
        self.expect(findings)
        round_no = 1
        while round_no <= self.config.max_iterations:
            changed, findings = self.round(round_no, findings)
            round_no += 1
            if not changed and not self.retry_rejected():
                break
        else:
            notes.append(f"stopped after {self.config.max_iterations} rounds "
                         "(max-iterations); rerun heal to continue")
        with self.clock.phase("tests"):
            self.final_check()
        self.defer_whole_runs = False  # no final check follows the batches of review fixes
        return findings

    def final_check(self) -> None:
        """The combined patch passes the full test command before anything lands. When the
        batches ran only selected tests and the full run fails, the selection missed a test:
        that is recorded, and the caller verifies everything again with full runs."""
        self.baseline_ready()
        if self.no_verify or not self.state or self.suite.last_passed == self.state:
            return
        if self.selector.imports_only:  # the fast profile: the tests that import what changed
            selection = self.select([])
            last = self.suite.last_selected
            if last is not None and last[0] == self.state and set(selection.tests) <= last[1]:
                return  # the batch's run was this one: these texts, these tests (and more)
            run = self.test([], "final", selection)
            if not run.passed:
                self._reject_all("the combined patch fails the tests that import it")
            return
        run = self.test([], "final")
        if not run.passed and (self.selector.used or self.suite.owed):
            self.history.event(self.run_id, "selection_miss", "failed", tool="tests",
                               parameters={"failed": list(run.failed)}, error=run.excerpt(5))
            raise SelectionMissError(run)
        if not run.passed:
            self._reject_all("the combined patch fails the final test run")

    def _reject_all(self, reason: str) -> None:
        for entry in self.ledger.records:
            if entry.verdict is Verdict.VERIFIED:
                entry.verdict = Verdict.REJECTED
                entry.reason = reason
        self.state = {}

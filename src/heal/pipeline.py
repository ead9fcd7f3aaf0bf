"""The one place heal's flow lives: scan -> plan -> verify -> land -> record -> learn.

The front ends turn options into a request and call `heal()` (`scan.scan()` for a scan alone);
everything here returns values and raises `HealError`s, and reports progress through a callback
so a front end can draw it. Each step is a call into a module with one job:

  scan      scan.py        the files in scope and what the analyzers find in them
  plan      plan.py        patterns first, then fixers (called by the engine, round by round)
  verify    verify/        worktrees, baseline, analyzer re-check, batches and bisection
  land      land.py        the verified texts into the user's tree (or a diff, or a branch)
  record    record.py      history and audit; review.py queues what needs a human
  learn     record.py      verified fixes become patterns
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import git

from heal import breaker, commit_scope, decisions, lock, review
from heal.audit import AuditLog
from heal.clock import Clock
from heal.config import Config, load_config
from heal.errors import HealError, StoppedError, UsageError
from heal.healers import fixers_for
from heal.history import History, new_run_id
from heal.land import Landed, land_verified
from heal.llm.fixer import LLMFixer
from heal.model import Finding, Safety, Verdict, counted
from heal.patterns.library import PatternLibrary
from heal.record import learn_patterns, record_fixes
from heal.redact import redact
from heal.results import HealResult
from heal.sandbox import git as gitops
from heal.sandbox import proc
from heal.sandbox.recovery import recover
from heal.scan import ScanRequest, scan
from heal.state import ensure_state_dir
from heal.status import ProgressCallback, clear_status, quiet, write_status
from heal.verify import for_review, reactive
from heal.verify.engine import Engine, SelectionMissError
from heal.verify.reactive import Reactive
from heal.verify.recheck import fixable


@dataclass(frozen=True)
class HealRequest:
    scan: ScanRequest = field(default_factory=ScanRequest)
    dry_run: bool = False
    no_verify: bool = False
    commit: bool = False
    branch: str | None = None
    command: str = "heal"
    approve_all: bool = False  # --approve-all-verified: land review fixes too (batch use in CI)
    in_commit: bool = False  # --hook: git is making a commit, a merge's or a rebase's too
    no_llm: bool = False  # --no-llm: leave `[tool.heal.llm]` unused for this run
    reactive: Reactive | None = None  # --from-tests / --from-log: heal failures


def _reactive_scan(request: HealRequest) -> ScanRequest:
    """A reactive run heals its failures only (no analyzer runs), and tries unsafe fixes too:
    the failing test that must pass is stronger evidence than a fix's safety label."""
    if request.reactive is None:
        return request.scan
    return dataclasses.replace(request.scan, overrides={**request.scan.overrides,
                                                        **reactive.OVERRIDES})


def heal(request: HealRequest, progress: ProgressCallback = quiet,
         skip_missing: bool = False,
         on_landed: Callable[[HealResult], None] | None = None) -> HealResult:
    """Scan, fix in a worktree, verify with the tests, land what passed, record everything,
    learn. `on_landed(result)` is called once the fixes landed and were recorded, before
    learning: the front end can report then (learning adds its messages to the result)."""
    started = time.perf_counter()
    clock = Clock()
    repo, root = _open_repository(request)
    llm = _llm_fixer(request, root)  # a missing package or key stops here, before any work
    state_dir = ensure_state_dir(root)
    run_id = new_run_id()
    with proc.stop_on_signals(), lock.held(state_dir, request.command, run_id) as held_lock:
        history = History(state_dir)
        messages = recover(history, held_lock, repo, state_dir)
        history.start_run(run_id, request.command, "dry-run" if request.dry_run else "heal",
                          gitops.head_sha(repo))
        progress = _status(state_dir, run_id, progress)
        engine: Engine | None = None
        outcome: HealResult | None = None
        try:
            _phase(clock, state_dir, run_id, "scan")
            scanned = scan(_reactive_scan(request), progress, skip_missing)
            config = scanned.config
            library = PatternLibrary(root, config)  # a bad pattern file stops here, named
            audit = AuditLog(state_dir, run_id, scanned.secrets)
            messages += [e.message for e in scanned.errors if e.tool == "heal"]  # not run
            result = outcome = HealResult(run_id=run_id, root=root, config=config, scan=scanned,
                                          messages=messages, dry_run=request.dry_run,
                                          llm=llm.usage if llm else None)
            originals = {f.path: f for f in scanned.files}
            engine = Engine.open(repo, root, state_dir, config, run_id, originals, history,
                                 progress, scanned.secrets, patterns=library.propose,
                                 blocked=_breaker(history, config, root),
                                 no_verify=request.no_verify, clock=clock)
            if request.in_commit and gitops.making_commit():  # the hook inside `git commit`:
                # what the commit changes, not the staged files' whole past
                result.messages += _leave_unchanged_lines(engine, repo, scanned.findings)
            if request.reactive is not None:  # the failures are the findings
                found, notes = reactive.findings(request.reactive, engine)
                scanned = result.scan = dataclasses.replace(scanned, findings=found)
                result.messages += notes
            history.record_findings(run_id, [
                (f.fingerprint, f.rule, f.category.value, f.priority.value, f.path,
                 f.span.start.line, redact(f.message, scanned.secrets), f.tool)
                for f in scanned.findings])
            audit.write("run-start", command=request.command, findings=len(scanned.findings))
            findings = _verify(engine, [f for f in scanned.findings if f.path in originals
                                        and not reactive.unplaced(f)],
                               result, clock, review.settled(history), llm)

            # landing, recording, the review queue and --commit are one unit: a stop that
            # arrives meanwhile takes effect after it, and says what landed
            with proc.uninterrupted():
                _phase(clock, state_dir, run_id, "land")
                landed = land_verified(engine, repo, root, history, run_id, request.dry_run,
                                       request.commit, request.branch)
                _take(result, landed, engine, findings)
                result.remaining += [f for f in scanned.findings
                                     if reactive.unplaced(f) and f not in result.remaining]
                _phase(clock, state_dir, run_id, "record")
                record_fixes(history, audit, run_id, result.records, landed, engine.secrets)
                for source, why in breaker.record_trips(history, config, run_id,
                                                        root=root).items():
                    result.messages.append(f"circuit breaker: {source} is off after repeated "
                                           f"failures ({why}); `heal rule ... --enable` turns "
                                           "it on")
                if not request.dry_run:
                    _phase(clock, state_dir, run_id, "review")
                    _queue_for_review(history, repo, root, result, engine)
            proc.check_stop()
            if request.approve_all and not request.dry_run:
                _approve_all(history, repo, root, result, engine)
                proc.check_stop()
            if request.reactive is not None:
                result.messages += reactive.unfixed(result.remaining, result.records,
                                                    result.declined)
            if on_landed is not None:
                result.duration = time.perf_counter() - started
                on_landed(result)
            if not request.dry_run:
                _phase(clock, state_dir, run_id, "learn")
                result.messages += learn_patterns(history, library, run_id, result.records,
                                                  result.landed)
            result.phases = clock.done()
            result.duration = time.perf_counter() - started
            history.finish_run(run_id, "ok", **_counts(result), duration=result.duration,
                               phases=result.phases, **_llm_figures(llm))
            audit.write("run-end", status="ok", landed=result.landed,
                        duration=round(result.duration, 3))
            return result
        except StoppedError:
            with contextlib.suppress(HealError):
                history.finish_run(run_id, "stopped", **_counts(outcome),
                                   duration=time.perf_counter() - started, **_llm_figures(llm))
            if outcome is not None and (outcome.landed or outcome.commit):
                with contextlib.suppress(HealError, OSError):
                    audit.write("run-end", status="stopped", landed=outcome.landed,
                                commit=outcome.commit)
                raise StoppedError(stopped_after_landing(outcome)) from None
            raise
        except HealError as error:
            with contextlib.suppress(HealError):  # a full disk fails this too: keep the first
                history.finish_run(run_id, "error", error=error.message, **_counts(outcome),
                                   duration=time.perf_counter() - started, **_llm_figures(llm))
            if outcome is not None and outcome.landed:
                raise HealError(f"{error.message} (this run had already landed its verified "
                                f"fixes to {', '.join(outcome.landed)})") from None
            raise
        except BaseException as error:
            if isinstance(error, Exception) and proc.stop_requested() and not (
                    outcome is not None and (outcome.landed or outcome.commit)):
                # the stop raised in the middle of some work whose broad `except` took it
                # for that work's own failure, and what it left half done failed next: the
                # run was stopped, and is reported (and recorded) as such
                with contextlib.suppress(HealError):
                    history.finish_run(run_id, "stopped", **_counts(outcome),
                                       duration=time.perf_counter() - started,
                                       **_llm_figures(llm))
                raise StoppedError("stopped on request; your working tree is unchanged") \
                    from error
            with contextlib.suppress(HealError):
                history.finish_run(run_id, "error", error=f"{type(error).__name__}: {error}",
                                   duration=time.perf_counter() - started)
            raise
        finally:
            with proc.uninterrupted():  # the run has ended (or is ending): a stop now would cut
                if engine is not None:  # the tidying short and replace what the run says
                    engine.close()
                clear_status(state_dir, run_id)
                history.close()


def _open_repository(request: HealRequest) -> tuple[git.Repo, Path]:
    """The repository to heal, once the request is known to make sense for it."""
    repo = gitops.open_repo(request.scan.repo)
    root = gitops.root_of(repo)
    # a merge or rebase under way is the user's to finish, except when it is finishing: the
    # hook runs inside its commit (on the conflicted files pre-commit passes)
    problem = None if request.in_commit else gitops.environment_problem(repo)
    if problem:
        raise problem
    if request.branch and (request.commit or request.dry_run):
        raise UsageError("--branch cannot be combined with --commit or --dry-run")
    if request.branch:
        gitops.check_branch_name(repo, request.branch)
    if request.commit and gitops.is_detached(repo):
        raise UsageError("--commit: HEAD is detached, so the commit would be on no branch; check "
                         "out a branch first, or use --branch NAME to commit on a new one")
    return repo, root


def _leave_unchanged_lines(engine: Engine, repo: git.Repo, findings: list[Finding]
                           ) -> list[str]:
    left = commit_scope.outside(repo, findings, {p: f.text for p, f in engine.originals.items()})
    engine.ledger.left |= {finding.fingerprint for finding in left}
    if not left:
        return []
    return [f"left alone: {counted(len(left), 'finding')} on lines this commit does not "
            "change (`heal` heals them)"]


def _verify(engine: Engine, findings: list[Finding], result: HealResult, clock: Clock,
            settled: Callable[..., bool], llm: LLMFixer | None) -> list[Finding]:
    """Step 4: the baseline, then round after round to a fixpoint, then the fixes for review.
    A selection miss (the final full run fails where every selected run passed) verifies
    everything again with full runs. Returns the findings after the verified fixes."""
    config = engine.config
    wanted = [f for f in findings if fixable(f, config) or f.fixable == "review"
              or any(cls.SAFETY is Safety.REVIEW for cls in fixers_for(f.rule)
                     if f.rule in cls.RULES)]
    if wanted or (llm is not None and findings):
        clock.enter("plan")  # what the engine does outside its tests and re-checks
        proc.phase_started("plan")
        if not engine.no_verify:  # its test runs go on while the first round is planned
            engine.establish_baseline(beside=True)
        start = findings
        try:
            findings = engine.rounds(findings, result.messages)
        except SelectionMissError as miss:
            result.messages.append(
                "selection miss: the final full run failed "
                f"({', '.join(miss.run.failed[:3]) or 'see history'}) although every "
                "selected test passed; verified everything again with full runs")
            engine.reset_for_full_runs()
            findings = engine.rounds(start, result.messages)
        engine.baseline_ready()  # a run whose fixes needed no test has one all the same
        result.baseline = engine.suite.baseline
        for_review.review(engine, findings, config.max_iterations + 1, settled)
        if llm is not None:
            for_review.ask_llm(engine, findings, config.max_iterations + 1, settled, llm)
        result.messages += engine.selector.messages + engine.messages
    result.records = engine.ledger.records
    result.declined = list(engine.ledger.declined.values())
    result.test_runs = engine.suite.runs
    result.test_run_kinds = {"full": engine.suite.full_runs,
                             "selected": engine.suite.runs - engine.suite.full_runs}
    result.rechecks = engine.recheck.count
    return findings


def _take(result: HealResult, landed: Landed, engine: Engine, findings: list[Finding]) -> None:
    """The landing's outcome into the result, and the findings that remain after it."""
    result.patch = landed.patch
    result.landed = landed.written
    result.skipped_files += landed.skipped
    result.commit = landed.commit
    result.branch = landed.branch
    written = set(landed.written)
    result.remaining = [f for f in findings if f.path in written
                        or f.path not in engine.state] + [
        f for f in result.scan.findings if f.path in engine.state and f.path not in written]


def _counts(result: HealResult | None) -> dict[str, int]:
    """A run's row in history: what it found, landed (written), rejected, queued, ran."""
    if result is None:
        return {}
    return {"findings": len(result.scan.findings), "landed": len(result.landed_fixes()),
            "rejected": len(result.by_verdict(Verdict.REJECTED)),
            "review": len(result.by_verdict(Verdict.NEEDS_REVIEW)),
            "test_runs": result.test_runs}


def _phase(clock: Clock, state_dir: Path, run_id: str, name: str) -> None:
    """A phase begins: the clock, `.heal/status.json` and the test seam
    (`HEAL_TEST_STOP_AT=<name>` stops the run here)."""
    clock.enter(name)
    write_status(state_dir, run_id, name, 0, 0)
    proc.phase_started(name)


def stopped_after_landing(result: HealResult) -> str:
    """What a stop that came once fixes had landed says: exactly what landed, and where."""
    fixes, files = len(result.landed_fixes()) + result.approved, len(result.landed)
    if result.branch:
        return (f"stopped after committing {fixes} fixes in {files} files on branch "
                f"{result.branch}; your working tree is unchanged; `heal history` lists them")
    committed = f" (committed as {result.commit[:10]})" if result.commit else ""
    return (f"stopped after landing {fixes} fixes in {files} files{committed}; "
            "`heal history` lists them")


def _queue_for_review(history: History, repo: git.Repo, root: Path, result: HealResult,
                      engine: Engine) -> None:
    queued = result.by_verdict(Verdict.NEEDS_REVIEW)
    if queued:
        review.queue_verified(history, repo, root, result.run_id, queued, engine.current)


def _approve_all(history: History, repo: git.Repo, root: Path, result: HealResult,
                 engine: Engine) -> None:
    """--approve-all-verified: the queued fixes land too (verified again if the tree moved)."""
    queued = result.by_verdict(Verdict.NEEDS_REVIEW)
    written = [e for e in queued if e.fix.source.startswith("llm:")]
    queued = [e for e in queued if e not in written]  # a model's fix always waits for a human
    if written:
        result.messages.append(f"--approve-all-verified lands no fix a model wrote (waiting in "
                               f"the review queue: {len(written)}; `heal review` lists them)")
    if not queued:
        return
    result.messages.append(f"--approve-all-verified: landing {len(queued)} reviewed fixes")
    outcome = decisions.approve_items(history, repo, root, result.config,
                                      [review.find(history, e.fix.id) for e in queued],
                                      result.run_id, engine.progress)
    result.landed = sorted(set(result.landed) | set(outcome.landed))
    result.messages += outcome.messages
    result.approved = len(outcome.approved)
    fixed = {fp for e in queued if e.fix.id in outcome.approved for fp in e.fix.fingerprints}
    result.remaining = [f for f in result.remaining if f.fingerprint not in fixed]


def _llm_fixer(request: HealRequest, root: Path) -> LLMFixer | None:
    """The LLM fixer when `[tool.heal.llm]` configures it and --no-llm does not turn it off;
    opening it checks the `openai` package and the key (one-line errors)."""
    if request.no_llm:
        return None
    settings = load_config(root).llm
    return LLMFixer(settings) if settings is not None else None


def _llm_figures(llm: LLMFixer | None) -> dict[str, int]:
    """The run's model usage for its history row (nothing when no model was configured)."""
    if llm is None:
        return {}
    return {"llm_requests": llm.usage.requests, "llm_tokens": llm.usage.tokens}


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

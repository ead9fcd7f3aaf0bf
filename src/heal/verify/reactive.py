"""Reactive healing: the findings of failing tests (`heal --from-tests`) and of a logged
traceback (`heal --from-log FILE`), and what heal says about the ones it could not fix.

The failing tests run once in the run's first worktree with the failures plugin on the path
(`_plugin/heal_failures_plugin.py`), which writes each failure's traceback as JSON; heal maps
each to the innermost frame in the project's files (`heal.failures`). The engine then requires
a fix's failing tests to pass (`Engine.expect`), on top of the usual checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from heal import failures
from heal.errors import BaselineError, UsageError
from heal.model import Declined, Finding, Verdict
from heal.verify.engine import Engine
from heal.verify.records import FixRecord
from heal.verify.runner import PYTEST_NO_TESTS, PYTEST_USAGE, TestRunner

OVERRIDES: dict[str, object] = {
    "analyzers": (),  # a reactive run's findings are its failures: no analyzer runs
    "unsafe_fixes": True,  # the failing test that must pass is stronger evidence than a label
}


@dataclass(frozen=True)
class Reactive:
    """What to heal from: failing tests (node ids, or every test when none) or a log file."""

    tests: tuple[str, ...] = ()
    log: Path | None = None


def findings(request: Reactive, engine: Engine) -> tuple[list[Finding], list[str]]:
    """The reactive findings (those of failures no frame of which is in the project's files
    are marked `failures.UNPLACED`: no fixer sees them), and a note when nothing fails."""
    texts = {path: source.text for path, source in engine.originals.items()}
    if request.log is not None:
        found = _from_log(request.log)
        base = None
    else:
        found, base = _from_tests(engine, request.tests)
        if not found:
            return [], ["no test fails: nothing to heal"]
    placed, unplaced = failures.to_findings(found, texts, base)
    engine.known_failures = sorted({f.test for f in found if f.test})
    return placed + [u.finding() for u in unplaced], []


def _from_tests(engine: Engine, tests: Sequence[str]) -> tuple[list[failures.Failure], Path]:
    config = engine.config
    runner = TestRunner(config.test_command, engine.python, config.test_timeout)
    if not runner.is_pytest:
        raise UsageError(f"--from-tests reads pytest's failures, and the test command "
                         f"`{config.test_command}` is not pytest; set test-command or --test-cmd")
    tree = engine.suite.primary()
    report = engine.state_dir / f"failures-{engine.run_id}.json"
    engine.progress("tests", "failures", "running the tests to collect their failures")
    try:
        run = runner.run(tree.path, only=tests, keep_going=True, failures=report)
        found = failures.read_report(report)
    finally:
        report.unlink(missing_ok=True)
    engine.suite.record_run("failures", run, selected=len(tests))
    if run.returncode in (PYTEST_USAGE, PYTEST_NO_TESTS) and not found:
        raise UsageError(f"--from-tests: pytest found no test to run ({_last_line(run.output)});"
                         " pass node ids as pytest prints them (tests/test_x.py::test_name)")
    if run.timed_out and not found:
        raise BaselineError(f"--from-tests: the tests ran over test-timeout "
                            f"({config.test_timeout:.0f}s); pass --timeout, or name the failing "
                            "tests")
    if not run.passed and not found:
        raise BaselineError(f"--from-tests: the tests failed but pytest reported no failure "
                            f"heal can read (exit {run.returncode}: {_last_line(run.output)})")
    return found, tree.path.resolve()


def _from_log(path: Path) -> list[failures.Failure]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise UsageError(f"--from-log {path}: cannot read it ({error.strerror or error}); "
                         "pass a readable log file") from None
    found = failures.parse_log(text, path.name)
    if not found:
        raise UsageError(f"--from-log {path}: no Python traceback in it (a block that starts "
                         "`Traceback (most recent call last):`); pass the log that has one")
    return found


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:160] if lines else "no output"


def unplaced(finding: Finding) -> bool:
    """A failure no frame of which is in the project's files: reported, never planned."""
    return finding.severity == failures.UNPLACED


def unfixed(remaining: Sequence[Finding], records: Sequence[FixRecord],
            declined: Sequence[Declined]) -> list[str]:
    """Per failing test (or logged traceback) left unfixed: where it failed, and why heal did
    not fix it. Those whose fix waits for review are said so."""
    why_declined = {d.fingerprint: d.reason for d in declined}
    verdicts: dict[str, FixRecord] = {}
    for record in records:
        for fp in record.fix.fingerprints:
            verdicts[fp] = record
    lines = []
    for finding in remaining:
        if finding.tool not in (failures.TOOL, failures.LOG_TOOL):
            continue
        found = verdicts.get(finding.fingerprint)
        if found is not None and found.verdict is Verdict.NEEDS_REVIEW:
            reason = f"its fix is queued (`heal review`, fix {found.fix.id})"
        elif found is not None and found.verdict is Verdict.REJECTED:
            reason = f"the fix was rejected: {found.reason}"
        elif finding.severity == failures.UNPLACED:
            reason = finding.hint or ""
        elif finding.fingerprint in why_declined:
            reason = why_declined[finding.fingerprint]
        elif finding.fixable == "none":
            reason = f"no fixer handles {finding.rule}"
        else:
            reason = "no fixer made a fix for it"
        waits = found is not None and found.verdict is Verdict.NEEDS_REVIEW
        lines.append(f"{'waits for review' if waits else 'not fixed'}: "
                     f"{failures.described(finding)}: {reason}")
    return lines

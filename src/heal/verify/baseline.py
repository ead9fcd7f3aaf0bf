"""The baseline every verdict compares to: the suite on the unchanged code.

The baseline runs first and is cached in `.heal/baseline.json` by a key over HEAD's tree, the
user's uncommitted files, the command and the interpreter. Tests failing at baseline are re-run
once: the ones that pass then are flaky; both kinds are deselected from every later pytest run,
so they can never be blamed on a fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heal.errors import BaselineError
from heal.verify.runner import PYTEST_NO_TESTS, TestRun, TestRunner

BASELINE_FILE = "baseline.json"
MAX_BASELINE_ROUNDS = 6


@dataclass
class Baseline:
    known_failures: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)
    duration: float = 0.0
    cached: bool = False
    runs: int = 0

    def deselected(self) -> list[str]:
        return sorted(set(self.known_failures) | set(self.flaky))




def baseline_key(tree: str, changed: Sequence[tuple[str, str]], runner: TestRunner) -> str:
    digest = hashlib.sha256()
    digest.update(tree.encode())
    for path, content_digest in sorted(changed):
        digest.update(f"{path}\0{content_digest}\n".encode())
    digest.update("\0".join(runner.argv).encode())
    return digest.hexdigest()[:24]


def load_cached(state_dir: Path, key: str) -> Baseline | None:
    try:
        data = json.loads((state_dir / BASELINE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entry = data.get(key) if isinstance(data, dict) else None
    if not isinstance(entry, dict):
        return None
    return Baseline(known_failures=list(entry.get("known_failures", [])),
                    flaky=list(entry.get("flaky", [])), duration=float(entry.get("duration", 0)),
                    cached=True)


def store(state_dir: Path, key: str, baseline: Baseline) -> None:
    path = state_dir / BASELINE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data = dict(list(data.items())[-20:])  # keep the file small
    data[key] = {"known_failures": baseline.known_failures, "flaky": baseline.flaky,
                 "duration": baseline.duration}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)


def _pytest_error(run: TestRun) -> str:
    """What stopped pytest, in one line: the first module it could not collect (`run.failed`)
    and the exception (`tests/test_x.py: ModuleNotFoundError: No module named 'x'`), else its
    last line that is not a warning printed after the summary (coverage's "No data was
    collected")."""
    error = re.search(r"^E\s+(\w+(?:Error|Exception|Exit)\b.*)$", run.output, re.MULTILINE)
    if error is not None:
        return ": ".join([*run.failed[:1], error.group(1).strip()])
    lines = [line.strip() for line in run.output.splitlines()
             if line.strip() and not re.search(r"Warning\b|\._warn\(", line)]
    return lines[-1] if lines else "?"


def _cannot_run(run: TestRun, runner: TestRunner) -> BaselineError:
    if runner.is_pytest and runner.argv[0] == runner.python and re.search(
            r"No module named '?pytest'?$", run.output, re.MULTILINE):
        return BaselineError(
            f"pytest is not installed for the project's interpreter {runner.python}; install it "
            f"there (`{runner.python} -m pip install pytest`), or set `python` or test-command "
            "in [tool.heal]")
    if run.timed_out:
        why = f"the test suite ran over test-timeout ({runner.timeout:.0f}s)"
    elif runner.is_pytest and run.returncode == PYTEST_NO_TESTS:
        why = "no tests were collected"
    elif runner.is_pytest and run.returncode in (2, 3, 4):
        why = f"pytest could not collect or run the tests ({_pytest_error(run)[:160]})"
    else:
        why = f"the test command exited with {run.returncode}"
    return BaselineError(f"baseline tests cannot run: {why}; fix the tests or test-command, "
                         "or pass --no-verify to land only safe fixes unverified")


def establish(runner: TestRunner, worktree: Path, recording: dict[str, str] | None = None,
              only: Sequence[str] = (), known: Sequence[str] = ()) -> tuple[Baseline, list[TestRun]]:
    """Run the suite on the unchanged code; learn which failures are known and which flaky.
    With `recording`, every run also records the coverage map (the last, passing one counts).
    `known`: tests a run just saw fail (`heal --from-tests`), deselected from the start."""
    runs: list[TestRun] = []
    baseline = Baseline(known_failures=list(known))
    for _ in range(MAX_BASELINE_ROUNDS):
        run = runner.run(worktree, deselect=baseline.deselected(), recording=recording,
                         only=only, keep_going=False)
        runs.append(run)
        baseline.duration += run.duration
        if run.passed:
            baseline.runs = len(runs)
            return baseline, runs
        if runner.is_pytest and run.returncode == PYTEST_NO_TESTS and known and \
                set(baseline.deselected()) <= set(known):
            baseline.runs = len(runs)  # every test is one to heal: no other one can break
            return baseline, runs
        if runner.is_pytest and run.returncode == PYTEST_NO_TESTS and baseline.deselected():
            raise BaselineError(
                f"every test fails before any fix ({len(baseline.known_failures)} failing, "
                f"{len(baseline.flaky)} flaky); fix the suite first, or pass --no-verify to land "
                "only safe fixes unverified")
        if not (runner.is_pytest and run.returncode == 1 and run.failed):
            raise _cannot_run(run, runner)
        rerun = runner.run(worktree, only=run.failed, keep_going=True)
        runs.append(rerun)
        still = set(rerun.failed) if not rerun.passed else set()
        baseline.known_failures += [t for t in run.failed if t in still]
        baseline.flaky += [t for t in run.failed if t not in still]
    raise BaselineError("too many tests fail at baseline to tell them apart; fix the suite first, "
                        "or pass --no-verify")

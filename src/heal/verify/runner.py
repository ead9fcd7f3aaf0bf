"""Running the project's own tests in a worktree.

The test command (default `python -m pytest -q -x -p no:cacheprovider`) runs with the project's
interpreter, from the worktree, with the worktree's package roots (`src/` and the root) first on
`PYTHONPATH`: an editable install of the project would otherwise send imports back to the user's
tree and test the wrong code. A run that exceeds the timeout is killed and counts as a failure.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from heal.errors import BaselineError
from heal.sandbox import proc
from heal.verify.coverage import PLUGIN, PLUGIN_DIR, environment_for_plugin

FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (?P<id>\S+?)(?: - .*)?$", re.MULTILINE)
OUTPUT_TAIL = 3000
PYTEST_USAGE = 4  # pytest's exit code for bad arguments (a test id it does not find)
PYTEST_NO_TESTS = 5
FAILURES_PLUGIN = "heal_failures_plugin"


@dataclass(frozen=True)
class TestRun:
    passed: bool
    returncode: int
    failed: tuple[str, ...]
    duration: float
    output: str  # the tail, for the record
    timed_out: bool = False
    # the whole suite ran to its end (past any failure, within its time, and pytest did not
    # stop for an error of its own): every test that fails with these texts is in `failed`
    complete: bool = False

    def excerpt(self, lines: int = 30) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def failed_ids(output: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.group("id") for m in FAILED_LINE.finditer(output)))


class TestRunner:
    """Runs the configured test command in a worktree."""

    def __init__(self, command: str, python: str, timeout: float) -> None:
        self.argv = shlex.split(command)
        if not self.argv:
            raise BaselineError("test-command is empty; set one in [tool.heal] or pass --test-cmd")
        if self.argv[0] in ("python", "python3"):
            self.argv[0] = python
        self.python = python
        self.timeout = timeout
        self.is_pytest = any("pytest" in part for part in self.argv[:3])

    def environment(self, worktree: Path) -> dict[str, str]:
        env = dict(os.environ)
        roots = [str(worktree / "src")] if (worktree / "src").is_dir() else []
        roots.append(str(worktree))
        env["PYTHONPATH"] = os.pathsep.join(roots)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        bindir = str(Path(self.python).parent)
        env["PATH"] = os.pathsep.join([bindir, env.get("PATH", "")])
        for noisy in ("PYTEST_ADDOPTS", "FORCE_COLOR", "PY_COLORS"):
            env.pop(noisy, None)
        env["NO_COLOR"] = "1"
        return env

    def command(self, deselect: Iterable[str] = (), only: Sequence[str] = (),
                keep_going: bool = False, plugin: str | None = None,
                worktree: Path | None = None) -> list[str]:
        """The argv for one run: `only` replaces the command's own test paths (a selection);
        `keep_going` drops -x (to see every failure: a bisection then runs just those)."""
        argv = list(self.argv)
        if not self.is_pytest:
            return argv
        if only:
            start = next(i for i, a in enumerate(argv) if "pytest" in a) + 1
            argv = argv[:start] + [a for a in argv[start:] if not (
                worktree and not a.startswith("-") and not Path(a).is_absolute()
                and (worktree / a.split("::")[0]).exists())]
            argv += list(only)
        if keep_going:
            argv = [a for a in argv if a != "-x"]
        for test_id in deselect:  # a file that fails to collect is left out whole
            argv += ["--ignore" if "::" not in test_id and test_id.endswith(".py")
                     else "--deselect", test_id]
        if plugin:
            argv += ["-p", plugin]
        return argv

    def run(self, worktree: Path, deselect: Iterable[str] = (), only: Sequence[str] = (),
            keep_going: bool = False, recording: dict[str, str] | None = None,
            failures: Path | None = None) -> TestRun:
        """One run; `recording` records the coverage map, `failures` has the failures plugin
        write every failure's traceback there as JSON."""
        plugin = None
        env = self.environment(worktree)
        if recording is not None:
            plugin = PLUGIN
            env = environment_for_plugin(env, recording)
        elif failures is not None:
            plugin = FAILURES_PLUGIN
            env = environment_for_plugin(env, {"HEAL_FAILURES_FILE": str(failures),
                                               "HEAL_PLUGIN_PATH": str(PLUGIN_DIR)})
        argv = self.command(deselect, only, keep_going, plugin, worktree)
        if failures is not None:  # every failure, past a file that fails to collect
            argv.append("--continue-on-collection-errors")
        try:
            done = proc.run(argv, worktree, env, self.timeout)
        except FileNotFoundError:
            raise BaselineError(
                f"test command not found: {argv[0]}; fix test-command in [tool.heal] or --test-cmd"
            ) from None
        output = (done.stdout + ("\n" + done.stderr if done.stderr.strip() else ""))[-OUTPUT_TAIL:]
        if done.timed_out:
            output += f"\nheal: the test run exceeded {self.timeout:.0f}s and was killed"
        return TestRun(passed=done.returncode == 0 and not done.timed_out,
                       returncode=done.returncode, failed=failed_ids(done.stdout),
                       duration=done.duration, output=output, timed_out=done.timed_out)

"""What every analyzer shares: its inputs, its result, and how it finds and runs its tool.

An analyzer turns one tool's output into `Finding`s in heal's conventions (1-based lines,
0-based columns, end exclusive, repo-relative POSIX paths). Analyzers never raise for what the
tool says about the code; a tool that cannot run at all is an `AnalyzerError` in the result,
and a tool that is not installed is a `ToolMissingError` before anything runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from heal.config import Config
from heal.discover import SourceFile
from heal.errors import ToolMissingError
from heal.model import AnalyzerError, Finding
from heal.sandbox import proc

INSTALL_HINTS = {
    "ruff": "pip install ruff",
    "mypy": "pip install mypy",
    "bandit": "pip install bandit",
}


@dataclass(frozen=True)
class AnalyzeContext:
    root: Path
    files: Sequence[SourceFile]
    config: Config
    python: str  # the project's interpreter
    state_dir: Path  # .heal/ (caches live here, never in the user's tree)
    extra_ruff_select: tuple[str, ...] = ()

    def by_path(self) -> dict[str, SourceFile]:
        return {f.path: f for f in self.files}


@dataclass
class AnalyzerResult:
    tool: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[AnalyzerError] = field(default_factory=list)
    duration: float = 0.0
    secrets: set[str] = field(default_factory=set)  # values to keep out of every output


class Analyzer(Protocol):
    name: str

    def check_available(self) -> None:
        """Raise ToolMissingError when the tool cannot run."""

    def run(self, context: AnalyzeContext) -> AnalyzerResult: ...


def find_tool(name: str) -> str:
    """The executable for `name`: $HEAL_<NAME>, else next to heal's interpreter, else PATH."""
    override = os.environ.get(f"HEAL_{name.upper()}")
    if override is not None:
        if Path(override).is_file() and os.access(override, os.X_OK):
            return override
        raise ToolMissingError(
            f"{name} not found at HEAL_{name.upper()}={override}; fix the variable, "
            f"or `{INSTALL_HINTS.get(name, 'install it')}`, or pass --skip-missing"
        )
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    raise ToolMissingError(
        f"{name} is not installed; `{INSTALL_HINTS.get(name, 'install it')}` "
        "in heal's environment, or pass --skip-missing"
    )


def run_tool(argv: Sequence[str], cwd: Path, timeout: float = 900.0) -> tuple[int, str, str, float]:
    """Run a tool with an argument list (never a shell); (exit code, stdout, stderr, seconds)."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("FORCE_COLOR", None)
    done = proc.run(argv, cwd, env, timeout)
    if done.timed_out:
        raise subprocess.TimeoutExpired(list(argv), timeout)
    return done.returncode, done.stdout, done.stderr, done.duration


def rel_path(root: Path, reported: str, cwd: Path | None = None) -> str:
    """A tool's path (absolute, './x.py' or cwd-relative) as a repo-relative POSIX path."""
    path = Path(reported)
    if not path.is_absolute():
        path = (cwd or root) / path
    try:
        return Path(os.path.normpath(path)).relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.normpath(path)).as_posix()

"""What every benchmark shares: the corpus that ../shared/bench/fetch-corpus.sh set up, the
environment a corpus project's tools run in, and heal's own executables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FETCH = HERE.parents[1] / "shared" / "bench" / "fetch-corpus.sh"
BIN = Path(sys.executable).parent  # heal, ruff, mypy, bandit of the environment running the bench


def corpus(names: list[str]) -> list[tuple[str, Path, str, str]]:
    """(name, source folder, interpreter, test command) of the named projects, or of all."""
    out = subprocess.run([str(FETCH), "--list", *names], check=True, capture_output=True,
                         text=True).stdout
    rows = []
    for line in out.strip().splitlines():
        name, src, python, test_cmd = line.split("\t")
        rows.append((name, Path(src), python, test_cmd))
    return rows


def env_for(python: str) -> dict[str, str]:
    """The environment of a project's own virtualenv, as its developer's shell would have it."""
    env = {**os.environ, "VIRTUAL_ENV": str(Path(python).parent.parent)}
    env["PATH"] = f"{Path(python).parent}{os.pathsep}{env['PATH']}"
    env.pop("PYTHONPATH", None)
    # heal as installed has its bytecode (pip compiles it): with this set (as on some CI
    # machines), every heal process would compile its own source first, a quarter second
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def each_project(rows: list[tuple[str, Path, str, str]],
                 measure: Callable[[str, Path, str, str], dict[str, Any]],
                 show: Callable[[str, dict[str, Any]], None], save: str | None) -> int:
    """Measure each project, print its figures as soon as they are in, and save them all
    (after each project, so an interrupted run keeps what it measured)."""
    saved: dict[str, Any] = {}
    for name, src, python, test_cmd in rows:
        saved[name] = measure(name, src, python, test_cmd)
        show(name, saved[name])
        sys.stdout.flush()
        if save:
            Path(save).write_text(json.dumps(saved, indent=1))
    return 0

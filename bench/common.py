"""What every benchmark shares: the corpus that ../shared/bench/fetch-corpus.sh set up, the
environment a corpus project's tools run in, and heal's own executables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    return env

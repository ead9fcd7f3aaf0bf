"""Writing into a worktree: what the analyzers' caches see when heal swaps file versions fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from heal.sandbox.worktree import write_in_sandbox

V1 = b"def f(x: int | None = None, y: int = None) -> None:\n    pass\n"
V2 = b"def f(x: int = None, y: int | None = None) -> None:\n    pass\n"  # same length as V1


def mypy(path: Path, cache: Path) -> str:
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache),
                           "--no-error-summary", str(path)], capture_output=True, text=True).stdout


def test_two_versions_of_one_length_written_in_a_second_are_both_checked(tmp_path):
    target = tmp_path / "m.py"
    write_in_sandbox(target, V1)
    first = mypy(target, tmp_path / "cache")
    write_in_sandbox(target, V2)  # mypy's cache would take this for V1: same size, same second
    second = mypy(target, tmp_path / "cache")
    assert 'parameter "y"' in first and 'parameter "x"' not in first
    assert 'parameter "x"' in second and 'parameter "y"' not in second


def test_each_write_moves_the_mtime_on_by_a_whole_second(tmp_path):
    target = tmp_path / "m.py"
    stamps = []
    for data in (V1, V2, V1):
        write_in_sandbox(target, data)
        stamps.append(int(target.stat().st_mtime))
    assert stamps[0] < stamps[1] < stamps[2]

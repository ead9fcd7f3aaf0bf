"""heal.commands: main(argv) -> int, and each command's module loaded only when it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from heal.commands import COMMANDS, main

# what `heal ARGS` loaded, run in a fresh interpreter so nothing is imported yet
LOADED = """
import json, sys
from heal.commands import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""
HEAVY = ("textual", "heal.dashboard.app", "heal.healers", "heal.patterns.library")


def _loaded(*args: str, cwd: Path) -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", LOADED, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=True)
    result = json.loads(done.stdout.splitlines()[-1])
    return result["code"], set(result["modules"])


def test_help_lists_every_command_without_the_engine(tmp_path: Path) -> None:
    code, modules = _loaded("--help", cwd=tmp_path)
    assert code == 0
    assert {f"heal.commands.{name}" for name in COMMANDS} <= modules
    assert not [m for m in modules if m.startswith((*HEAVY, "heal.pipeline", "libcst"))]


def test_scan_loads_its_command_only(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.py": "import os\n\n\ndef spin():\n    while True:\n        pass\n"})
    code, modules = _loaded("--scan", "--format", "json", cwd=repo)
    assert code in (0, 1)
    commands = {m for m in modules if m.startswith("heal.commands.")}
    assert commands == {"heal.commands._common", "heal.commands.run"}
    assert not [m for m in modules if m.startswith(HEAVY)]
    # the native detectors ran (the infinite-loop rule visits the loop's body), without
    # libcst.matchers: half a second of a cold scan's start-up
    assert "heal.rules.registry" in modules and "libcst.matchers" not in modules


@pytest.mark.parametrize(("argv", "code"), [(["--version"], 0), (["rules", "--format", "x"], 2),
                                            (["ci", "--shard", "3/2"], 2)])
def test_main_returns_the_exit_code(argv: list[str], code: int,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == code

"""Untrusted trees: heal never runs a file git tracks in the scanned repository (a committed
`.venv/bin/python`, a tracked `python = ...` in [tool.heal]) unless told `--trust`, and
`heal ci --untrusted` runs nothing from the tree at all (no project interpreter, no mypy
plugins, no tests) and says what it left out.

Each planted file appends a line to $HEAL_MARKER when it runs, then behaves (the interpreter
execs heal's own Python), so a test sees exactly whether heal ran it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from conftest import git

INTERPRETER = f'#!/bin/sh\necho ran "$0" >> "$HEAL_MARKER"\nexec {sys.executable} "$@"\n'
PLUGIN = '''
import os

with open(os.environ["HEAL_MARKER"], "a") as marker:
    marker.write("plugin\\n")


def plugin(version):
    from mypy.plugin import Plugin

    return Plugin
'''
PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": "import os\n\n\ndef double(x: int) -> int:\n    return x * 2\n",
    "tests/test_pkg.py": "from pkg.util import double\n\n\ndef test_double():\n"
                         "    assert double(2) == 4\n",
}


def _repo(make_repo, extra: dict[str, str], executable: str) -> Path:
    repo = make_repo({**PROJECT, **extra}, commit=False)
    os.chmod(repo / executable, 0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a tree with code in it")
    return repo


def _ran(marker: Path) -> str:
    return marker.read_text() if marker.exists() else ""


def test_a_tracked_virtualenv_runs_only_with_trust(make_repo, heal, tmp_path):
    repo = _repo(make_repo, {".venv/bin/python": INTERPRETER,
                             "pyproject.toml": '[tool.heal]\nanalyzers = ["ruff", "mypy"]\n'},
                 ".venv/bin/python")
    marker = tmp_path / "marker"
    env = {"HEAL_MARKER": str(marker)}
    scan = heal("--scan", cwd=repo, env=env)
    assert scan.returncode in (0, 1), scan.stderr
    assert _ran(marker) == ""
    assert ("did not run .venv/bin/python: git tracks .venv/bin/python in this repository"
            in scan.stdout) and "pass --trust to run it" in scan.stdout
    trusted = heal("--scan", "--trust", cwd=repo, env=env)
    assert trusted.returncode in (0, 1), trusted.stderr
    assert ".venv/bin/python" in _ran(marker)  # mypy asked it for its site-packages


def test_a_tracked_configured_python_is_not_run_to_heal(make_repo, heal, tmp_path):
    repo = _repo(make_repo, {"tools/py.sh": INTERPRETER, "pyproject.toml":
                             '[tool.heal]\nanalyzers = ["ruff"]\npython = "tools/py.sh"\n'},
                 "tools/py.sh")
    marker = tmp_path / "marker"
    result = heal(cwd=repo, env={"HEAL_MARKER": str(marker)})
    assert result.returncode == 0, result.stderr
    assert _ran(marker) == ""  # neither the baseline nor the batches ran it
    assert "did not run tools/py.sh" in result.stdout
    assert "import os" not in (repo / "pkg/util.py").read_text()  # verified with heal's own


def test_an_untracked_local_virtualenv_is_used(make_repo, heal, tmp_path):
    repo = make_repo({**PROJECT, ".gitignore": ".venv/\n",
                      "pyproject.toml": '[tool.heal]\nanalyzers = ["ruff", "mypy"]\n'})
    (repo / ".venv/bin").mkdir(parents=True)
    (repo / ".venv/bin/python").write_text(INTERPRETER)
    os.chmod(repo / ".venv/bin/python", 0o755)
    marker = tmp_path / "marker"
    scan = heal("--scan", cwd=repo, env={"HEAL_MARKER": str(marker)})
    assert scan.returncode in (0, 1), scan.stderr
    assert ".venv/bin/python" in _ran(marker) and "did not run" not in scan.stdout


def test_ci_untrusted_runs_nothing_from_the_tree(make_repo, heal, tmp_path):
    repo = _repo(make_repo, {".venv/bin/python": INTERPRETER, "plug.py": PLUGIN,
                             "pyproject.toml": '[tool.mypy]\nplugins = ["plug.py"]\n'},
                 ".venv/bin/python")
    marker = tmp_path / "marker"
    sarif = tmp_path / "out.sarif"
    result = heal("ci", "--untrusted", "--sarif", str(sarif), cwd=repo,
                  env={"HEAL_MARKER": str(marker)})
    assert result.returncode in (0, 1), result.stderr
    assert _ran(marker) == "" and sarif.exists()
    assert ("--untrusted: scanned only, nothing from the tree was run: no project interpreter, "
            "no mypy plugins, no test command, no fixes") in result.stdout
    assert "ran heal's own interpreter, not the project's (.venv/bin/python)" in result.stdout
    assert "left out mypy: its configuration loads plugins (plug.py)" in result.stdout
    refused = heal("ci", "--untrusted", "--autofix-branch", "fixes", cwd=repo)
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("heal: error: --untrusted runs nothing")
    assert _ran(marker) == ""
    trusted = heal("ci", "--trust", "--sarif", str(sarif), cwd=repo,
                   env={"HEAL_MARKER": str(marker)})  # what --untrusted kept from running
    assert trusted.returncode in (0, 1), trusted.stderr
    assert "plugin" in _ran(marker) and ".venv/bin/python" in _ran(marker)

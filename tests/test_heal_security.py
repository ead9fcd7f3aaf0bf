"""heal itself is safe to run on a repository you just cloned: it makes no network connection,
runs no shell, keeps secrets out of its records (test_security_secrets.py), and nothing in a
repository's config, patterns or state folder can make it read or write outside the repository.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import GIT_ENV, REPO_ROOT, TEST_ENV, git

pytestmark = pytest.mark.slow

# Loaded by every Python process heal starts (heal, mypy, bandit, pytest in the sandbox) through
# PYTHONPATH: any attempt to resolve a host name or open an internet socket fails and is logged.
NO_NETWORK = textwrap.dedent('''
    import os, socket, sys

    def _audit(event, args):
        if event == "socket.getaddrinfo" or (
                event == "socket.connect" and args[0].family in (socket.AF_INET, socket.AF_INET6)):
            with open(os.environ["HEAL_NETWORK_LOG"], "a") as log:
                log.write(f"{os.getpid()} {sys.argv[:2]} {event} {args[1:]!r}\\n")
            raise OSError("network access blocked by heal's tests")

    sys.addaudithook(_audit)
''')

PROJECT = {
    "pyproject.toml": "[tool.heal]\n",  # every analyzer, every category
    "pkg/__init__.py": "",
    "pkg/net.py": textwrap.dedent('''
        import os
        import urllib.request


        def fetch(url):
            return urllib.request.urlopen(url)


        def size(items: list = []) -> int:
            return len(items)


        def show(items):
            for i in range(len(items)):
                print(items[i])


        LIMIT: int = "ten"
    '''),
    "tests/test_net.py": "from pkg.net import size\n\n\ndef test_size():\n    assert size([1]) == 1\n",
}


def test_a_whole_run_makes_no_network_connection(make_repo, tmp_path):
    repo = make_repo(PROJECT)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(NO_NETWORK)
    log = tmp_path / "network.log"
    env = {**os.environ, **GIT_ENV, **TEST_ENV, "PYTHONPATH": str(hooks),
           "HEAL_NETWORK_LOG": str(log)}
    # the hook works: a connection attempt from a child Python is blocked and logged
    probe = subprocess.run([sys.executable, "-c", "import socket; socket.getaddrinfo('pypi.org', 443)"],
                           env=env, capture_output=True, text=True)
    assert probe.returncode != 0 and "blocked" in probe.stderr and log.read_text()
    log.unlink()

    scan = subprocess.run([sys.executable, "-m", "heal", "--scan", "--format", "json"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=600)
    tools = {row["rule"].split(":")[0] for row in json.loads(scan.stdout)["findings"]}
    assert tools >= {"ruff", "mypy", "bandit", "heal"}, (tools, scan.stderr)
    result = subprocess.run([sys.executable, "-m", "heal", "--format", "json"], cwd=repo,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["summary"]["landed_files"]  # verified fixes landed
    assert not log.exists(), log.read_text()


def _shell_true_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(REPO_ROOT)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and any(
                kw.arg == "shell" and not (isinstance(kw.value, ast.Constant)
                                           and kw.value.value is False)
                for kw in node.keywords)]


def test_no_subprocess_call_in_heal_uses_a_shell():
    calls = [c for path in sorted((REPO_ROOT / "src" / "heal").rglob("*.py"))
             for c in _shell_true_calls(path)]
    assert calls == []


def test_bandit_finds_nothing_in_heals_own_code():
    result = subprocess.run([sys.executable, "-m", "bandit", "-q", "-r", "-c", "pyproject.toml",
                             "-f", "json", "src"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=300)
    report = json.loads(result.stdout)
    assert [(r["filename"], r["line_number"], r["test_id"]) for r in report["results"]] == []
    assert result.returncode == 0


def test_a_pattern_file_linked_outside_the_repository_is_refused(make_repo, heal, tmp_path):
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text((REPO_ROOT / "patterns").joinpath(
        sorted(p.name for p in (REPO_ROOT / "patterns").glob("*.yaml"))[0]).read_text())
    repo = make_repo(PROJECT)
    (repo / ".heal" / "patterns").mkdir(parents=True)
    (repo / ".heal" / "patterns" / "linked.yaml").symlink_to(elsewhere)
    result = heal(cwd=repo)
    assert result.returncode == 2
    assert ".heal/patterns/linked.yaml" in result.stderr and "symbolic link" in result.stderr


def test_a_state_folder_that_links_elsewhere_is_refused(make_repo, heal, tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "keep.txt").write_text("mine\n")
    repo = make_repo({"a.py": "import os\n"})
    (repo / ".heal").symlink_to(target)
    result = heal(cwd=repo)
    assert result.returncode == 2 and "symbolic link" in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]


def test_a_cloned_state_folder_with_links_inside_is_refused(make_repo, heal, tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "keep.txt").write_text("mine\n")
    repo = make_repo({"a.py": "import os\n"})
    (repo / ".heal").mkdir()
    (repo / ".heal" / "worktrees").symlink_to(target)
    git(repo, "add", "-f", ".heal")
    git(repo, "commit", "-qm", "a hostile state folder")
    result = heal(cwd=repo)
    assert result.returncode == 2 and "symbolic link" in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["keep.txt"]

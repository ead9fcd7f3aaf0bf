"""Shared fixtures: real throwaway git repositories and a way to run heal as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "fixtures"
# The suites heal runs inside throwaway repos do not need the plugins installed in heal's own
# test environment (hypothesis alone costs a second per run); real pytest, minus autoload.
TEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "heal tests", "GIT_AUTHOR_EMAIL": "tests@heal.invalid",
    "GIT_COMMITTER_NAME": "heal tests", "GIT_COMMITTER_EMAIL": "tests@heal.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def user_status(repo: Path) -> str:
    """`git status --porcelain` without heal's own state folder (learned patterns live there)."""
    lines = git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    return "\n".join(line for line in lines if not line[3:].startswith(".heal/"))


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def init_repo(root: Path, files: dict[str, str | bytes] | None = None, commit: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    if files:
        write(root, files)
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "initial")
    return root


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(files: dict[str, str | bytes] | None = None, commit: bool = True,
             name: str | None = None) -> Path:
        return init_repo(tmp_path / (name or f"repo{next(counter)}"), files, commit)

    return make


@pytest.fixture
def demo_repo(tmp_path: Path) -> Path:
    """A fresh git copy of fixtures/demo."""
    target = tmp_path / "demo"
    shutil.copytree(FIXTURES / "demo", target,
                    ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".heal"))
    return init_repo(target)


def run_heal(*args: str, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`heal ARGS` in a subprocess, as a user would run it (no terminal, so no colour)."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("FORCE_COLOR", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")}
    full_env = {**base, **GIT_ENV, **TEST_ENV, **(env or {})}
    return subprocess.run([sys.executable, "-m", "heal", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def heal() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_heal

"""heal's hooks inside a real `git commit`: `pre-commit install`, then git runs them.

Inside a commit git exports GIT_INDEX_FILE (a relative `.git/index`, or a temporary index for
`commit -a` and `commit PATH`); heal's own git calls (its sandbox worktrees) must not inherit it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GIT_ENV, TEST_ENV, git

pytestmark = pytest.mark.slow

HOOKS = """\
repos:
- repo: local
  hooks:
  - id: heal
    name: heal
    entry: heal --hook
    language: system
    types: [python]
    require_serial: true
  - id: heal-scan
    name: heal --scan
    entry: heal --scan
    language: system
    types: [python]
    require_serial: true
"""

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": "def double(x):\n    return x * 2\n",
    "tests/test_util.py": "from pkg.util import double\n\n\ndef test_double():\n"
                          "    assert double(2) == 4\n",
    ".pre-commit-config.yaml": HOOKS,
}
# a real change (triple) with two unused imports: the fixed file still differs from HEAD
FIXED = "def double(x):\n    return x * 2\n\n\ndef triple(x):\n    return x * 3\n"
FIXABLE = "import os\nimport sys\n\n\n" + FIXED


def _env(repo: Path) -> dict[str, str]:
    """heal on PATH (this interpreter's), pre-commit's cache inside the throwaway repo's folder."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **GIT_ENV, **TEST_ENV, "PATH": path,
            "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home"), "GIT_EDITOR": "true"}


def _commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-m", "change", *args], cwd=repo, env=_env(repo),
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def hooked(make_repo) -> Path:
    repo = make_repo(PROJECT)
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=_env(repo),
                   check=True, capture_output=True)
    return repo


def _fixes_then_passes(repo: Path, *args: str, readd: bool = True) -> None:
    first = _commit(repo, *args)
    out = first.stdout + first.stderr
    assert first.returncode == 1, out
    assert "files were modified by this hook" in out, out
    assert "index file open failed" not in out and "error" not in out.lower(), out
    fixed = (repo / "pkg/util.py").read_text()
    assert "import" not in fixed and fixed.startswith("def double(x):\n")  # no blank lines
    if readd:
        git(repo, "add", "pkg/util.py")
    second = _commit(repo, *args)
    assert second.returncode == 0, second.stdout + second.stderr
    assert git(repo, "show", "HEAD:pkg/util.py") == fixed


def test_plain_commit_fixes_then_passes(hooked):
    (hooked / "pkg/util.py").write_text(FIXABLE)
    git(hooked, "add", "pkg/util.py")
    _fixes_then_passes(hooked)


def test_commit_all_and_commit_of_a_path(hooked):
    (hooked / "pkg/util.py").write_text(FIXABLE)
    _fixes_then_passes(hooked, "-a", readd=False)  # a temporary index: .git/index.lock
    (hooked / "pkg/util.py").write_text(FIXABLE.replace("x * 2", "x + x"))
    (hooked / "pkg/__init__.py").write_text("VERSION = 1\n")  # left out of the commit
    _fixes_then_passes(hooked, "--", "pkg/util.py", readd=False)  # .git/next-index-*.lock
    assert git(hooked, "status", "--porcelain", "pkg") == " M pkg/__init__.py\n"


def _diverged(hooked, branch):
    """`branch` and main change the same line of pkg/util.py apart: merging them conflicts."""
    git(hooked, "checkout", "-q", "-b", branch)
    (hooked / "pkg/util.py").write_text("def double(x):\n    return 2 * x\n")
    git(hooked, "commit", "-q", "--no-verify", "-am", branch)
    git(hooked, "checkout", "-q", "main")
    (hooked / "pkg/util.py").write_text("def double(x):\n    return x + x\n")
    git(hooked, "commit", "-q", "--no-verify", "-am", "main")


def test_commit_finishing_a_merge(hooked):
    _diverged(hooked, "side")
    conflict = subprocess.run(["git", "merge", "side"], cwd=hooked, env=_env(hooked),
                              capture_output=True, text=True)
    assert conflict.returncode == 1
    (hooked / "pkg/util.py").write_text(FIXABLE)  # resolved, with two unused imports
    git(hooked, "add", "pkg/util.py")
    _fixes_then_passes(hooked, "--no-edit")
    assert len(git(hooked, "show", "-s", "--format=%P", "HEAD").split()) == 2  # a merge commit


def test_commit_during_a_rebase(hooked):
    _diverged(hooked, "feature")
    git(hooked, "checkout", "-q", "feature")
    conflict = subprocess.run(["git", "rebase", "main"], cwd=hooked, env=_env(hooked),
                              capture_output=True, text=True)
    assert conflict.returncode != 0 and (hooked / ".git/rebase-merge").is_dir()
    (hooked / "pkg/util.py").write_text(FIXABLE)  # resolved, with two unused imports
    git(hooked, "add", "pkg/util.py")
    _fixes_then_passes(hooked)  # `git commit` while the rebase stops: the hook runs
    done = subprocess.run(["git", "rebase", "--continue"], cwd=hooked, env=_env(hooked),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(hooked, "show", "HEAD:pkg/util.py") == FIXED


def test_a_commit_heals_the_lines_it_changes_and_leaves_the_rest(hooked):
    """Inside `git commit` the hook heals what the commit brings: the unused import it adds
    goes, the one HEAD already had stays (the output says so; a plain `heal` heals it).
    `pre-commit run --all-files` outside a commit heals whole files (test_daily_use)."""
    (hooked / "pkg/util.py").write_text("import os\n\n\ndef double(x):\n    return x * 2\n")
    git(hooked, "commit", "-q", "--no-verify", "-am", "an unused import")
    (hooked / "pkg/util.py").write_text("import os\nimport sys\n\n\n" + FIXED)  # + triple
    git(hooked, "add", "pkg/util.py")
    first = _commit(hooked)
    out = first.stdout + first.stderr
    assert first.returncode == 1 and "files were modified by this hook" in out, out
    assert "left alone: 1 finding on lines this commit does not change" in out, out
    assert (hooked / "pkg/util.py").read_text() == "import os\n\n\n" + FIXED
    git(hooked, "add", "pkg/util.py")
    second = _commit(hooked)
    assert second.returncode == 0, second.stdout + second.stderr


def test_scan_hook_in_a_real_commit(hooked):
    (hooked / "pkg/bad.py").write_text("def f(:\n    pass\n")
    git(hooked, "add", "pkg/bad.py")
    failing = _commit(hooked)
    assert failing.returncode == 1
    assert "heal:SYNTAX" in failing.stdout + failing.stderr
    assert "index file open failed" not in failing.stdout + failing.stderr


def test_git_dir_of_another_repository_is_an_error(make_repo, heal):
    repo = make_repo({"a.py": "X = 1\n"})
    other = make_repo({"b.py": "Y = 1\n"})
    same = heal("--scan", cwd=repo, env={"GIT_DIR": ".git", "GIT_INDEX_FILE": ".git/index"})
    assert same.returncode == 0, same.stdout + same.stderr
    wrong = heal("--scan", cwd=repo, env={"GIT_DIR": str(other / ".git")})
    assert wrong.returncode == 2
    assert wrong.stderr.count("\n") == 1 and "GIT_DIR is" in wrong.stderr, wrong.stderr

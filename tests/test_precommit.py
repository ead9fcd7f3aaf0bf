"""heal as a real pre-commit hook: `pre-commit try-repo` installs this repository's hooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GIT_ENV, REPO_ROOT, TEST_ENV, git

pytestmark = pytest.mark.slow

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": "import os\nimport re\n\n\ndef double(x):\n    return x * 2\n",
    "tests/test_util.py": "from pkg.util import double\n\n\ndef test_double():\n    assert double(2) == 4\n",
}


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One pre-commit cache for the session: installing heal's hook environment takes a while."""
    return tmp_path_factory.mktemp("pre-commit-home")


def _pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    env = {**os.environ, **GIT_ENV, **TEST_ENV, "PRE_COMMIT_HOME": str(home)}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([exe, *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=900)


def test_hook_fixes_staged_files_then_passes(make_repo, pre_commit_home):
    repo = make_repo(PROJECT)
    (repo / "pkg/util.py").write_text("import os\nimport re\nimport sys\n\n\ndef double(x):\n"
                                      "    return x * 2\n")
    git(repo, "add", "pkg/util.py")
    first = _pre_commit(repo, pre_commit_home, "try-repo", str(REPO_ROOT), "heal",
                        "--files", "pkg/util.py", "--verbose")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (repo / "pkg/util.py").read_text().startswith("def double") or \
        "import" not in (repo / "pkg/util.py").read_text()
    git(repo, "add", "pkg/util.py")
    second = _pre_commit(repo, pre_commit_home, "try-repo", str(REPO_ROOT), "heal",
                         "--files", "pkg/util.py")
    assert second.returncode == 0, second.stdout + second.stderr


def test_scan_hook_fails_at_fail_on(make_repo, pre_commit_home):
    repo = make_repo({**PROJECT, "pkg/bad.py": "def f(:\n    pass\n"})
    failing = _pre_commit(repo, pre_commit_home, "try-repo", str(REPO_ROOT), "heal-scan",
                          "--files", "pkg/bad.py")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "heal:SYNTAX" in failing.stdout
    passing = _pre_commit(repo, pre_commit_home, "try-repo", str(REPO_ROOT), "heal-scan",
                          "--files", "pkg/__init__.py")
    assert passing.returncode == 0, passing.stdout + passing.stderr

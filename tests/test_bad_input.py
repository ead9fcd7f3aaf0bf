"""Bad input gets a clear answer: one test per kind of input a user can hand heal by mistake.

Each either works around the bad part (a finding that says what is wrong with the file, the rest
of the project still healed) or stops with one line on stderr that says what to do and the
documented exit code 2 (README, "Exit codes"); never a traceback. The analyzer-level cases
(a missing ruff/mypy/bandit, unreadable tool output, a path outside the repo) are in
test_errors_cli.py; CRLF and BOM files in test_discover.py and test_properties.py.

Permissions: root reads and writes whatever it likes, so where a test needs a permission to
bite it runs heal without CAP_DAC_OVERRIDE (`setpriv`), which makes root obey file modes.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GIT_ENV, TEST_ENV, git

pytestmark = pytest.mark.slow

PROJECT = {
    "pyproject.toml": '[tool.heal]\nanalyzers = ["ruff"]\n',
    "pkg/__init__.py": "",
    "pkg/mod.py": "import os\n\n\ndef value():\n    return 1\n",
    "tests/test_mod.py": "from pkg.mod import value\n\n\ndef test_value():\n    assert value() == 1\n",
}


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line heal printed on stderr for a bad input it stops on (exit 2)."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("heal: error: ")
    return lines[0]


def _json(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def _healed(repo: Path) -> bool:
    """pkg/mod.py's unused import was removed (the one fix the project needs)."""
    return "import os" not in (repo / "pkg" / "mod.py").read_text()


def _confined() -> list[str]:
    """A prefix that runs a command as root minus the capabilities that ignore file modes."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]


def _run_confined(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, **TEST_ENV}
    return subprocess.run([*_confined(), sys.executable, "-m", "heal", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def _diverged(make_repo) -> Path:
    """A repository whose `main` and `side` branches changed the same line differently."""
    repo = make_repo({**PROJECT, "notes.py": "X = 0\n"})
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "notes.py").write_text("X = 1\n")
    git(repo, "commit", "-qam", "side")
    git(repo, "checkout", "-q", "main")
    (repo / "notes.py").write_text("X = 2\n")
    git(repo, "commit", "-qam", "main")
    return repo


# -- the repository itself ---------------------------------------------------------------------

def test_not_a_git_repository(tmp_path, heal):
    (tmp_path / "a.py").write_text("import os\n")
    line = _error_line(heal(cwd=tmp_path))
    assert "not inside a git repository" in line and "git init" in line
    assert (tmp_path / "a.py").read_text() == "import os\n"


def test_bare_repository(tmp_path, heal):
    bare = tmp_path / "bare.git"
    bare.mkdir()
    git(bare, "init", "-q", "--bare")
    assert "bare repository" in _error_line(heal("--repo", str(bare), cwd=tmp_path))


def test_detached_head_heals_but_will_not_commit_on_no_branch(make_repo, heal):
    repo = make_repo(PROJECT)
    git(repo, "checkout", "-q", "--detach")
    line = _error_line(heal("--commit", cwd=repo))
    assert "detached" in line and "--branch" in line
    assert not _healed(repo)
    assert heal(cwd=repo).returncode == 0
    assert _healed(repo)


def test_merge_in_progress(make_repo, heal):
    repo = _diverged(make_repo)
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, "merge", "side")
    conflicted = (repo / "notes.py").read_bytes()
    line = _error_line(heal(cwd=repo))
    assert "merge is in progress" in line and "abort" in line
    assert (repo / "notes.py").read_bytes() == conflicted and not _healed(repo)


def test_rebase_in_progress(make_repo, heal):
    repo = _diverged(make_repo)
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, "rebase", "side")
    assert "rebase is in progress" in _error_line(heal("--dry-run", cwd=repo))


def test_submodule_files_are_left_to_their_own_repository(make_repo, heal, tmp_path):
    inner = make_repo({"lib.py": "import sys\n"}, name="inner")
    repo = make_repo(PROJECT)
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner),
        "vendor/inner")
    git(repo, "commit", "-qm", "add a submodule")
    report = _json(heal("--scan", "--format", "json", cwd=repo))
    assert {f["path"] for f in report["findings"]} == {"pkg/mod.py"}
    assert heal(cwd=repo).returncode == 0
    assert _healed(repo)
    assert (repo / "vendor" / "inner" / "lib.py").read_text() == "import sys\n"


def test_symlinks_out_of_the_repository_and_broken_ones(make_repo, heal, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("import os\n")
    repo = make_repo(PROJECT)
    (repo / "pkg" / "linked.py").symlink_to(outside)
    (repo / "pkg" / "broken.py").symlink_to(repo / "pkg" / "gone.py")
    report = _json(heal("--scan", "--format", "json", cwd=repo))
    messages = {f["path"]: f["message"] for f in report["findings"]}
    assert "outside the repository" in messages["pkg/linked.py"]
    assert "broken symbolic link" in messages["pkg/broken.py"]
    assert heal(cwd=repo).returncode == 0
    assert _healed(repo)
    assert outside.read_text() == "import os\n"  # never written through the link
    assert (repo / "pkg" / "linked.py").is_symlink()


# -- files heal cannot analyze -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "why"), [
    ("binary.py", b"\x00\x01\x02\xff\xfe binary", "binary"),
    ("latin.py", "X = 'caf\u00e9'\n".encode("latin-1"), "UTF-8"),
], ids=["binary", "non-utf8"])
def test_binary_and_non_utf8_files(make_repo, heal, name, data, why):
    repo = make_repo({**PROJECT, f"pkg/{name}": data})
    report = _json(heal("--scan", "--format", "json", cwd=repo))
    found = [f for f in report["findings"] if f["path"] == f"pkg/{name}"]
    assert found and found[0]["rule"] == "heal:UNREADABLE" and why in found[0]["message"]
    assert heal(cwd=repo).returncode == 0
    assert _healed(repo)
    assert (repo / "pkg" / name).read_bytes() == data


def test_a_5_mb_generated_file_is_skipped_with_a_finding(make_repo, heal):
    big = "DATA = [\n" + "    1,\n" * 900_000 + "]\n"
    assert len(big) > 5_000_000
    repo = make_repo({**PROJECT, "pkg/table.py": big})
    report = _json(heal("--scan", "--format", "json", cwd=repo))
    found = [f for f in report["findings"] if f["path"] == "pkg/table.py"]
    assert [f["rule"] for f in found] == ["heal:TOO-LARGE"]
    assert "max-file-size" in found[0]["message"]
    assert heal(cwd=repo).returncode == 0
    assert _healed(repo)


def test_syntax_error_is_a_finding_and_the_file_is_left_alone(make_repo, heal):
    broken = "import os\n\ndef f(:\n    return 1\n"
    repo = make_repo({**PROJECT, "pkg/broken.py": broken})
    report = _json(heal("--scan", "--format", "json", cwd=repo))
    found = [f for f in report["findings"] if f["path"] == "pkg/broken.py"]
    assert [f["rule"] for f in found] == ["heal:SYNTAX"] and found[0]["span"]["start"]["line"] == 3
    heal(cwd=repo)
    assert _healed(repo)
    assert (repo / "pkg" / "broken.py").read_text() == broken


def test_unreadable_file(make_repo):
    repo = make_repo(PROJECT)
    secret = repo / "pkg" / "private.py"
    secret.write_text("import os\n")
    secret.chmod(0o000)
    report = _json(_run_confined(repo, "--scan", "--format", "json"))
    found = [f for f in report["findings"] if f["path"] == "pkg/private.py"]
    assert found and found[0]["rule"] == "heal:UNREADABLE"
    assert "Permission denied" in found[0]["message"] and "permissions" in found[0]["message"]


# -- tools and tests -----------------------------------------------------------------------------

def test_pytest_missing_from_the_project_interpreter(make_repo, heal):
    repo = make_repo(PROJECT)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(repo / ".venv")],
                   check=True)
    line = _error_line(heal(cwd=repo))
    assert "pytest is not installed" in line and "pip install pytest" in line
    assert not _healed(repo)


def test_test_command_that_does_not_exist(make_repo, heal):
    repo = make_repo(PROJECT)
    line = _error_line(heal("--test-cmd", "no-such-test-runner --quick", cwd=repo))
    assert "test command not found: no-such-test-runner" in line and "test-command" in line
    assert not _healed(repo)


def test_failing_baseline_stops_unless_no_verify(make_repo, heal):
    repo = make_repo({**PROJECT, "tests/test_mod.py":
                      "from pkg.mod import value\n\n\ndef test_value():\n    assert value() == 2\n"})
    line = _error_line(heal(cwd=repo))
    assert "fail" in line and "--no-verify" in line
    assert not _healed(repo)
    assert heal("--no-verify", cwd=repo).returncode == 0
    assert _healed(repo)


# -- heal's own state ----------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "field"), [
    ("id: [unclosed\n", "YAML"),
    ("id: x\nlanguage: Python\nrule: {pattern: 'yaml.load($X)'}\nfix: 'yaml.safe_load($X)'\n"
     "metadata: {schema: 1, version: 1, category: security, triggers: [bandit:B506],"
     " safety: sometimes}\n", "safety"),
    ("!!python/object/apply:os.system ['touch PWNED']\n", "YAML"),
], ids=["malformed", "bad-field", "malicious"])
def test_bad_pattern_file_is_named_and_never_run(make_repo, heal, content, field):
    repo = make_repo(PROJECT)
    (repo / ".heal" / "patterns").mkdir(parents=True)
    (repo / ".heal" / "patterns" / "x.yaml").write_text(content)
    line = _error_line(heal(cwd=repo))
    assert ".heal/patterns/x.yaml" in line and field in line
    assert not (repo / "PWNED").exists()
    assert not _healed(repo)


def test_corrupted_history_is_moved_aside_with_a_warning(make_repo, heal):
    repo = make_repo(PROJECT)
    (repo / ".heal").mkdir()
    (repo / ".heal" / "history.db").write_bytes(b"this is not a database" * 100)
    result = heal("--format", "json", cwd=repo)
    report = _json(result)
    assert any("history database was unreadable" in m for m in report["summary"]["messages"])
    assert _healed(repo)
    aside = list((repo / ".heal").glob("history.db.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b"this is not a database" * 100
    with sqlite3.connect(repo / ".heal" / "history.db") as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_read_only_state_folder(make_repo, heal):
    repo = make_repo(PROJECT)
    assert heal("--scan", cwd=repo).returncode == 0  # .heal/ exists now
    (repo / ".heal").chmod(0o555)
    try:
        line = _error_line(_run_confined(repo))
    finally:
        (repo / ".heal").chmod(0o755)
    assert ".heal" in line and "writable" in line
    assert not _healed(repo)


def test_state_folder_that_is_a_file(make_repo, heal):
    repo = make_repo(PROJECT)
    (repo / ".heal").write_text("not a folder\n")
    line = _error_line(heal(cwd=repo))
    assert ".heal" in line
    assert (repo / ".heal").read_text() == "not a folder\n" and not _healed(repo)

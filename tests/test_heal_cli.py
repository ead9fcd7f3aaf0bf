"""`heal` end to end through the CLI: verify in a worktree, keep what passes, land safely."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import GIT_ENV, TEST_ENV, git, user_status, write

# util.py has three unused imports; a test imports `dumps` from it, so removing that one breaks
# the suite while the other two are harmless.
PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": '''
        import os
        import re
        from json import dumps


        def double(x):
            return x * 2
    ''',
    "pkg/other.py": '''
        import sys


        def triple(x):
            return x * 3
    ''',
    "tests/test_pkg.py": '''
        import importlib

        from pkg.other import triple
        from pkg.util import double

        # looked up by name at run time, so no static check can see that pkg.util must keep it
        dumps = getattr(importlib.import_module("pkg.util"), "du" + "mps")


        def test_double():
            assert double(2) == 4


        def test_triple():
            assert triple(2) == 6


        def test_dumps_is_reexported():
            assert dumps([1]) == "[1]"
    ''',
}


def snapshot(repo: Path) -> dict[str, object]:
    """Everything a user could lose: working tree bytes, index, stash, untracked files."""
    files = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo).as_posix()
        if rel.startswith((".git/", ".heal")) or rel == ".git" or "__pycache__" in rel:
            continue
        if path.is_file():
            files[rel] = path.read_bytes()
    return {
        "files": files,
        "index": (repo / ".git" / "index").read_bytes() if (repo / ".git" / "index").exists() else b"",
        "stash": git(repo, "stash", "list"),
        "status": user_status(repo),
        "head": git(repo, "rev-parse", "HEAD"),
    }


def heal_json(heal, repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[dict, subprocess.CompletedProcess]:
    result = heal(*args, "--format", "json", cwd=repo, env=env)
    assert result.stdout, result.stderr
    return json.loads(result.stdout), result


def test_second_run_changes_nothing(make_repo, heal):
    repo = make_repo(PROJECT)
    heal("--format", "json", cwd=repo)
    before = snapshot(repo)
    doc, _ = heal_json(heal, repo)
    assert [f for f in doc["fixes"] if f["verdict"] == "verified"] == []
    assert doc["summary"]["baseline"] is None or doc["summary"]["baseline"]["cached"] in (True, False)
    after = snapshot(repo)
    assert before["files"] == after["files"]
    # where each run's time went, as the run's JSON summary gave it
    runs = json.loads(heal("history", "--format", "json", cwd=repo).stdout)["runs"]
    assert runs[0]["phases"] == doc["summary"]["phases"] and "scan" in runs[0]["phases"]
    table = heal("history", cwd=repo).stdout
    assert "seconds by phase:" in table and f"{runs[0]['id']}  scan " in table


def test_dry_run_writes_nothing(make_repo, heal):
    repo = make_repo(PROJECT)
    write(repo, {"pkg/other.py": "import sys\nimport abc\n\n\ndef triple(x):\n    return x * 3\n",
                 "notes.txt": "untracked\n"})
    git(repo, "add", "pkg/other.py")
    write(repo, {"pkg/util.py": (repo / "pkg/util.py").read_text() + "\n# unstaged edit\n"})
    (repo / "stashed.txt").write_text("x")
    git(repo, "add", "stashed.txt")
    git(repo, "stash", "push", "-q", "--", "stashed.txt")
    before = snapshot(repo)
    result = heal("--dry-run", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "-import abc" in result.stdout and "dry run" in result.stdout
    assert "rejected" in result.stdout and "tests/test_pkg.py" in result.stdout
    assert snapshot(repo) == before


def test_user_edit_during_the_run_skips_that_file(make_repo, heal):
    repo = make_repo({**PROJECT, "tests/test_touch.py": '''
        import os
        from pathlib import Path


        def test_user_saves_a_file_meanwhile():
            target = os.environ.get("TOUCH_FILE")
            if target and Path(target).exists() and "saved" not in Path(target).read_text():
                with open(target, "a") as handle:
                    handle.write("# saved by the user while heal ran\\n")
    '''})
    doc, result = heal_json(heal, repo, env={"TOUCH_FILE": str(repo / "pkg/other.py")})
    assert result.returncode == 0, result.stderr
    skipped = {s["path"]: s["reason"] for s in doc["summary"]["skipped_files"]}
    assert "changed since heal started" in skipped["pkg/other.py"]
    other = (repo / "pkg/other.py").read_text()
    assert "import sys" in other and "# saved by the user" in other
    assert "import os" not in (repo / "pkg/util.py").read_text()  # the other file landed
    # landed means written: the skipped file's fix is counted as skipped, here and in history
    assert (doc["summary"]["landed"], doc["summary"]["skipped_fixes"]) == (2, 1)
    runs = json.loads(heal("history", "--format", "json", cwd=repo).stdout)["runs"]
    assert runs[0]["landed"] == 2


def test_commit_and_branch(make_repo, heal):
    repo = make_repo(PROJECT)
    head = git(repo, "rev-parse", "HEAD").strip()
    result = heal("--branch", "heal/autofix", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == head  # the user's branch did not move
    assert user_status(repo) == ""  # and the tree is untouched
    files = git(repo, "show", "--name-only", "--format=", "heal/autofix").split()
    assert sorted(files) == ["pkg/other.py", "pkg/util.py"]
    assert "import sys" not in git(repo, "show", "heal/autofix:pkg/other.py")

    result = heal("--commit", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-parse", "HEAD~1").strip() == head
    assert git(repo, "log", "-1", "--format=%s").startswith("heal: 3 verified fixes")
    assert user_status(repo) == ""


def test_missing_test_command(make_repo, heal):
    repo = make_repo({"a.py": "import os\n"})
    result = heal("--test-cmd", "no-such-runner --go", cwd=repo)
    assert result.returncode == 2 and "test command not found: no-such-runner" in result.stderr


def test_secrets_never_reach_the_audit_log_or_history(make_repo, heal):
    secret = "s3cr3t-Hunter-2-value"
    repo = make_repo({"pkg/__init__.py": "", "pkg/conf.py": f'import os\nDB_PASSWORD = "{secret}"\n',
                      "tests/test_c.py": "def test_ok():\n    pass\n"})
    doc, result = heal_json(heal, repo)
    assert result.returncode in (0, 1), result.stderr
    assert secret not in result.stdout
    verified = [f for f in doc["fixes"] if f["verdict"] == "verified"]
    assert verified and "REDACTED" in verified[0]["diff"]
    audit = list((repo / ".heal" / "audit").glob("*.jsonl"))
    assert audit and all(secret not in p.read_text() for p in audit)
    for name in ("history.db", "history.db-wal"):
        path = repo / ".heal" / name
        if path.exists():
            assert secret.encode() not in path.read_bytes()
    assert secret in (repo / "pkg/conf.py").read_text()  # the code itself is left as it was


SLOW_SUITE = {
    "pkg/__init__.py": "",
    "pkg/m.py": "import os\n",
    "tests/test_slow.py": "import time\n\n\ndef test_slow():\n    time.sleep(60)\n",
}


def _start_heal(repo: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, **GIT_ENV, **TEST_ENV}
    return subprocess.Popen([sys.executable, "-m", "heal", *args], cwd=repo, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def _worktrees(repo: Path) -> list[Path]:
    folder = repo / ".heal" / "worktrees"
    return list(folder.iterdir()) if folder.exists() else []


def test_concurrent_run_is_refused_and_heal_stop_stops_it(make_repo, heal):
    repo = make_repo(SLOW_SUITE)
    before = snapshot(repo)
    running = _start_heal(repo)
    try:
        _wait_for(lambda: len(_worktrees(repo)) == 1)
        second = heal("--dry-run", cwd=repo)
        assert second.returncode == 2 and "another heal is running" in second.stderr
        stopped = heal("stop", cwd=repo)  # waits until the run has let go of its lock
        assert stopped.returncode == 0, stopped.stderr
        assert running.wait(timeout=10) == 3
    finally:
        running.kill()
    assert _worktrees(repo) == []
    assert "worktrees" not in git(repo, "worktree", "list")
    assert snapshot(repo)["files"] == before["files"]
    assert heal("stop", cwd=repo).returncode == 2  # nothing left to stop


def test_ctrl_c_rolls_back(make_repo):
    repo = make_repo(SLOW_SUITE)
    running = _start_heal(repo)
    _wait_for(lambda: len(_worktrees(repo)) == 1)
    time.sleep(0.5)
    running.send_signal(signal.SIGINT)
    assert running.wait(timeout=30) == 3  # a loaded CI machine is slow to start the suite
    assert _worktrees(repo) == []


def test_sigkill_leaves_files_intact_and_the_next_run_cleans_up(make_repo, heal):
    repo = make_repo({**PROJECT, "tests/test_slow.py": '''
        import os
        import time


        def test_slow_once():
            if os.environ.get("SLOW"):
                time.sleep(60)
    '''})
    write(repo, {"scratch.py": "import json\n"})  # untracked user work
    before = snapshot(repo)
    env = {**os.environ, **GIT_ENV, **TEST_ENV, "SLOW": "1"}
    running = subprocess.Popen([sys.executable, "-m", "heal"], cwd=repo, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    _wait_for(lambda: len(_worktrees(repo)) == 1)
    time.sleep(1)
    os.killpg(running.pid, signal.SIGKILL)
    running.wait()
    assert snapshot(repo) == before
    assert (repo / ".heal" / "lock").exists() and _worktrees(repo)
    doc, result = heal_json(heal, repo)
    assert result.returncode == 0, result.stderr
    assert any("stale lock" in m for m in doc["summary"]["messages"])
    assert any("stale worktree" in m for m in doc["summary"]["messages"])
    assert _worktrees(repo) == []
    assert "import json" not in (repo / "scratch.py").read_text()  # the rerun healed it



def test_a_run_killed_as_it_took_the_lock_is_recovered_and_said(make_repo, heal):
    """Killed between making its lock file and writing into it: the next run still finds a stale
    lock (an empty one, or one made aside and never linked in), takes it over and says so."""
    repo = make_repo(PROJECT)
    (repo / ".heal").mkdir(exist_ok=True)
    (repo / ".heal" / "lock").write_text("")
    (repo / ".heal" / "lock.4242").write_text('{"pid": 42')
    doc, result = heal_json(heal, repo)
    assert result.returncode in (0, 1), result.stderr
    said = "recovered a stale lock left by a run killed as it took the lock"
    assert said in doc["summary"]["messages"]
    assert [p.name for p in (repo / ".heal").iterdir() if p.name.startswith("lock")] == []
    again, _ = heal_json(heal, repo)
    assert not any("stale lock" in m for m in again["summary"]["messages"])

RENAME_ACROSS = {
    "pyproject.toml": '[tool.ruff.lint]\nselect = ["N802"]\n',
    "pkg/__init__.py": "",
    "pkg/a.py": '''
        def _helperFunc(value):
            return value * 2


        def double(value):
            return _helperFunc(value)
    ''',
    "pkg/b.py": '''
        from pkg.a import _helperFunc


        def quad(value):
            return _helperFunc(_helperFunc(value))
    ''',
    "tests/test_pkg.py": '''
        from pkg import a
        from pkg.b import quad


        def test_helper():
            assert a._helperFunc(2) == 4


        def test_quad():
            assert quad(1) == 4
    ''',
}


def test_a_private_name_is_renamed_across_the_project_in_one_fix(make_repo, heal):
    repo = make_repo(RENAME_ACROSS)
    result = heal("--unsafe-fixes", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    [fix] = [f for f in doc["fixes"] if f["rule"] == "ruff:N802"]
    assert fix["verdict"] == "verified" and fix["evidence"] == "covered"
    assert sorted(doc["summary"]["landed_files"]) == ["pkg/a.py", "pkg/b.py", "tests/test_pkg.py"]
    assert "b/pkg/b.py" in fix["diff"] and "b/tests/test_pkg.py" in fix["diff"]
    for path in ("pkg/a.py", "pkg/b.py", "tests/test_pkg.py"):
        text = (repo / path).read_text()
        assert "_helper_func" in text and "_helperFunc" not in text, path
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=repo, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout
    again = json.loads(heal("--unsafe-fixes", "--format", "json", cwd=repo).stdout)
    assert not again["fixes"] and not again["summary"]["landed_files"]


def test_a_rename_across_files_lands_whole_or_not_at_all(make_repo, heal):
    """The user edits one of the rename's files while heal runs: none of its files land."""
    repo = make_repo(RENAME_ACROSS)
    write(repo, {"tests/conftest.py": '''
        import pathlib


        def pytest_sessionfinish(session):
            # the user saves pkg/b.py while heal verifies (the baseline run is a worktree's)
            target = pathlib.Path(__file__).resolve().parents[1] / "pkg" / "b.py"
            user = pathlib.Path(REPO) / "pkg" / "b.py"
            if target != user and user.read_text().startswith("from"):
                user.write_text("# edited\\n" + user.read_text())
    '''.replace("REPO", repr(str(repo)))})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "conftest")
    result = heal("--unsafe-fixes", "--format", "json", cwd=repo)
    doc = json.loads(result.stdout)
    skipped = {s["path"]: s["reason"] for s in doc["summary"]["skipped_files"]}
    assert "changed since heal started" in skipped["pkg/b.py"]
    assert "lands only together with pkg/b.py" in skipped["pkg/a.py"]
    assert "_helperFunc" in (repo / "pkg/a.py").read_text()
    assert "_helperFunc" in (repo / "tests/test_pkg.py").read_text()
    assert (repo / "pkg/b.py").read_text().startswith("# edited\n")



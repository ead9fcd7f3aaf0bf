"""Leftovers of a killed heal: a SIGKILLed `heal review approve` leaves a worktree and a lock the
next one recovers, and its test processes die with it (the watchdog), or, when the watchdog is
gone too, at the next run's start (`reap_leftovers`).

The project's suite has a test that, when asked through the environment, writes its pid and
blocks until released: heal is killed exactly while its tests run, with no timing guesses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import GIT_ENV, TEST_ENV
from test_stop import PROJECT as STOP_PROJECT

# test_stop's project (one fix for review, in pkg/status.py), and a test that blocks on request
PROJECT = {**STOP_PROJECT, "tests/test_gate.py": '''
    import os
    import time
    from pathlib import Path


    def test_blocks_when_asked():
        gate = os.environ.get("HEAL_TEST_GATE")
        if gate:
            Path(gate + ".tmp").write_text(str(os.getpid()))
            Path(gate + ".tmp").replace(gate + ".pid")  # whole, or not there yet
            while not Path(gate).exists():
                time.sleep(0.02)
'''}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def _approve_killed(repo: Path, item: str, gate: Path, kill_watchdog: bool) -> int:
    """Start `heal review approve`, SIGKILL it while its tests run; the blocked test's pid."""
    env = {**os.environ, **GIT_ENV, **TEST_ENV, "HEAL_TEST_GATE": str(gate)}
    heal = subprocess.Popen([sys.executable, "-m", "heal", "review", "approve", item], cwd=repo,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid_file = Path(str(gate) + ".pid")
    _wait_for(pid_file.exists, "the test suite to start")
    pytest_pid = int(pid_file.read_text())
    pid_file.unlink()
    if kill_watchdog:
        children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                    and _parent(int(p.name)) == heal.pid
                    and b"HEAL_OWNER" in (p / "cmdline").read_bytes()]
        assert len(children) == 1, "one watchdog per heal"
        os.kill(children[0], signal.SIGKILL)
    heal.kill()
    heal.wait()
    return pytest_pid


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def test_a_killed_review_approve_leaves_nothing_behind(make_repo, heal, tmp_path):
    repo = make_repo(PROJECT)
    queued = heal("--format", "json", cwd=repo)
    assert queued.returncode in (0, 1), queued.stderr
    item = heal("review", cwd=repo).stdout.split("│")[0].split()[-1]
    (repo / "notes.txt").write_text("the tree moved: approving verifies again\n")
    gate = tmp_path / "gate"

    # the watchdog kills the suite as soon as heal is gone
    orphan = _approve_killed(repo, item, gate, kill_watchdog=False)
    _wait_for(lambda: not _alive(orphan), "the watchdog to kill the orphaned test run", 10)

    # no watchdog either: the next run reaps the suite, the worktree and the lock
    orphan = _approve_killed(repo, item, gate, kill_watchdog=True)
    assert _alive(orphan)
    assert any((repo / ".heal/worktrees").iterdir())
    approved = heal("review", "approve", item, cwd=repo)
    assert approved.returncode == 0, approved.stderr
    out = " ".join(approved.stdout.split())
    assert "recovered a stale lock" in out
    assert "stopped 1 process(es) a killed run left running" in out
    assert "removed 1 stale worktree(s) of killed runs" in out
    assert not _alive(orphan)
    assert "code == 200" in (repo / "pkg/status.py").read_text()
    assert not any((repo / ".heal/worktrees").iterdir())

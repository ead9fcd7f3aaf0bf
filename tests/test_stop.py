"""A stop in every phase of a heal run tells the truth: before landing nothing changed; from the
landing on, landing, recording (history, review queue, audit) and `--commit` finish as one unit
and the message says exactly what landed.

The stop comes through the documented test seam (`HEAL_TEST_STOP_AT=<phase>`: heal sends itself
SIGTERM, what `heal stop` sends, as that phase starts), so no test waits on a clock.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from conftest import git, user_status

# pkg/util.py: two unused imports heal removes (verified); pkg/status.py: a `code is 200` that
# heal's LOG109 fixes for review
PROJECT = {
    "pyproject.toml": '[tool.ruff.lint]\nignore = ["F632"]\n\n'
                      '[tool.heal]\nanalyzers = ["ruff", "native"]\nverify = "full"\n',
    "pkg/__init__.py": "",
    "pkg/util.py": "import os\nimport re\n\nFACTOR = 2\n\n\ndef double(x):\n    return x * FACTOR\n",
    "pkg/other.py": "import sys\n\nFACTOR = 3\n\n\ndef triple(x):\n    return x * FACTOR\n",
    "pkg/status.py": '''
        def label(code):
            if code is 200:
                return "ok"
            return "other"
    ''',
    "tests/test_pkg.py": '''
        from pkg.other import triple
        from pkg.status import label
        from pkg.util import double


        def test_values():
            assert double(2) == 4 and triple(2) == 6 and label(404) == "other"
    ''',
}

BEFORE_LANDING = ("scan", "plan")
AFTER_LANDING = ("land", "record", "review", "learn")


def _state(repo: Path) -> dict[str, object]:
    """What the run left in .heal/: its run row, fixes marked landed, review items, audit."""
    with sqlite3.connect(repo / ".heal/history.db") as db:
        status, landed = db.execute("SELECT status, landed FROM runs").fetchone()
        fixes = db.execute("SELECT count(*) FROM fixes WHERE landed = 1").fetchone()[0]
        queued = db.execute("SELECT count(*) FROM review").fetchone()[0]
    events = [json.loads(line)["kind"] for audit in (repo / ".heal/audit").glob("*.jsonl")
              for line in audit.read_text().splitlines()]
    return {"status": status, "landed": landed, "fixes_landed": fixes, "queued": queued,
            "audit": events}


@pytest.mark.parametrize("phase", BEFORE_LANDING + AFTER_LANDING)
def test_a_stop_says_what_landed(make_repo, heal, phase):
    repo = make_repo(PROJECT)
    result = heal(cwd=repo, env={"HEAL_TEST_STOP_AT": phase})
    assert result.returncode == 3, result.stderr
    message = result.stderr.strip()
    state = _state(repo)
    assert state["status"] == "stopped"
    if phase in BEFORE_LANDING:
        assert "stopped on request; your working tree is unchanged" in message
        assert user_status(repo) == ""
        assert state["landed"] == 0 and state["fixes_landed"] == 0 and state["queued"] == 0
        return
    assert "stopped after landing 3 fixes in 2 files; `heal history` lists them" in message
    assert sorted(user_status(repo).split()) == ["M", "M", "pkg/other.py", "pkg/util.py"]
    assert "import" not in (repo / "pkg/util.py").read_text()
    assert state["landed"] == 3 and state["fixes_landed"] == 3
    assert state["queued"] == 1  # the LOG109 fix waits for review
    assert state["audit"].count("fix") == 4 and "land" in state["audit"]
    run = json.loads(heal("history", "--format", "json", cwd=repo).stdout)["runs"][0]
    assert (run["status"], run["landed"], run["review"]) == ("stopped", 3, 1)


def test_a_stop_while_committing_says_what_was_committed(make_repo, heal):
    repo = make_repo(PROJECT)
    head = git(repo, "rev-parse", "HEAD").strip()
    result = heal("--commit", cwd=repo, env={"HEAL_TEST_STOP_AT": "commit"})
    assert result.returncode == 3, result.stderr
    new_head = git(repo, "rev-parse", "HEAD").strip()
    assert new_head != head and user_status(repo) == ""
    assert (f"stopped after landing 3 fixes in 2 files (committed as {new_head[:10]}); "
            "`heal history` lists them") in result.stderr
    assert git(repo, "log", "-1", "--format=%s").startswith("heal: 3 verified fixes")
    state = _state(repo)
    assert state["status"] == "stopped" and state["landed"] == 3 and state["queued"] == 1


def _sleeping_child_beside(tmp_path):
    """A `proc.Beside` whose work runs a child that sleeps for two minutes, once the child has
    written its pid to the returned file."""
    import sys
    import time

    from heal.sandbox import proc

    pid_file = tmp_path / "pid"
    script = (f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
              "time.sleep(120)")
    pending = proc.Beside(lambda: proc.run([sys.executable, "-c", script], cwd=tmp_path))
    while not pid_file.exists() or not pid_file.read_text():
        time.sleep(0.01)
    return pending, pid_file


def test_work_beside_the_run_stops_its_children_when_cancelled(tmp_path):
    """The baseline's test runs go on beside the planning; when the run fails meanwhile, the
    engine cancels them: the suite is killed then and there, not left to run to its end."""
    import os

    from heal.errors import StoppedError

    pending, pid_file = _sleeping_child_beside(tmp_path)
    pending.cancel()
    with pytest.raises(StoppedError):
        pending.result()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_a_stop_that_kills_a_child_run_in_a_thread_reads_as_a_stop(tmp_path):
    """Ctrl-C while the baseline's suite runs beside the planning: the stop kills the suite
    from the main thread, and the thread that waited for it must say "stopped", not "the test
    command exited with -9" (which heal reported as a baseline that cannot run, exit 2)."""

    from heal.errors import StoppedError
    from heal.sandbox import proc

    pending, _ = _sleeping_child_beside(tmp_path)
    try:
        proc.request_stop()
        with pytest.raises(StoppedError):
            pending.result()
    finally:
        proc.reset_stop()

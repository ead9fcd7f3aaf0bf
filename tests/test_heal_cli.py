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


def test_culprit_is_rolled_back_and_the_rest_lands(make_repo, heal):
    repo = make_repo(PROJECT)
    doc, result = heal_json(heal, repo)
    assert result.returncode == 0, result.stderr
    verdicts = {(f["path"], f["rule"], f["diff"].count("-import")): f["verdict"] for f in doc["fixes"]}
    by_verdict: dict[str, list[dict]] = {}
    for fix in doc["fixes"]:
        by_verdict.setdefault(fix["verdict"], []).append(fix)
    rejected = by_verdict["rejected"]
    assert len(rejected) == 1, verdicts
    # the import error fails collection of the test module, so pytest names the module
    assert "-from json import dumps" in rejected[0]["diff"]
    assert "tests/test_pkg.py" in rejected[0]["reason"]
    assert rejected[0]["failing_tests"] == ["tests/test_pkg.py"]
    assert len(by_verdict["verified"]) == 3
    util = (repo / "pkg/util.py").read_text()
    assert "import os" not in util and "import re" not in util and "from json import dumps" in util
    assert "import sys" not in (repo / "pkg/other.py").read_text()
    # bisection, not one run per fix: batch + two halves + ... far fewer than 4 runs per fix
    assert doc["test_runs"] <= 1 + 1 + 2 * 2 + 1
    # nothing staged, tests still pass in the user's tree
    assert git(repo, "diff", "--cached", "--name-only") == ""
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=repo, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout


def test_second_run_changes_nothing(make_repo, heal):
    repo = make_repo(PROJECT)
    heal("--format", "json", cwd=repo)
    before = snapshot(repo)
    doc, _ = heal_json(heal, repo)
    assert [f for f in doc["fixes"] if f["verdict"] == "verified"] == []
    assert doc["summary"]["baseline"] is None or doc["summary"]["baseline"]["cached"] in (True, False)
    after = snapshot(repo)
    assert before["files"] == after["files"]


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


def test_baseline_failures_and_flaky_tests_are_never_blamed(make_repo, heal, tmp_path):
    marker = tmp_path / "flaky-marker"
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/m.py": "import os\n\n\ndef f():\n    return 1\n",
        "tests/test_m.py": '''
            import os
            from pathlib import Path

            from pkg.m import f


            def test_already_broken():
                assert f() == 2


            def test_flaky():
                marker = Path(os.environ["FLAKY_MARKER"])
                if not marker.exists():
                    marker.write_text("failed once")
                    raise AssertionError("flaky")


            def test_ok():
                assert f() == 1
        ''',
    })
    doc, result = heal_json(heal, repo, env={"FLAKY_MARKER": str(marker)})
    assert result.returncode == 0, result.stderr
    baseline = doc["summary"]["baseline"]
    assert baseline["known_failures"] == ["tests/test_m.py::test_already_broken"]
    assert baseline["flaky"] == ["tests/test_m.py::test_flaky"]
    assert [f["verdict"] for f in doc["fixes"]] == ["verified"]
    assert "import os" not in (repo / "pkg/m.py").read_text()


def test_hung_test_times_out_and_the_fix_is_rejected(make_repo, heal):
    repo = make_repo({**PROJECT, "tests/test_pkg.py": '''
        import time


        def test_import_or_hang():
            import importlib

            if not hasattr(importlib.import_module("pkg.util"), "du" + "mps"):
                time.sleep(600)
    '''})
    doc, _ = heal_json(heal, repo, "--timeout", "3")
    rejected = [f for f in doc["fixes"] if f["verdict"] == "rejected"]
    assert len(rejected) == 1 and "timed out" in rejected[0]["reason"]
    assert "from json import dumps" in (repo / "pkg/util.py").read_text()


def test_baseline_that_cannot_run_stops_with_a_clear_error(make_repo, heal):
    repo = make_repo({"pkg/__init__.py": "", "pkg/m.py": "import os\n",
                      "tests/test_x.py": "import nonexistent\n"})
    before = snapshot(repo)
    result = heal(cwd=repo)
    assert result.returncode == 2
    assert "baseline tests cannot run" in result.stderr and "--no-verify" in result.stderr
    assert snapshot(repo)["files"] == before["files"]
    result = heal("--no-verify", "--format", "json", cwd=repo)
    doc = json.loads(result.stdout)
    assert {f["verdict"] for f in doc["fixes"]} == {"unverified"}
    assert "import os" not in (repo / "pkg/m.py").read_text()


def test_missing_test_command(make_repo, heal):
    repo = make_repo({"a.py": "import os\n"})
    result = heal("--test-cmd", "no-such-runner --go", cwd=repo)
    assert result.returncode == 2 and "test command not found: no-such-runner" in result.stderr


def test_worktree_tests_import_the_worktree_not_the_editable_install(make_repo, heal, tmp_path):
    """An editable src-layout install points at the user's tree; the tests must not follow it."""
    repo = make_repo({
        "pyproject.toml": '[project]\nname = "edpkg"\nversion = "0"\n',
        "src/edpkg/__init__.py": "",
        "src/edpkg/core.py": "import os\n\n\ndef where():\n    return __file__\n",
        "tests/test_where.py": '''
            import os
            from pathlib import Path

            from edpkg.core import where


            def test_where():
                Path(os.environ["WHERE_LOG"]).open("a").write(where() + "\\n")
        ''',
    })
    venv = repo / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    heal_site = next(p for p in sys.path if p.endswith("site-packages") and "pytest" in os.listdir(p))
    (site / "heal-test-deps.pth").write_text(heal_site + "\n")
    (site / "__editable__.edpkg.pth").write_text(str(repo / "src") + "\n")  # what pip -e writes
    log = tmp_path / "where.log"
    doc, result = heal_json(heal, repo, env={"WHERE_LOG": str(log)})
    assert result.returncode == 0, result.stderr
    assert [f["verdict"] for f in doc["fixes"]] == ["verified"]
    imported = log.read_text().split()
    assert imported and all(".heal/worktrees/" in p for p in imported), imported


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


def test_a_failing_test_that_names_a_file_points_the_bisection_at_it(make_repo, heal):
    """A data-driven test reads `cases/case_07.py` as data: the fix there breaks it, and no
    coverage map can see that, but the test names the folder, so heal runs it for fixes there.
    The failing test's id names the file, so bisection tries that file's fix against all the
    others at once instead of halving sixteen fixes four times."""
    project = {f"cases/case_{n:02}.py": "import os\n\n\nVALUE = 1\n" for n in range(16)}
    project["tests/test_cases.py"] = '''
        import pathlib

        import pytest

        CASES = sorted((pathlib.Path(__file__).parent.parent / "cases").glob("*.py"))


        @pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
        def test_case(case):
            if case.name == "case_07.py":  # the case this test is about
                assert case.read_text().startswith("import os")
    '''
    repo = make_repo(project)
    doc, result = heal_json(heal, repo, "--select", "ruff:F401")
    assert result.returncode == 0, result.stderr
    rejected = [f for f in doc["fixes"] if f["verdict"] == "rejected"]
    assert [f["path"] for f in rejected] == ["cases/case_07.py"], rejected
    assert "test_case[case_07.py]" in rejected[0]["reason"]
    assert sum(f["verdict"] == "verified" for f in doc["fixes"]) == 15
    assert not any(m.startswith("selection miss") for m in doc["summary"]["messages"])
    # baseline, the batch, case_07's fix against the other fifteen, the fifteen again (the
    # full run before landing); halving would take 1 + 1 + 2·4 + 1
    assert doc["test_runs"] <= 4, doc["test_runs"]
    assert (repo / "cases/case_07.py").read_text().startswith("import os")
    assert not (repo / "cases/case_03.py").read_text().startswith("import os")


def test_a_fix_that_brings_a_finding_no_fixer_mends_is_rejected(make_repo, heal):
    """Making `x: int = None` honest (`int | None`) in `scale` brings an [assignment] error on
    `y: int = x`: the rule has a fixer, but it declines that case, so the run would end with
    as many errors as it began with. In `shift` the same fix brings nothing and lands."""
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/calc.py": '''
            def scale(x: int = None) -> int:
                y: int = x
                return y * 2


            def shift(x: int = None) -> int:
                return 1 if x is None else x + 1
        ''',
        "tests/test_calc.py": '''
            from pkg.calc import scale, shift


            def test_calc():
                assert scale(2) == 4 and shift() == 1 and shift(1) == 2
        ''',
    })
    doc, result = heal_json(heal, repo, "--select", "mypy:assignment")
    assert result.returncode in (0, 1), result.stderr
    by_line = {f["line"]: f for f in doc["fixes"]}
    assert by_line[1]["verdict"] == "rejected", by_line
    assert "brings new findings: mypy:assignment" in by_line[1]["reason"]
    assert by_line[6]["verdict"] == "verified", [(f["line"], f["diff"], f["reason"]) for f in doc["fixes"]]
    text = (repo / "pkg/calc.py").read_text()
    assert "def scale(x: int = None)" in text and "def shift(x: int | None = None)" in text


def test_a_fix_turned_down_by_its_batch_is_tried_again_and_one_run_is_enough(make_repo, heal):
    """`second`'s implicit-Optional fix writes `Optional[str]` (the file's style) in the batch
    that makes `first`'s `Optional[str]` into `str | None`, so UP045's finding looks still
    there and that fix is turned down. Once nothing else is left, heal tries it again against
    what landed: one run ends where two ended before, and a second run has nothing to do."""
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/calc.py": '''
            from typing import Optional


            def first(a: Optional[str] = None) -> str:
                return a or ""


            def second(b: str = None) -> str:
                return b or ""
        ''',
        "tests/test_calc.py": '''
            from pkg.calc import first, second


            def test_calc():
                assert first() == second() == "" and first("a") == second("a") == "a"
        ''',
    })
    doc, result = heal_json(heal, repo)
    assert result.returncode in (0, 1), result.stderr
    text = (repo / "pkg/calc.py").read_text()
    assert "Optional" not in text, (text, [(f["rule"], f["line"], f["verdict"], f["reason"])
                                           for f in doc["fixes"]])
    assert "def first(a: str | None = None)" in text and "def second(b: str | None = None)" in text
    assert [f["verdict"] for f in doc["fixes"]] == ["verified"] * 4, doc["fixes"]  # no stale rejection
    again, result = heal_json(heal, repo)
    assert result.returncode in (0, 1) and again["fixes"] == [], again["fixes"]

"""Step 4 through the CLI: the baseline, the analyzers' re-check, batches, bisection and
retries, on throwaway repositories with their real test suites."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from conftest import git, user_status
from test_heal_cli import PROJECT, heal_json, snapshot


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
    # what stopped pytest, not the last line it printed (coverage's warning that it saw no data)
    assert "tests/test_x.py: ModuleNotFoundError: No module named 'nonexistent'" in result.stderr
    assert snapshot(repo)["files"] == before["files"]
    result = heal("--no-verify", "--format", "json", cwd=repo)
    doc = json.loads(result.stdout)
    assert {f["verdict"] for f in doc["fixes"]} == {"unverified"}
    assert "import os" not in (repo / "pkg/m.py").read_text()


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
    # baseline and the batch (whole); case_07's fix against the other fifteen, both with only
    # the test that failed; the fifteen whole (the full run before landing): halving would
    # take 1 + 1 + 2·4 + 1, and bisection with the whole suite each time 4 full runs
    assert doc["summary"]["test_runs"] == {"full": 3, "selected": 2}, doc["summary"]
    assert (repo / "cases/case_07.py").read_text().startswith("import os")
    assert not (repo / "cases/case_03.py").read_text().startswith("import os")


def test_failing_tests_that_name_three_files_test_each_file_at_once(make_repo, heal):
    """Three data-driven tests fail, each naming its case file: the fixes of each named file
    and the rest are tested at once, one run each (halving the named fixes would take two
    runs per level), the rest, which passed on those tests, is not run again before the final
    check, and the culprits are exactly the three fixes."""
    broken = ("case_03.py", "case_07.py", "case_11.py")
    project = {f"cases/case_{n:02}.py": "import os\n\n\nVALUE = 1\n" for n in range(16)}
    project["tests/test_cases.py"] = f'''
        import pathlib

        import pytest

        CASES = sorted((pathlib.Path(__file__).parent.parent / "cases").glob("*.py"))


        @pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
        def test_case(case):
            if case.name in {broken!r}:  # the cases these tests are about
                assert case.read_text().startswith("import os")
    '''
    repo = make_repo(project)
    doc, result = heal_json(heal, repo, "--select", "ruff:F401")
    assert result.returncode == 0, result.stderr
    rejected = sorted(f["path"] for f in doc["fixes"] if f["verdict"] == "rejected")
    assert rejected == [f"cases/{name}" for name in broken], doc["fixes"]
    assert sum(f["verdict"] == "verified" for f in doc["fixes"]) == 13
    # baseline, the batch and the final check whole; the rest and the three files at once
    assert doc["summary"]["test_runs"] == {"full": 3, "selected": 4}, doc["summary"]


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


def test_only_the_fix_that_brings_a_finding_is_rejected_and_a_rewritten_old_one_is_not(
        make_repo, heal):
    """One batch, two fixes in one file. Making `value: int = None` honest writes a line too
    long (E501 on the line it wrote): only that fix is turned down, and its reason names the
    finding and its line. The %-format rewrite (to `.format`) lengthens a line that was already
    too long: its E501 now says 99 where it said 93, the same old finding, and that fix lands."""
    long_def = "def scale_the_given_measurement(value: int = None, factor_used_here: int = 2) -> int:"
    long_return = '    return "a rather long message that says how many items there are in all: %s, ok!" % count'
    assert len(long_def) <= 88 < len(long_def) + len(" | None") and len(long_return) > 90
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/calc.py": f"""{long_def}
    return (value or 0) * factor_used_here


def label(count: int) -> str:
{long_return}
""",
        "tests/test_calc.py": '''
            from pkg.calc import label, scale_the_given_measurement


            def test_calc():
                assert scale_the_given_measurement(2) == 4 and "3" in label(3)
        ''',
    })
    doc, result = heal_json(heal, repo, "--unsafe-fixes",
                            "--select", "ruff:UP031,ruff:E501,mypy:assignment")
    assert result.returncode in (0, 1), result.stderr
    by_rule = {f["rule"]: f for f in doc["fixes"]}
    assert by_rule["ruff:UP031"]["verdict"] == "verified", by_rule["ruff:UP031"]["reason"]
    rejected = by_rule["mypy:assignment"]
    assert rejected["verdict"] == "rejected"
    assert rejected["reason"].startswith("the fix brings new findings: ruff:E501 at pkg/calc.py:1 "
                                         "(Line too long ("), rejected["reason"]
    text = (repo / "pkg/calc.py").read_text()
    assert long_def in text and 'in all: {}, ok!".format(count)' in text


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


def _culprits_project(modules: int, culprits: dict[str, str]) -> dict[str, str]:
    """`modules` modules with two unused imports each; the tests read `culprits` (module ->
    imported name) back by name at run time, so removing those imports breaks them."""
    files = {"pkg/__init__.py": ""}
    for number in range(modules):
        files[f"pkg/m{number}.py"] = "import json\nimport os\n\n\ndef f():\n    return 1\n"
    lookups = "\n".join(
        f'{module.replace(".", "_")}_{name} = getattr(importlib.import_module("pkg.{module}"), '
        f'"{name}")' for module, name in culprits.items())
    checks = "\n".join(f"def test_{module}_{name}():\n    assert {module}_{name} is not None\n\n"
                       for module, name in culprits.items())
    files["tests/test_pkg.py"] = f"import importlib\n\n{lookups}\n\n\n{checks}" \
                                 "def test_plain():\n    assert True\n"
    return files


def test_bisection_runs_only_the_failing_tests(make_repo, heal):
    """k culprits among N fixes: the batch runs whole once, bisection runs only the tests that
    failed, the kept set runs whole once more, and the culprits are exactly the fixes that
    break the tests (what bisection with the whole suite at every step finds)."""
    culprits = {"m1": "json", "m4": "os", "m6": "json"}
    repo = make_repo(_culprits_project(8, culprits))
    for mode in ("full", "affected"):
        git(repo, "checkout", "-q", "--", ".")
        doc, result = heal_json(heal, repo, "--verify", mode)
        assert result.returncode == 0, result.stderr
        rejected = {(f["path"], f["diff"].split("-import ")[1].split("\n")[0])
                    for f in doc["fixes"] if f["verdict"] == "rejected"}
        assert rejected == {(f"pkg/{m}.py", name) for m, name in culprits.items()}, mode
        assert sum(f["verdict"] == "verified" for f in doc["fixes"]
                   if f["path"].startswith("pkg/")) == 16 - len(culprits)
        runs = doc["summary"]["test_runs"]
        baseline = 1 if mode == "full" else 2  # affected: a plain run, then one recording coverage
        assert runs["full"] - baseline <= 2, (mode, runs)
        assert runs["selected"] >= 2, (mode, runs)  # the bisection's runs


def test_a_test_broken_in_one_round_is_tried_first_in_the_next(make_repo, heal):
    """A data-driven test reads `cases/case_07.py`'s imports. Round 1 removes `import os`
    there (breaks the test) and rewrites `Optional[int]` everywhere (lands); round 2 removes the
    now unused `Optional` import, which breaks the same test again. A fix in that file broke
    that test in this run, so round 2's batch (which edits the file) runs it alone first: its
    failure sends the batch straight to bisection, and the whole suite is never run just to
    fail on it a second time. The verdicts are those of a batch run with the whole suite."""
    fixable = "import os\nfrom typing import Optional\n\n\ndef f(x: Optional[int] = None) -> int:\n" \
              "    return x or 1\n"
    project = {f"cases/case_{n:02}.py": fixable for n in range(1, 9)}
    project["pyproject.toml"] = '[project]\nname = "cases"\nrequires-python = ">=3.10"\n'
    project["tests/test_cases.py"] = '''
        import pathlib

        import pytest

        CASES = sorted((pathlib.Path(__file__).parent.parent / "cases").glob("*.py"))


        @pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
        def test_case(case):
            if case.name == "case_07.py":  # the case this test is about: its imports are data
                assert case.read_text().startswith("import os\\nfrom typing import Optional\\n")
    '''
    repo = make_repo(project)
    doc, result = heal_json(heal, repo, "--select", "ruff:F401,ruff:UP045")
    assert result.returncode == 0, result.stderr
    rejected = sorted(f["diff"].split("\n-", 1)[1].split("\n")[0]
                      for f in doc["fixes"] if f["verdict"] == "rejected")
    assert rejected == ["from typing import Optional", "import os"], doc["fixes"]
    assert all(f["path"] == "cases/case_07.py" and "test_case[case_07.py]" in f["reason"]
               for f in doc["fixes"] if f["verdict"] == "rejected")
    assert sum(f["verdict"] == "verified" for f in doc["fixes"]) == 8 + 7 + 7
    assert (repo / "cases/case_07.py").read_text().startswith("import os\nfrom typing import")
    assert "import" not in (repo / "cases/case_03.py").read_text()
    with sqlite3.connect(repo / ".heal" / "history.db") as db:
        runs = db.execute("SELECT kind, passed, selected FROM test_runs ORDER BY started").fetchall()
    # the whole suite failed once (round 1's batch); round 2's batch failed on the test alone
    assert [(kind, passed) for kind, passed, selected in runs if not selected] == [
        ("baseline", 1), ("batch", 0), ("recheck", 1), ("recheck", 1)], runs
    assert any(kind == "batch" and not passed and selected for kind, passed, selected in runs[3:])


def test_the_baseline_runs_while_the_first_round_is_planned(make_repo, heal, tmp_path):
    """The baseline's tests run beside the first round's planning and its re-check by the
    analyzers, in a worktree of their own: the run waits for its tests, not for its tests and
    then for its planning. The suite's conftest watches the worktree the re-check writes the
    batch into: while the baseline runs, the fix shows up there. A baseline run before any
    planning (or in that same worktree) waits in vain."""
    seen = tmp_path / "seen"
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/m.py": "import os\n\n\ndef f():\n    return 1\n",
        "tests/conftest.py": '''
            import os
            import time
            from pathlib import Path


            def pytest_sessionstart(session):
                seen = Path(os.environ["SEEN"])
                here = Path(__file__).resolve().parent.parent
                if seen.exists() or here.parent.name != "worktrees":
                    return  # a later run, or the user's own
                run = here.name.rsplit("-", 1)[0]
                checked = here.parent / f"{run}-0" / "pkg" / "m.py"  # the re-check's worktree
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    if checked != here / "pkg" / "m.py" and checked.exists() and \\
                            "import os" not in checked.read_text():
                        seen.write_text("the batch, re-checked")
                        return
                    time.sleep(0.05)
                seen.write_text("nothing")
        ''',
        "tests/test_m.py": "from pkg.m import f\n\n\ndef test_f():\n    assert f() == 1\n",
    })
    doc, result = heal_json(heal, repo, env={"SEEN": str(seen)})
    assert result.returncode == 0, result.stderr
    assert seen.read_text() == "the batch, re-checked"
    assert [(f["rule"], f["verdict"]) for f in doc["fixes"]] == [("ruff:F401", "verified")]
    assert "import os" not in (repo / "pkg/m.py").read_text()
    with sqlite3.connect(repo / ".heal" / "history.db") as db:
        kinds = [kind for (kind,) in db.execute("SELECT kind FROM test_runs ORDER BY started")]
    assert kinds[0] == "baseline", kinds


def test_a_break_a_culprit_hid_is_found_by_the_final_run_and_everything_is_verified_again(
        make_repo, heal):
    """The batch's whole-suite run named every test that fails with it, so the fix kept after
    bisection runs once more on those tests only, and the whole suite waits for the final
    check. Here the culprit hid a break: removing `b.py`'s import (test_b_has_os reads it) made
    test_masked pass without `a.py`'s. The final whole run fails, and heal verifies everything
    again with whole-suite runs: both fixes are turned down, each with the test it breaks, as
    a whole-suite run of the kept set right after bisection finds, and nothing lands."""
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/a.py": "import json\n\n\ndef f():\n    return 1\n",
        "pkg/b.py": "import os\n\n\ndef g():\n    return 2\n",
        "tests/test_pkg.py": '''
            import pkg.a
            import pkg.b


            def test_b_has_os():
                assert hasattr(pkg.b, "os")


            def test_masked():
                assert hasattr(pkg.a, "json") or not hasattr(pkg.b, "os")
        ''',
    })
    doc, result = heal_json(heal, repo, "--select", "ruff:F401", "--verify", "full")
    assert result.returncode in (0, 1), result.stderr
    reasons = {f["path"]: (f["verdict"], f["reason"]) for f in doc["fixes"]}
    assert reasons == {
        "pkg/a.py": ("rejected", "breaks the tests: tests/test_pkg.py::test_masked"),
        "pkg/b.py": ("rejected", "breaks the tests: tests/test_pkg.py::test_b_has_os")}, reasons
    assert any(m.startswith("selection miss: the final full run failed (tests/test_pkg.py::"
                            "test_masked)") for m in doc["summary"]["messages"])
    assert user_status(repo) == ""
    with sqlite3.connect(repo / ".heal" / "history.db") as db:
        runs = db.execute("SELECT kind, passed, selected FROM test_runs ORDER BY started").fetchall()
    assert [(kind, passed) for kind, passed, selected in runs if not selected] == [
        ("baseline", 1), ("batch", 0), ("final", 0), ("recheck", 0)], runs  # again: the
    # batch tries the test b.py's fix broke first, and the kept fix runs the whole suite


def _unchecked_bodies(culprits: int, clean: int, clean_first: bool = False) -> dict[str, str]:
    """Untyped functions whose annotated local makes mypy say their body is not checked: in
    `culprits` of them the body reads an attribute `Box` lacks, which `-> None` brings out
    (four lines below the signature the fix writes); in `clean` of them it does not (those
    come first with `clean_first`)."""
    body = "box: Box = make()\n    box.size += 1\n    print(box.size)\n    print(box.{})\n"
    bad = [True] * culprits + [False] * clean
    functions = [f"def check_{n}():\n    {body.format('colour' if culprit else 'size')}"
                 for n, culprit in enumerate(bad[::-1] if clean_first else bad)]
    return {
        "pkg/__init__.py": "",
        "pkg/boxes.py": "class Box:\n    size: int = 1\n\n\ndef make() -> Box:\n    return Box()"
                        "\n\n\n" + "\n\n".join(functions),
        "tests/test_boxes.py": "from pkg.boxes import make\n\n\ndef test_make():\n"
                               "    assert make().size == 1\n",
    }


def test_signatures_whose_bodies_bring_findings_are_each_rechecked_alone_at_once(make_repo, heal):
    """`-> None` on four of seven untyped functions has mypy check a body that reads a missing
    attribute, four lines below the signature: no fix wrote that line, so the re-checks find
    the culprits. Each fix whose function holds such a finding is re-checked alone, all at once,
    rather than halving the seven; the same four are turned down, each with its own finding."""
    repo = make_repo(_unchecked_bodies(culprits=4, clean=3))
    doc, result = heal_json(heal, repo, "--select", "mypy:annotation-unchecked,mypy:attr-defined")
    assert result.returncode in (0, 1), result.stderr
    verdicts = {f["line"]: (f["verdict"], f["reason"]) for f in doc["fixes"]}
    rejected = sorted(line for line, (verdict, _) in verdicts.items() if verdict == "rejected")
    assert len(rejected) == 4 and len(verdicts) == 7, verdicts
    for line in rejected:  # the finding named is the one in that function's own body
        assert f'pkg/boxes.py:{line + 3} ("Box" has no attribute "colour")' in verdicts[line][1]
    text = (repo / "pkg/boxes.py").read_text()
    assert text.count("() -> None:") == 3 and text.count("box.colour") == 4
    # round 1: the batch, the suspects together, the four and the rest each alone at once, the
    # rest as a whole, the batch without the culprits (9); the four tried once more against what
    # landed (6). Halving the seven took 22
    assert doc["summary"]["rechecks"] <= 15, doc["summary"]


def test_a_turned_down_fix_is_not_tried_again_as_a_new_one_once_its_twins_are_fixed(
        make_repo, heal):
    """Seven functions hold the same line, `box: Box = make()`, each with mypy's finding on it.
    Identical nodes of a file are told apart by their order, so once the first three are fixed
    the fourth would be counted as the first: the fixes turned down in round 1 must keep the
    findings they were turned down for, not come back as new ones (each tried, and reported,
    twice) or take the identity of a fix that landed."""
    repo = make_repo(_unchecked_bodies(culprits=4, clean=3, clean_first=True))
    doc, result = heal_json(heal, repo, "--select", "mypy:annotation-unchecked,mypy:attr-defined")
    assert result.returncode in (0, 1), result.stderr
    fixes = [(f["line"], f["verdict"], f["fingerprints"]) for f in doc["fixes"]]
    assert sorted(line for line, verdict, _ in fixes if verdict == "verified") == [10, 17, 24], fixes
    assert sorted(line for line, verdict, _ in fixes if verdict == "rejected") == [31, 38, 45, 52], fixes
    fingerprints = [fp for _, _, prints in fixes for fp in prints]
    assert len(fingerprints) == len(set(fingerprints)) == 7, fixes


def test_rounds_ruff_alone_rechecks_in_the_look_ahead_land_after_one_test_run(make_repo, heal):
    """`Optional[Dict[str, List[str]]]` takes rounds: UP045 rewrites it whole, then UP006 can
    make `Dict` and `List` builtins, then F401 removes each name of the `typing` import in turn.
    The later rounds are planned ahead and re-checked by ruff alone, then once by every
    analyzer; the tests run once for all of them, and a second run has nothing to do."""
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/index.py": '''
            from typing import Dict, List, Optional


            def index(words: List[str]) -> Optional[Dict[str, List[str]]]:
                found: Dict[str, List[str]] = {}
                for word in words:
                    found.setdefault(word[:1], []).append(word)
                return found or None
        ''',
        "tests/test_index.py": '''
            from pkg.index import index


            def test_index():
                assert index(["ab", "ac"]) == {"a": ["ab", "ac"]} and index([]) is None
        ''',
    })
    doc, result = heal_json(heal, repo)
    assert result.returncode in (0, 1), result.stderr
    assert {f["verdict"] for f in doc["fixes"]} == {"verified"}, doc["fixes"]
    text = (repo / "pkg/index.py").read_text()
    assert "typing" not in text and "-> dict[str, list[str]] | None:" in text, text
    assert doc["test_runs"] == 2, doc["summary"]  # the baseline, and one run for every round
    with sqlite3.connect(repo / ".heal" / "history.db") as conn:
        events = [json.loads(p) for p, in conn.execute(
            "SELECT parameters FROM events WHERE action = 'lookahead' AND status = 'passed'")]
    # every round after the first was re-checked by ruff alone (then once by all analyzers)
    assert len(events) == 1 and events[0]["rounds"] >= 3, events
    assert events[0]["ruff_alone"] == events[0]["rounds"] - 1, events
    again, _ = heal_json(heal, repo)
    assert again["fixes"] == [], again["fixes"]


def test_a_look_ahead_step_ruff_passes_and_mypy_does_not_is_planned_again(make_repo, heal):
    """`key in box.keys()` made `key in box` (SIM118) waits a round for the UP006 fix on the
    same line. ruff alone passes that look-ahead step, but `Box` has no `__contains__`: once
    every analyzer re-checks the steps, mypy's [operator] error sends the look-ahead back to
    re-check each step with every analyzer, and the fix is turned down, as when every step
    was re-checked by all of them."""
    repo = make_repo({
        "pkg/__init__.py": "",
        "pkg/box.py": '''
            from typing import List


            class Box:
                def keys(self) -> List[str]:
                    return ["a"]


            def has(box: Box, key: str) -> bool:
                names: List[str] = []; found = key in box.keys()
                return found or key in names
        ''',
        "tests/test_box.py": '''
            from pkg.box import Box, has


            def test_has():
                assert has(Box(), "a") and not has(Box(), "b")
        ''',
    })
    doc, result = heal_json(heal, repo, "--unsafe-fixes",
                            "--select", "ruff:UP006,ruff:SIM118,mypy:operator")
    assert result.returncode in (0, 1), result.stderr
    verdicts = sorted((f["line"], f["rule"], f["verdict"]) for f in doc["fixes"])
    assert verdicts == [(5, "ruff:UP006", "verified"), (10, "ruff:SIM118", "rejected"),
                        (10, "ruff:UP006", "verified")], doc["fixes"]
    rejected = next(f for f in doc["fixes"] if f["verdict"] == "rejected")
    assert rejected["reason"].startswith("the fix brings new findings: mypy:operator at "
                                         "pkg/box.py:10 (Unsupported right operand type"), rejected
    text = (repo / "pkg/box.py").read_text()
    assert "names: list[str] = []; found = key in box.keys()" in text, text

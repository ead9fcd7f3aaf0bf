"""Test selection (verify/select.py) through the CLI: the coverage map, evidence, affected tests."""

from __future__ import annotations

import json
import sqlite3

from conftest import write

UP031 = '[tool.ruff.lint]\nselect = ["F", "UP031"]\n'

PROJECT = {
    "pyproject.toml": UP031,
    "pkg/__init__.py": "",
    "pkg/fmt.py": '''
        def greet(name):
            return "hello %s" % name


        def shout(name):
            return "HEY %s" % name
    ''',
    "pkg/other.py": '''
        def farewell(name):
            return "bye %s" % name
    ''',
    "tests/test_fmt.py": '''
        from pkg.fmt import greet


        def test_greet():
            assert greet("ann") == "hello ann"


        def test_nothing_else():
            assert True
    ''',
}


def _heal(heal, repo, *args):
    result = heal("--unsafe-fixes", "--format", "json", *args, cwd=repo)
    assert result.stdout, result.stderr
    return json.loads(result.stdout), result


def _by_line(doc, path):
    return {f["line"]: f for f in doc["fixes"] if f["path"] == path}


def test_evidence_covered_and_uncovered(make_repo, heal):
    repo = make_repo(PROJECT)
    doc, result = _heal(heal, repo)
    assert result.returncode == 0, result.stderr
    fmt = _by_line(doc, "pkg/fmt.py")
    # greet() runs in test_greet: covered, by exactly that test, and it lands (unsafe is fine)
    assert fmt[2]["evidence"] == "covered"
    assert fmt[2]["covering_tests"] == ["tests/test_fmt.py::test_greet"]
    assert fmt[2]["verdict"] == "verified"
    # shout() runs in no test: uncovered, and an unsafe fix without evidence waits for review
    assert fmt[6]["evidence"] == "uncovered"
    assert fmt[6]["verdict"] == "needs-review"
    text = (repo / "pkg/fmt.py").read_text()
    assert 'f"hello {name}"' in text or '"hello {}".format(name)' in text
    assert '"HEY %s" % name' in text
    review = json.loads(heal("review", "--format", "json", cwd=repo).stdout)["items"]
    assert [i["evidence"] for i in review] == ["uncovered", "uncovered"]  # shout, farewell
    # the map lives in .heal/ and the history knows the evidence
    assert (repo / ".heal/coverage/map.json").exists()
    db = sqlite3.connect(repo / ".heal/history.db")
    rows = dict(db.execute("SELECT line, evidence FROM fixes WHERE path = 'pkg/fmt.py'"))
    assert rows == {2: "covered", 6: "uncovered"}


def test_batches_run_only_the_affected_tests(make_repo, heal):
    files = dict(PROJECT)
    for n in range(6):
        files[f"tests/test_more_{n}.py"] = f"def test_{n}():\n    assert {n} == {n}\n"
    repo = make_repo(files)
    _heal(heal, repo)
    db = sqlite3.connect(repo / ".heal/history.db")
    kinds = db.execute("SELECT kind, selected, passed FROM test_runs").fetchall()
    batch = [k for k in kinds if k[0] == "batch"]
    assert batch and all(0 < selected <= 2 for _, selected, _ in batch)  # not the 8 tests
    assert ("final", 0, 1) in kinds  # the full suite ran once before landing


def test_stale_map_is_invalidated_per_file(make_repo, heal):
    repo = make_repo(PROJECT)
    _heal(heal, repo, "--dry-run")
    first = json.loads((repo / ".heal/coverage/map.json").read_text())
    assert first["files"]["pkg/fmt.py"]["lines"]["2"] == ["tests/test_fmt.py::test_greet"]
    # the user edits one file: only its entries go stale; the map is not recorded again and the
    # other files' entries still give evidence
    write(repo, {"pkg/other.py": '\n\ndef farewell(name):\n    return "bye %s!" % name\n'})
    doc, _ = _heal(heal, repo, "--dry-run")
    second = json.loads((repo / ".heal/coverage/map.json").read_text())
    assert second["recorded"] == first["recorded"]
    assert _by_line(doc, "pkg/fmt.py")[2]["covering_tests"] == ["tests/test_fmt.py::test_greet"]
    db = sqlite3.connect(repo / ".heal/history.db")
    recordings = db.execute("SELECT count(*) FROM events WHERE action = 'coverage_map'").fetchone()
    assert recordings == (1,)


def test_selection_miss_is_caught_by_the_final_full_run(make_repo, heal):
    files = dict(PROJECT)
    # this test never calls greet(), so coverage cannot connect it to greet's line, yet it
    # depends on greet's source text: only the full run can see a fix break it
    files["tests/test_source.py"] = '''
        import inspect

        from pkg import fmt


        def test_source_keeps_percent_formatting():
            assert "%" in inspect.getsource(fmt.greet)
    '''
    repo = make_repo(files)
    doc, result = _heal(heal, repo)
    assert result.returncode == 0, result.stderr
    assert any("selection miss" in m for m in doc["summary"]["messages"])
    greet = _by_line(doc, "pkg/fmt.py")[2]
    assert greet["verdict"] == "rejected"
    assert '"hello %s" % name' in (repo / "pkg/fmt.py").read_text()
    db = sqlite3.connect(repo / ".heal/history.db")
    assert db.execute("SELECT count(*) FROM events WHERE action = 'selection_miss'").fetchone() == (1,)


def test_verify_full_and_projects_without_coverage(make_repo, heal):
    repo = make_repo(PROJECT)
    doc, _ = _heal(heal, repo, "--verify", "full")
    assert {f["evidence"] for f in doc["fixes"] if f["verdict"] == "verified"} == {""}
    repo2 = make_repo(PROJECT)
    doc, _ = _heal(heal, repo2, "--test-cmd", "python -m compileall -q pkg")
    assert any("not pytest" in m for m in doc["summary"]["messages"])


def test_a_selection_of_most_of_the_suite_runs_it_whole_once(make_repo, heal):
    """When every test covers the changed lines, the selected run would be the suite: heal runs
    the suite, and that passing run is the final check too (no second full run)."""
    files = dict(PROJECT)
    files["tests/test_fmt.py"] = '''
        from pkg.fmt import greet


        def test_greet():
            assert greet("ann") == "hello ann"


        def test_greet_bob():
            assert greet("bob").endswith("bob")
    '''
    repo = make_repo(files)
    doc, result = _heal(heal, repo)
    assert result.returncode == 0, result.stderr
    assert _by_line(doc, "pkg/fmt.py")[2]["verdict"] == "verified"
    db = sqlite3.connect(repo / ".heal/history.db")
    kinds = db.execute("SELECT kind, selected, passed FROM test_runs "
                       "WHERE kind NOT IN ('baseline', 'coverage')").fetchall()
    assert kinds == [("batch", 0, 1)]


def test_tests_that_read_a_file_as_data_are_selected_for_it(tmp_path):
    """Nothing imports `test/cases/E40.py`; a test that names its folder (or the file) in a
    string reads it, so a change there must run that test. Tests that name neither do not run."""
    from heal.verify.coverage import importers

    write(tmp_path, {
        "test/test_cases.py": '''
            import os

            FOLDER = os.path.join(os.path.dirname(__file__), "cases")
        ''',
        "test/test_one_file.py": 'DATA = "fixtures/E12.py"\n',
        "test/test_other.py": 'import json\n\nNAME = "tests"\n',
    })
    tests = ["test/test_cases.py", "test/test_one_file.py", "test/test_other.py"]
    assert importers(tmp_path, tests, ["test/cases/E40.py"]) == ["test/test_cases.py"]
    assert importers(tmp_path, tests, ["data/E12.py"]) == ["test/test_one_file.py"]
    # a generic folder name ("test") is not taken for a reference to every file in it
    assert importers(tmp_path, tests, ["test/helpers.py"]) == []


def test_import_time_fixes_run_the_tests_that_use_the_module(make_repo, heal):
    """Removing an unused import runs when pkg/used.py is imported, and every test imports it
    (`import pkg` imports all of pkg). The tests that can see the change are those that run
    its code or import it by name, or run code of a module that imports it: not the six that
    only ever call pkg.other."""
    files = {
        "pyproject.toml": '[tool.ruff.lint]\nselect = ["F401"]\n',
        "pkg/__init__.py": "from pkg import other, used\n",
        "pkg/used.py": "import os\n\n\ndef greet(name):\n    return 'hi ' + name\n",
        "pkg/other.py": "def farewell(name):\n    return 'bye ' + name\n",
        "pkg/caller.py": "from pkg.used import greet\n\n\ndef welcome():\n    return greet('all')\n",
        "tests/test_used.py": "from pkg.used import greet\n\n\ndef test_greet():\n"
                              "    assert greet('a') == 'hi a'\n",
        "tests/test_caller.py": "from pkg import caller\n\n\ndef test_welcome():\n"
                                "    assert caller.welcome() == 'hi all'\n",
    }
    for n in range(6):
        files[f"tests/test_other_{n}.py"] = (f"import pkg\n\n\ndef test_farewell_{n}():\n"
                                             f"    assert pkg.other.farewell('{n}') == 'bye {n}'\n")
    repo = make_repo(files)
    doc, result = _heal(heal, repo, "--select", "ruff:F401")
    assert result.returncode == 0, result.stderr
    fix = _by_line(doc, "pkg/used.py")[1]
    assert fix["verdict"] == "verified" and fix["evidence"] == "covered"
    assert fix["covering_tests"] == ["tests/test_caller.py::test_welcome",
                                     "tests/test_used.py", "tests/test_used.py::test_greet"]
    db = sqlite3.connect(repo / ".heal/history.db")
    batch = db.execute("SELECT selected FROM test_runs WHERE kind = 'batch'").fetchall()
    assert batch == [(3,)]  # not the eight test files
    assert "import os" not in (repo / "pkg/used.py").read_text()

"""Reactive healing: `heal --from-tests` and `heal --from-log` on throwaway repositories, with
the real pytest; and the failures module (tracebacks to findings) on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import GIT_ENV, TEST_ENV, user_status, write
from heal import failures

SHOP = {
    "src/shop/__init__.py": "",
    "src/shop/config.py": '''
        HOME = Path("/srv")  # a NameError at import: tests/test_config.py fails to collect
    ''',
    "tests/test_config.py": '''
        from shop.config import HOME


        def test_home():
            assert HOME.name == "srv"
    ''',
    "src/shop/money.py": '''
        def cents(amount):
            return round(amount * 100)


        def dollars(amount):
            return amount / 100
    ''',
    "tests/test_money.py": '''
        from shop.prices import dollars  # moved to shop.money: an ImportError


        def test_dollars():
            assert dollars(150) == 1.5
    ''',
    "src/shop/prices.py": '''
        def as_json(total):
            return json.dumps({"total": total})


        def in_cents(total):
            return cents(total)
    ''',
    "tests/test_prices.py": '''
        from shop.prices import as_json, in_cents


        def test_as_json():
            assert as_json(2) == '{"total": 2}'


        def test_in_cents():
            assert in_cents(1.5) == 150


        def test_still_fine():
            assert 1 + 1 == 2
    ''',
}

USERS = {
    "src/shop/__init__.py": "",
    "src/shop/users.py": '''
        class User:
            def __init__(self, name, profile=None):
                self.name = name
                self.profile = profile


        def display_name(user):
            return user.profile.nickname


        def greet(user):
            return "hi " + user.name
    ''',
    "src/shop/tiers.py": '''
        def tier(levels, name):
            return levels[name]
    ''',
    "tests/test_users.py": '''
        from shop.tiers import tier
        from shop.users import User, display_name, greet


        def test_no_profile():
            assert display_name(User("ann")) is None


        def test_unknown_tier():
            assert tier({"gold": 1}, "silver") is None


        def test_greet():
            assert greet(User("ann"), "loud") == "HI ANN"


        def test_fine():
            assert User("bob").name == "bob"
    ''',
}


def _pytest(repo: Path) -> subprocess.CompletedProcess[str]:
    """The user's own test run in their tree (not heal's worktree)."""
    env = {**GIT_ENV, **TEST_ENV, "PYTHONPATH": str(repo / "src"), "PATH": "/usr/bin:/bin",
           "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=120)


def test_missing_and_moved_imports_are_fixed_and_land(make_repo, heal):
    repo = make_repo(SHOP)
    before = _pytest(repo)
    assert before.returncode == 2 and "2 errors" in before.stdout

    result = heal("--from-tests", "--format", "json", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    verified = sorted((f["rule"], f["source"]) for f in doc["fixes"] if f["verdict"] == "verified")
    assert verified == [("pytest:import-error", "fixer:moved-name-import")] + [
        ("pytest:name-error", "fixer:undefined-name-import")] * 3
    text = (repo / "src/shop/prices.py").read_text()
    assert text.startswith("import json\nfrom shop.money import cents\n")  # stdlib + project
    assert (repo / "src/shop/config.py").read_text().startswith("from pathlib import Path\n")
    assert _pytest(repo).returncode == 0  # red -> green in the user's own run
    assert (repo / "tests/test_money.py").read_text().startswith(
        "from shop.money import dollars  # moved to shop.money")
    assert user_status(repo) == (" M src/shop/config.py\n M src/shop/prices.py\n"
                                 " M tests/test_money.py")


def test_behaviour_changing_fixes_wait_for_review_and_an_unfixable_failure_is_reported(
        make_repo, heal):
    repo = make_repo(USERS)
    result = heal("--from-tests", cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert ("not fixed: tests/test_users.py::test_greet: TypeError: greet() takes 1 positional "
            "argument but 2 were given at tests/test_users.py:14 in test_greet(): no fixer "
            "handles pytest:type-error-args") in out
    assert ("waits for review: tests/test_users.py::test_no_profile: AttributeError: "
            "'NoneType' object has no attribute 'nickname' at src/shop/users.py:8 in "
            "display_name(): its fix is queued") in out
    assert user_status(repo) == ""  # nothing landed on its own

    queued = json.loads(heal("review", "--format", "json", cwd=repo).stdout)["items"]
    assert sorted((i["rule"], i["path"], i["line"]) for i in queued) == [
        ("pytest:attribute-none", "src/shop/users.py", 8),
        ("pytest:key-error", "src/shop/tiers.py", 2)]
    guard = next(i for i in queued if i["rule"] == "pytest:attribute-none")
    rationale = " ".join(guard["rationale"].split())
    assert rationale.startswith("before: tests/test_users.py::test_no_profile failed with "
                                "AttributeError: 'NoneType' object has no attribute "
                                "'nickname'; after: it passes with this fix")
    assert "+    if user.profile is None:\n+        return None" in guard["diff"]

    approved = heal("review", "approve", guard["id"], cwd=repo)
    assert approved.returncode == 0, approved.stderr
    after = _pytest(repo)
    assert "2 failed, 2 passed" in after.stdout and "test_no_profile" not in after.stdout


def test_an_approved_reactive_fix_is_learned_as_a_pattern_and_reused(make_repo, heal):
    repo = make_repo({"src/shop/__init__.py": "", "src/shop/tiers.py": USERS["src/shop/tiers.py"],
                      "tests/test_tiers.py": '''
        from shop.tiers import tier


        def test_unknown_tier():
            assert tier({"gold": 1}, "silver") is None
    '''})
    assert heal("--from-tests", cwd=repo).returncode == 1
    [queued] = json.loads(heal("review", "--format", "json", cwd=repo).stdout)["items"]
    assert queued["rule"] == "pytest:key-error" and "levels.get(name)" in queued["diff"]
    assert heal("review", "approve", queued["id"], cwd=repo).returncode == 0
    learned = [p.read_text() for p in (repo / ".heal" / "patterns").glob("*.yaml")]
    assert len(learned) == 1 and "pytest:key-error" in learned[0]

    write(repo, {"src/shop/ranks.py": '''
        def rank(ranks, who):
            return ranks[who]
    ''', "tests/test_ranks.py": '''
        from shop.ranks import rank


        def test_unknown_rank():
            assert rank({}, "ann") is None
    '''})
    again = heal("--from-tests", "tests/test_ranks.py", "--format", "json", cwd=repo)
    [fix] = json.loads(again.stdout)["fixes"]
    assert fix["source"].startswith("pattern:") and fix["verdict"] == "needs-review", fix


def test_named_test_ids_limit_the_run_and_bad_ones_are_one_line_errors(make_repo, heal):
    repo = make_repo(USERS)
    only = heal("--from-tests", "tests/test_users.py::test_greet", cwd=repo)
    assert only.returncode == 1
    assert "test_greet" in only.stdout and "test_no_profile" not in only.stdout
    missing = heal("--from-tests", "tests/test_users.py::test_nope", cwd=repo)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "--from-tests: pytest found no test to run" in missing.stderr
    both = heal("--from-tests", "--scan", cwd=repo)
    assert both.returncode == 2 and "drop --scan" in both.stderr
    assert user_status(repo) == ""


def test_every_test_passing_is_nothing_to_heal(make_repo, heal):
    repo = make_repo({"tests/test_ok.py": "def test_ok():\n    assert True\n"})
    result = heal("--from-tests", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no test fails: nothing to heal" in result.stdout


# -- tracebacks to findings ----------------------------------------------------------------
LOG = """\
2026-12-06 10:00:01 INFO started
2026-12-06 10:00:02 ERROR Traceback (most recent call last):
2026-12-06 10:00:02 ERROR   File "/srv/app/venv/lib/python3.11/site-packages/web/core.py", line 40, in call
2026-12-06 10:00:02 ERROR     return handler(request)
2026-12-06 10:00:02 ERROR   File "/srv/app/src/shop/users.py", line 8, in display_name
2026-12-06 10:00:03 ERROR     return user.profile.nickname
2026-12-06 10:00:02 ERROR            ^^^^^^^^^^^^^^^^^^^^^
2026-12-06 10:00:03 ERROR AttributeError: 'NoneType' object has no attribute 'nickname'
2026-12-06 10:00:03 INFO still serving
"""


def test_a_logged_traceback_maps_to_its_innermost_project_frame():
    found = failures.parse_log(LOG, "app.log")
    assert [(f.error, len(f.frames), f.origin) for f in found] == [
        ("AttributeError", 2, "app.log, line 2")]
    texts = {"src/shop/users.py": "\n" * 7 + "    return user.profile.nickname\n"}
    findings, unplaced = failures.to_findings(found, texts)
    assert unplaced == []
    [finding] = findings
    assert (finding.rule, finding.path, finding.span.start.line, finding.tool) == (
        "pytest:attribute-none", "src/shop/users.py", 8, failures.LOG_TOOL)
    assert finding.hint == "traceback in app.log, line 2, in display_name()"
    assert finding.fixable == "review" and finding.evidence == ()


def test_failure_kinds_and_frames_outside_the_project():
    kinds = [failures.rule_for(error, message) for error, message in [
        ("NameError", "name 'json' is not defined"),
        ("AttributeError", "'NoneType' object has no attribute 'x'"),
        ("AttributeError", "'str' object has no attribute 'x'"),
        ("ModuleNotFoundError", "No module named 'nope'"), ("KeyError", "'b'"),
        ("TypeError", "f() missing 1 required positional argument: 'x'"),
        ("TypeError", "unsupported operand type(s)"), ("AssertionError", "")]]
    assert kinds == ["pytest:name-error", "pytest:attribute-none", "pytest:failure",
                     "pytest:import-error", "pytest:key-error", "pytest:type-error-args",
                     "pytest:failure", "pytest:failure"]
    outside = failures.Failure("ValueError", "bad", (
        failures.Frame("/usr/lib/python3.11/json/decoder.py", 3, "decode"),), test="t.py::t")
    findings, unplaced = failures.to_findings([outside], {"src/a.py": "x = 1\n"})
    assert findings == [] and unplaced[0].reason.startswith("no frame of its traceback")
    reported = unplaced[0].finding()  # counted as remaining at the test's file, never fixed
    assert (reported.path, reported.rule, reported.severity) == (
        "t.py", "pytest:failure", failures.UNPLACED)


SERVICE = {
    "src/shop/__init__.py": "",
    "src/shop/users.py": '''
        def display_name(user):
            return user.profile.nickname


        def badge(user):
            return user.profile.badge
    ''',
    "src/shop/render.py": '''
        def render(name, fancy=False):
            return json.dumps({"name": name}) if fancy else name
    ''',
    "tests/test_users.py": '''
        from types import SimpleNamespace

        from shop.render import render
        from shop.users import display_name


        def test_display_name():
            user = SimpleNamespace(profile=SimpleNamespace(nickname="an"))
            assert display_name(user) == "an"


        def test_render():
            assert render("an") == "an"
    ''',
}


def _traceback(line: int, function: str, attribute: str) -> str:
    return (f'Traceback (most recent call last):\n'
            f'  File "/srv/app/src/shop/users.py", line {line}, in {function}\n'
            f'    return user.profile.{attribute}\n'
            f"AttributeError: 'NoneType' object has no attribute '{attribute}'\n")


def test_a_logged_traceback_is_verified_by_the_tests_that_run_its_line_or_waits_as_uncovered(
        make_repo, heal, tmp_path):
    repo = make_repo(SERVICE)
    log = tmp_path / "app.log"
    log.write_text("INFO up\n" + _traceback(2, "display_name", "nickname") + "INFO later\n"
                   + _traceback(6, "badge", "badge") + (
                       'Traceback (most recent call last):\n'
                       '  File "/srv/app/src/shop/render.py", line 2, in render\n'
                       "NameError: name 'json' is not defined\n"), encoding="utf-8")
    result = heal("--from-log", str(log), cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    # the NameError's line runs in test_render: that test verifies the import, which lands
    assert user_status(repo) == " M src/shop/render.py"
    assert (repo / "src/shop/render.py").read_text().startswith("import json\n")
    queued = json.loads(heal("review", "--format", "json", cwd=repo).stdout)["items"]
    by_line = {i["line"]: " ".join(i["rationale"].split()) for i in queued}
    assert sorted(by_line) == [2, 6]
    assert by_line[2].startswith("before: the traceback in app.log, line 2, in display_name() "
                                 "shows AttributeError")
    assert by_line[6].startswith("uncovered: no test runs src/shop/users.py:6, where the logged "
                                 "traceback failed")
    missing = heal("--from-log", str(tmp_path / "nope.log"), cwd=repo)
    assert missing.returncode == 2 and "--from-log" in missing.stderr
    assert "Traceback" not in missing.stderr

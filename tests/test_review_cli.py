"""The review queue through the CLI: verified fixes wait for a human, who approves or rejects."""

from __future__ import annotations

import json

from conftest import write

PROJECT = {
    "pyproject.toml": '[tool.ruff.lint]\nignore = ["F632"]\n',  # leave `is 200` to heal's LOG109
    "pkg/__init__.py": "",
    "pkg/status.py": '''
        def label(code):
            if code is 200:
                return "ok"
            return "other"


        def kind(name):
            return "x" if name is "x" else "y"
    ''',
    "tests/test_status.py": '''
        from pkg.status import kind, label


        def test_label():
            assert label(200) == "ok"
            assert label(404) == "other"


        def test_kind():
            assert kind("y") == "y"
    ''',
}


def _items(heal, repo, *args):
    result = heal("review", "--format", "json", *args, cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["items"]


def test_review_queue_approve_and_reject(make_repo, heal):
    repo = make_repo(PROJECT)
    result = heal("--format", "json", cwd=repo)
    assert result.returncode == 1, result.stderr  # the P1 findings wait for review
    doc = json.loads(result.stdout)
    review = [f for f in doc["fixes"] if f["verdict"] == "needs-review"]
    assert len(review) == 2 and all(f["rule"] == "heal:LOG109" for f in review)
    assert "is 200" in (repo / "pkg/status.py").read_text()  # nothing landed on its own

    items = _items(heal, repo)
    assert [i["status"] for i in items] == ["pending", "pending"]
    first, second = sorted(items, key=lambda i: i["line"])
    assert first["rationale"] and "-    if code is 200:" in first["diff"]

    shown = heal("review", "show", first["id"][:6], cwd=repo)
    assert shown.returncode == 0
    assert "tests pass" in shown.stdout and "+    if code == 200:" in shown.stdout

    approved = heal("review", "approve", first["id"], cwd=repo)
    assert approved.returncode == 0, approved.stderr
    text = (repo / "pkg/status.py").read_text()
    assert "if code == 200:" in text and 'name is "x"' in text

    assert heal("review", "reject", second["id"], cwd=repo).returncode == 2  # a reason is required
    rejected = heal("review", "reject", second["id"], "--reason", "identity is intended", cwd=repo)
    assert rejected.returncode == 0
    assert _items(heal, repo) == []
    decided = {i["id"]: i for i in _items(heal, repo, "--all")}
    assert decided[first["id"]]["status"] == "landed"
    assert decided[second["id"]]["status"] == "rejected"
    assert decided[second["id"]]["reason"] == "identity is intended"

    # a rejected fix is not proposed again
    doc = json.loads(heal("--format", "json", cwd=repo).stdout)
    assert [f for f in doc["fixes"] if f["verdict"] == "needs-review"] == []


def test_stale_item_is_not_landed(make_repo, heal):
    repo = make_repo(PROJECT)
    heal(cwd=repo)
    item = _items(heal, repo)[0]
    write(repo, {"pkg/status.py": (repo / "pkg/status.py").read_text() + "\n# edited\n"})
    result = heal("review", "approve", item["id"], cwd=repo)
    assert result.returncode == 1
    assert "file changed since" in result.stdout
    assert _items(heal, repo, "--all")[0]["status"] in ("stale", "pending")


def test_approve_after_the_tree_moved_verifies_again(make_repo, heal):
    repo = make_repo(PROJECT)
    heal(cwd=repo)
    item = _items(heal, repo)[0]
    write(repo, {"tests/test_more.py": "def test_more():\n    assert True\n"})  # tree moved
    result = heal("review", "approve", item["id"], cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "approved and landed 1 fixes" in result.stdout
    runs = json.loads(heal("history", "--format", "json", cwd=repo).stdout)["runs"]
    assert runs[0]["mode"] == "review" and runs[0]["test_runs"] >= 1


def test_approve_all_verified_lands_review_fixes_in_one_run(make_repo, heal):
    repo = make_repo(PROJECT)
    result = heal("--approve-all-verified", cwd=repo)
    assert result.returncode == 0, result.stderr
    text = (repo / "pkg/status.py").read_text()
    assert "code == 200" in text and 'name == "x"' in text
    assert _items(heal, repo) == []

"""A pattern heal learns from a verified fix in one project serves the same fix in another."""

from __future__ import annotations

import json
import shutil
import sqlite3

import yaml

PROJECT_A = {
    "pkg/__init__.py": "",
    "pkg/conf.py": '''
        import yaml


        def load(stream):
            return yaml.load(stream)


        def dump(data):
            return yaml.safe_dump(data)
    ''',
    "tests/test_conf.py": '''
        from pkg.conf import dump


        def test_dump():
            assert dump({"a": 1}) == "a: 1\\n"
    ''',
}
PROJECT_B = {
    "app/__init__.py": "",
    "app/settings.py": '''
        import yaml


        def read(path):
            with open(path) as handle:
                return yaml.load(handle.read())


        def name():
            return "settings"
    ''',
    "tests/test_settings.py": '''
        from app.settings import name


        def test_name():
            assert name() == "settings"
    ''',
}


def test_learned_on_a_reused_on_b(make_repo, heal):
    a = make_repo(PROJECT_A, name="a")
    result = heal("--format", "json", "--category", "security", cwd=a)
    doc = json.loads(result.stdout)
    fix = next(f for f in doc["fixes"] if f["rule"] == "bandit:B506")
    assert fix["verdict"] == "verified" and fix["source"].startswith("fixer:")
    learned = list((a / ".heal" / "patterns").glob("*.yaml"))
    assert learned, doc["summary"]["messages"]
    pattern = yaml.safe_load(learned[0].read_text())
    assert pattern["metadata"]["provenance"]["kind"] == "learned"
    assert "bandit:B506" in pattern["metadata"]["triggers"]
    assert "$" in pattern["rule"]["pattern"]  # generalised: the argument is a metavariable

    b = make_repo(PROJECT_B, name="b")
    shutil.copytree(a / ".heal" / "patterns", b / ".heal" / "patterns")
    result = heal("--format", "json", "--category", "security", cwd=b)
    doc = json.loads(result.stdout)
    fix = next(f for f in doc["fixes"] if f["rule"] == "bandit:B506")
    assert fix["source"].startswith("pattern:"), fix
    assert fix["verdict"] == "verified"
    assert "yaml.safe_load(handle.read())" in (b / "app/settings.py").read_text()
    db = sqlite3.connect(b / ".heal" / "history.db")
    reuse = db.execute("SELECT tool, status FROM events WHERE action = 'pattern_reuse'").fetchall()
    assert reuse and reuse[0][1] == "verified"
    # the pattern's counts moved with the verified reuse, in heal's state: the copied file
    # is as A committed it
    copied = next((b / ".heal" / "patterns").glob("*.yaml"))
    assert copied.read_text() == learned[0].read_text()
    usage = sqlite3.connect(b / ".heal" / "pattern-usage.db")
    assert usage.execute("SELECT verified FROM usage").fetchone()[0] >= 2

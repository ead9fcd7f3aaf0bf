"""No secret at rest: after a scan, a heal, the review queue and the reports, no planted secret
is in any file under `.heal/` (history.db and its WAL, audit, caches, review payloads,
patterns, reports written there), nor in what heal printed.

The secrets sit where the issue found them leaking: one bandit flags (its message quotes it;
bandit's cache held it), and ones bandit is told to ignore (`# nosec`) or never flags, on lines
next to an unused import heal removes, so they are in the fix's diff context.
"""

from __future__ import annotations

import json
from pathlib import Path

from heal.redact import MASK, redact

FLAGGED = "s3cr3t-Pl4nted-Value"  # bandit B105: "Possible hardcoded password: '...'"
NOSEC = "hunter2supersecret"  # next to an edited line, hidden from bandit
AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # a generated key's shape, an innocent name
TOKEN = "Zq8v3ryS3cr3tTokenValue9"  # bandit flags it; also shaped like a key
SECRETS = (FLAGGED, NOSEC, AWS, TOKEN)

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/settings.py": f'''
        import os
        import sys

        DB_PASS = "{NOSEC}"  # nosec
        UPSTREAM = "{AWS}"  # nosec
        API_TOKEN = "{TOKEN}"


        def host():
            return "db.local"
    ''',
    "pkg/login.py": f'''
        import json


        def connect(client):
            password = "{FLAGGED}"
            return client.login(password=password)
    ''',
    "tests/test_pkg.py": '''
        from pkg.settings import host


        def test_host():
            assert host() == "db.local"
    ''',
}


def _leaks(folder: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for secret in SECRETS:
            if secret.encode() in data:
                found.setdefault(secret, []).append(str(path.relative_to(folder)))
    return found


def test_nothing_heal_writes_holds_a_secret(make_repo, heal):
    repo = make_repo(PROJECT)
    printed = [heal("--scan", cwd=repo), heal("--scan", cwd=repo)]  # the second from the cache
    assert "Possible hardcoded password" in printed[1].stdout
    healed = heal("--format", "json", cwd=repo)
    assert healed.returncode in (0, 1), healed.stderr
    doc = json.loads(healed.stdout)
    assert any(f["verdict"] == "verified" and f["path"] == "pkg/settings.py" for f in doc["fixes"])
    assert any("***REDACTED***" in f["diff"] for f in doc["fixes"])  # the context, masked
    queue = json.loads(heal("review", "--format", "json", cwd=repo).stdout)["items"]
    assert queue, "a password fix waits for review"
    printed += [healed, heal("review", "show", queue[0]["id"], cwd=repo),
                heal("history", cwd=repo), heal("--dry-run", cwd=repo)]
    for fmt in ("html", "md", "json"):
        report = heal("report", "--format", fmt, "--output", f".heal/report.{fmt}", cwd=repo)
        assert report.returncode == 0, report.stderr
    assert (repo / ".heal/cache/bandit").is_dir() and (repo / ".heal/history.db").is_file()
    assert _leaks(repo / ".heal") == {}
    assert [s for s in SECRETS for out in printed if s in out.stdout + out.stderr] == []
    settings = (repo / "pkg/settings.py").read_text()
    assert NOSEC in settings and "import sys" not in settings  # healed; the user's value kept


def test_what_looks_secret_is_masked_and_what_does_not_is_kept():
    masked = {f'DB_PASS = "{NOSEC}"  # nosec': f'DB_PASS = "{MASK}"  # nosec',
              '"apiKey": "abc12345"': f'"apiKey": "{MASK}"',
              f'authToken="{NOSEC}"': f'authToken="{MASK}"',
              f'UPSTREAM = "{AWS}"': f'UPSTREAM = "{MASK}"'}
    for text, expected in masked.items():
        assert redact(text) == expected
    for kept in ("import secrets", "client.login(password=password)", 'compass = "north-east"',
                 'sha = "3f786850e387550fdab836ed7e6dc881de23001b"',
                 'name = "test_values_are_correct"'):
        assert redact(kept) == kept

"""`heal dashboard --web`: the ASGI app's routes through Starlette's TestClient, the real server,
and a real browser (the system's headless Chromium, driven by Playwright).

The history comes from real heal runs (one module-scoped repository: a heal with verified,
rejected and needs-review fixes, then a dry run: a preview), copied for every test; what no run
makes (a file named `<script>.py`) is written through heal's own History API. A running heal is
what a real one leaves: `.heal/lock` held through heal.lock, `.heal/status.json` through
heal.status.write_status.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import GIT_ENV, TEST_ENV, run_heal
from heal import lock
from heal.history import History
from heal.state import ensure_state_dir
from heal.status import write_status
from heal.web.app import allowed_hosts, create_app, host_name
from heal.web.site import Site
from test_dashboard import heal_twice

pytestmark = pytest.mark.slow

ORIGIN = "http://127.0.0.1:8080"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]


@pytest.fixture(scope="module")
def healed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return heal_twice(tmp_path_factory.mktemp("web") / "repo", "--dry-run")  # then a preview


@pytest.fixture
def repo(healed: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(healed, target, symlinks=True)
    return target


def client(root: Path, **options: object) -> TestClient:
    site = Site(root, **options)  # type: ignore[arg-type]
    return TestClient(create_app(site), base_url=ORIGIN)


def query(root: Path, sql: str, *args: object) -> list[sqlite3.Row]:
    conn = sqlite3.connect(root / ".heal" / "history.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def text(html: str, ident: str) -> str:
    """The text of the element with id `ident` (tags dropped)."""
    match = re.search(rf'id="{ident}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no #{ident} in the page"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def expected_rate(root: Path, mode: str) -> str:
    row = query(root, "SELECT sum(f.verdict = 'verified') AS ok, sum(f.verdict = 'rejected') "
                "AS bad FROM fixes f JOIN runs r ON r.id = f.run_id WHERE r.mode = ?", mode)[0]
    ok, bad = int(row["ok"] or 0), int(row["bad"] or 0)
    return f"{100 * ok / (ok + bad):.0f}%" if ok + bad else "-"


def token_of(html: str) -> str:
    match = re.search(r'<meta name="heal-token" content="([^"]+)">', html)
    assert match, "no token in the page"
    return match.group(1)


# -- pages -----------------------------------------------------------------------------------
def test_overview_keeps_previews_apart(repo: Path) -> None:
    page = client(repo).get("/healing")
    assert page.status_code == 200
    html = page.text
    assert text(html, "rate-7d") == expected_rate(repo, "heal")
    assert text(html, "rate-previews") == expected_rate(repo, "dry-run") != "-"
    assert 'href="/healing/category/import"' in html and 'id="chart-rate"' in html
    assert "<svg" in html and "success rate of heals, last 7d" in html
    assert "1 heals" in html and "1 previews (dry runs)" in html
    assert "no heal running" in html and "2 verified fixes wait for a human" in html
    for period in ("24h", "30d", "nonsense"):
        assert client(repo).get(f"/healing?period={period}").status_code == 200


def test_drill_down_from_a_category_to_a_heal(repo: Path) -> None:
    web = client(repo)
    logic = web.get("/healing/category/logic").text
    assert "rejected" in logic and "needs-review" in logic
    rejected = query(repo, "SELECT run_id, id FROM fixes WHERE verdict = 'rejected' AND "
                     "rule = 'ruff:B006' ORDER BY created")[0]
    href = f"/healing/heal/{rejected['run_id']}/{rejected['id']}"
    assert f'href="{href}"' in logic
    detail = web.get(href).text
    assert "tests/test_memo.py::test_remembers" in detail
    assert '<span class="del">-def remember(item, seen=[]):</span>' in detail
    assert "verdict" in detail and "rejected" in detail

    imports = web.get("/healing/category/import").text  # the dry run's heals are previews
    assert "preview" in imports and "in previews (dry runs)" in imports
    every = web.get("/healing/category/all").text
    assert every.count('href="/healing/heal/') == len(query(repo, "SELECT id FROM fixes"))


def test_runs_and_one_run(repo: Path) -> None:
    web = client(repo)
    runs = query(repo, "SELECT id, mode FROM runs ORDER BY started")
    assert [r["mode"] for r in runs] == ["heal", "dry-run"]
    previews = web.get("/healing/runs?mode=dry-run").text
    assert runs[1]["id"] in previews and runs[0]["id"] not in previews
    page = web.get(f"/healing/runs/{runs[0]['id']}").text
    assert "Where the time went" in page and "tests" in page and "plan" in page
    fixes = query(repo, "SELECT id FROM fixes WHERE run_id = ?", runs[0]["id"])
    assert page.count('href="/healing/heal/') == len(fixes)


def test_patterns_and_one_pattern(repo: Path) -> None:
    web = client(repo)
    listed = web.get("/healing/patterns").text
    assert 'href="/healing/patterns/heal-log109-is-number"' in listed
    learned = sorted((repo / ".heal" / "patterns").glob("ruff-f401-*.yaml"))
    assert learned, "the heal run learned patterns"
    pattern_id = learned[0].stem
    page = web.get(f"/healing/patterns/{pattern_id}").text
    assert "learned from run" in page and "Versions" in page and "Heals made by it" in page
    assert "created" in page  # its first version
    assert web.get("/healing/patterns/no-such-pattern").status_code == 404


# -- review: approve and reject --------------------------------------------------------------
def test_approve_and_reject_from_the_review_page(repo: Path) -> None:
    web = client(repo)
    page = web.get("/healing/review").text
    token = token_of(page)
    items = [r["id"] for r in query(repo, "SELECT id FROM review WHERE status = 'pending' "
                                          "ORDER BY fix_id")]
    assert len(items) == 2 and all(f"/healing/review/{i}/approve" in page for i in items)
    by_line = {json.loads(r["payload"])["fix"]["line"]: r["id"]
               for r in query(repo, "SELECT id, payload FROM review")}
    first, second = by_line[min(by_line)], by_line[max(by_line)]

    approved = web.post(f"/healing/review/{first}/approve", data={"token": token},
                        headers={"Origin": ORIGIN})
    assert approved.status_code == 200 and approved.url.path == "/healing/review"
    assert f"approved {first[:12]}: landed in pkg/status.py" in approved.text
    assert "if code == 200:" in (repo / "pkg/status.py").read_text()

    unexplained = web.post(f"/healing/review/{second}/reject", data={"token": token})
    assert "not rejected: say why" in unexplained.text
    rejected = web.post(f"/healing/review/{second}/reject",
                        data={"token": token, "reason": "identity is intended"})
    assert f"rejected {second[:12]}: identity is intended" in rejected.text
    assert "empty: nothing waits for a human" in rejected.text
    rows = {r["id"]: r for r in query(repo, "SELECT id, status, reason FROM review")}
    assert rows[first]["status"] == "landed"
    assert (rows[second]["status"], rows[second]["reason"]) == ("rejected",
                                                                 "identity is intended")
    assert 'name is "x"' in (repo / "pkg/status.py").read_text()  # rejected: never landed


def test_a_post_without_the_token_or_from_elsewhere_is_refused(repo: Path) -> None:
    web = client(repo)
    token = token_of(web.get("/healing/review").text)
    item = query(repo, "SELECT id FROM review")[0]["id"]
    before = (repo / "pkg/status.py").read_text()
    attempts = [({}, {}), ({"token": "guessed"}, {}),
                ({"token": token}, {"Origin": "http://evil.example"}),
                ({"token": token}, {"Origin": "null"}),
                ({"token": token}, {"Sec-Fetch-Site": "cross-site"})]
    for form, headers in attempts:
        for action in ("approve", "reject"):
            answer = web.post(f"/healing/review/{item}/{action}",
                              data={**form, "reason": "x"}, headers=headers)
            assert answer.status_code == 403, (form, headers, action)
            assert answer.text.startswith("refused:")
    assert (repo / "pkg/status.py").read_text() == before
    assert {r["status"] for r in query(repo, "SELECT status FROM review")} == {"pending"}
    assert web.post(f"/healing/review/{item}/explode", data={"token": token}).status_code == 404


def test_read_only_shows_no_decisions_and_refuses_them(repo: Path) -> None:
    site = Site(repo, read_only=True)
    web = TestClient(create_app(site), base_url=ORIGIN)
    page = web.get("/healing/review").text
    assert "<form" not in page and "heal-token" not in page and site.token not in page
    assert "read-only" in page and "if code is 200" in page
    item = query(repo, "SELECT id FROM review")[0]["id"]
    answer = web.post(f"/healing/review/{item}/approve", data={"token": site.token})
    assert answer.status_code == 403 and "read-only" in answer.text


def test_only_the_bound_host_names_are_answered(repo: Path) -> None:
    web = client(repo)
    assert web.get("/healing", headers={"Host": "rebound.example:8080"}).status_code == 400
    assert web.get("/healing", headers={"Host": "localhost:8080"}).status_code == 200
    assert web.get("/healing", headers={"Host": "[::1]:8080"}).status_code == 200
    page = web.get("/healing")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert allowed_hosts("0.0.0.0") is None and "10.1.2.3" in (allowed_hosts("10.1.2.3") or ())
    assert [host_name(h) for h in ("127.0.0.1:80", "[::1]:80", "Localhost")] == [
        "127.0.0.1", "[::1]", "localhost"]


def test_file_names_and_contents_are_text(make_repo) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    history = History(ensure_state_dir(root))
    try:
        history.start_run("r-1", "heal", "heal", None)
        history.record_fix("r-1", {
            "id": "f<1>", "rule": "ruff:F401", "category": "import", "path": "<script>.py",
            "line": 1, "source": "fixer:<b>bold</b>", "verdict": "verified",
            "reason": "<img src=x onerror=alert(1)>",
            "diff": "--- a/<script>.py\n+++ b/<script>.py\n@@ -1 +1 @@\n"
                    "-import os<script>alert(1)</script>\n+\n"})
        history.finish_run("r-1", "ok", findings=1, landed=1)
    finally:
        history.close()
    web = client(root)
    listed = web.get("/healing/category/all").text
    assert "&lt;script&gt;.py:1" in listed and "<script>.py" not in listed
    assert "&lt;b&gt;bold&lt;/b&gt;" in listed
    detail = web.get("/healing/heal/r-1/f%3C1%3E")
    assert detail.status_code == 200
    assert "<script>alert(1)" not in detail.text and "<img" not in detail.text
    assert "-import os&lt;script&gt;alert(1)&lt;/script&gt;" in detail.text


def test_a_repository_without_history(make_repo) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    web = client(root)
    for path in ("/healing", "/healing/category/all", "/healing/review", "/healing/runs",
                 "/healing/patterns"):
        assert web.get(path).status_code == 200, path
    assert "no runs recorded yet" in web.get("/healing").text
    assert "empty: nothing waits for a human" in web.get("/healing/review").text
    assert web.get("/healing/heal/a/b").status_code == 404
    assert web.get("/healing/runs/nope").status_code == 404
    assert not (root / ".heal" / "history.db").exists()  # the pages only read


# -- the running heal ------------------------------------------------------------------------
def test_live_state_follows_the_lock_and_the_status(repo: Path) -> None:
    web = client(repo)
    state = repo / ".heal"
    assert web.get("/healing/api/live").json()["running"] is False
    with lock.held(state, "heal", "live-run"):
        write_status(state, "live-run", "verify", 3, 10)
        live = web.get("/healing/api/live").json()
        assert (live["running"], live["run_id"], live["phase"], live["done"], live["total"]) == (
            True, "live-run", "verify", 3, 10)
        assert "3/10" in live["html"] and "heal running" in live["html"]
        assert '<span id="phase">verify</span>' in web.get("/healing/review").text
        write_status(state, "another-run", "plan", 1, 2)  # not the lock's run: ignored
        assert "no progress reported yet" in web.get("/healing/api/live").json()["html"]
    assert web.get("/healing/api/live").json()["running"] is False


# -- the command and the real server ---------------------------------------------------------
def test_web_command_without_the_extra(repo: Path) -> None:
    hidden = ("import sys; sys.modules['starlette'] = None; from heal.__main__ import main; "
              "raise SystemExit(main(['dashboard', '--web']))")
    done = subprocess.run([sys.executable, "-c", hidden], cwd=repo, capture_output=True,
                          text=True, env={**os.environ, **GIT_ENV, **TEST_ENV}, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "heal: error: the web dashboard needs heal's web extra: pip install 'heal[web]'"]


def test_web_command_bad_options(repo: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = run_heal("dashboard", "--web", "--port", str(port), cwd=repo)
    assert busy.returncode == 2 and "in use" in busy.stderr
    assert len(busy.stderr.strip().splitlines()) == 1 and "Traceback" not in busy.stderr
    wrong = run_heal("dashboard", "--web", "--port", "70000", cwd=repo)
    assert wrong.returncode == 2 and "between 1 and 65535" in wrong.stderr
    stray = run_heal("dashboard", "--read-only", cwd=repo)
    assert stray.returncode == 2 and "go with --web" in stray.stderr
    shown = run_heal("dashboard", "--help", cwd=repo)
    assert shown.returncode == 0 and "--web" in shown.stdout and "--read-only" in shown.stdout


@pytest.fixture
def server(repo: Path) -> Iterator[str]:
    """`heal dashboard --web --port 0` in the copy, as a user starts it; yields its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "heal", "dashboard", "--web", "--port", "0"], cwd=repo,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **GIT_ENV, **TEST_ENV})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/healing)", line)
        assert match, line + (process.stderr.read() if process.stderr else "")
        yield match.group(1)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        errors = process.stderr.read() if process.stderr else ""
        assert code == 0 and "Traceback" not in errors, errors  # Ctrl-C with a page open


def test_the_server_streams_live_events(server: str) -> None:
    import httpx2

    with httpx2.Client() as http:
        assert "Healing overview" in http.get(server).text
        with http.stream("GET", f"{server}/live") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            event = next(line for line in lines if line.startswith("event:"))
            data = json.loads(next(lines)[len("data: "):])
    assert event == "event: active" and data["running"] is False


# -- a real browser ----------------------------------------------------------------------------
@pytest.fixture
def browser() -> Iterator[object]:
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        reason = "no chromium on PATH (Debian: apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the browser test: {reason}; .ci/run installs it")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=BROWSER_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def test_in_a_browser_drill_down_and_live_progress(repo: Path, server: str, browser) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(20_000)  # a wait for what the page shows, not a timing check
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server)
    assert page.locator("#rate-7d").inner_text() == expected_rate(repo, "heal")
    category = page.locator("#categories a", has_text="import")
    assert category.inner_text() == "import"
    category.click()
    expect(page.locator("h1")).to_have_text("Heals: import")
    page.locator("#heals a", has_text="pkg/util.py").first.click()
    expect(page.locator("#diff")).to_contain_text("+++ b/pkg/util.py")
    assert "pkg/util.py" in page.locator("h1").inner_text()
    assert page.locator("#diff .del").count() >= 1

    state = repo / ".heal"
    page.goto(server)
    runs = int(page.locator("#runs").inner_text())
    with lock.held(state, "heal", "browser-run"):
        write_status(state, "browser-run", "verify", 3, 10)
        expect(page.locator("#counts")).to_have_text("3/10")
        expect(page.locator("#phase")).to_have_text("verify")
        expect(page.locator("#active")).to_contain_text("browser-run")
        write_status(state, "browser-run", "land", 10, 10)
        expect(page.locator("#phase")).to_have_text("land")
        expect(page.locator("#counts")).to_have_text("10/10")
        history = History(state)  # the run records itself: the page's figures follow
        try:
            history.start_run("browser-run", "heal", "heal", None)
            history.finish_run("browser-run", "ok", findings=0)
        finally:
            history.close()
        expect(page.locator("#runs")).to_have_text(str(runs + 1))
    expect(page.locator("#active")).to_contain_text("no heal running")
    assert errors == []
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    page.close()


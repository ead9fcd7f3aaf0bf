"""`heal dashboard` driven headless by Textual's pilot, over history made by real heal runs.

One module-scoped repository gets two real `heal` runs (verified, rejected and needs-review
fixes); every test works on a copy. For the snapshots the copy's history is frozen first: run
ids, timestamps, durations and timings in test output are rewritten to fixed values (keeping
their order), and the app's clock is fixed, so a screenshot is the same on every run.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from conftest import git, init_repo, run_heal, write
from heal import metrics as data
from heal.dashboard.app import DashboardApp
from heal.dashboard.category import CategoryScreen
from heal.dashboard.detail import HealDetailScreen
from heal.dashboard.overview import OverviewScreen
from heal.dashboard.patterns import PatternsScreen
from heal.dashboard.review import RejectScreen, ReviewScreen
from heal.history import History
from heal.status import read_status, write_status
from test_heal_cli import PROJECT as HEAL_PROJECT
from test_review_cli import PROJECT as REVIEW_PROJECT

pytestmark = pytest.mark.slow

# the projects of the CLI tests together (unused imports: verified and landed; two `is`
# comparisons with literals: verified, then queued for review) and a mutable default the tests
# rely on (its fix is rejected by the tests)
PROJECT: dict[str, str | bytes] = {
    **HEAL_PROJECT, **REVIEW_PROJECT,
    "pkg/memo.py": """
        def remember(item, seen=[]):
            seen.append(item)
            return len(seen)
    """,
    "tests/test_memo.py": """
        from pkg.memo import remember


        def test_remembers():
            remember(1)
            assert remember(2) == 2
    """,
}
FROZEN = 1_767_268_800.0  # 2026-01-01 12:00 UTC: the dashboard's clock in snapshots
RUN_STARTS = (FROZEN - 2 * 86400, FROZEN - 1800)  # two days ago, half an hour ago


def heal_twice(root: Path, *second: str) -> Path:
    """PROJECT in `root` healed, then a file with unused imports committed and `heal *second`
    run (the web dashboard's tests make that second run a preview: `--dry-run`)."""
    init_repo(root, PROJECT)
    first = run_heal(cwd=root)
    assert first.returncode == 1, first.stderr  # review items wait
    write(root, {"pkg/extra.py": "import sys\nimport json\n\n\ndef one():\n    return 1\n"})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "more")
    again = run_heal(*second, cwd=root)
    assert again.returncode in (0, 1), again.stderr
    return root


@pytest.fixture(scope="module")
def healed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return heal_twice(tmp_path_factory.mktemp("dashboard") / "repo")


@pytest.fixture
def repo(healed: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(healed, target, symlinks=True)
    return target


def freeze(root: Path) -> None:
    """Rewrite history so nothing shown depends on when or how fast the runs went."""
    conn = sqlite3.connect(root / ".heal" / "history.db")
    runs = [row[0] for row in conn.execute("SELECT id FROM runs ORDER BY started")]
    assert len(runs) == len(RUN_STARTS)
    for index, (old, start) in enumerate(zip(runs, RUN_STARTS, strict=True)):
        new = f"20260101-run{index + 1}"
        conn.execute("UPDATE runs SET id = ?, started = ?, finished = ?, duration = 12.0 "
                     "WHERE id = ?", (new, start, start + 12, old))
        # fixes in a stable order (verification runs in parallel: recording order can vary)
        for table, column, order in (("fixes", "created", "path, line, id"),
                                     ("events", "ts", "ts, id"),
                                     ("test_runs", "started", "started, rowid"),
                                     ("review", "created", "fix_id")):
            ids = [r[0] for r in conn.execute(
                f"SELECT rowid FROM {table} WHERE run_id = ? ORDER BY {order}", (old,))]
            for rank, rowid in enumerate(ids):
                conn.execute(f"UPDATE {table} SET run_id = ?, {column} = ? WHERE rowid = ?",
                             (new, start + 1 + rank * 0.01, rowid))
        conn.execute("UPDATE findings SET run_id = ? WHERE run_id = ?", (new, old))
        conn.execute("UPDATE test_runs SET duration = 1.0 WHERE run_id = ?", (new,))
        conn.execute("UPDATE review SET payload = replace(payload, ?, ?)", (old, new))
        conn.execute("UPDATE review SET decided = created + 1 WHERE decided IS NOT NULL")
    for rowid, output in conn.execute("SELECT rowid, output FROM fixes").fetchall():
        if output:
            conn.execute("UPDATE fixes SET output = ? WHERE rowid = ?",
                         (re.sub(r"\d+(\.\d+)?s\b", "0.01s", output), rowid))
    conn.commit()
    conn.close()


def frozen_app(root: Path) -> DashboardApp:
    return DashboardApp(root, clock=lambda: FROZEN)


Scenario = Callable[[Pilot[None]], Awaitable[None]]


def run(app: DashboardApp, scenario: Scenario, size: tuple[int, int] = (80, 24)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(main())


def text_of(widget: Static) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def review_rows(root: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(root / ".heal" / "history.db")
    conn.row_factory = sqlite3.Row
    rows = {r["id"]: r for r in conn.execute("SELECT * FROM review")}
    conn.close()
    return rows


# -- navigation ------------------------------------------------------------------------------
def test_every_screen_by_keyboard(repo: Path) -> None:
    app = frozen_app(repo)

    async def scenario(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, OverviewScreen)
        overview = text_of(app.screen.query_one("#rates", Static))
        assert "success" in overview and "pattern reuse" in overview
        categories = app.screen.query_one("#categories", DataTable)
        assert categories.row_count == 7  # six categories and "all"
        assert "ruff:F401" in text_of(app.screen.query_one("#rules", Static))

        await pilot.press("down", "enter")  # "import"
        assert isinstance(app.screen, CategoryScreen) and app.screen.category == "import"
        heals = app.screen.rows
        assert heals and all(h.category == "import" for h in heals)
        assert "verified" in {h.verdict for h in heals}
        await pilot.press("escape")

        await pilot.press(*["down"] * 4, "enter")  # "logic"
        assert isinstance(app.screen, CategoryScreen) and app.screen.category == "logic"
        heals = app.screen.rows
        assert {h.verdict for h in heals} == {"rejected", "needs-review"}
        rejected = next(i for i, h in enumerate(heals) if h.verdict == "rejected")
        for _ in range(rejected):
            await pilot.press("down")
        await pilot.press("enter")
        assert isinstance(app.screen, HealDetailScreen)
        detail = text_of(app.screen.query_one("#detail", Static))
        assert "rejected" in detail and "breaks the tests" in detail
        assert "tests/test_memo.py::test_remembers" in detail
        assert "-def remember(item, seen=[]):" in detail

        await pilot.press("escape", "escape", "h")
        assert isinstance(app.screen, CategoryScreen) and app.screen.category is None
        assert {h.category for h in app.screen.rows} == {"import", "logic"}

        await pilot.press("escape", "r")
        assert isinstance(app.screen, ReviewScreen)
        assert len(app.screen.items) == 2
        assert "if code == 200" in text_of(app.screen.query_one("#preview-body", Static))
        await pilot.press("d")
        assert isinstance(app.screen, HealDetailScreen)
        detail = text_of(app.screen.query_one("#detail", Static))
        assert "needs-review" in detail and "covered" in detail and "review    pending" in detail

        await pilot.press("escape", "escape", "p")
        assert isinstance(app.screen, PatternsScreen)
        assert any(r.id == "heal-log109-is-number" for r in app.screen.rows)
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("q")

    run(app, scenario)


def test_approve_and_reject_from_the_review_screen(repo: Path) -> None:
    app = DashboardApp(repo)
    before = (repo / "pkg/status.py").read_text()
    assert "if code is 200:" in before

    async def scenario(pilot: Pilot[None]) -> None:
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        first = screen.items[0]
        assert "-    if code is 200:" in first.diff
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [i.id for i in screen.items] != [first.id] and len(screen.items) == 1

        second = screen.items[0]
        await pilot.press("x")
        assert isinstance(app.screen, RejectScreen)
        await pilot.press("enter")  # no reason: refused, the modal stays
        assert isinstance(app.screen, RejectScreen)
        assert "reason is required" in text_of(app.screen.query_one("#reject-error", Static))
        app.screen.query_one("#reason", Input).value = "identity is intended"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.items == []
        rows = review_rows(repo)
        assert rows[first.id]["status"] == "landed"
        assert rows[second.id]["status"] == "rejected"
        assert rows[second.id]["reason"] == "identity is intended"

    run(app, scenario)
    text = (repo / "pkg/status.py").read_text()
    assert "if code == 200:" in text and 'name is "x"' in text  # approved landed, rejected not
    history = History(repo / ".heal")
    try:
        latest = history.runs(1)[0]
        assert latest.mode == "review" and latest.landed == 1
        actions = [e["action"] for e in history.conn.execute("SELECT action FROM events")]
        assert "review_approved" in actions and "review_rejected" in actions
    finally:
        history.close()


def test_live_progress_of_a_running_heal(repo: Path) -> None:
    state = repo / ".heal"
    app = DashboardApp(repo, clock=lambda: FROZEN, poll_interval=0.1)

    async def scenario(pilot: Pilot[None]) -> None:
        active = app.screen.query_one("#active", Static)
        assert "no heal running" in text_of(active)
        (state / "lock").write_text(json.dumps({"pid": os.getpid(), "start": FROZEN - 75,
                                                "command": "heal", "run_id": "live-run"}))
        write_status(state, "live-run", "verify", 3, 10)
        await pilot.pause(0.5)
        shown = text_of(active)
        assert "heal running" in shown and "live-run" in shown and "1m" in shown
        assert "verify" in shown and "3/10" in shown
        write_status(state, "live-run", "land", 10, 10)
        await pilot.pause(0.5)
        assert "land" in text_of(active) and "10/10" in text_of(active)
        write_status(state, "another-run", "plan", 1, 2)  # not the lock's run: ignored
        await pilot.pause(0.5)
        assert "no progress reported yet" in text_of(active)
        (state / "lock").unlink()
        await pilot.pause(0.5)
        assert "no heal running" in text_of(active)

    run(app, scenario)


def test_status_file_round_trip(tmp_path: Path) -> None:
    write_status(tmp_path, "r1", "verify", 2, 8)
    status = read_status(tmp_path)
    assert status is not None and (status.run_id, status.phase, status.done, status.total) == (
        "r1", "verify", 2, 8)
    assert status.fraction == 0.25 and status.pid == os.getpid()
    (tmp_path / "status.json").write_text("{not json")
    assert read_status(tmp_path) is None
    write_status(tmp_path / "missing", "r1", "verify", 1, 1)  # never raises


def test_empty_repository_shows_how_to_start(make_repo) -> None:
    root = make_repo({"a.py": "x = 1\n"})
    app = frozen_app(root)

    async def scenario(pilot: Pilot[None]) -> None:
        assert "no runs recorded yet" in text_of(app.screen.query_one("#active", Static))
        await pilot.press("r")
        assert isinstance(app.screen, ReviewScreen) and app.screen.items == []
        await pilot.press("escape", "h")
        assert isinstance(app.screen, CategoryScreen) and app.screen.rows == []

    run(app, scenario)
    assert not (root / ".heal" / "history.db").exists()  # the dashboard only reads


def test_dashboard_command(tmp_path: Path) -> None:
    outside = run_heal("dashboard", cwd=tmp_path)
    assert outside.returncode == 2 and "not inside a git repository" in outside.stderr
    shown = run_heal("dashboard", "--help", cwd=tmp_path)
    assert shown.returncode == 0 and "review queue" in shown.stdout


def test_queries_read_only_and_consistent(repo: Path) -> None:
    freeze(repo)
    view = data.overview(repo / ".heal", FROZEN)
    assert view.runs == 2
    week, hour = view.rates["7d"], view.rates["1h"]
    assert week.total >= hour.total and week.good >= 3
    history = data.open_history(repo / ".heal")
    assert history is not None
    try:
        with pytest.raises(sqlite3.OperationalError):
            history.conn.execute("DELETE FROM runs")
        rows = data.heals(history)
        assert len(rows) == sum(c.heals for c in view.categories)
    finally:
        history.close()


# -- snapshots (frozen history, frozen clock) ------------------------------------------------
def keys(*pressed: str) -> Scenario:
    """Press keys, then wait until the new screen's footer shows its bindings (the footer is
    filled a moment after a screen is pushed; a screenshot taken before would miss it)."""
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press(*pressed)
        for _ in range(100):
            await pilot.pause(0.02)
            if pilot.app.screen.query("FooterKey"):
                break
        await pilot.pause()

    return run_before


def test_snapshot_overview(repo: Path, snap_compare) -> None:
    freeze(repo)
    assert snap_compare(frozen_app(repo), terminal_size=(80, 24), run_before=keys())


def test_snapshot_overview_while_a_heal_runs(repo: Path, snap_compare) -> None:
    freeze(repo)
    state = repo / ".heal"
    (state / "lock").write_text(json.dumps({"pid": os.getpid(), "start": FROZEN - 130,
                                            "command": "heal", "run_id": "20260101-run3"}))
    write_status(state, "20260101-run3", "verify", 6, 16)
    assert snap_compare(frozen_app(repo), terminal_size=(80, 24), run_before=keys())


def test_snapshot_category(repo: Path, snap_compare) -> None:
    freeze(repo)
    assert snap_compare(frozen_app(repo), terminal_size=(80, 24), run_before=keys("down", "enter"))


def test_snapshot_heal_detail(repo: Path, snap_compare) -> None:
    freeze(repo)
    assert snap_compare(frozen_app(repo), terminal_size=(80, 24), run_before=keys("r", "d"))


def test_snapshot_review(repo: Path, snap_compare) -> None:
    freeze(repo)
    assert snap_compare(frozen_app(repo), terminal_size=(80, 24), run_before=keys("r"))


def test_snapshot_patterns(repo: Path, snap_compare) -> None:
    freeze(repo)
    assert snap_compare(frozen_app(repo), terminal_size=(80, 24), run_before=keys("p"))

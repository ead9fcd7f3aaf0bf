"""Read-only queries over `.heal/` behind the dashboards and `heal report`: no UI here, no writes.

`open_history(state_dir)` opens `.heal/history.db` through a read-only SQLite connection (None
when no run was recorded yet), so polling it every second never takes a write lock from the
heal that is running. Every function takes the time `now` from its caller: the app passes its
clock, tests a frozen one, so what is shown is a pure function of the database and the clock.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from heal import breaker
from heal.config import Config
from heal.history import DB_NAME, History, RunSummary
from heal.lock import LOCK_NAME, read_lock
from heal.status import STATUS_NAME, RunStatus, read_status

HOUR = 3600.0
DAY = 24 * HOUR
WINDOWS: tuple[tuple[str, float], ...] = (("1h", HOUR), ("24h", DAY), ("7d", 7 * DAY))
CATEGORIES = ("type", "import", "style", "security", "performance", "logic")
SPARKS = "▁▂▃▄▅▆▇█"


class ReadOnlyHistory(History):
    """`History`'s readers (and `heal.review`'s) over a read-only connection."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / DB_NAME
        self.warning = None
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        self.conn = sqlite3.connect(uri, uri=True, timeout=5, isolation_level=None,
                                    check_same_thread=False)
        self.conn.row_factory = sqlite3.Row


def open_history(state_dir: Path) -> ReadOnlyHistory | None:
    """The history database, read-only; None when there is none (or it cannot be read)."""
    if not (state_dir / DB_NAME).is_file():
        return None
    try:
        history = ReadOnlyHistory(state_dir)
        history.conn.execute("SELECT count(*) FROM runs").fetchone()
    except sqlite3.DatabaseError:
        return None
    return history


T = TypeVar("T")


def read(state_dir: Path, query: Callable[[ReadOnlyHistory], T], default: T) -> T:
    """`query` on the history, opened read-only for it and closed after; `default` when there
    is no history (or it cannot be read)."""
    history = open_history(state_dir)
    if history is None:
        return default
    try:
        return query(history)
    finally:
        history.close()


WATCHED = (DB_NAME, DB_NAME + "-wal", STATUS_NAME, LOCK_NAME, "patterns")


def signature(state_dir: Path, names: Sequence[str] = WATCHED) -> tuple[tuple[int, int], ...]:
    """Changes whenever one of `names` in `.heal/` changes (by default: history, the lock, the
    status file or learned patterns)."""
    out = []
    for name in names:
        try:
            stat = (state_dir / name).stat()
            out.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            out.append((0, -1))
    return tuple(out)


# -- small value types ----------------------------------------------------------------------
@dataclass(frozen=True)
class Rate:
    """`good` of `total`: verified / (verified + rejected), pattern fixes / all fixes."""

    good: int
    total: int

    @property
    def value(self) -> float | None:
        return self.good / self.total if self.total else None

    def label(self) -> str:
        if not self.total:
            return "-"
        return f"{100 * self.good / self.total:.0f}% ({self.good}/{self.total})"


@dataclass(frozen=True)
class ActiveRun:
    run_id: str
    command: str
    pid: int
    started: float
    status: RunStatus | None


@dataclass(frozen=True)
class CategoryRow:
    category: str
    findings: int
    heals: int
    verified: int
    rejected: int
    review: int


@dataclass(frozen=True)
class RuleRow:
    rule: str
    findings: int
    heals: int
    verified: int
    rejected: int


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    started: float
    findings: int
    rate: float | None


@dataclass(frozen=True)
class Overview:
    now: float
    active: ActiveRun | None
    runs: int
    last_run: RunSummary | None
    rates: dict[str, Rate]
    categories: list[CategoryRow]
    pattern_reuse: Rate
    top_rules: list[RuleRow]
    trend: list[TrendPoint]
    pending_review: int
    tripped: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HealRow:
    run_id: str
    fix_id: str
    created: float
    path: str
    line: int
    rule: str
    category: str
    source: str
    verdict: str
    duration: float | None
    estimated: bool  # duration is the run's time shared among its fixes, not measured
    landed: bool
    preview: bool = False  # tried by a dry run: nothing was meant to land

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class HealDetail:
    row: HealRow
    priority: str
    safety: str
    reason: str
    diff: str
    evidence: str
    covering_tests: tuple[str, ...]
    failing_tests: tuple[str, ...]
    output: str
    round: int
    review_status: str | None
    review_reason: str | None


@dataclass(frozen=True)
class PatternRow:
    id: str
    version: int
    status: str
    origin: str
    confidence: float
    applied: int
    verified: int
    rejected: int
    triggers: tuple[str, ...]
    used_in_history: int


# -- the active run -------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def active_run(state_dir: Path) -> ActiveRun | None:
    """The heal holding `.heal/lock` (its pid alive), with its progress when it reports any.

    The lock is only read (no flock probe: taking it, even for an instant, could make a heal
    that starts at that moment refuse to run)."""
    holder = read_lock(state_dir)
    if holder is None:
        return None
    try:
        pid = int(holder.get("pid", 0))
        started = float(holder.get("start", 0.0))
    except (TypeError, ValueError):
        return None
    if not _alive(pid):
        return None
    run_id = str(holder.get("run_id", ""))
    status = read_status(state_dir)
    if status is not None and status.run_id != run_id:
        status = None
    return ActiveRun(run_id=run_id, command=str(holder.get("command", "heal")), pid=pid,
                     started=started, status=status)


# -- overview -------------------------------------------------------------------------------
# A dry run's fixes are previews: nothing was meant to land, and a preview of a fix the next
# heal makes would count it twice. The overview's rates, categories, rules and trend count
# heals only (`run_id NOT IN` the dry runs; the web dashboard shows previews apart: trends.py).


def success_rate(history: History, since: float, until: float | None = None) -> Rate:
    query = ("SELECT sum(verdict = 'verified') AS ok, sum(verdict = 'rejected') AS bad "
             "FROM fixes WHERE created >= ? AND run_id NOT IN (SELECT id FROM runs WHERE mode = "
             "'dry-run')")
    args: list[Any] = [since]
    if until is not None:
        query += " AND created < ?"
        args.append(until)
    row = history.conn.execute(query, args).fetchone()
    ok, bad = int(row["ok"] or 0), int(row["bad"] or 0)
    return Rate(ok, ok + bad)


def pattern_reuse(history: History, since: float) -> Rate:
    row = history.conn.execute(
        "SELECT sum(source LIKE 'pattern:%') AS patterns, count(*) AS total FROM fixes "
        "WHERE created >= ? AND run_id NOT IN (SELECT id FROM runs WHERE mode = 'dry-run')",
        (since,)).fetchone()
    return Rate(int(row["patterns"] or 0), int(row["total"] or 0))


def latest_run(history: History, finished: bool = True) -> RunSummary | None:
    """The newest heal (or dry-run) run, finished ones only unless `finished` is False."""
    row = history.conn.execute(
        "SELECT id, started, finished, command, mode, status, findings, landed, rejected, "
        "review, test_runs, duration FROM runs WHERE mode IN ('heal', 'dry-run') "
        "AND (? OR status != 'running') ORDER BY started DESC LIMIT 1",
        (int(not finished),)).fetchone()
    return RunSummary(**dict(row)) if row is not None else None


def _count_by(history: History, query: str, args: Sequence[Any]) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in history.conn.execute(query, args)}


def by_category(history: History, since: float, findings_run: str | None) -> list[CategoryRow]:
    findings = _count_by(history, "SELECT category, count(*) FROM findings WHERE run_id = ? "
                         "GROUP BY category", (findings_run or "",))
    heals: dict[str, dict[str, int]] = {}
    for row in history.conn.execute(
            "SELECT category, verdict, count(*) AS n FROM fixes WHERE created >= ? AND run_id "
            "NOT IN (SELECT id FROM runs WHERE mode = 'dry-run') GROUP BY category, verdict",
            (since,)):
        heals.setdefault(str(row["category"]), {})[str(row["verdict"])] = int(row["n"])
    names = list(CATEGORIES) + sorted((set(findings) | set(heals)) - set(CATEGORIES))
    rows = []
    for name in names:
        counts = heals.get(name, {})
        rows.append(CategoryRow(name, findings.get(name, 0), sum(counts.values()),
                                counts.get("verified", 0), counts.get("rejected", 0),
                                counts.get("needs-review", 0)))
    return rows


def top_rules(history: History, since: float, findings_run: str | None,
              limit: int = 8) -> list[RuleRow]:
    findings = _count_by(history, "SELECT rule, count(*) FROM findings WHERE run_id = ? "
                         "GROUP BY rule", (findings_run or "",))
    heals: dict[str, dict[str, int]] = {}
    for row in history.conn.execute(
            "SELECT rule, verdict, count(*) AS n FROM fixes WHERE created >= ? AND run_id "
            "NOT IN (SELECT id FROM runs WHERE mode = 'dry-run') GROUP BY rule, verdict",
            (since,)):
        heals.setdefault(str(row["rule"]), {})[str(row["verdict"])] = int(row["n"])
    rows = [RuleRow(rule, findings.get(rule, 0), sum(heals.get(rule, {}).values()),
                    heals.get(rule, {}).get("verified", 0), heals.get(rule, {}).get("rejected", 0))
            for rule in set(findings) | set(heals)]
    rows.sort(key=lambda r: (-(r.findings + r.heals), r.rule))
    return rows[:limit]


def trend(history: History, limit: int = 40) -> list[TrendPoint]:
    """Per heal run (dry runs left out), oldest first: findings, and its success rate (None:
    nothing verified or rejected)."""
    runs = history.conn.execute(
        "SELECT id, started, findings FROM runs WHERE mode = 'heal' "
        "AND status != 'running' ORDER BY started DESC LIMIT ?", (limit,)).fetchall()
    points = []
    for run in reversed(runs):
        row = history.conn.execute(
            "SELECT sum(verdict = 'verified') AS ok, sum(verdict = 'rejected') AS bad "
            "FROM fixes WHERE run_id = ?", (run["id"],)).fetchone()
        rate = Rate(int(row["ok"] or 0), int(row["ok"] or 0) + int(row["bad"] or 0))
        points.append(TrendPoint(str(run["id"]), float(run["started"]), int(run["findings"] or 0),
                                 rate.value))
    return points


def pending_review(history: History) -> int:
    row = history.conn.execute("SELECT count(*) FROM review WHERE status = 'pending'").fetchone()
    return int(row[0])


def overview(state_dir: Path, now: float, config: Config | None = None) -> Overview:
    active = active_run(state_dir)
    history = open_history(state_dir)
    if history is None:
        return Overview(now=now, active=active, runs=0, last_run=None,
                        rates={name: Rate(0, 0) for name, _ in WINDOWS}, categories=[],
                        pattern_reuse=Rate(0, 0), top_rules=[], trend=[], pending_review=0)
    try:
        last = latest_run(history)
        week = now - 7 * DAY
        runs = int(history.conn.execute("SELECT count(*) FROM runs").fetchone()[0])
        tripped: dict[str, str] = {}
        if config is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                tripped = breaker.tripped(history, config, root=state_dir.parent)
        return Overview(
            now=now, active=active, runs=runs, last_run=last,
            rates={name: success_rate(history, now - span) for name, span in WINDOWS},
            categories=by_category(history, week, last.id if last else None),
            pattern_reuse=pattern_reuse(history, week),
            top_rules=top_rules(history, week, last.id if last else None),
            trend=trend(history), pending_review=pending_review(history), tripped=tripped)
    finally:
        history.close()


# -- drill-down and detail ------------------------------------------------------------------
HEALS_QUERY = (
    "SELECT f.run_id, f.id, f.created, f.path, f.line, f.rule, f.category, f.source, f.verdict, "
    "f.duration, f.landed, r.duration AS run_duration, r.mode AS run_mode, "
    "(SELECT count(*) FROM fixes g WHERE g.run_id = f.run_id) AS run_fixes "
    "FROM fixes f LEFT JOIN runs r ON r.id = f.run_id WHERE (? IS NULL OR f.category = ?) "
    "AND (? IS NULL OR f.run_id = ?) AND (? IS NULL OR substr(f.source, 1, length(?)) = ?) "
    "ORDER BY f.created DESC, f.path, f.line, f.id LIMIT ?")
DETAIL_QUERY = (
    "SELECT f.run_id, f.id, f.created, f.path, f.line, f.rule, f.category, f.source, f.verdict, "
    "f.duration, f.landed, r.duration AS run_duration, r.mode AS run_mode, "
    "(SELECT count(*) FROM fixes g WHERE g.run_id = f.run_id) AS run_fixes, "
    "f.priority, f.safety, f.reason, f.diff, f.evidence, f.covering_tests, f.failing_tests, "
    "f.output, f.round FROM fixes f LEFT JOIN runs r ON r.id = f.run_id "
    "WHERE f.run_id = ? AND f.id = ?")


def _heal_row(row: sqlite3.Row) -> HealRow:
    duration = row["duration"]
    estimated = False
    if duration is None and row["run_duration"] is not None and row["run_fixes"]:
        duration, estimated = float(row["run_duration"]) / int(row["run_fixes"]), True
    return HealRow(run_id=str(row["run_id"]), fix_id=str(row["id"]),
                   created=float(row["created"] or 0.0), path=str(row["path"] or ""),
                   line=int(row["line"] or 0), rule=str(row["rule"] or ""),
                   category=str(row["category"] or ""), source=str(row["source"] or ""),
                   verdict=str(row["verdict"] or ""),
                   duration=float(duration) if duration is not None else None,
                   estimated=estimated, landed=bool(row["landed"]),
                   preview=row["run_mode"] == "dry-run")


def heals(history: History, category: str | None = None, limit: int = 500, *,
          run_id: str | None = None, source: str | None = None) -> list[HealRow]:
    """Fixes tried, newest first (ties broken by place), in one category or all; only one
    run's, and only those whose source starts with `source` (`pattern:ID@`), when given."""
    rows = history.conn.execute(HEALS_QUERY, (category, category, run_id, run_id, source,
                                              source, source, limit))
    return [_heal_row(row) for row in rows]


def _strings(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    with contextlib.suppress(ValueError, TypeError):
        loaded = json.loads(value)
        if isinstance(loaded, list):
            return tuple(str(item) for item in loaded)
    return (str(value),)


def heal_detail(history: History, run_id: str, fix_id: str) -> HealDetail | None:
    row = history.conn.execute(DETAIL_QUERY, (run_id, fix_id)).fetchone()
    if row is None:
        return None
    queued = history.conn.execute(
        "SELECT status, reason FROM review WHERE fix_id = ? AND run_id = ?",
        (fix_id, run_id)).fetchone()
    return HealDetail(row=_heal_row(row), priority=str(row["priority"] or ""),
                      safety=str(row["safety"] or ""), reason=str(row["reason"] or ""),
                      diff=str(row["diff"] or ""), evidence=str(row["evidence"] or ""),
                      covering_tests=_strings(row["covering_tests"]),
                      failing_tests=_strings(row["failing_tests"]),
                      output=str(row["output"] or ""), round=int(row["round"] or 0),
                      review_status=str(queued["status"]) if queued else None,
                      review_reason=str(queued["reason"]) if queued and queued["reason"] else None)


# -- patterns -------------------------------------------------------------------------------
def _pattern_uses(state_dir: Path) -> dict[str, int]:
    history = open_history(state_dir)
    if history is None:
        return {}
    try:
        uses: dict[str, int] = {}
        for row in history.conn.execute(
                "SELECT source, count(*) AS n FROM fixes WHERE source LIKE 'pattern:%' "
                "GROUP BY source"):
            key = breaker.source_key(str(row["source"]))[len("pattern:"):]
            uses[key] = uses.get(key, 0) + int(row["n"])
        return uses
    finally:
        history.close()


def patterns(root: Path, config: Config | None = None) -> tuple[list[PatternRow], str | None]:
    """Every pattern (built-in and the repository's learned ones), most confident first, and
    an error message when the library could not be read as a whole."""
    uses = _pattern_uses(root / ".heal")
    try:
        # start-up time: libcst and the fixers load only for the patterns screen
        from heal.patterns.library import PatternLibrary

        library = PatternLibrary(root, config)
        rows = [PatternRow(id=p.id, version=p.version, status=p.status, origin=p.origin,
                           confidence=p.confidence, applied=p.stats.applied,
                           verified=p.stats.verified, rejected=p.stats.rejected,
                           triggers=p.triggers, used_in_history=uses.get(p.id, 0))
                for p in library.all()]
        error = None
    except Exception as problem:  # the library is optional here: fall back to the raw files
        rows, error = _raw_patterns(root, uses), str(problem)
    rows.sort(key=lambda r: (r.status != "active", -r.confidence, -r.applied, r.id))
    return rows, error


def _builtin_folder() -> Path:
    package = Path(__file__).resolve().parents[1]
    installed = package / "_builtin_patterns"
    return installed if installed.is_dir() else package.parents[1] / "patterns"


def _raw_patterns(root: Path, uses: dict[str, int]) -> list[PatternRow]:
    """Pattern files read directly with yaml.safe_load (a learned file shadows a built-in)."""
    import yaml

    found: dict[str, PatternRow] = {}
    for origin, folder in (("builtin", _builtin_folder()), ("learned", root / ".heal" / "patterns")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                continue
            if not isinstance(document, dict) or "id" not in document:
                continue
            meta = document.get("metadata") or {}
            stats = meta.get("stats") or {}
            pattern_id = str(document["id"])
            found[pattern_id] = PatternRow(
                id=pattern_id, version=int(meta.get("version", 1)),
                status=str(meta.get("status", "active")), origin=origin,
                confidence=float(meta.get("confidence", 0.0)),
                applied=int(stats.get("applied", 0)), verified=int(stats.get("verified", 0)),
                rejected=int(stats.get("rejected", 0)),
                triggers=tuple(str(t) for t in meta.get("triggers", ())),
                used_in_history=uses.get(pattern_id, 0))
    return list(found.values())


# -- rendering helpers shared by the screens and the report ----------------------------------
def sparkline(values: Iterable[float | None], width: int | None = None, *,
              low: float | None = None, high: float | None = None) -> str:
    """Block characters scaled to `low`..`high` (default: the values' own range); None (no
    data) is a space."""
    points = list(values)
    if width is not None and len(points) > width:
        points = points[-width:]
    known = [v for v in points if v is not None]
    if not known:
        return " " * len(points)
    low = min(known) if low is None else low
    high = max(known) if high is None else max(high, max(known))
    span = high - low
    out = []
    for value in points:
        if value is None:
            out.append(" ")
        elif span == 0:
            out.append(SPARKS[len(SPARKS) // 2] if high else SPARKS[0])
        else:
            out.append(SPARKS[max(0, round((value - low) / span * (len(SPARKS) - 1)))])
    return "".join(out)


def ago(seconds: float) -> str:
    """A compact age: 45s, 12m, 3h, 2d."""
    seconds = max(0.0, seconds)
    for unit, size in (("d", DAY), ("h", HOUR), ("m", 60.0)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def short_source(source: str) -> str:
    """`fixer:NAME` -> NAME; `pattern:ID@V` stays (patterns stand out)."""
    return source[len("fixer:"):] if source.startswith("fixer:") else source

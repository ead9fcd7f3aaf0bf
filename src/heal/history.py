"""`.heal/history.db`: what every run found, tried, kept and rejected, in SQLite (WAL).

Tables: runs, findings, fixes (verdict, reason, diff, test evidence), test_runs, review (the
queue of fixes waiting for a human), and events in the action-outcome shape (timestamp, run,
action, tool, parameters, status, error, duration, resource figures). The dashboard and
`heal report` only read it. A database that cannot be opened is moved aside and recreated, with
a warning, so a corrupt file never blocks a run.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heal.errors import HealError

DB_NAME = "history.db"
SCHEMA_VERSION = 1


def new_run_id() -> str:
    """A run's id: its start time, readable and sortable, and a random tail."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, started REAL NOT NULL, finished REAL, command TEXT, mode TEXT,
    status TEXT, head TEXT, findings INTEGER DEFAULT 0, landed INTEGER DEFAULT 0,
    rejected INTEGER DEFAULT 0, review INTEGER DEFAULT 0, test_runs INTEGER DEFAULT 0,
    duration REAL, error TEXT, phases TEXT, llm_requests INTEGER DEFAULT 0,
    llm_tokens INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS findings (
    run_id TEXT NOT NULL, fingerprint TEXT NOT NULL, rule TEXT, category TEXT, priority TEXT,
    path TEXT, line INTEGER, message TEXT, tool TEXT
);
CREATE INDEX IF NOT EXISTS findings_run ON findings(run_id);
CREATE TABLE IF NOT EXISTS fixes (
    id TEXT NOT NULL, run_id TEXT NOT NULL, fingerprints TEXT, rule TEXT, category TEXT,
    priority TEXT, path TEXT, line INTEGER, source TEXT, safety TEXT, verdict TEXT, reason TEXT,
    diff TEXT, failing_tests TEXT, output TEXT, evidence TEXT, covering_tests TEXT,
    round INTEGER, duration REAL, created REAL, landed INTEGER DEFAULT 0,
    PRIMARY KEY (run_id, id)
);
CREATE INDEX IF NOT EXISTS fixes_created ON fixes(created);
CREATE TABLE IF NOT EXISTS test_runs (
    run_id TEXT NOT NULL, kind TEXT, fixes INTEGER, passed INTEGER, returncode INTEGER,
    duration REAL, failed TEXT, started REAL, selected INTEGER
);
CREATE TABLE IF NOT EXISTS review (
    id TEXT PRIMARY KEY, run_id TEXT NOT NULL, fix_id TEXT NOT NULL, status TEXT NOT NULL,
    created REAL NOT NULL, decided REAL, reason TEXT, payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, run_id TEXT, action TEXT NOT NULL,
    tool TEXT, parameters TEXT, status TEXT, error TEXT, duration REAL, resources TEXT
);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id);
"""


FIX_COLUMNS = frozenset({
    "id", "run_id", "fingerprints", "rule", "category", "priority", "path", "line", "source",
    "safety", "verdict", "reason", "diff", "failing_tests", "output", "evidence",
    "covering_tests", "round", "duration", "created", "landed",
})


# what SQLite says when the disk or the folder is the problem, not heal's SQL
UNWRITABLE = ("disk I/O error", "database or disk is full", "readonly database",
              "unable to open database", "database is locked")


class _Connection(sqlite3.Connection):
    """A connection whose statements turn a full, failing or read-only disk into a HealError
    that says so (one line, exit 2) instead of an internal error."""

    path = ""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as error:
            raise _unwritable(self.path, error) from None

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as error:
            raise _unwritable(self.path, error) from None


def _unwritable(path: str, error: sqlite3.OperationalError) -> Exception:
    if not any(problem in str(error) for problem in UNWRITABLE):
        return error
    return HealError(f"cannot write heal's history {path} ({error}); free some disk space or "
                     "make heal's state folder writable, then rerun heal")


# columns added since a database was first made: added to older ones when opened
ADDED_COLUMNS = {"runs": (("llm_requests", "INTEGER DEFAULT 0"), ("llm_tokens", "INTEGER DEFAULT 0"))}


def _add_columns(conn: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns:
            if name not in have:  # names and types from ADDED_COLUMNS above, not from input
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


@dataclass(frozen=True)
class RunSummary:
    id: str
    started: float
    finished: float | None
    command: str
    mode: str
    status: str
    findings: int
    landed: int
    rejected: int
    review: int
    test_runs: int
    duration: float | None
    llm_requests: int = 0
    llm_tokens: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # seconds by phase (heal runs)


class History:
    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / DB_NAME
        self.warning: str | None = None
        self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.OperationalError as error:  # cannot open or write it: not a corrupt file
            raise HealError(f"cannot open heal's history {self.path} ({error}); make heal's state "
                            "folder writable and check free disk space, then rerun heal") from None
        except sqlite3.DatabaseError as error:
            aside = self.path.with_name(f"{DB_NAME}.corrupt-{int(time.time())}")
            try:
                self.path.replace(aside)
                for suffix in ("-wal", "-shm"):
                    sidecar = self.path.with_name(DB_NAME + suffix)
                    if sidecar.exists():
                        sidecar.unlink()
            except OSError as move:
                raise HealError(f"heal's history {self.path} is unreadable ({error}) and cannot be "
                                f"moved aside ({move.strerror}); remove it, then rerun heal") from None
            self.warning = (f"history database was unreadable ({error}); moved it to {aside.name} "
                            "and started a new one")
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                               check_same_thread=False, factory=_Connection)
        conn.path = str(self.path)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        _add_columns(conn)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute("SELECT count(*) FROM runs").fetchone()
        return conn

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- writing -----------------------------------------------------------------------------
    def start_run(self, run_id: str, command: str, mode: str, head: str | None) -> None:
        self.conn.execute(
            "INSERT INTO runs (id, started, command, mode, status, head) VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, time.time(), command, mode, "running", head))

    def finish_run(self, run_id: str, status: str, **figures: Any) -> None:
        allowed = {"findings", "landed", "rejected", "review", "test_runs", "duration", "error",
                   "phases", "llm_requests", "llm_tokens"}
        values = {k: (json.dumps(v) if k == "phases" else v) for k, v in figures.items()
                  if k in allowed}
        columns = ", ".join(f"{k} = ?" for k in values)  # names from `allowed`, values bound
        self.conn.execute(
            f"UPDATE runs SET status = ?, finished = ?{', ' + columns if columns else ''} "  # noqa: S608  # nosec B608
            "WHERE id = ?", (status, time.time(), *values.values(), run_id))

    def mark_killed(self) -> list[tuple[str, list[str]]]:
        """Runs still `running` while the caller holds `.heal/lock` died without finishing (killed,
        or their end could not be written): their status becomes `killed`. Returns, for each that
        had begun landing and not finished, (run id, its files: each wholly old or wholly new)."""
        dead = [row["id"] for row in self.conn.execute("SELECT id FROM runs WHERE status = "
                                                       "'running' ORDER BY started")]
        landing = []
        for run_id in dead:
            self.conn.execute("UPDATE runs SET status = 'killed' WHERE id = ?", (run_id,))
            events = self.conn.execute("SELECT status, parameters FROM events WHERE run_id = ? "
                                       "AND action = 'land' ORDER BY id", (run_id,)).fetchall()
            if events and events[-1]["status"] == "started":
                files = json.loads(events[-1]["parameters"] or "{}").get("files", [])
                landing.append((run_id, [str(f) for f in files]))
        return landing

    def record_findings(self, run_id: str, rows: Iterable[tuple[Any, ...]]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO findings (run_id, fingerprint, rule, category, priority, path, line, "
                "message, tool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *row) for row in rows])

    def record_fix(self, run_id: str, row: dict[str, Any]) -> None:
        row = {**row, "run_id": run_id, "created": row.get("created", time.time())}
        for key in ("fingerprints", "failing_tests", "covering_tests"):
            if key in row and not isinstance(row[key], str):
                row[key] = json.dumps(list(row[key]))
        unknown = set(row) - FIX_COLUMNS
        if unknown:
            raise ValueError(f"not columns of fixes: {sorted(unknown)}")
        columns = ", ".join(row)  # checked against the schema above; values are bound
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f"INSERT OR REPLACE INTO fixes ({columns}) VALUES ({marks})",  # noqa: S608  # nosec B608
                          tuple(row.values()))

    def record_test_run(self, run_id: str, kind: str, fixes: int, passed: bool, returncode: int,
                        duration: float, failed: Iterable[str], selected: int = 0) -> None:
        self.conn.execute(
            "INSERT INTO test_runs (run_id, kind, fixes, passed, returncode, duration, failed, "
            "started, selected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, kind, fixes, int(passed), returncode, duration, json.dumps(list(failed)),
             time.time() - duration, selected))

    def event(self, run_id: str | None, action: str, status: str, *, tool: str | None = None,
              parameters: dict[str, Any] | None = None, error: str | None = None,
              duration: float | None = None, resources: dict[str, Any] | None = None) -> None:
        self.conn.execute(
            "INSERT INTO events (ts, run_id, action, tool, parameters, status, error, duration, "
            "resources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), run_id, action, tool, json.dumps(parameters or {}), status, error,
             duration, json.dumps(resources or {})))

    def mark_landed(self, run_id: str, fix_ids: Iterable[str]) -> None:
        self.conn.executemany("UPDATE fixes SET landed = 1 WHERE run_id = ? AND id = ?",
                              [(run_id, fix_id) for fix_id in fix_ids])

    # -- reading -----------------------------------------------------------------------------
    def runs(self, limit: int = 20) -> list[RunSummary]:
        rows = self.conn.execute(
            "SELECT id, started, finished, command, mode, status, findings, landed, rejected, "
            "review, test_runs, duration, llm_requests, llm_tokens, phases FROM runs "
            "ORDER BY started DESC LIMIT ?", (limit,))
        return [RunSummary(**{**dict(row), "phases": _phases(row["phases"])}) for row in rows]

    def fixes(self, run_id: str | None = None) -> list[dict[str, Any]]:
        if run_id is None:
            rows = self.conn.execute("SELECT * FROM fixes ORDER BY created")
        else:
            rows = self.conn.execute("SELECT * FROM fixes WHERE run_id = ? ORDER BY created",
                                     (run_id,))
        return [dict(row) for row in rows]

    def events(self, run_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM events WHERE run_id = ? ORDER BY id", (run_id,))
        return [dict(row) for row in rows]

    def test_runs(self, run_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM test_runs WHERE run_id = ? ORDER BY started",
                                 (run_id,))
        return [dict(row) for row in rows]


def _phases(text: str | None) -> dict[str, float]:
    """A run's seconds by phase, as `finish` stored them (none for runs from before phases)."""
    try:
        stored = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): float(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

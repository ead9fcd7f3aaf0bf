"""A pattern's outcomes, counted in heal's state and not in its committed file.

A pattern file in `.heal/patterns/` is the team's, reviewed and committed: it changes only when
the pattern does (a new version: created, generalised, retired, enabled...). Every outcome in
between (applied, verified, rejected, approved, declined) is counted here, in
`.heal/pattern-usage.db` (SQLite, ignored by git like the rest of `.heal/`), one row per pattern
id: the version the counts are about and the counts. The file's `metadata.stats` (and its
`confidence`) is the snapshot written with the last version; a row for that same version
replaces it, and a row for another version is stale (a teammate's newer version came in, or the
file went back in git): the file's snapshot wins, as a newer built-in wins over a local copy.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import replace
from pathlib import Path

from heal.errors import HealError
from heal.patterns.model import STAT_KEYS, Pattern, Stats
from heal.state import ensure_state_dir

FILE = "pattern-usage.db"

_SCHEMA = (f"CREATE TABLE IF NOT EXISTS usage (id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
           f"{', '.join(f'{key} INTEGER NOT NULL DEFAULT 0' for key in STAT_KEYS)})")
# the columns are model.STAT_KEYS, in order (Stats(*row) reads them back)
_SELECT = ("SELECT id, version, applied, verified, rejected, approved, declined_by_review, "
           "rejected_in_a_row FROM usage")
_PUT = ("INSERT OR REPLACE INTO usage (id, version, applied, verified, rejected, approved, "
        "declined_by_review, rejected_in_a_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


class Usage:
    """The counts of every pattern of one repository (in memory when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._rows: dict[str, tuple[int, Stats]] | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        try:
            ensure_state_dir(self.path.parent.parent)  # `.heal/` and its .gitignore
            db = sqlite3.connect(self.path, timeout=10)
            db.execute(_SCHEMA)
        except (sqlite3.Error, HealError):
            return None  # nowhere to write: the counts stay in memory for this run
        return db

    def rows(self) -> dict[str, tuple[int, Stats]]:
        """id -> (version, counts), read once."""
        if self._rows is None:
            self._rows = {}
            db = self._connect() if self.path is not None and self.path.exists() else None
            if db is not None:
                with contextlib.closing(db):
                    for pattern_id, version, *counts in db.execute(_SELECT):
                        self._rows[pattern_id] = (int(version), Stats(*map(int, counts)))
        return self._rows

    def apply(self, pattern: Pattern) -> Pattern:
        """The pattern with the counts of its version, when heal has any newer than its file."""
        row = self.rows().get(pattern.id)
        if row is None or row[0] != pattern.version or row[1] == pattern.stats:
            return pattern
        return replace(pattern, stats=row[1])

    def put(self, pattern: Pattern) -> None:
        """Keep the pattern's counts for its version."""
        self.rows()[pattern.id] = (pattern.version, pattern.stats)
        db = self._connect()
        if db is None:
            return
        with contextlib.closing(db), db:
            counts = pattern.stats.to_dict()
            db.execute(_PUT, (pattern.id, pattern.version, *(counts[key] for key in STAT_KEYS)))

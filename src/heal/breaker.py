"""The circuit breaker: a fixer or pattern that keeps failing verification is switched off.

A fix's `source` is `fixer:NAME` or `pattern:ID@VERSION`; its breaker key is `fixer:NAME` or
`pattern:ID` (`source_key`). Reading every recorded fix in order (`created`, then insertion),
a source's streak grows with each `rejected` verdict and resets on a fix that passed the tests
(`verified`, `needs-review`); `unverified` and `skipped` fixes say nothing and leave it alone.
A source whose streak reaches `Config.circuit_breaker` (the `circuit-breaker` key, default 3)
is tripped: `tripped()` lists it (for the planner to skip), `heal report` lists it as
escalated, until a human re-enables it.

Re-enabling is an event in history (action `breaker_enabled`, tool = the key), written by
`enable()` (`heal rule CODE --enable`), so it survives across runs: only rejections after it
count again. A pattern is also back when its file changed since the failures: `heal patterns
enable ID` (or any edit) bumps the pattern's version, and a pattern whose current version is
newer than the one that failed, and active, starts afresh. `record_trips()` writes a
`breaker_tripped` event the first time a source trips (after each re-enable), for the audit
trail and the report.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from heal.config import Config
from heal.errors import HealError
from heal.history import History
from heal.rules import retired

TRIPPED = "breaker_tripped"
ENABLED = "breaker_enabled"
PASSED = ("verified", "needs-review")
FAILED = "rejected"


def source_key(source: str) -> str:
    """`pattern:ID@VERSION` -> `pattern:ID`; `fixer:NAME` (and anything else) unchanged."""
    if source.startswith("pattern:"):
        body = source[len("pattern:"):]
        pattern_id, at, version = body.rpartition("@")
        if at and pattern_id and version.isdigit():
            return f"pattern:{pattern_id}"
    return source


def _pattern_version(source: str) -> int | None:
    _, at, version = source.rpartition("@")
    return int(version) if source.startswith("pattern:") and at and version.isdigit() else None


@dataclass(frozen=True)
class Streak:
    """A source's current run of failed verifications (since its last success or re-enable)."""

    key: str
    count: int
    rule: str
    path: str
    line: int
    reason: str
    run_id: str
    last: float  # when the last counted rejection was recorded
    versions: tuple[int, ...] = ()  # pattern versions among the counted rejections

    def describe(self, limit: int) -> str:
        where = f"{self.rule} at {self.path}:{self.line}" if self.path else self.rule
        why = self.reason.splitlines()[0] if self.reason else "rejected"
        return (f"failed verification {self.count} times in a row (circuit-breaker is {limit}); "
                f"last: {where} in run {self.run_id}: {why}")


def streaks(history: History) -> dict[str, Streak]:
    """Every source's current streak of rejections (0-count sources left out)."""
    rows = history.conn.execute(
        "SELECT created, source, verdict, run_id, rule, path, line, reason FROM fixes "
        "WHERE source IS NOT NULL AND source != '' ORDER BY created, rowid").fetchall()
    enables = history.conn.execute(
        "SELECT ts, tool FROM events WHERE action = ? ORDER BY ts, id", (ENABLED,)).fetchall()
    timeline: list[tuple[float, int, int, sqlite3.Row]] = []
    for seq, row in enumerate(rows):
        timeline.append((float(row["created"] or 0.0), 0, seq, row))
    for seq, row in enumerate(enables):
        timeline.append((float(row["ts"]), 1, seq, row))
    timeline.sort(key=lambda item: (item[0], item[1], item[2]))
    current: dict[str, Streak] = {}
    for when, kind, _, row in timeline:
        if kind == 1:
            current.pop(str(row["tool"]), None)
            continue
        source = str(row["source"])
        key = source_key(source)
        if row["verdict"] in PASSED:
            current.pop(key, None)
        elif row["verdict"] == FAILED:
            before = current.get(key)
            version = _pattern_version(source)
            versions = (before.versions if before else ()) + ((version,) if version else ())
            current[key] = Streak(key=key, count=(before.count if before else 0) + 1,
                                  rule=str(row["rule"] or ""), path=str(row["path"] or ""),
                                  line=int(row["line"] or 0), reason=str(row["reason"] or ""),
                                  run_id=str(row["run_id"]), last=when, versions=versions)
    return current


def _pattern_states(root: Path, config: Config) -> dict[str, tuple[int, str]]:
    """pattern id -> (current version, status), from the pattern library; {} if unreadable."""
    try:
        # start-up time: libcst and the fixers, only when a tripped source is a pattern
        from heal.patterns.library import PatternLibrary

        library = PatternLibrary(root, config)
        return {p.id: (p.version, p.status) for p in library.all()}
    except (HealError, ImportError, OSError, ValueError):
        return {}


def tripped(history: History, config: Config, *, root: Path | None = None) -> dict[str, str]:
    """Breaker key (`fixer:NAME` / `pattern:ID`) -> why it is off, for every tripped source.

    `root` is the repository (for its pattern files); by default the one whose `.heal/` holds
    the history database."""
    limit = config.circuit_breaker
    over = {key: s for key, s in streaks(history).items() if s.count >= limit}
    if not over:
        return {}
    if any(key.startswith("pattern:") for key in over):
        states = _pattern_states(root or history.path.parent.parent, config)
        for key, streak in list(over.items()):
            state = states.get(key[len("pattern:"):]) if key.startswith("pattern:") else None
            if state is not None and state[1] == "active" and streak.versions \
                    and state[0] > max(streak.versions):
                del over[key]  # enabled again (or edited) since it failed
    return {key: s.describe(limit) for key, s in sorted(over.items())}


def _last_events(history: History, action: str) -> dict[str, float]:
    rows = history.conn.execute(
        "SELECT tool, max(ts) AS ts FROM events WHERE action = ? GROUP BY tool", (action,))
    return {str(row["tool"]): float(row["ts"]) for row in rows}


def record_trips(history: History, config: Config, run_id: str | None = None,
                 *, root: Path | None = None) -> dict[str, str]:
    """Write a `breaker_tripped` event for each source that tripped and has none yet (since
    its last re-enable); returns those newly tripped sources with the reason."""
    now = tripped(history, config, root=root)
    recorded = _last_events(history, TRIPPED)
    enabled = _last_events(history, ENABLED)
    fresh = {key: why for key, why in now.items()
             if key not in recorded or recorded[key] < enabled.get(key, 0.0)}
    for key, why in fresh.items():
        history.event(run_id, TRIPPED, "tripped", tool=key,
                      parameters={"source": key, "limit": config.circuit_breaker}, error=why)
    return fresh


def enable(history: History, key: str, by: str = "heal rule --enable") -> None:
    """A human re-enables a source: its earlier rejections no longer count."""
    history.event(None, ENABLED, "enabled", tool=key, parameters={"source": key, "by": by})


def trip_events(history: History) -> list[dict[str, object]]:
    """Every breaker decision (tripped / enabled), oldest first, for reports."""
    rows = history.conn.execute(
        "SELECT ts, run_id, action, tool, parameters, error FROM events WHERE action IN (?, ?) "
        "ORDER BY ts, id", (TRIPPED, ENABLED))
    out: list[dict[str, object]] = []
    for row in rows:
        parameters: object = {}
        with contextlib.suppress(ValueError, TypeError):
            parameters = json.loads(row["parameters"] or "{}")
        out.append({"ts": row["ts"], "run_id": row["run_id"], "action": row["action"],
                    "source": row["tool"], "parameters": parameters, "reason": row["error"]})
    return out


def keys_for(code: str, candidates: Iterable[str] = ()) -> list[str]:
    """The breaker keys a user means by CODE: a fixer code (LGC109) or name (ruff-edits), a
    rule (F401, heal:LOG109: the fixers that heal it), a pattern id, or a key itself
    (`fixer:NAME`, `pattern:ID`, `llm:MODEL`). `candidates` (e.g. the tripped keys) are matched by their
    id part too, so a source heal no longer ships can still be re-enabled. A retired fixer
    code (LGC109) means its rule's fixers (LOG109)."""
    # start-up time: every rule and fixer, only to resolve what a user typed
    from heal import rulebook as rules
    from heal.healers import FIXERS

    code = retired.current(code)
    keys: list[str] = []
    if code.startswith(("fixer:", "pattern:", "llm:")):
        keys.append(source_key(code))
    fixer = FIXERS.get(code.upper())
    if fixer is not None:
        keys.append(f"fixer:{fixer.NAME}")
    keys += [f"fixer:{f.NAME}" for f in FIXERS.values() if code == f.NAME]
    for key in candidates:
        if key.split(":", 1)[-1] == code:
            keys.append(key)
    if not keys:
        with contextlib.suppress(HealError):
            keys += [f"fixer:{name}" for name in rules.lookup(code).fixers]
    return list(dict.fromkeys(keys))

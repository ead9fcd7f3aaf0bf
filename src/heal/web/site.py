"""What every page of the web dashboard reads from: one repository's `.heal/`, its config, the
clock, and this server's token and mode."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heal import metrics
from heal.config import Config
from heal.history import DB_NAME
from heal.state import state_dir

# what the pages show changes only with these (the running heal's panel is live.py's)
HISTORY_FILES = (DB_NAME, DB_NAME + "-wal", "patterns")
CACHED = 64  # pages kept at most


@dataclass
class Site:
    root: Path
    config: Config = field(default_factory=Config)
    read_only: bool = False
    clock: Callable[[], float] = time.time
    # approve and reject need it: it is only in this server's pages, which another origin
    # cannot read
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    notes: OrderedDict[str, str] = field(default_factory=OrderedDict)
    # the server asks its live streams to end (Ctrl-C): an open page must not hold it up
    stopping: Callable[[], bool] = lambda: False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: OrderedDict[Hashable, tuple[Any, Any]] = field(default_factory=OrderedDict)

    @property
    def state_dir(self) -> Path:
        return state_dir(self.root)

    def read(self, query: Callable[[metrics.ReadOnlyHistory], metrics.T],
             default: metrics.T) -> metrics.T:
        """`query` on the history, read-only; `default` when there is none yet."""
        return metrics.read(self.state_dir, query, default)

    def cached(self, key: Hashable, compute: Callable[[], metrics.T],
               files: tuple[str, ...] = HISTORY_FILES) -> metrics.T:
        """`compute()`, computed again only once one of `files` in `.heal/` changed (a stat
        call each; by default history and the learned patterns): reading the pattern library
        and the circuit breaker's streaks is what a page costs, and nothing they show moves
        while those stand still."""
        stamp = metrics.signature(self.state_dir, files)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            value: metrics.T = hit[1]
            return value
        value = compute()
        with self._lock:
            self._cache[key] = (stamp, value)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return value

    def note(self, text: str) -> str:
        """Keep a message for the next page (an approval's outcome); returns its key."""
        key = secrets.token_hex(6)
        with self._lock:
            self.notes[key] = text
            while len(self.notes) > 50:
                self.notes.popitem(last=False)
        return key

    def noted(self, key: str | None) -> str | None:
        with self._lock:
            return self.notes.get(key or "")

"""Where a run's time went, phase by phase, with no phase holding another's time.

The pipeline moves through its steps with `enter` (scan, verify, land, record, learn); the
engine marks what it does inside them with `phase` (baseline, plan, recheck, tests, llm). A phase
opened inside another is carved out of it: planning done during an analyzer re-check counts as
plan, not recheck. Only the main thread keeps the clock: worker threads (a batch's parallel
test runs) are inside the phase their caller opened.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Iterator


class Clock:
    def __init__(self) -> None:
        self.times: dict[str, float] = defaultdict(float)
        self._stack: list[str] = []
        self._base = ""
        self._mark = time.perf_counter()

    def _switch(self) -> None:
        now = time.perf_counter()
        current = self._stack[-1] if self._stack else self._base
        if current:
            self.times[current] += now - self._mark
        self._mark = now

    def enter(self, name: str) -> None:
        """The run's next step (what the time outside any `phase` counts as from now on)."""
        self._switch()
        self._base = name

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time spent inside counts as `name`, not as the phase around it."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self._switch()
        self._stack.append(name)
        try:
            yield
        finally:
            self._switch()
            self._stack.pop()

    def done(self) -> dict[str, float]:
        """Seconds per phase, rounded; the clock stops."""
        self.enter("")
        return {k: round(v, 3) for k, v in self.times.items() if k}

"""Progress of a run: the callback the front ends draw, and `.heal/status.json` for dashboards.

The pipeline reports progress through a `ProgressCallback`; it also calls
`write_status(state_dir, run_id, phase, done, total)` when it enters a phase or finishes a unit
of work (a batch verified, a round planned); the dashboards poll the file.
Writes are atomic (temp file + rename) and never raise: progress reporting must not break a
run. A status whose run is not the one holding `.heal/lock` is stale and ignored by readers,
so a killed run's leftover file does no harm; `clear_status` removes it at the end of a run.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUS_NAME = "status.json"

# (event, name, detail): "start" | "done" with "N findings in S s" | "skip" with why, for an
# analyzer; "plan" and "tests" for the healing steps
ProgressCallback = Callable[[str, str, str], None]


def quiet(event: str, name: str, detail: str) -> None:
    """A progress callback that draws nothing."""
    return None


@dataclass(frozen=True)
class RunStatus:
    run_id: str
    phase: str
    done: int
    total: int
    updated: float
    pid: int

    @property
    def fraction(self) -> float | None:
        """done / total in [0, 1], or None when the total is not known (0)."""
        if self.total <= 0:
            return None
        return max(0.0, min(1.0, self.done / self.total))


def write_status(state_dir: Path, run_id: str, phase: str, done: int, total: int) -> None:
    """Record the running heal's phase and progress (`done` of `total` units; total 0: unknown)."""
    data = {"run_id": run_id, "phase": phase, "done": int(done), "total": int(total),
            "updated": time.time(), "pid": os.getpid()}
    with contextlib.suppress(OSError):
        handle, temp = tempfile.mkstemp(prefix=".status.", suffix=".tmp", dir=state_dir)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(temp, state_dir / STATUS_NAME)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise


def clear_status(state_dir: Path, run_id: str | None = None) -> None:
    """Remove the status file (only if it belongs to `run_id`, when one is given)."""
    if run_id is not None:
        current = read_status(state_dir)
        if current is not None and current.run_id != run_id:
            return
    with contextlib.suppress(OSError):
        (state_dir / STATUS_NAME).unlink()


def read_status(state_dir: Path) -> RunStatus | None:
    try:
        data: Any = json.loads((state_dir / STATUS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return RunStatus(run_id=str(data["run_id"]), phase=str(data["phase"]),
                         done=int(data["done"]), total=int(data["total"]),
                         updated=float(data.get("updated", 0.0)), pid=int(data.get("pid", 0)))
    except (KeyError, TypeError, ValueError):
        return None

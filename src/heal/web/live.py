"""Live updates as server-sent events (`GET /healing/live`), read by static/heal.js.

Every `TICK` the stream stats the lock, the status file, history and the learned patterns (a
stat call each). `active` carries the panel of the running heal, rendered here: sent when the
lock or the status file changed, and every second while a heal runs (its elapsed time moves,
and a run killed meanwhile is seen as gone). `changed` says history changed, at most once a
second: the page then fetches itself again and swaps its live parts, without a reload.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio

from heal import metrics
from heal.lock import LOCK_NAME
from heal.status import STATUS_NAME
from heal.web.html import active_panel
from heal.web.site import HISTORY_FILES, Site

TICK = 0.2  # seconds between looks at `.heal/`: a status written is shown well within 1 s
EVERY = 1.0  # the most often `changed` is sent; the panel's refresh while a heal runs
KEEPALIVE = 15.0
RUN_FILES = (LOCK_NAME, STATUS_NAME)


def snapshot(site: Site) -> dict[str, Any]:
    """The running heal as data and as the panel's HTML (what `/healing/api/live` answers)."""
    active = metrics.active_run(site.state_dir)
    status = active.status if active is not None else None
    return {"running": active is not None, "run_id": active.run_id if active else None,
            "command": active.command if active else None,
            "phase": status.phase if status else None, "done": status.done if status else None,
            "total": status.total if status else None, "html": str(active_panel(site))}


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


async def events(site: Site, disconnected: Callable[[], Awaitable[bool]]
                 ) -> AsyncIterator[str]:
    """The stream of one page: `active` and `changed` events until the page goes away (or
    the server stops)."""
    yield f"retry: {int(EVERY * 1000)}\n\n"
    state = site.state_dir
    runs = metrics.signature(state, RUN_FILES)
    history = metrics.signature(state, HISTORY_FILES)
    current = await anyio.to_thread.run_sync(snapshot, site)
    yield event("active", current)
    last_panel = last_changed = last_sent = time.monotonic()
    pending = False
    while not site.stopping() and not await disconnected():
        await anyio.sleep(TICK)
        now = time.monotonic()
        runs_now = metrics.signature(state, RUN_FILES)
        history_now = metrics.signature(state, HISTORY_FILES)
        if history_now != history:
            history, pending = history_now, True
        refresh = runs_now != runs or (current["running"] and now - last_panel >= EVERY)
        if pending and now - last_changed >= EVERY:
            yield event("changed", {})
            last_changed = last_sent = now
            pending, refresh = False, True  # the idle panel names the last run
        if refresh:
            runs, last_panel = runs_now, now
            fresh = await anyio.to_thread.run_sync(snapshot, site)
            if fresh != current:
                current = fresh
                yield event("active", current)
                last_sent = now
        if now - last_sent >= KEEPALIVE:
            yield ": keep-alive\n\n"
            last_sent = now

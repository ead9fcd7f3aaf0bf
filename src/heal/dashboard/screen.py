"""What every dashboard screen shares: the base class that reloads from `.heal/`, the app as
the screens see it, and how a verdict and a duration are drawn."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

from rich.text import Text
from textual.screen import Screen

from heal import metrics as data
from heal.config import Config

VERDICT_STYLES = {"verified": "green", "rejected": "red", "needs-review": "magenta",
                  "unverified": "yellow", "skipped": "dim"}


class Dashboard(Protocol):
    """The app, as its screens use it (app.py's `DashboardApp`)."""

    root: Path
    state_dir: Path
    config: Config
    clock: Callable[[], float]

    def read(self, query: Callable[[data.ReadOnlyHistory], data.T], default: data.T) -> data.T:
        ...


class DashboardScreen(Screen[None]):
    """A screen that can reload its data from `.heal/` (the app calls `reload` on changes,
    once the screen is `ready`: mounted, with its tables' columns in place)."""

    ready = False

    @property
    def dash(self) -> Dashboard:
        return cast(Dashboard, self.app)  # screens are only ever pushed by DashboardApp

    def reload(self) -> None:  # pragma: no cover - every screen overrides it
        """Read the data again and update the widgets."""


def verdict_text(verdict: str, landed: bool = False) -> Text:
    label = verdict + (" ✓" if landed and verdict in ("verified", "unverified") else "")
    return Text(label, style=VERDICT_STYLES.get(verdict, ""))


def duration_text(row: data.HealRow) -> str:
    if row.duration is None:
        return "-"
    return f"{'~' if row.estimated else ''}{row.duration:.1f}s"

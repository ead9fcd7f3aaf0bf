"""The dashboard app: a stack of screens over one repository's `.heal/`, refreshed by polling.

Every `poll_interval` seconds (1 s by default) the app checks whether history, the lock, the
status file or the learned patterns changed (their mtimes and sizes: a stat call each), and
while a heal runs it refreshes anyway so elapsed times move; the screen on top reloads its data
then. `clock` gives "now" to every query, so tests can freeze what is shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from heal import metrics as data
from heal.config import Config
from heal.dashboard.overview import OverviewScreen
from heal.dashboard.screen import DashboardScreen
from heal.state import state_dir

CSS = """
Screen { layout: vertical; }
.title { height: 1; padding: 0 1; text-style: bold; }
.panel-title { height: 1; padding: 0 1; color: $text-muted; text-style: bold; }
.line { height: auto; padding: 0 1; }
DataTable { height: 1fr; }
#active { height: 2; padding: 0 1; }
#rates { height: 2; padding: 0 1; }
#tables { height: 1fr; }
#categories-box { width: 45; }
#rules-box { width: 1fr; }
#rules { height: 1fr; padding: 0 1; }
#trend { height: 3; padding: 0 1; }
#detail-body { height: 1fr; padding: 0 1; }
#review-table { height: 9; }
#preview { height: 1fr; padding: 0 1; }
#empty { padding: 1 2; }
RejectScreen { align: center middle; }
#reject-box { width: 70; height: auto; border: thick $warning; padding: 1 2;
              background: $surface; }
#reject-error { color: $error; height: auto; }
"""


class DashboardApp(App[None]):
    TITLE = "heal dashboard"
    CSS = CSS
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, root: Path, *, config: Config | None = None,
                 clock: Callable[[], float] = time.time, poll_interval: float = 1.0) -> None:
        super().__init__()
        self.root = root
        self.state_dir = state_dir(root)
        self.config = config or Config()
        self.clock = clock
        self.poll_interval = min(poll_interval, 1.0)
        self._signature: tuple[tuple[int, int], ...] = ()
        self.sub_title = root.name

    def on_mount(self) -> None:
        self._signature = data.signature(self.state_dir)
        self.push_screen(OverviewScreen())
        self.set_interval(self.poll_interval, self.poll)

    def poll(self) -> None:
        """Reload the screen on top when something changed on disk, or while a heal runs."""
        now = data.signature(self.state_dir)
        running = data.active_run(self.state_dir) is not None
        if now != self._signature or running:
            self._signature = now
            self.reload()

    def reload(self) -> None:
        screen = self.screen
        if isinstance(screen, DashboardScreen) and screen.ready:
            screen.reload()

    def read(self, query: Callable[[data.ReadOnlyHistory], data.T], default: data.T) -> data.T:
        """`query` on this repository's history (see `data.read`)."""
        return data.read(self.state_dir, query, default)

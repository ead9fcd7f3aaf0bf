"""Patterns: the built-in and learned fix patterns with confidence, uses and version."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from heal import metrics as data
from heal.dashboard.screen import DashboardScreen

STATUS_STYLES = {"active": "green", "retired": "dim", "disabled": "yellow"}


def confidence_text(value: float, threshold: float) -> Text:
    return Text(f"{value:.2f}", style="green" if value >= threshold else "")


class PatternsScreen(DashboardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("g", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[data.PatternRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="patterns-title", classes="title")
        yield DataTable(id="patterns", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#patterns", DataTable)
        for label in ("pattern", "ver", "status", "origin", "conf", "used", "ok", "rej"):
            table.add_column(label, key=label)
        self.ready = True
        self.reload()
        table.focus()

    def reload(self) -> None:
        self.rows, error = data.patterns(self.dash.root, self.dash.config)
        threshold = self.dash.config.auto_apply_confidence
        active = sum(1 for r in self.rows if r.status == "active")
        local = sum(1 for r in self.rows if r.origin != "builtin")
        title = (f"patterns · {len(self.rows)} ({active} active, {local} in .heal/patterns) · "
                 f"auto-apply at {threshold:.2f}")
        if error:
            title += f" · library error: {error}"
        self.query_one("#patterns-title", Static).update(title)
        table = self.query_one("#patterns", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(row.id, str(row.version),
                          Text(row.status, style=STATUS_STYLES.get(row.status, "")),
                          row.origin, confidence_text(row.confidence, threshold),
                          str(max(row.applied, row.used_in_history)), str(row.verified),
                          str(row.rejected), key=row.id)
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))

    def action_refresh(self) -> None:
        self.reload()

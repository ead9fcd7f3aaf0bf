"""Category drill-down: every heal tried in one category (or all), newest first."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from heal import metrics as data
from heal.dashboard.detail import HealDetailScreen
from heal.dashboard.screen import DashboardScreen, duration_text, verdict_text


class CategoryScreen(DashboardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("d", "open_heal", "Detail"),
        Binding("g", "refresh", "Refresh"),
    ]

    def __init__(self, category: str | None) -> None:
        super().__init__()
        self.category = category
        self.rows: list[data.HealRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="heals-title", classes="title")
        yield DataTable(id="heals", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#heals", DataTable)
        for label in ("file:line", "rule", "source", "verdict", "time"):
            table.add_column(label, key=label)
        self.ready = True
        self.reload()
        table.focus()

    def reload(self) -> None:
        self.rows = self.dash.read(lambda history: data.heals(history, self.category), [])
        name = self.category or "all categories"
        verified = sum(1 for r in self.rows if r.verdict == "verified")
        rejected = sum(1 for r in self.rows if r.verdict == "rejected")
        self.query_one("#heals-title", Static).update(
            f"heals: {name} · {len(self.rows)} tried, {verified} verified, {rejected} rejected"
            + ("" if self.rows else " · nothing here yet"))
        table = self.query_one("#heals", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(row.where, row.rule, data.short_source(row.source),
                          verdict_text(row.verdict, row.landed), duration_text(row),
                          key=f"{row.run_id}/{row.fix_id}")
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_heal()

    def action_open_heal(self) -> None:
        table = self.query_one("#heals", DataTable)
        if not self.rows:
            return
        row = self.rows[min(table.cursor_row, len(self.rows) - 1)]
        self.app.push_screen(HealDetailScreen(row.run_id, row.fix_id))

    def action_refresh(self) -> None:
        self.reload()

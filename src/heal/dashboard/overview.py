"""Overview: the running heal, success rates, findings and heals by category, top rules, trend."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Static

from heal import metrics as data
from heal.dashboard.category import CategoryScreen
from heal.dashboard.patterns import PatternsScreen
from heal.dashboard.review import ReviewScreen
from heal.dashboard.screen import DashboardScreen

ALL = "all"


def progress_bar(fraction: float, width: int = 20) -> str:
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def active_text(view: data.Overview) -> Text:
    active = view.active
    if active is None:
        text = Text("○ no heal running", style="dim")
        last = view.last_run
        if last is not None:
            state = "" if last.status == "ok" else f" ({last.status})"
            text.append(f" · last run {data.ago(view.now - last.started)} ago{state}: "
                        f"{last.findings} findings, {last.landed} landed, {last.rejected} "
                        f"rejected, {last.review} for review", style="dim")
        elif not view.runs:
            text.append(" · no runs recorded yet: run `heal` in this repository", style="dim")
        return text
    text = Text("● heal running", style="bold green")
    text.append(f" · run {active.run_id} · {data.ago(view.now - active.started)} · "
                f"{active.command}")
    status = active.status
    text.append("\n")
    if status is None:
        text.append("  working (no progress reported yet)", style="dim")
    else:
        fraction = status.fraction
        text.append(f"  {status.phase} ")
        if fraction is not None:
            text.append(progress_bar(fraction), style="green")
            text.append(f" {status.done}/{status.total}")
        else:
            text.append(f"{status.done} done")
    return text


def rates_text(view: data.Overview) -> Text:
    text = Text("success ", style="bold")
    for name, rate in view.rates.items():
        text.append(f"{name} ", style="dim")
        text.append(rate.label() + "  ")
    text.append("\npattern reuse ", style="bold")
    text.append(view.pattern_reuse.label() + "  ")
    text.append("review ", style="bold")
    text.append(f"{view.pending_review} pending  ")
    if view.tripped:
        text.append("breaker ", style="bold")
        text.append(f"{len(view.tripped)} off", style="red")
    return text


def rules_table(view: data.Overview) -> Table:
    table = Table(box=None, show_edge=False, pad_edge=False, expand=True)
    table.add_column("top rules", overflow="ellipsis", no_wrap=True)
    table.add_column("found", justify="right")
    table.add_column("heals", justify="right")
    table.add_column("ok", justify="right")
    for rule in view.top_rules:
        table.add_row(rule.rule, str(rule.findings), str(rule.heals), str(rule.verified))
    if not view.top_rules:
        table.add_row(Text("none yet", style="dim"), "", "", "")
    return table


def trend_text(view: data.Overview, width: int = 60) -> Text:
    points = view.trend[-width:]
    text = Text(f"trend over the last {len(points)} runs" if points else "trend: no runs yet",
                style="bold")
    if not points:
        return text
    rates = [p.rate for p in points]
    found = [float(p.findings) for p in points]
    text.append("\n  success  ", style="dim")
    text.append(data.sparkline(rates, low=0.0, high=1.0), style="green")
    known = [r for r in rates if r is not None]
    text.append(f"  {100 * known[-1]:.0f}% now" if known else "")
    text.append("\n  findings ", style="dim")
    text.append(data.sparkline(found, low=0.0), style="yellow")
    text.append(f"  {int(found[-1])} now")
    return text


class OverviewScreen(DashboardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "open_category", "Category"),
        Binding("h", "all_heals", "All heals"),
        Binding("r", "review", "Review"),
        Binding("p", "patterns", "Patterns"),
        Binding("g", "refresh", "Refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="active")
        yield Static(id="rates")
        with Horizontal(id="tables"):
            with Vertical(id="categories-box"):
                yield DataTable(id="categories", cursor_type="row", zebra_stripes=False)
            with Vertical(id="rules-box"):
                yield Static(id="rules")
        yield Static(id="trend")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#categories", DataTable)
        table.add_column("category", key="category")
        for label in ("found", "heals", "ok", "rej", "rev"):
            table.add_column(label, key=label)
        self.ready = True
        self.reload()
        table.focus()

    def reload(self) -> None:
        view = data.overview(self.dash.state_dir, self.dash.clock(), self.dash.config)
        self.query_one("#active", Static).update(active_text(view))
        self.query_one("#rates", Static).update(rates_text(view))
        self.query_one("#rules", Static).update(rules_table(view))
        self.query_one("#trend", Static).update(trend_text(view))
        table = self.query_one("#categories", DataTable)
        cursor = table.cursor_row
        table.clear()
        rows = view.categories
        for row in rows:
            table.add_row(row.category, str(row.findings), str(row.heals), str(row.verified),
                          str(row.rejected), str(row.review), key=row.category)
        table.add_row(Text(ALL, style="bold"), str(sum(r.findings for r in rows)),
                      str(sum(r.heals for r in rows)), str(sum(r.verified for r in rows)),
                      str(sum(r.rejected for r in rows)), str(sum(r.review for r in rows)),
                      key=ALL)
        table.move_cursor(row=min(cursor, table.row_count - 1))

    def _selected_category(self) -> str | None:
        table = self.query_one("#categories", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key in (None, ALL) else key

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_category()

    def action_open_category(self) -> None:
        self.app.push_screen(CategoryScreen(self._selected_category()))

    def action_all_heals(self) -> None:
        self.app.push_screen(CategoryScreen(None))

    def action_review(self) -> None:
        self.app.push_screen(ReviewScreen())

    def action_patterns(self) -> None:
        self.app.push_screen(PatternsScreen())

    def action_refresh(self) -> None:
        self.reload()

"""Review: the queue of verified fixes waiting for a human; approve or reject from here.

Approving calls `heal.decisions.approve` (what `heal review approve ID` calls: it lands the fix,
verifying again first if the tree moved), in a worker thread so the screen stays live; it takes
`.heal/lock` like any run, so it waits for nothing and refuses while a heal is running.
Rejecting asks for the reason and calls `heal.review.reject` (what `heal review reject ID
--reason ...` calls). These are the only writes the dashboard makes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from heal import decisions, review
from heal.dashboard.detail import HealDetailScreen, diff_syntax
from heal.dashboard.screen import DashboardScreen
from heal.errors import HealError
from heal.history import History
from heal.review import ReviewItem


def preview(item: ReviewItem) -> RenderableType:
    fix = item.fix
    parts: list[RenderableType] = [
        Text(f"{fix.rule} at {fix.path}:{fix.line} · {fix.source} · {fix.priority.value}",
             style="bold"),
        Text(f"why a human must look: {item.rationale}"),
        Text(f"verification: {item.verification or '-'}", style="dim"),
    ]
    if item.evidence:
        covering = ", ".join(item.covering_tests[:4]) if item.covering_tests else "none"
        parts.append(Text(f"evidence: {item.evidence} ({covering})", style="dim"))
    parts.append(diff_syntax(item.diff))
    return Group(*parts)


class RejectScreen(ModalScreen[str | None]):
    """Ask why a fix is rejected (required: it is recorded and lowers its source's confidence)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, item: ReviewItem) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        fix = self.item.fix
        with Vertical(id="reject-box"):
            yield Label(f"Reject {self.item.id[:12]}: {fix.rule} at {fix.path}:{fix.line}?")
            yield Label("Why? The reason is recorded, and heal will not propose this fix again.")
            yield Input(placeholder="reason", id="reason")
            yield Static(id="reject-error")
            yield Label("enter: reject · escape: cancel", classes="panel-title")

    def on_mount(self) -> None:
        field = self.query_one("#reason", Input)
        field.cursor_blink = False
        field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#reject-error", Static).update("say why: a reason is required")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewScreen(DashboardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("a", "approve", "Approve"),
        Binding("x", "reject", "Reject"),
        Binding("d", "open_heal", "Detail"),
        Binding("g", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ReviewItem] = []
        self.busy = False
        self.note = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="review-title", classes="title")
        yield DataTable(id="review-table", cursor_type="row")
        with VerticalScroll(id="preview"):
            yield Static(id="preview-body")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#review-table", DataTable)
        for label in ("id", "pri", "rule", "file:line", "why a human must look"):
            table.add_column(label, key=label)
        self.ready = True
        self.reload()
        table.focus()

    def reload(self) -> None:
        self.items = self.dash.read(review.items, [])
        table = self.query_one("#review-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for item in self.items:
            fix = item.fix
            table.add_row(item.id[:8], fix.priority.value, fix.rule, f"{fix.path}:{fix.line}",
                          item.rationale, key=item.id)
        if self.items:
            table.move_cursor(row=min(cursor, len(self.items) - 1))
        self._update_title()
        self._show_preview()

    def _update_title(self) -> None:
        count = len(self.items)
        title = (f"review queue · {count} pending" if count else
                 "review queue · empty: nothing waits for a human")
        if self.note:
            title += f" · {self.note}"
        self.query_one("#review-title", Static).update(title)

    def selected(self) -> ReviewItem | None:
        if not self.items:
            return None
        table = self.query_one("#review-table", DataTable)
        return self.items[min(max(table.cursor_row, 0), len(self.items) - 1)]

    def _show_preview(self) -> None:
        item = self.selected()
        body: RenderableType = preview(item) if item is not None else Text("")
        self.query_one("#preview-body", Static).update(body)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_preview()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_heal()

    def action_open_heal(self) -> None:
        item = self.selected()
        if item is not None:
            self.app.push_screen(HealDetailScreen(item.run_id, item.fix.id))

    def action_refresh(self) -> None:
        self.reload()

    # -- approve -----------------------------------------------------------------------------
    def action_approve(self) -> None:
        item = self.selected()
        if item is None or self.busy:
            return
        self.busy = True
        self.note = f"approving {item.id[:8]}..."
        self._update_title()
        self.approve_in_background(item.id)

    @work(thread=True, exclusive=True, group="review")
    def approve_in_background(self, item_id: str) -> None:
        def progress(event: str, name: str, detail: str) -> None:
            if event == "tests":
                self.app.call_from_thread(self._progress, detail)

        try:
            outcome = decisions.approve(self.dash.root, [item_id], progress)
        except HealError as error:
            self.app.call_from_thread(self._approved, f"not approved: {error.message}", True)
            return
        if outcome.approved:
            message = f"approved {item_id[:8]}: landed in {', '.join(outcome.landed)}"
        else:
            why = "; ".join(w for _, w in outcome.stale) or "; ".join(outcome.messages)
            message = f"not landed: {why or 'see heal history'}"
        self.app.call_from_thread(self._approved, message, not outcome.approved)

    def _progress(self, detail: str) -> None:
        self.note = detail
        self._update_title()

    def _approved(self, message: str, failed: bool) -> None:
        self.busy = False
        self.note = message
        self.app.notify(message, severity="error" if failed else "information")
        self.reload()

    # -- reject ------------------------------------------------------------------------------
    def action_reject(self) -> None:
        item = self.selected()
        if item is None or self.busy:
            return

        def decided(reason: str | None) -> None:
            if reason:
                self.reject(item.id, reason)

        self.app.push_screen(RejectScreen(item), decided)

    def reject(self, item_id: str, reason: str) -> None:
        try:
            history = History(self.dash.state_dir)
            try:
                review.reject(history, [item_id], reason)
            finally:
                history.close()
        except HealError as error:
            self.note = f"not rejected: {error.message}"
            self.app.notify(self.note, severity="error")
        else:
            self.note = f"rejected {item_id[:8]}: {reason}"
            self.app.notify(self.note)
        self.reload()

"""Heal detail: one fix's diff, syntax-highlighted, with its test evidence and verdict."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from heal import metrics as data
from heal.dashboard.screen import DashboardScreen, duration_text, verdict_text

EVIDENCE = {
    "covered": "tests run the changed lines",
    "uncovered": "no test runs the changed lines",
    "unverified": "tests skipped: --no-verify",
}


def _field(label: str, value: str | Text, style: str = "") -> Text:
    text = Text(f"{label:<10}", style="bold")
    text.append(value if isinstance(value, Text) else Text(value, style=style))
    return text


def _listed(items: tuple[str, ...], limit: int = 6) -> str:
    if not items:
        return "none"
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def diff_syntax(diff: str) -> RenderableType:
    if not diff.strip():
        return Text("(no diff recorded)", style="dim")
    return Syntax(diff.rstrip("\n"), "diff", theme="ansi_dark", word_wrap=True,
                  background_color="default")


def detail_renderable(detail: data.HealDetail) -> RenderableType:
    row = detail.row
    lines: list[RenderableType] = [
        Text(f"{row.rule} at {row.where}", style="bold"),
        _field("source", row.source),
        _field("verdict", verdict_text(row.verdict, row.landed)),
        _field("run", f"{row.run_id} (round {detail.round}) · {detail.priority} · "
                      f"safety {detail.safety} · {duration_text(row)}"),
    ]
    if detail.review_status:
        lines.append(_field("review", detail.review_status
                            + (f": {detail.review_reason}" if detail.review_reason else "")))
    evidence = detail.evidence or "-"
    explained = EVIDENCE.get(detail.evidence, "")
    lines += [
        Text("test evidence", style="bold underline"),
        _field("level", evidence + (f" ({explained})" if explained else "")),
        _field("covering", _listed(detail.covering_tests)),
        _field("failing", _listed(detail.failing_tests),
               style="red" if detail.failing_tests else ""),
        _field("reason", detail.reason or "-"),
    ]
    if detail.output.strip():
        lines += [Text("test output", style="bold underline"),
                  Text(detail.output.rstrip("\n"), style="dim")]
    lines += [Text("diff", style="bold underline"), diff_syntax(detail.diff)]
    return Group(*lines)


class HealDetailScreen(DashboardScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("g", "refresh", "Refresh"),
    ]

    def __init__(self, run_id: str, fix_id: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.fix_id = fix_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail-body"):
            yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.ready = True
        self.reload()
        self.query_one("#detail-body", VerticalScroll).focus()

    def reload(self) -> None:
        detail = self.dash.read(
            lambda history: data.heal_detail(history, self.run_id, self.fix_id), None)
        body: RenderableType = (detail_renderable(detail) if detail is not None else
                                Text(f"fix {self.fix_id} of run {self.run_id} is not in history",
                                     style="dim"))
        self.query_one("#detail", Static).update(body)

    def action_refresh(self) -> None:
        self.reload()

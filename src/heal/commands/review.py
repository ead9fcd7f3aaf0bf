"""`heal review`: the queue of verified fixes that need a human (list, show, approve, reject)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from heal import review
from heal.commands._common import (
    RepoOption,
    emit,
    guarded,
    progress_display,
    repo_root,
    stdout_console,
)
from heal.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from heal.history import History
from heal.sandbox import proc
from heal.state import ensure_state_dir

app = typer.Typer(name="review", help="The queue of verified fixes that need a human: list, "
                  "show, approve, reject.", no_args_is_help=False, add_completion=False)


def _history(repo: Path | None) -> History:
    return History(ensure_state_dir(repo_root(repo)))


def listed_items(repo: Path | None, show_all: bool) -> list[review.ReviewItem]:
    """The pending items (every item with `show_all`), as `heal review` lists them."""
    history = _history(repo)
    try:
        return review.items(history, status=None if show_all else review.PENDING)
    finally:
        history.close()


def items_document(listed: list[review.ReviewItem]) -> dict[str, object]:
    """`heal review --format json` (and the MCP tool review_list)."""
    return {"version": 1, "items": [
        {"id": i.id, "status": i.status, "priority": i.fix.priority.value,
         "rule": i.fix.rule, "path": i.fix.path, "line": i.fix.line,
         "source": i.fix.source, "rationale": i.rationale, "diff": i.diff,
         "evidence": i.evidence, "covering_tests": list(i.covering_tests),
         "reason": i.reason} for i in listed]}


def list_items(repo: Path | None, output_format: str, show_all: bool) -> int:
    listed = listed_items(repo, show_all)
    if output_format == "json":
        emit(json.dumps(items_document(listed), indent=2), None)
        return EXIT_OK
    console = stdout_console()
    if not listed:
        console.print("the review queue is empty")
        return EXIT_OK
    table = Table(show_edge=False)
    for column in ("id", "status", "priority", "rule", "location", "why a human must look"):
        table.add_column(column, overflow="fold")
    for i in listed:
        table.add_row(i.id, i.status, i.fix.priority.value, i.fix.rule,
                      escape(f"{i.fix.path}:{i.fix.line}"), escape(i.rationale))
    console.print(table)
    console.print("`heal review show ID` for the diff; `heal review approve ID` to land it")
    return EXIT_OK


def show(repo: Path | None, item_id: str) -> int:
    from heal.report.text import print_diff  # start-up time: it loads the engine

    history = _history(repo)
    try:
        item = review.find(history, item_id)
    finally:
        history.close()
    console = stdout_console()
    console.print(f"[bold]{item.id}[/] {item.fix.rule} at {escape(item.fix.path)}:"
                  f"{item.fix.line} ({item.status}), proposed by {item.fix.source}")
    console.print(f"why a human must look: {escape(item.rationale)}")
    console.print(f"what it does: {escape(item.fix.description)}")
    console.print(f"verification: {escape(item.verification)}")
    if item.evidence:
        console.print(f"evidence: {item.evidence}"
                      + (f" ({', '.join(item.covering_tests[:5])})" if item.covering_tests
                         else ""))
    if item.reason:
        console.print(f"decision: {escape(item.reason)}")
    console.print()
    print_diff(item.diff, console)
    return EXIT_OK


def approve(repo: Path | None, item_ids: list[str], approve_all: bool) -> int:
    from heal import decisions  # start-up time: the engine, which `heal --help` does not need

    if not item_ids and not approve_all:
        raise UsageError("name the items to approve, or pass --all")
    with progress_display(enabled=True) as progress:
        outcome = decisions.approve((repo or Path.cwd()).resolve(), item_ids, progress,
                                   everything=approve_all)
    console = stdout_console()
    with proc.uninterrupted():  # it is done: a stop now would only cut its report short
        for message in outcome.messages:
            console.print(f"[yellow]note:[/] {escape(message)}")
        for item_id, why in outcome.stale:
            console.print(f"[yellow]not landed[/] {item_id}: {escape(why)}")
        console.print(f"approved and landed {len(outcome.approved)} fixes in "
                      f"{len(outcome.landed)} files")
    return EXIT_OK if not outcome.stale else EXIT_FINDINGS


def reject(repo: Path | None, item_ids: list[str], reason: str) -> int:
    from heal import decisions  # start-up time: the engine, which `heal --help` does not need

    rejected = decisions.reject_items((repo or Path.cwd()).resolve(), item_ids, reason)
    stdout_console().print(f"rejected {len(rejected)} fixes: {escape(reason)}")
    return EXIT_OK


@app.callback(invoke_without_command=True)
def review_list(
    ctx: typer.Context,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    show_all: Annotated[bool, typer.Option("--all", help="Decided items too.")] = False,
    repo: RepoOption = None,
) -> None:
    """List the fixes waiting for review (priority, rule, file:line, why a human must look)."""
    if ctx.invoked_subcommand is not None:
        return
    raise typer.Exit(guarded(False, lambda: list_items(repo, output_format, show_all)))


@app.command("list")
def review_list_command(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    show_all: Annotated[bool, typer.Option("--all", help="Decided items too.")] = False,
    repo: RepoOption = None,
) -> None:
    """List the fixes waiting for review (what `heal review` alone prints)."""
    raise typer.Exit(guarded(False, lambda: list_items(repo, output_format, show_all)))


@app.command("show")
def review_show(
    item_id: Annotated[str, typer.Argument(help="The item's id (a unique prefix will do).")],
    repo: RepoOption = None,
) -> None:
    """Print an item's rationale, diff and verification result."""
    raise typer.Exit(guarded(False, lambda: show(repo, item_id)))


@app.command("approve")
def review_approve(
    item_ids: Annotated[list[str] | None, typer.Argument(help="Items to land.")] = None,
    approve_all: Annotated[bool, typer.Option("--all", help="Every pending item.")] = False,
    repo: RepoOption = None,
) -> None:
    """Land reviewed fixes (verified again first if the tree moved since)."""
    raise typer.Exit(guarded(False, lambda: approve(repo, item_ids or [], approve_all)))


@app.command("reject")
def review_reject(
    item_ids: Annotated[list[str], typer.Argument(help="Items to reject.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (recorded; required).")] = "",
    repo: RepoOption = None,
) -> None:
    """Reject fixes: they are not proposed again, and their source loses confidence."""
    raise typer.Exit(guarded(False, lambda: reject(repo, item_ids, reason)))

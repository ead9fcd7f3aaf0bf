"""`heal history`: recent heal runs, when, what, and how they ended."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from heal.commands._common import (
    RepoOption,
    emit,
    guarded,
    repo_root,
    stderr_console,
    stdout_console,
)
from heal.errors import EXIT_OK
from heal.history import History
from heal.state import state_dir

app = typer.Typer(add_completion=False)


def history(repo: Path | None, limit: int, output_format: str) -> int:
    folder = state_dir(repo_root(repo))
    if not (folder / "history.db").exists():
        stdout_console().print("no heal runs recorded here yet")
        return EXIT_OK
    runs_db = History(folder)
    if runs_db.warning:
        stderr_console().print(f"[yellow]warning:[/] {escape(runs_db.warning)}", soft_wrap=True)
    try:
        runs = runs_db.runs(limit)
    finally:
        runs_db.close()
    if output_format == "json":
        emit(json.dumps({"version": 1, "runs": [r.__dict__ for r in runs]}, indent=2), None)
        return EXIT_OK
    table = Table(show_edge=False)
    llm = any(r.llm_requests for r in runs)  # the LLM columns, once a run asked a model
    for column in ("run", "started", "mode", "status", "findings", "landed", "rejected",
                   "review", "test runs", "seconds", *(("llm requests", "llm tokens") if llm
                                                       else ())):
        table.add_column(column)
    for r in runs:
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started))
        table.add_row(r.id, started, r.mode, r.status, str(r.findings), str(r.landed),
                      str(r.rejected), str(r.review), str(r.test_runs),
                      f"{r.duration:.1f}" if r.duration is not None else "-",
                      *((str(r.llm_requests), str(r.llm_tokens)) if llm else ()))
    stdout_console().print(table)
    timed = [r for r in runs if r.phases]
    if timed:  # below the table, which has no room for them on a terminal's width
        stdout_console().print("\nseconds by phase:")
        for r in timed:
            stdout_console().print(f"  {r.id}  {by_phase(r.phases)}", soft_wrap=True)
    return EXIT_OK


def by_phase(phases: dict[str, float]) -> str:
    """`scan 4.2 · baseline 3.0 · tests 9.1`: the phases that show as 0.1 s or more."""
    shown = [f"{name} {seconds:.1f}" for name, seconds in phases.items() if seconds >= 0.05]
    return " · ".join(shown) or "-"


@app.command("history")
def history_command(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many runs to show (1 or more).",
                                       min=1)] = 20,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    repo: RepoOption = None,
) -> None:
    """List recent heal runs: when, what, and how they ended."""
    raise typer.Exit(guarded(False, lambda: history(repo, limit, output_format)))

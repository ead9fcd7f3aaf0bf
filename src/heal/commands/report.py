"""`heal report`: the healing report over a period (md, html or json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heal.commands._common import ViewRepoOption, emit, guarded, repo_root, stderr_console
from heal.config import load_config
from heal.errors import EXIT_OK, UsageError

app = typer.Typer(add_completion=False)


def report(repo: Path | None, output_format: str, since: str, output: Path | None) -> int:
    from heal.report import healing  # start-up time: the dashboard's queries, sqlite and all

    if output_format not in healing.FORMATS:
        raise UsageError(f"--format {output_format}: use one of {', '.join(healing.FORMATS)}")
    root = repo_root(repo)
    text = healing.report(root, output_format, since, config=load_config(root))
    emit(text.rstrip("\n"), output)
    if output is not None:
        stderr_console().print(f"wrote {output}")
    return EXIT_OK


@app.command("report")
def report_command(
    output_format: Annotated[str, typer.Option(
        "--format", "-f", help="md, html (one self-contained file) or json.")] = "md",
    since: Annotated[str, typer.Option(
        "--since", help="Start of the period: a span (7d, 24h, 30m, 2w) or a date "
        "(2025-11-20).")] = "7d",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report to this file instead of stdout.",
        dir_okay=False)] = None,
    repo: ViewRepoOption = None,
) -> None:
    """The healing report over a period: auto-resolved vs escalated, heals, insights.

    Totals, mean time per heal, successful heals, escalations with their reasons, learning
    insights (pattern confidence, retired patterns, rules that keep failing, the circuit
    breaker) and pattern evolution, from `.heal/history.db` and the pattern files."""
    raise typer.Exit(guarded(False, lambda: report(repo, output_format, since, output)))

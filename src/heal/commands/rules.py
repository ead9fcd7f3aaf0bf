"""`heal rules`: every rule heal knows, as a table or json."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from heal.commands._common import emit, heal_errors, stdout_console
from heal.errors import EXIT_OK, UsageError

app = typer.Typer(add_completion=False)


def list_rules(output_format: str, tool: str | None, category: str | None) -> int:
    from heal import rulebook  # start-up time: it loads the analyzers

    listed = [r for r in rulebook.all_rules()
              if (tool is None or r.tool == tool)
              and (category is None or r.category.value == category)]
    if output_format == "json":
        emit(json.dumps({"version": 1, "rules": [r.to_dict() for r in listed]}, indent=2), None)
        return EXIT_OK
    if output_format != "text":
        raise UsageError(f"--format {output_format}: use text or json")
    table = Table(show_edge=False)
    for column in ("rule", "name", "category", "priority", "fix", "summary"):
        table.add_column(column, overflow="fold")
    for r in listed:
        table.add_row(r.rule, r.name, r.category.value, r.priority.value, r.fix, escape(r.summary))
    console = stdout_console()
    console.print(table)
    console.print(f"{len(listed)} rules")
    return EXIT_OK


@app.command("rules")
def rules_command(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    tool: Annotated[str | None, typer.Option(help="Only rules of this tool: ruff, mypy, bandit, heal, "
                                                  "pytest (failing tests).")] = None,
    category: Annotated[str | None, typer.Option(help="Only rules of this category.")] = None,
) -> None:
    """List every rule heal knows: code, category, priority, tool, and how it can be fixed."""
    raise typer.Exit(heal_errors(lambda: list_rules(output_format, tool, category)))

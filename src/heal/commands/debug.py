"""`heal debug`: the merged configuration, and which analyzers and detectors are on."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from heal import __version__
from heal.commands._common import RepoOption, heal_errors, repo_root, stdout_console
from heal.config import describe, load_config
from heal.errors import EXIT_OK, HealError

app = typer.Typer(add_completion=False)


def debug(repo: Path | None) -> int:
    # start-up time: every analyzer and detector, and libcst with them
    from heal.analyzers import ANALYZERS
    from heal.analyzers.base import find_tool
    from heal.rules.registry import DETECTORS
    from heal.sandbox import git as gitops
    from heal.sandbox import trust

    root = repo_root(repo)
    config = load_config(root)
    console = stdout_console()
    console.print(f"heal {__version__} on Python {sys.version.split()[0]}")
    console.print(f"repository: {root}")
    python, why_not = trust.interpreter(gitops.open_repo(root), root, config)
    console.print(f"project interpreter: {escape(python)}"
                  + (f" ({escape(why_not)})" if why_not else ""))
    console.print("\n[bold]configuration[/] (key = value  \\[source])")
    for key, value, source in describe(config):
        console.print(f"  {key} = {escape(value)}  [dim]\\[{source}][/]")
    console.print("\n[bold]analyzers[/]")
    for name in ANALYZERS:
        state = "on" if name in config.analyzers else "off (not in `analyzers`)"
        where = ""
        if name != "native":
            try:
                where = f" -> {find_tool(name)}"
            except HealError as error:
                where = f" -> MISSING: {error.message}"
        console.print(f"  {name}: {state}{escape(where)}")
    console.print("\n[bold]native detectors[/]")
    for code, cls in DETECTORS.items():
        wanted = cls.CATEGORY in config.categories and "native" in config.analyzers
        console.print(f"  {code} {cls.NAME}: {'on' if wanted else 'off (category or analyzer off)'}")
    return EXIT_OK


@app.command("debug")
def debug_command(repo: RepoOption = None) -> None:
    """Print the merged configuration, and which analyzers and detectors are on."""
    raise typer.Exit(heal_errors(lambda: debug(repo)))

"""`heal demo`: heal on a copy of the bundled demo project."""

from __future__ import annotations

from typing import Annotated

import typer

from heal.commands._common import heal_errors, stdout_console

app = typer.Typer(add_completion=False)


def demo(keep: bool) -> int:
    from heal import demo as bundled  # start-up time: it loads the engine

    return bundled.run_demo(stdout_console(), keep=keep)


@app.command("demo")
def demo_command(
    keep: Annotated[bool, typer.Option(help="Keep the demo copy and print where it is.")] = False,
) -> None:
    """Copy the bundled demo project to a temp folder and run heal on it."""
    raise typer.Exit(heal_errors(lambda: demo(keep)))

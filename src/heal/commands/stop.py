"""`heal stop`: stop the heal running in this repository."""

from __future__ import annotations

from pathlib import Path

import typer

from heal.commands._common import RepoOption, guarded, repo_root, stdout_console
from heal.errors import EXIT_OK
from heal.lock import stop_running
from heal.state import state_dir

app = typer.Typer(add_completion=False)


def stop(repo: Path | None) -> int:
    holder = stop_running(state_dir(repo_root(repo)))
    stdout_console().print(f"stopped heal (pid {holder.get('pid')}: {holder.get('command')})")
    return EXIT_OK


@app.command("stop")
def stop_command(repo: RepoOption = None) -> None:
    """Stop the heal running in this repository: it rolls back its worktrees and exits 3."""
    raise typer.Exit(guarded(False, lambda: stop(repo)))

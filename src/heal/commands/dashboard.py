"""`heal dashboard`: the terminal dashboard over history and the review queue."""

from __future__ import annotations

from pathlib import Path

import typer

from heal.commands._common import ViewRepoOption, guarded, repo_root
from heal.config import load_config
from heal.errors import EXIT_OK, UsageError

app = typer.Typer(add_completion=False)


def dashboard(repo: Path | None) -> int:
    root = repo_root(repo)
    try:
        from heal.dashboard.app import DashboardApp  # start-up time: textual, for this only
    except ImportError as error:  # pragma: no cover - textual is a dependency
        raise UsageError(f"the dashboard needs textual ({error}); pip install textual") \
            from None
    DashboardApp(root, config=load_config(root)).run()
    return EXIT_OK


@app.command("dashboard")
def dashboard_command(repo: ViewRepoOption = None) -> None:
    """A terminal dashboard over history and the review queue (live while a heal runs).

    Keys: enter opens the highlighted category's heals (and a heal's diff and test evidence),
    h all heals, r the review queue (a approves, x rejects with a reason), p patterns,
    escape goes back, q quits. It never runs heal; approving lands the fix as
    `heal review approve` does."""
    raise typer.Exit(guarded(False, lambda: dashboard(repo)))

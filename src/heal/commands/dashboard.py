"""`heal dashboard`: the terminal dashboard over history and the review queue, or with `--web`
the same in a browser (the `heal[web]` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heal.commands._common import ViewRepoOption, guarded, repo_root
from heal.config import load_config
from heal.errors import EXIT_OK, UsageError

app = typer.Typer(add_completion=False)
WEB_PACKAGES = ("starlette", "uvicorn", "anyio")


def dashboard(repo: Path | None) -> int:
    root = repo_root(repo)
    try:
        from heal.dashboard.app import DashboardApp  # start-up time: textual, for this only
    except ImportError as error:  # pragma: no cover - textual is a dependency
        raise UsageError(f"the dashboard needs textual ({error}); pip install textual") \
            from None
    DashboardApp(root, config=load_config(root)).run()
    return EXIT_OK


def web_dashboard(repo: Path | None, host: str, port: int, read_only: bool) -> int:
    root = repo_root(repo)
    try:
        from heal.web.serve import serve  # optional dependency: the `heal[web]` extra
    except ImportError as error:
        if (error.name or "").partition(".")[0] not in WEB_PACKAGES:
            raise
        raise UsageError("the web dashboard needs heal's web extra: pip install 'heal[web]'") \
            from None
    return serve(root, host=host, port=port, read_only=read_only)


@app.command("dashboard")
def dashboard_command(
    repo: ViewRepoOption = None,
    web: Annotated[bool, typer.Option(
        "--web", help="Serve the dashboard to a browser at http://HOST:PORT/healing instead "
        "(needs `pip install 'heal[web]'`).")] = False,
    host: Annotated[str, typer.Option(
        help="With --web: the address to listen on (another than 127.0.0.1 lets other "
        "machines read heal's history).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --web: the port (0: any free one).")] = 8080,
    read_only: Annotated[bool, typer.Option(
        "--read-only", help="With --web: no approve or reject buttons; decisions are "
        "refused.")] = False,
) -> None:
    """A terminal dashboard over history and the review queue (live while a heal runs).

    Keys: enter opens the highlighted category's heals (and a heal's diff and test evidence),
    h all heals, r the review queue (a approves, x rejects with a reason), p patterns,
    escape goes back, q quits. It never runs heal; approving lands the fix as
    `heal review approve` does. With --web the same pages, live, in a browser."""
    if web:
        raise typer.Exit(guarded(False, lambda: web_dashboard(repo, host, port, read_only)))
    if (host, port, read_only) != ("127.0.0.1", 8080, False):
        raise typer.Exit(guarded(False, lambda: _needs_web()))
    raise typer.Exit(guarded(False, lambda: dashboard(repo)))


def _needs_web() -> int:
    raise UsageError("--host, --port and --read-only go with --web: heal dashboard --web ...")

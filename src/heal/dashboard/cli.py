"""Typer commands `heal dashboard` and `heal report`, and `heal rule CODE --enable`.

Registered on heal's app at the end of `heal/cli.py`; heal.cli is imported inside the
functions (it imports this module), as the pattern commands do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heal.errors import EXIT_OK, UsageError

RepoOption = Annotated[Path | None, typer.Option(
    "--repo", file_okay=False, help="The repository (default: the one around the current folder).")]


def _root(repo: Path | None) -> Path:
    from heal.sandbox import git as gitops

    return gitops.root_of(gitops.open_repo((repo or Path.cwd()).resolve()))


def dashboard_command(repo: RepoOption = None) -> None:
    """A terminal dashboard over history and the review queue (live while a heal runs).

    Keys: enter opens the highlighted category's heals (and a heal's diff and test evidence),
    h all heals, r the review queue (a approves, x rejects with a reason), p patterns,
    escape goes back, q quits. It never runs heal; approving lands the fix as
    `heal review approve` does."""
    from heal import cli as main_cli

    def body() -> int:
        from heal.config import load_config

        root = _root(repo)
        try:
            from heal.dashboard.app import DashboardApp
        except ImportError as error:  # pragma: no cover - textual is a dependency
            raise UsageError(f"the dashboard needs textual ({error}); pip install textual") \
                from None
        DashboardApp(root, config=load_config(root)).run()
        return EXIT_OK

    raise typer.Exit(main_cli.guarded(False, body))


def report_command(
    output_format: Annotated[str, typer.Option(
        "--format", "-f", help="md, html (one self-contained file) or json.")] = "md",
    since: Annotated[str, typer.Option(
        "--since", help="Start of the period: a span (7d, 24h, 30m, 2w) or a date "
        "(2025-11-20).")] = "7d",
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report to this file instead of stdout.",
        dir_okay=False)] = None,
    repo: RepoOption = None,
) -> None:
    """The healing report over a period: auto-resolved vs escalated, heals, insights.

    Totals, mean time per heal, successful heals, escalations with their reasons, learning
    insights (pattern confidence, retired patterns, rules that keep failing, the circuit
    breaker) and pattern evolution, from `.heal/history.db` and the pattern files."""
    from heal import cli as main_cli

    def body() -> int:
        from heal.config import load_config
        from heal.report import healing

        if output_format not in healing.FORMATS:
            raise UsageError(f"--format {output_format}: use one of {', '.join(healing.FORMATS)}")
        root = _root(repo)
        text = healing.report(root, output_format, since, config=load_config(root))
        main_cli.emit(text.rstrip("\n"), output)
        if output is not None:
            main_cli.stderr_console().print(f"wrote {output}")
        return EXIT_OK

    raise typer.Exit(main_cli.guarded(False, body))


def enable_rule(code: str, repo: Path | None = None) -> int:
    """`heal rule CODE --enable`: re-enable the fixers (or pattern) the circuit breaker turned
    off for CODE (a rule, a fixer code or name, or a pattern id)."""
    from heal import breaker
    from heal import cli as main_cli
    from heal.config import load_config
    from heal.history import History
    from heal.state import ensure_state_dir

    root = _root(repo)
    config = load_config(root)
    history = History(ensure_state_dir(root))
    try:
        tripped = breaker.tripped(history, config, root=root)
        keys = breaker.keys_for(code, tripped)
        chosen = [key for key in keys if key in tripped]
        console = main_cli.stdout_console()
        if not keys:
            raise UsageError(f"`{code}` names no rule, fixer or pattern heal knows; "
                             "`heal rules` lists them")
        if not chosen:
            console.print(f"nothing to re-enable: {', '.join(keys)} "
                          f"{'is' if len(keys) == 1 else 'are'} not switched off by the "
                          "circuit breaker", soft_wrap=True)
            return EXIT_OK
        for key in chosen:
            breaker.enable(history, key, by=f"heal rule {code} --enable")
            console.print(f"re-enabled {key} (was: {tripped[key]})", soft_wrap=True,
                          markup=False)
    finally:
        history.close()
    return EXIT_OK

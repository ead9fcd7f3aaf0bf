"""heal's command line: one module per command, each a typer `app` over a function that takes
the parsed arguments and returns an exit code (or raises heal's typed errors).

`heal [PATHS]` (with --scan / --dry-run or not) is `heal run [PATHS]`. A command's module is
imported only when that command runs: `heal --scan` loads `run` alone, never textual or the
fixers; `heal --help` loads every module to list them, which is why their heavy imports
(the engine, libcst, textual) wait inside the command that needs them. No logic lives here.
Every expected error is one line on stderr and exit 2; `--debug` shows the traceback of an
unexpected one.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from heal import __version__
from heal.errors import EXIT_OK, EXIT_STOPPED

DEFAULT_COMMAND = "run"
# every command, in the order `heal --help` lists them; the module heal.commands.NAME has `app`
COMMANDS = ("run", "history", "stop", "ci", "init", "rule", "rules", "debug", "demo",
            "dashboard", "report", "learn", "review", "patterns", "mcp")


class HealGroup(TyperGroup):
    """`heal ARGS` is `heal run ARGS` unless ARGS starts with a command name or --help; a
    command's module is imported when the command is looked up."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in COMMANDS and args[0] not in ("--help", "-h",
                                                                     "--version")):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(_load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)


def _load(name: str) -> Any:
    """The click command of heal.commands.NAME."""
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except KeyboardInterrupt:  # Ctrl-C while the command loads: one line and exit 3
        sys.stderr.write("heal: stopped\n")
        raise typer.Exit(EXIT_STOPPED) from None
    command_app: typer.Typer = module.app
    return _plain_help(typer.main.get_command(command_app))


def _plain_help(command: Any) -> Any:
    """Help texts are plain text: typer reads them as rich markup, where `[tool.heal]` and
    `[default: P1]` are tags and vanish; escaped, they print as written."""
    from rich.markup import escape

    for holder in (command, *command.params):
        for name in ("help", "short_help"):
            text = getattr(holder, name, None)
            if isinstance(text, str):
                setattr(holder, name, escape(text))
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)
    return command


app = typer.Typer(
    cls=HealGroup,
    name="heal",
    help=(
        "Find problems with ruff, mypy, bandit and heal's own detectors; fix them in a git "
        "worktree; land only what the project's tests prove.\n\n"
        "heal [PATHS]... --scan      report findings\n\n"
        "heal [PATHS]...             heal: fix, verify with the tests, land (see `heal run --help`)"
    ),
    no_args_is_help=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"heal {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_callback(
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True,
                                                 help="Print heal's version and exit.")] = None,
) -> None:
    """heal: a Python codebase that keeps itself healthy."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run heal with ARGV (default: sys.argv[1:]) and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, obj=tuple(args))  # obj: the command line as typed, for run's history
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or EXIT_OK
        raise
    return EXIT_OK

"""heal's command line: typer options in, a request to the pipeline out, a report printed.

No logic lives here. `heal [PATHS]` (with --scan / --dry-run or not) is the default command;
the named commands (`heal demo`, `heal rule`, ...) sit beside it. Every expected error is one
line on stderr and exit 2; `--debug` shows the traceback of an unexpected one.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from heal import __version__
from heal.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, HealError, UsageError
from heal.model import Category, Priority

DEFAULT_COMMAND = "run"
FORMATS = ("text", "json", "sarif", "github")


class HealGroup(TyperGroup):
    """`heal ARGS` is `heal run ARGS` unless ARGS starts with a command name or --help."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                         "--version")):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


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


def stdout_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160  # a pipe or a CI log: no terminal to fit, keep rows on one line
    return console


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def fail(error: HealError) -> None:
    stderr_console().print(f"[bold red]heal: error:[/] {escape(error.message)}", soft_wrap=True)
    raise typer.Exit(error.exit_code)


def _split(values: list[str] | None) -> tuple[str, ...] | None:
    """Repeatable, comma-separated options: `--select F401,E --select B`."""
    if not values:
        return None
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def _categories(values: list[str] | None) -> tuple[Category, ...] | None:
    names = _split(values)
    if names is None:
        return None
    known = [c.value for c in Category]
    for name in names:
        if name not in known:
            raise UsageError(f"--category {name}: unknown category; use one of {', '.join(known)}")
    return tuple(Category(n) for n in names)


def _priority(value: str | None) -> Priority | None:
    if value is None:
        return None
    try:
        return Priority(value.upper())
    except ValueError:
        raise UsageError(f"--fail-on {value}: use one of P0, P1, P2, P3") from None


def _format(value: str | None) -> str | None:
    if value is not None and value not in FORMATS:
        raise UsageError(f"--format {value}: use one of {', '.join(FORMATS)}")
    return value


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


@app.command(DEFAULT_COMMAND)
def run(
    paths: Annotated[list[str] | None, typer.Argument(
        help="Files or folders to look at (default: the whole repository).")] = None,
    scan: Annotated[bool, typer.Option("--scan", help="Report findings; change nothing.")] = False,
    repo: Annotated[Path | None, typer.Option(
        "--repo", help="The repository to work on (default: the one around the current folder).",
        file_okay=False)] = None,
    category: Annotated[list[str] | None, typer.Option(
        "--category", "-c", help="Only these categories: type, import, style, security, "
        "performance, logic (repeat or comma-separate).")] = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", help="Only these rule codes or prefixes (F401, ruff:E, mypy:, bandit:B5).")
    ] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", help="Leave out these rule codes or prefixes.")] = None,
    changed: Annotated[bool, typer.Option(
        "--changed", help="Only files changed against HEAD, untracked ones included.")] = False,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only files changed since this revision (branch, tag or SHA).")] = None,
    fail_on: Annotated[str | None, typer.Option(
        "--fail-on", help="Exit 1 when findings at or above this priority remain: P0..P3 "
        "[default: P1].")] = None,
    output_format: Annotated[str | None, typer.Option(
        "--format", "-f", help="text, json, sarif or github [default: text].")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report to this file instead of stdout.",
        dir_okay=False)] = None,
    skip_missing: Annotated[bool, typer.Option(
        "--skip-missing", help="Run without analyzers that are not installed, with a warning.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
) -> None:
    """Scan (--scan) or heal the repository; see `heal --help`."""
    from heal import pipeline
    from heal.report import github as github_report
    from heal.report import json as json_report
    from heal.report import sarif as sarif_report
    from heal.report import text as text_report

    try:
        overrides: dict[str, object] = {
            "categories": _categories(category), "select": _split(select),
            "ignore": _split(ignore), "fail_on": _priority(fail_on),
            "output_format": _format(output_format),
        }
        if since and changed:
            raise UsageError("--changed and --since cannot be combined; pick one")
        if not scan:
            raise UsageError("healing lands with the healing engine; use --scan for now")
        request = pipeline.ScanRequest(
            repo=(repo or Path.cwd()).resolve(), paths=tuple(paths or ()), changed=changed,
            since=since, overrides={k: v for k, v in overrides.items() if v is not None},
        )
        fmt = str(request.overrides.get("output_format") or "")
        with progress_display(enabled=fmt in ("", "text") and output is None) as progress:
            result = pipeline.scan(request, progress=progress, skip_missing=skip_missing)
        fmt = result.config.output_format
        if fmt == "text" and output is None:
            text_report.render_scan(result, stdout_console())
        else:
            rendered = {
                "json": json_report.render_scan, "sarif": sarif_report.render_scan,
                "github": github_report.render_scan,
            }.get(fmt)
            if rendered is None:
                console = Console(record=True, file=io.StringIO(), width=120)
                text_report.render_scan(result, console)
                body = console.export_text()
            else:
                body = rendered(result)
            emit(body, output)
    except HealError as error:
        fail(error)
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as error:  # an internal error: one line unless --debug
        if debug:
            traceback.print_exc()
        stderr_console().print(
            f"[bold red]heal: internal error:[/] {escape(type(error).__name__)}: {escape(str(error))}"
            " (rerun with --debug for the traceback, and please report it)", soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(EXIT_FINDINGS if result.failing() else EXIT_OK)


def emit(body: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(body + ("\n" if body and not body.endswith("\n") else ""))
    else:
        output.write_text(body + "\n", encoding="utf-8")


class progress_display:  # noqa: N801 - used as a context manager, reads like a function
    """Live analyzer progress on stderr while a scan runs; silent when stderr is no terminal."""

    def __init__(self, enabled: bool) -> None:
        self.console = stderr_console()
        self.enabled = enabled and self.console.is_terminal
        self.running: dict[str, str] = {}
        self.status: Any = None

    def __enter__(self) -> Any:
        if self.enabled:
            self.status = self.console.status("discovering files...")
            self.status.__enter__()
        return self.update

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(*exc)

    def update(self, event: str, name: str, detail: str) -> None:
        if not self.enabled or self.status is None:
            return
        if event == "start":
            self.running[name] = "running"
        elif event == "done":
            self.running.pop(name, None)
            self.console.print(f"[dim]  {name}: {detail}[/]")
        if self.running:
            self.status.update(f"analyzing: {', '.join(sorted(self.running))}")


@app.command("rule")
def rule_command(code: Annotated[str, typer.Argument(help="A rule code: PERF101, F401, B506...")]
                 ) -> None:
    """Explain one rule: what it finds, why it matters, and how heal can fix it."""
    from heal import rules
    from heal.detectors import DETECTORS
    from heal.ruledoc import docstring

    try:
        info = rules.lookup(code)
    except HealError as error:
        fail(error)
    console = stdout_console()
    console.print(f"[bold]{info.rule}[/] ({info.name}): {escape(info.summary)}")
    console.print(f"category {info.category.value}, priority {info.priority.value}, "
                  f"tool {info.tool}, fix: {info.fix}")
    detector = DETECTORS.get(info.code) if info.tool == "heal" else None
    if detector is not None:
        console.print()
        console.print(docstring(detector), markup=False)
    else:
        console.print(f"documentation: {info.url}")


@app.command("rules")
def rules_command(
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    tool: Annotated[str | None, typer.Option(help="Only rules of this tool: ruff, mypy, bandit, "
                                                  "heal.")] = None,
    category: Annotated[str | None, typer.Option(help="Only rules of this category.")] = None,
) -> None:
    """List every rule heal knows: code, category, priority, tool, and how it can be fixed."""
    from heal import rules

    listed = [r for r in rules.all_rules()
              if (tool is None or r.tool == tool)
              and (category is None or r.category.value == category)]
    if output_format == "json":
        emit(json.dumps({"version": 1, "rules": [r.to_dict() for r in listed]}, indent=2), None)
        return
    if output_format != "text":
        fail(UsageError(f"--format {output_format}: use text or json"))
    from rich.table import Table

    table = Table(show_edge=False)
    for column in ("rule", "name", "category", "priority", "fix", "summary"):
        table.add_column(column, overflow="fold")
    for r in listed:
        table.add_row(r.rule, r.name, r.category.value, r.priority.value, r.fix, escape(r.summary))
    console = stdout_console()
    console.print(table)
    console.print(f"{len(listed)} rules")


@app.command("debug")
def debug_command(
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """Print the merged configuration, and which analyzers and detectors are on."""
    from heal.analyzers import ANALYZERS
    from heal.analyzers.base import find_tool
    from heal.config import describe, load_config, project_python
    from heal.detectors import DETECTORS
    from heal.sandbox import git as gitops

    try:
        root = gitops.root_of(gitops.open_repo((repo or Path.cwd()).resolve()))
        config = load_config(root)
    except HealError as error:
        fail(error)
    console = stdout_console()
    console.print(f"heal {__version__} on Python {sys.version.split()[0]}")
    console.print(f"repository: {root}")
    console.print(f"project interpreter: {project_python(root, config)}")
    console.print("\n[bold]configuration[/] (key = value  [source])")
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


@app.command("demo")
def demo_command(
    keep: Annotated[bool, typer.Option(help="Keep the demo copy and print where it is.")] = False,
) -> None:
    """Copy the bundled demo project to a temp folder and run heal on it."""
    from heal import demo

    try:
        code = demo.run_demo(stdout_console(), keep=keep)
    except HealError as error:
        fail(error)
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

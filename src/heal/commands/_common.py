"""What the commands share: the consoles, one-line errors, report output, live progress, `--repo`
and the repeatable comma-separated options.

Not a command itself (hence the underscore): every other module here is one `heal` command.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from heal.errors import EXIT_ERROR, EXIT_STOPPED, HealError, NotARepoError, UsageError
from heal.model import Priority
from heal.sandbox import proc

RepoOption = Annotated[Path | None, typer.Option(
    "--repo", file_okay=False, help="The repository (default: the one around the current folder).")]
# --repo as `heal dashboard` and `heal report`, and as the pattern commands, have described it
ViewRepoOption = Annotated[Path | None, typer.Option(
    "--repo", file_okay=False, help="The repository (default: the one around the current folder).")]
PatternRepoOption = Annotated[Path | None, typer.Option(
    "--repo", file_okay=False, help="The repository (default: around the current folder).")]

# --trust, as `heal` and `heal ci` take it (sandbox/trust.py)
TrustOption = Annotated[bool, typer.Option(
    "--trust", help="Run the project's interpreter even when git tracks it in this repository "
    "(a committed .venv/bin/python, a tracked `python` in [tool.heal]).")]


def stdout_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 160  # a pipe or a CI log: no terminal to fit, keep rows on one line
    return console


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def fail(error: HealError) -> NoReturn:
    stderr_console().print(f"[bold red]heal: error:[/] {escape(error.message)}", soft_wrap=True)
    raise typer.Exit(error.exit_code)


def guarded(debug: bool, action: Callable[[], int]) -> int:
    """Run a command's body: expected errors are one line, others one line unless --debug."""
    try:
        return action()
    except HealError as error:
        fail(error)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        proc.quiet_finalizers()
        stderr_console().print("[bold red]heal: stopped[/]", soft_wrap=True)
        return EXIT_STOPPED
    except OSError as error:
        if error.errno not in DISK_ERRNOS:  # not the disk: an internal error after all
            return _internal_error(debug, error)
        where = f" {error.filename}" if error.filename else ""
        fail(HealError(f"cannot write{where} ({error.strerror}); free some disk space or lift "
                       "the file size limit, then rerun heal"))
    except Exception as error:  # an internal error: one line unless --debug
        return _internal_error(debug, error)


def heal_errors(action: Callable[[], int]) -> int:
    """Run a command's body with only heal's own errors as one line: the reference commands
    (rule, rules, debug, demo) leave anything else to Python, traceback and all."""
    try:
        return action()
    except HealError as error:
        fail(error)


# a full disk, a quota, a file size limit (RLIMIT_FSIZE) or a read-only file system: the
# environment, not heal, so one line that says so instead of an internal error
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def _internal_error(debug: bool, error: Exception) -> int:
    if debug:
        traceback.print_exception(error)
    stderr_console().print(
        f"[bold red]heal: internal error:[/] {escape(type(error).__name__)}: {escape(str(error))}"
        " (rerun with --debug for the traceback, and please report it)", soft_wrap=True)
    return EXIT_ERROR


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
        if self.status is not None:  # may be called early (a report before the end): once
            self.status.__exit__(*exc)
            self.status = None

    def update(self, event: str, name: str, detail: str) -> None:
        if not self.enabled or self.status is None:
            return
        if event == "start":
            self.running[name] = "running"
        elif event == "done":
            self.running.pop(name, None)
            self.console.print(f"[dim]  {name}: {detail}[/]")
        elif event in ("tests", "plan"):
            self.console.print(f"[dim]  {name}: {escape(detail)}[/]")
            self.status.update(f"{event}: {name}")
            return
        if self.running:
            self.status.update(f"analyzing: {', '.join(sorted(self.running))}")


def repo_root(repo: Path | None) -> Path:
    """The root of the git repository at --repo, or around the current folder."""
    from heal.sandbox import git as gitops  # start-up time: gitpython, not needed by --help

    return gitops.root_of(gitops.open_repo((repo or Path.cwd()).resolve()))


def repo_root_if_any(repo: Path | None) -> Path | None:
    """As repo_root, but None outside a git repository (for the built-in pattern library)."""
    try:
        return repo_root(repo)
    except NotARepoError:
        return None


def split(values: list[str] | None) -> tuple[str, ...] | None:
    """Repeatable, comma-separated options: `--select F401,E --select B`."""
    if not values:
        return None
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def fail_on_priority(value: str | None) -> Priority | None:
    if value is None:
        return None
    try:
        return Priority(value.upper())
    except ValueError:
        raise UsageError(f"--fail-on {value}: use one of P0, P1, P2, P3") from None

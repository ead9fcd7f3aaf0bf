"""heal's command line: typer options in, a request to the pipeline out, a report printed.

No logic lives here. `heal [PATHS]` (with --scan / --dry-run or not) is the default command;
the named commands (`heal demo`, `heal rule`, ...) sit beside it. Every expected error is one
line on stderr and exit 2; `--debug` shows the traceback of an unexpected one.
"""

from __future__ import annotations

import errno
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from heal import __version__, proc
from heal.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EXIT_STOPPED, HealError, UsageError
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


def _verify_mode(value: str | None) -> str | None:
    if value is not None and value not in ("affected", "full", "imports"):
        raise UsageError(f"--verify {value}: use affected, full or imports")
    return value


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
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Fix and verify in a worktree, print the diff; write nothing.")] = False,
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
        "--format", "-f", help="text, json, sarif or github [default: text]; healing prints "
        "text or json.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the report to this file instead of stdout.",
        dir_okay=False)] = None,
    unsafe_fixes: Annotated[bool, typer.Option(
        "--unsafe-fixes", help="Also try fixes marked unsafe (still verified by the tests).")
    ] = False,
    no_verify: Annotated[bool, typer.Option(
        "--no-verify", help="Skip the tests: land only safe fixes, labelled unverified.")] = False,
    commit: Annotated[bool, typer.Option(
        "--commit", help="Commit the fixed files on the current branch.")] = False,
    branch: Annotated[str | None, typer.Option(
        "--branch", help="Commit the fixes on a new branch; leave the working tree alone.")
    ] = None,
    approve_all_verified: Annotated[bool, typer.Option(
        "--approve-all-verified", help="Land fixes that need review too, once verified (for "
        "batch use in CI; never the default).")] = False,
    test_cmd: Annotated[str | None, typer.Option(
        "--test-cmd", help="Test command [default: python -m pytest -q -x -p no:cacheprovider]; "
        "`python` means the project's interpreter.")] = None,
    timeout: Annotated[float | None, typer.Option(
        "--timeout", help="Seconds one test run may take before it counts as failed "
        "[default: 600].")] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", help="Parallel worktrees for verification, 1-5 [default: CPU count].",
        min=1, max=5)] = None,
    verify: Annotated[str | None, typer.Option(
        "--verify", help="affected: batches run only the tests that cover the changed lines "
        "(the full suite still runs once before landing); full: every run is the whole suite; "
        "imports: only the tests that import the changed modules (the pre-commit profile) "
        "[default: affected].")] = None,
    skip_missing: Annotated[bool, typer.Option(
        "--skip-missing", help="Run without analyzers that are not installed, with a warning.")
    ] = False,
    hook: Annotated[bool, typer.Option(
        "--hook", help="The pre-commit profile: safe fixes only, verified by the tests that "
        "import the changed modules, one job; exit 1 when files were changed.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
) -> None:
    """Scan (--scan), preview (--dry-run) or heal the repository; see `heal --help`."""
    from heal import pipeline

    def build() -> pipeline.ScanRequest:
        overrides: dict[str, object] = {
            "categories": _categories(category), "select": _split(select),
            "ignore": _split(ignore), "fail_on": _priority(fail_on),
            "output_format": _format(output_format), "test_command": test_cmd,
            "test_timeout": timeout, "jobs": jobs, "unsafe_fixes": unsafe_fixes or None,
            "verify_mode": _verify_mode(verify),
        }
        if hook:  # pre-commit runs hooks in parallel itself and wants a quick answer
            overrides.update(jobs=1, unsafe_fixes=False,
                             verify_mode=overrides["verify_mode"] or "imports")
        elif os.environ.get("PRE_COMMIT") and jobs is None:
            overrides["jobs"] = 1
        if since and changed:
            raise UsageError("--changed and --since cannot be combined; pick one")
        if scan and (dry_run or commit or branch):
            raise UsageError("--scan changes nothing; drop --dry-run/--commit/--branch or --scan")
        return pipeline.ScanRequest(
            repo=(repo or Path.cwd()).resolve(), paths=tuple(paths or ()), changed=changed,
            since=since, overrides={k: v for k, v in overrides.items() if v is not None},
        )

    code = guarded(debug, lambda: _scan(build(), output, skip_missing) if scan else
                   _heal(pipeline.HealRequest(scan=build(), dry_run=dry_run, no_verify=no_verify,
                                              commit=commit, branch=branch,
                                              approve_all=approve_all_verified,
                                              command=" ".join(["heal", *sys.argv[1:]])),
                         output, skip_missing, hook))
    raise typer.Exit(code)


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
    return EXIT_ERROR


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


def _scan(request: Any, output: Path | None, skip_missing: bool) -> int:
    from heal import pipeline
    from heal.report import github as github_report
    from heal.report import json as json_report
    from heal.report import sarif as sarif_report
    from heal.report import text as text_report

    fmt = str(request.overrides.get("output_format") or "")
    with progress_display(enabled=fmt in ("", "text") and output is None) as progress:
        result = pipeline.scan(request, progress=progress, skip_missing=skip_missing)
    fmt = result.config.output_format
    if fmt == "text":
        if output is None:
            text_report.render_scan(result, stdout_console())
        else:
            console = Console(record=True, file=io.StringIO(), width=160)
            text_report.render_scan(result, console)
            emit(console.export_text(), output)
    else:
        renderers = {"json": json_report.render_scan, "sarif": sarif_report.render_scan,
                     "github": github_report.render_scan}
        emit(renderers[fmt](result), output)
    return EXIT_FINDINGS if result.failing() else EXIT_OK


def _heal(request: Any, output: Path | None, skip_missing: bool, hook: bool = False) -> int:
    from heal import pipeline
    from heal.report import json as json_report
    from heal.report import text as text_report

    fmt = str(request.scan.overrides.get("output_format") or "text")
    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt}: healing reports as text or json (use --scan for {fmt})")
    with progress_display(enabled=fmt == "text" and output is None) as progress:
        result = pipeline.heal(request, progress=progress, skip_missing=skip_missing)
    if fmt == "json":
        emit(json_report.render_heal(result), output)
    elif output is None:
        text_report.render_heal(result, stdout_console())
    else:
        console = Console(record=True, file=io.StringIO(), width=160)
        text_report.render_heal(result, console)
        emit(console.export_text(), output)
    if hook and result.landed:
        return EXIT_FINDINGS  # pre-commit: files changed, re-add them and commit again
    return EXIT_FINDINGS if result.failing() else EXIT_OK


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
        elif event in ("tests", "plan"):
            self.console.print(f"[dim]  {name}: {escape(detail)}[/]")
            self.status.update(f"{event}: {name}")
            return
        if self.running:
            self.status.update(f"analyzing: {', '.join(sorted(self.running))}")


def _root(repo: Path | None) -> Path:
    from heal.sandbox import git as gitops

    return gitops.root_of(gitops.open_repo((repo or Path.cwd()).resolve()))


@app.command("history")
def history_command(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many runs to show.")] = 20,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """List recent heal runs: when, what, and how they ended."""
    from heal.history import History
    from heal.state import state_dir

    def body() -> int:
        folder = state_dir(_root(repo))
        if not (folder / "history.db").exists():
            stdout_console().print("no heal runs recorded here yet")
            return EXIT_OK
        history = History(folder)
        if history.warning:
            stderr_console().print(f"[yellow]warning:[/] {escape(history.warning)}", soft_wrap=True)
        try:
            runs = history.runs(limit)
        finally:
            history.close()
        if output_format == "json":
            emit(json.dumps({"version": 1, "runs": [r.__dict__ for r in runs]}, indent=2), None)
            return EXIT_OK
        from rich.table import Table

        table = Table(show_edge=False)
        for column in ("run", "started", "mode", "status", "findings", "landed", "rejected",
                       "review", "test runs", "seconds"):
            table.add_column(column)
        for r in runs:
            started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(r.started))
            table.add_row(r.id, started, r.mode, r.status, str(r.findings), str(r.landed),
                          str(r.rejected), str(r.review), str(r.test_runs),
                          f"{r.duration:.1f}" if r.duration is not None else "-")
        stdout_console().print(table)
        return EXIT_OK

    raise typer.Exit(guarded(False, body))


@app.command("stop")
def stop_command(
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """Stop the heal running in this repository: it rolls back its worktrees and exits 3."""
    from heal.lock import stop_running
    from heal.state import state_dir

    def body() -> int:
        holder = stop_running(state_dir(_root(repo)))
        stdout_console().print(f"stopped heal (pid {holder.get('pid')}: {holder.get('command')})")
        return EXIT_OK

    raise typer.Exit(guarded(False, body))


review_app = typer.Typer(help="The queue of verified fixes that need a human: list, show, "
                                "approve, reject.", no_args_is_help=False)
app.add_typer(review_app, name="review")


def _with_history(repo: Path | None) -> Any:
    from heal.history import History
    from heal.state import ensure_state_dir

    return History(ensure_state_dir(_root(repo)))


@review_app.callback(invoke_without_command=True)
def review_list(
    ctx: typer.Context,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    show_all: Annotated[bool, typer.Option("--all", help="Decided items too.")] = False,
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """List the fixes waiting for review (priority, rule, file:line, why a human must look)."""
    if ctx.invoked_subcommand is not None:
        return
    from heal import review

    def body() -> int:
        history = _with_history(repo)
        try:
            listed = review.items(history, status=None if show_all else review.PENDING)
        finally:
            history.close()
        if output_format == "json":
            emit(json.dumps({"version": 1, "items": [
                {"id": i.id, "status": i.status, "priority": i.fix.priority.value,
                 "rule": i.fix.rule, "path": i.fix.path, "line": i.fix.line,
                 "source": i.fix.source, "rationale": i.rationale, "diff": i.diff,
                 "evidence": i.evidence, "covering_tests": list(i.covering_tests),
                 "reason": i.reason} for i in listed]}, indent=2), None)
            return EXIT_OK
        console = stdout_console()
        if not listed:
            console.print("the review queue is empty")
            return EXIT_OK
        from rich.table import Table

        table = Table(show_edge=False)
        for column in ("id", "status", "priority", "rule", "location", "why a human must look"):
            table.add_column(column, overflow="fold")
        for i in listed:
            table.add_row(i.id, i.status, i.fix.priority.value, i.fix.rule,
                          escape(f"{i.fix.path}:{i.fix.line}"), escape(i.rationale))
        console.print(table)
        console.print("`heal review show ID` for the diff; `heal review approve ID` to land it")
        return EXIT_OK

    raise typer.Exit(guarded(False, body))


@review_app.command("show")
def review_show(
    item_id: Annotated[str, typer.Argument(help="The item's id (a unique prefix will do).")],
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """Print an item's rationale, diff and verification result."""
    from heal import review
    from heal.report.text import print_diff

    def body() -> int:
        history = _with_history(repo)
        try:
            item = review.find(history, item_id)
        finally:
            history.close()
        console = stdout_console()
        console.print(f"[bold]{item.id}[/] {item.fix.rule} at {escape(item.fix.path)}:"
                      f"{item.fix.line} ({item.status}), proposed by {item.fix.source}")
        console.print(f"why a human must look: {escape(item.rationale)}")
        console.print(f"what it does: {escape(item.fix.description)}")
        console.print(f"verification: {escape(item.verification)}")
        if item.evidence:
            console.print(f"evidence: {item.evidence}"
                          + (f" ({', '.join(item.covering_tests[:5])})" if item.covering_tests
                             else ""))
        if item.reason:
            console.print(f"decision: {escape(item.reason)}")
        console.print()
        print_diff(item.diff, console)
        return EXIT_OK

    raise typer.Exit(guarded(False, body))


@review_app.command("approve")
def review_approve(
    item_ids: Annotated[list[str] | None, typer.Argument(help="Items to land.")] = None,
    approve_all: Annotated[bool, typer.Option("--all", help="Every pending item.")] = False,
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """Land reviewed fixes (verified again first if the tree moved since)."""
    from heal import pipeline

    def body() -> int:
        if not item_ids and not approve_all:
            raise UsageError("name the items to approve, or pass --all")
        with progress_display(enabled=True) as progress:
            outcome = pipeline.approve((repo or Path.cwd()).resolve(), item_ids or [], progress,
                                       everything=approve_all)
        console = stdout_console()
        for message in outcome.messages:
            console.print(f"[yellow]note:[/] {escape(message)}")
        for item_id, why in outcome.stale:
            console.print(f"[yellow]not landed[/] {item_id}: {escape(why)}")
        console.print(f"approved and landed {len(outcome.approved)} fixes in "
                      f"{len(outcome.landed)} files")
        return EXIT_OK if not outcome.stale else EXIT_FINDINGS

    raise typer.Exit(guarded(False, body))


@review_app.command("reject")
def review_reject(
    item_ids: Annotated[list[str], typer.Argument(help="Items to reject.")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (recorded; required).")] = "",
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """Reject fixes: they are not proposed again, and their source loses confidence."""
    from heal import pipeline

    def body() -> int:
        rejected = pipeline.reject((repo or Path.cwd()).resolve(), item_ids, reason)
        stdout_console().print(f"rejected {len(rejected)} fixes: {escape(reason)}")
        return EXIT_OK

    raise typer.Exit(guarded(False, body))


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
        raise UsageError(f"--shard {value}: use I/N with 1 <= I <= N, e.g. 2/4")
    return int(index), int(count)


@app.command("ci")
def ci_command(
    paths: Annotated[list[str] | None, typer.Argument(help="Files or folders (default: all).")
    ] = None,
    sarif: Annotated[Path, typer.Option("--sarif", help="Where to write the SARIF report.",
                                        dir_okay=False)] = Path("heal.sarif"),
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="P0..P3 [default: P1].")
    ] = None,
    shard: Annotated[str | None, typer.Option(
        "--shard", help="Scan (and heal) a deterministic 1/N slice of the files: I/N, so a CI "
        "matrix of N jobs covers the repository.")] = None,
    autofix_branch: Annotated[str | None, typer.Option(
        "--autofix-branch", help="Also heal, and commit the verified fixes on this new branch.")
    ] = None,
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """The CI step: SARIF for code scanning, GitHub annotations and job summary when run on
    GitHub Actions, an exit code by --fail-on, and optionally verified fixes on a branch."""
    from heal import pipeline
    from heal.report import github as github_report
    from heal.report import sarif as sarif_report
    from heal.report import summary as summary_report

    def body() -> int:
        slice_ = _shard(shard)
        request = pipeline.ScanRequest(
            repo=(repo or Path.cwd()).resolve(), paths=tuple(paths or ()), shard=slice_,
            overrides={k: v for k, v in {"fail_on": _priority(fail_on)}.items() if v is not None})
        label = f"{slice_[0]}-of-{slice_[1]}" if slice_ else None
        result = pipeline.scan(request)
        category = f"heal/shard-{label}" if label else "heal"
        emit(sarif_report.render_scan(result, category=category), sarif)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            emit(github_report.render_scan(result), None)
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        text = summary_report.scan_summary(result, label.replace("-of-", "/") if label else None)
        if autofix_branch:
            healed = pipeline.heal(pipeline.HealRequest(
                scan=request, branch=autofix_branch, command="heal ci --autofix-branch"))
            text += "\n" + summary_report.heal_summary(healed)
        if summary_path:
            with open(summary_path, "a", encoding="utf-8") as handle:
                handle.write(text)
        stdout_console().print(f"{len(result.findings)} findings ({len(result.failing())} at or "
                               f"above {result.config.fail_on.value}); SARIF written to {sarif}")
        return EXIT_FINDINGS if result.failing() else EXIT_OK

    raise typer.Exit(guarded(debug, body))


INIT_TABLE = """
[tool.heal]
# heal's settings (https://example.invalid/heal); `heal debug` shows the merged result
exclude = []
fail-on = "P1"
test-command = "python -m pytest -q -x -p no:cacheprovider"
test-timeout = 600
verify = "affected"
"""

HOOK_CONFIG = """\
  - repo: https://github.com/heal-dev/heal
    rev: v{version}
    hooks:
      - id: heal        # fixes staged files; the commit stops so you can re-add them
      - id: heal-scan   # reports only; fails at --fail-on
"""


@app.command("init")
def init_command(
    pre_commit: Annotated[bool, typer.Option(
        "--pre-commit", help="Also add heal's hooks to .pre-commit-config.yaml.")] = False,
    repo: Annotated[Path | None, typer.Option("--repo", file_okay=False)] = None,
) -> None:
    """Write [tool.heal] defaults into pyproject.toml and show (or add) the pre-commit hooks."""
    from heal.config import load_config

    def body() -> int:
        root = _root(repo)
        pyproject = root / "pyproject.toml"
        console = stdout_console()
        existing = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
        if "[tool.heal]" in existing:
            console.print("pyproject.toml already has [tool.heal]; left as it is", markup=False)
        else:
            separator = "\n" if existing and not existing.endswith("\n") else ""
            table = INIT_TABLE if existing else INIT_TABLE.lstrip("\n")
            pyproject.write_text(existing + separator + table, encoding="utf-8")
            load_config(root)  # what we wrote must load
            console.print("wrote [tool.heal] to pyproject.toml")
        hooks = HOOK_CONFIG.format(version=__version__)
        config = root / ".pre-commit-config.yaml"
        if pre_commit:
            text = config.read_text(encoding="utf-8") if config.exists() else ""
            if "id: heal" in text:
                console.print(".pre-commit-config.yaml already runs heal")
            else:
                text = text if "repos:" in text else text + "repos:\n"
                config.write_text(text + ("" if text.endswith("\n") else "\n") + hooks,
                                  encoding="utf-8")
                console.print("added heal's hooks to .pre-commit-config.yaml")
        else:
            console.print("add this to .pre-commit-config.yaml (or rerun with --pre-commit):\n")
            console.print("repos:\n" + hooks, markup=False)
        return EXIT_OK

    raise typer.Exit(guarded(False, body))


@app.command("rule")
def rule_command(code: Annotated[str, typer.Argument(help="A rule code: PERF101, F401, B506...")],
                 enable: Annotated[bool, typer.Option(
                     "--enable", help="Re-enable its fixers (or a pattern) after the circuit "
                     "breaker switched them off.")] = False,
                 ) -> None:
    """Explain one rule: what it finds, why it matters, and how heal can fix it."""
    from heal.rules import retired

    code = retired.current(code)  # LGC101 -> LOG101, with a note
    if enable:
        from heal.dashboard import cli as dashboard_cli

        raise typer.Exit(guarded(False, lambda: dashboard_cli.enable_rule(code)))
    from heal import rulebook as rules
    from heal.healers import FIXERS
    from heal.ruledoc import docstring
    from heal.rules.registry import RULES

    console = stdout_console()
    fixer = FIXERS.get(code.upper())
    if fixer is not None and fixer.CODE not in RULES:  # a native rule's fixer: its rule's page
        console.print(f"[bold]{fixer.CODE}[/] ({fixer.NAME}): a {fixer.CATEGORY.value} fixer, "
                      f"fix safety {fixer.SAFETY.value}; heals {', '.join(fixer.RULES)}")
        console.print()
        console.print(docstring(fixer), markup=False)
        return
    try:
        info = rules.lookup(code)
    except HealError as error:
        fail(error)
    console.print(f"[bold]{info.rule}[/] ({info.name}): {escape(info.summary)}")
    console.print(f"category {info.category.value}, priority {info.priority.value}, "
                  f"tool {info.tool}, fix: {info.fix}"
                  + (f" ({', '.join(info.fixers)})" if info.fixers else ""))
    detector = RULES.get(info.code) if info.tool == "heal" else None
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
    from heal import rulebook as rules

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
    from heal.rules.registry import DETECTORS
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


from heal.dashboard import cli as dashboard_cli  # noqa: E402 - dashboard and report hang off `app`

app.command("dashboard")(dashboard_cli.dashboard_command)
app.command("report")(dashboard_cli.report_command)


from heal.patterns import cli as patterns_cli  # noqa: E402 - the pattern commands hang off `app`

app.add_typer(patterns_cli.app, name="patterns")
app.command("learn")(patterns_cli.learn_command)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

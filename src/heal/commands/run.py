"""`heal [PATHS]`, which is `heal run [PATHS]`: scan (--scan), preview (--dry-run) or heal;
`--hook` is the pre-commit profile. Options in, a request to the pipeline, a report out.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from heal.commands._common import (
    TrustOption,
    emit,
    fail_on_priority,
    guarded,
    progress_display,
    split,
    stdout_console,
)
from heal.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from heal.model import Category

if TYPE_CHECKING:
    from heal.pipeline import HealRequest
    from heal.results import HealResult
    from heal.scan import ScanRequest

FORMATS = ("text", "json", "sarif", "github")

app = typer.Typer(add_completion=False)


def _categories(values: list[str] | None) -> tuple[Category, ...] | None:
    names = split(values)
    if names is None:
        return None
    known = [c.value for c in Category]
    for name in names:
        if name not in known:
            raise UsageError(f"--category {name}: unknown category; use one of {', '.join(known)}")
    return tuple(Category(n) for n in names)


def _verify_mode(value: str | None) -> str | None:
    if value is not None and value not in ("affected", "full", "imports"):
        raise UsageError(f"--verify {value}: use affected, full or imports")
    return value


def _format(value: str | None) -> str | None:
    if value is not None and value not in FORMATS:
        raise UsageError(f"--format {value}: use one of {', '.join(FORMATS)}")
    return value


@app.command("run")
def run(
    ctx: typer.Context,
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
    no_llm: Annotated[bool, typer.Option(
        "--no-llm", help="Leave the LLM fixer of [tool.heal.llm] off for this run.")] = False,
    skip_missing: Annotated[bool, typer.Option(
        "--skip-missing", help="Run without analyzers that are not installed, with a warning.")
    ] = False,
    hook: Annotated[bool, typer.Option(
        "--hook", help="The pre-commit profile: safe fixes only, verified by the tests that "
        "import the changed modules, one job; inside `git commit` only the lines the commit "
        "changes; exit 1 when files were changed.")] = False,
    from_tests: Annotated[bool, typer.Option(
        "--from-tests", help="Heal failing tests: run the tests (or the node ids given as "
        "PATHS), fix each failure at its innermost frame in the project, land a fix only when "
        "its test passes and no other breaks.")] = False,
    from_log: Annotated[Path | None, typer.Option(
        "--from-log", help="Heal the Python tracebacks in this log file: fixes are verified by "
        "the tests that run the failing line, or wait for review as uncovered.",
        dir_okay=False)] = None,
    trust: TrustOption = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
) -> None:
    """Scan (--scan), preview (--dry-run) or heal the repository; see `heal --help`."""
    from heal import scan as scanning  # start-up time: the analyzers, not for `heal --help`

    # the command line as typed, for history: main(argv) hands it down, else sys.argv
    argv = ctx.obj if isinstance(ctx.obj, tuple) else tuple(sys.argv[1:])

    def build() -> ScanRequest:
        overrides: dict[str, object] = {
            "categories": _categories(category), "select": split(select),
            "ignore": split(ignore), "fail_on": fail_on_priority(fail_on),
            "output_format": _format(output_format), "test_command": test_cmd,
            "test_timeout": timeout, "jobs": jobs, "unsafe_fixes": unsafe_fixes or None,
            "verify_mode": _verify_mode(verify), "trust": trust or None,
        }
        if hook:  # pre-commit runs hooks in parallel itself and wants a quick answer
            overrides.update(jobs=1, unsafe_fixes=False,
                             verify_mode=overrides["verify_mode"] or "imports")
        elif os.environ.get("PRE_COMMIT") and jobs is None:
            overrides["jobs"] = 1
        if timeout is not None and not timeout > 0:
            raise UsageError(f"--timeout {timeout:g}: use a positive number of seconds")
        if since and changed:
            raise UsageError("--changed and --since cannot be combined; pick one")
        if scan and (dry_run or commit or branch):
            raise UsageError("--scan changes nothing; drop --dry-run/--commit/--branch or --scan")
        _check_reactive(from_tests, from_log, scan, no_verify)
        return scanning.ScanRequest(
            repo=(repo or Path.cwd()).resolve(),
            paths=() if from_tests else tuple(paths or ()), changed=changed,
            since=since, overrides={k: v for k, v in overrides.items() if v is not None},
        )

    def heal_request() -> HealRequest:
        # start-up time: the fixers and libcst, which a scan does not need
        from heal.pipeline import HealRequest
        from heal.verify.reactive import Reactive

        reactive = Reactive(tests=tuple(paths or ()) if from_tests else (), log=from_log) \
            if from_tests or from_log else None
        return HealRequest(scan=build(), dry_run=dry_run, no_verify=no_verify, commit=commit,
                           branch=branch, approve_all=approve_all_verified, no_llm=no_llm,
                           in_commit=hook, command=" ".join(["heal", *argv]),
                           reactive=reactive)

    code = guarded(debug, lambda: scan_and_report(build(), output, skip_missing) if scan else
                   heal_and_report(heal_request(), output, skip_missing, hook))
    raise typer.Exit(code)


def _check_reactive(from_tests: bool, from_log: Path | None, scan: bool, no_verify: bool) -> None:
    if not (from_tests or from_log):
        return
    option = "--from-tests" if from_tests else "--from-log"
    if from_tests and from_log:
        raise UsageError("--from-tests and --from-log cannot be combined; pick one")
    if scan or no_verify:
        raise UsageError(f"{option} heals with the tests as the judge; drop "
                         f"{'--scan' if scan else '--no-verify'}")


def scan_and_report(request: ScanRequest, output: Path | None, skip_missing: bool) -> int:
    """`heal --scan`: the findings in the requested format; exit 1 if any are at --fail-on."""
    # start-up time: the analyzers and the reports, which `heal --help` does not need
    from heal import scan as scanning
    from heal.report import github as github_report
    from heal.report import json as json_report
    from heal.report import sarif as sarif_report
    from heal.report import text as text_report

    fmt = str(request.overrides.get("output_format") or "")
    with progress_display(enabled=fmt in ("", "text") and output is None) as progress:
        result = scanning.scan(request, progress=progress, skip_missing=skip_missing)
    fmt = result.config.output_format
    if fmt == "text":
        _emit_text(partial(text_report.render_scan, result), output)
    else:
        renderers = {"json": json_report.render_scan, "sarif": sarif_report.render_scan,
                     "github": github_report.render_scan}
        emit(renderers[fmt](result), output)
    return EXIT_FINDINGS if result.failing() else EXIT_OK


def heal_and_report(request: HealRequest, output: Path | None, skip_missing: bool,
                    hook: bool = False) -> int:
    """`heal` (and --dry-run): fix, verify, land; the outcome as text or json."""
    # start-up time: the engine and its reports, which `heal --help` does not need
    from heal import pipeline
    from heal.report import json as json_report
    from heal.report import text as text_report
    from heal.sandbox import proc

    fmt = str(request.scan.overrides.get("output_format") or "text")
    if fmt not in ("text", "json"):
        raise UsageError(f"--format {fmt}: healing reports as text or json (use --scan for {fmt})")
    early = fmt == "text" and output is None  # report as soon as the fixes landed
    display = progress_display(enabled=early)
    shown: list[str] = []  # the messages the early report showed

    def report(result: HealResult) -> None:  # landed and recorded; learning is still to come
        display.__exit__(None, None, None)
        shown.extend(result.messages)
        text_report.render_heal(result, stdout_console())

    with display as progress:
        result = pipeline.heal(request, progress=progress, skip_missing=skip_missing,
                               on_landed=report if early else None)
    with proc.uninterrupted():  # the run is over: a stop now would only cut its report short
        if fmt == "json":
            emit(json_report.render_heal(result), output)
        elif early:  # what learning had to say, after the report
            text_report.render_notes(result.messages[len(shown):], stdout_console())
        else:
            _emit_text(partial(text_report.render_heal, result), output)
    if hook and result.landed:
        return EXIT_FINDINGS  # pre-commit: files changed, re-add them and commit again
    return EXIT_FINDINGS if result.failing() else EXIT_OK


def _emit_text(render: Callable[[Console], None], output: Path | None) -> None:
    """A text report on stdout, or in the --output file as plain text 160 columns wide."""
    if output is None:
        render(stdout_console())
        return
    console = Console(record=True, file=io.StringIO(), width=160)
    render(console)
    emit(console.export_text(), output)

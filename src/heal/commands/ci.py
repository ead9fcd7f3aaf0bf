"""`heal ci`: the CI step (SARIF, GitHub annotations and job summary, an exit code by --fail-on,
optionally verified fixes on a branch)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from heal.commands._common import RepoOption, TrustOption, emit, fail_on_priority, guarded, stdout_console
from heal.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from heal.model import Priority

app = typer.Typer(add_completion=False)

UNTRUSTED_NOTE = ("--untrusted: scanned only, nothing from the tree was run: no project "
                  "interpreter, no mypy plugins, no test command, no fixes")


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
        raise UsageError(f"--shard {value}: use I/N with 1 <= I <= N, e.g. 2/4")
    return int(index), int(count)


def ci(repo: Path | None, paths: list[str], sarif: Path, shard: tuple[int, int] | None,
       fail_on: Priority | None, autofix_branch: str | None, trust: bool = False,
       untrusted: bool = False) -> int:
    # start-up time: the analyzers and the reports, which `heal --help` does not need
    from heal import scan as scanning
    from heal.report import github as github_report
    from heal.report import sarif as sarif_report
    from heal.report import summary as summary_report

    if untrusted and (autofix_branch or trust):
        raise UsageError(f"--untrusted runs nothing from the tree; drop "
                         f"{'--autofix-branch' if autofix_branch else '--trust'} or --untrusted")
    overrides = {"fail_on": fail_on, "trust": trust or None, "untrusted": untrusted or None}
    request = scanning.ScanRequest(
        repo=(repo or Path.cwd()).resolve(), paths=tuple(paths), shard=shard,
        overrides={k: v for k, v in overrides.items() if v is not None})
    label = f"{shard[0]}-of-{shard[1]}" if shard else None
    result = scanning.scan(request)
    category = f"heal/shard-{label}" if label else "heal"
    emit(sarif_report.render_scan(result, category=category), sarif)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        emit(github_report.render_scan(result), None)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    text = summary_report.scan_summary(result, label.replace("-of-", "/") if label else None)
    notes = [e.message for e in result.errors if e.tool == "heal"]  # what heal did not run
    if untrusted:
        notes = [UNTRUSTED_NOTE + "".join(f"; {n.removeprefix('--untrusted: ')}" for n in notes)]
    for note in notes:
        stdout_console().print(f"note: {note}", soft_wrap=True, markup=False)
        text += f"\n{note}\n"
    if autofix_branch:
        from heal import pipeline  # start-up time: the fixers and libcst, only to heal

        healed = pipeline.heal(pipeline.HealRequest(
            scan=request, branch=autofix_branch, command="heal ci --autofix-branch",
            no_llm=True))  # a model's fixes wait for a human, whom a CI branch does not have
        text += "\n" + summary_report.heal_summary(healed)
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(text)
    stdout_console().print(f"{len(result.findings)} findings ({len(result.failing())} at or "
                           f"above {result.config.fail_on.value}); SARIF written to {sarif}")
    return EXIT_FINDINGS if result.failing() else EXIT_OK


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
    trust: TrustOption = False,
    untrusted: Annotated[bool, typer.Option(
        "--untrusted", help="For pull requests from forks: run nothing from the tree (heal's "
        "own interpreter, no mypy plugins, no tests, no fixes); scan only.")] = False,
    repo: RepoOption = None,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """The CI step: SARIF for code scanning, GitHub annotations and job summary when run on
    GitHub Actions, an exit code by --fail-on, and optionally verified fixes on a branch."""
    raise typer.Exit(guarded(debug, lambda: ci(repo, paths or [], sarif, _shard(shard),
                                               fail_on_priority(fail_on), autofix_branch,
                                               trust, untrusted)))

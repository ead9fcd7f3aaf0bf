"""`heal learn --from-git`: mine past commits that fixed a finding in a small edit, and keep
what repeats as patterns."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heal.commands._common import PatternRepoOption, guarded, split
from heal.commands.patterns import pattern_library, say
from heal.errors import EXIT_OK, UsageError

app = typer.Typer(add_completion=False)


def learn(repo: Path | None, since: str | None, max_commits: int, min_commits: int,
          select: list[str] | None, dry_run: bool) -> int:
    # start-up time: libcst and the analyzers
    from heal.analyze import findings_in
    from heal.patterns.mine import mine_git, save_mined

    library = pattern_library(repo, required=True)
    assert library.root is not None
    result = mine_git(library.root, findings_in, since=since, max_commits=max_commits,
                      rules=split(select) or None, min_commits=min_commits)
    fixes = len(result.fixes)
    say(f"walked {result.commits} commits, {result.files} changed Python files; "
        f"{fixes} finding{'' if fixes == 1 else 's'} fixed in small edits")
    saved = [] if dry_run else save_mined(library, result)
    for fix in (f for f in result.fixes if f.edit is None):
        say(f"  no pattern: {fix.commit[:10]} {fix.path}"
            f"{f':{fix.span.start.line}' if fix.span else ''} {fix.rule}: {fix.reason}")
    for edit in result.patterns:
        say(f"  pattern ({len(edit.origins)} commits) {', '.join(edit.triggers)}: "
            f"{edit.pattern!r} -> {edit.fix!r}")
    for edit in result.candidates:
        say(f"  candidate ({len(edit.origins)} commit) {', '.join(edit.triggers)}: "
            f"{edit.pattern!r} -> {edit.fix!r}")
    if dry_run:
        say(f"{len(result.patterns)} patterns would be written (--dry-run)")
    else:
        say(f"wrote {len(saved)} new patterns to .heal/patterns/"
            + (f" ({', '.join(p.id for p in saved)})" if saved else ""))
    return EXIT_OK


@app.command("learn")
def learn_command(
    from_git: Annotated[bool, typer.Option("--from-git", help="Mine the repository's history.")
                        ] = False,
    since: Annotated[str | None, typer.Option("--since", help="Only commits after this "
                                                              "revision.")] = None,
    max_commits: Annotated[int, typer.Option("--max-commits", min=1, help="How many commits "
                                             "to walk, newest first.")] = 200,
    min_commits: Annotated[int, typer.Option("--min-commits", min=1, help="Commits an edit "
                                             "must be seen in to become a pattern.")] = 2,
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these rules "
                                                     "(ruff:E711, heal:LOG109, ...).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be learned; "
                                                            "write nothing.")] = False,
    repo: PatternRepoOption = None,
) -> None:
    """Learn patterns: `--from-git` mines past commits that fixed a finding in a small edit."""
    def body() -> int:
        if not from_git:
            raise UsageError("say where to learn from: heal learn --from-git")
        return learn(repo, since, max_commits, min_commits, select, dry_run)

    raise typer.Exit(guarded(False, body))

"""`heal patterns ...` and `heal learn --from-git`: thin typer commands over library/learn.

    heal patterns list [--all] [--format json]    active patterns (--all: retired, disabled too)
    heal patterns show ID                         one pattern: template, fix, stats, history
    heal patterns stats                           outcomes and confidence per used pattern
    heal patterns retire ID --reason TEXT         never deleted: status retired, history entry
    heal patterns enable ID | disable ID          status active | disabled
    heal patterns export-docs [--out DIR]         docs/patterns/<id>.md, one page per pattern
    heal patterns migrate [--dir DIR]             rewrite older-schema files in the new schema
    heal learn --from-git [--since REV] [--max-commits N]

Outside a git repository `list`, `show`, `stats` and `export-docs` see the built-in library
only; commands that change a pattern write `.heal/patterns/<id>.yaml` in the repository (for a
built-in pattern, a local copy that shadows it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from heal.errors import EXIT_OK, HealError, NotARepoError, UsageError
from heal.patterns.model import (
    SCHEMA_VERSION,
    Pattern,
    detect_schema,
    dump,
    load_yaml,
    migrate,
    parse,
)
from heal.patterns.pages import describe, export_docs

if TYPE_CHECKING:
    from heal.patterns.library import PatternLibrary

app = typer.Typer(help="The pattern library: built-in and learned fix patterns.",
                  no_args_is_help=True, add_completion=False,
                  context_settings={"help_option_names": ["-h", "--help"]})

RepoOption = Annotated[Path | None, typer.Option("--repo", file_okay=False,
                                                 help="The repository (default: around the "
                                                      "current folder).")]


def _run(body: Callable[[], int]) -> None:
    from heal import cli as main_cli

    raise typer.Exit(main_cli.guarded(False, body))


def _root(repo: Path | None, required: bool) -> Path | None:
    from heal.sandbox import git as gitops

    try:
        return gitops.root_of(gitops.open_repo((repo or Path.cwd()).resolve()))
    except NotARepoError:
        if required:
            raise
        return None


def _library(repo: Path | None, required: bool = False) -> PatternLibrary:
    from heal.config import Config, load_config
    from heal.patterns.library import PatternLibrary

    root = _root(repo, required)
    config = load_config(root) if root is not None else Config()
    return PatternLibrary(root, config)


def _print(text: str = "", markup: bool = False) -> None:
    from heal import cli as main_cli

    main_cli.stdout_console().print(text, markup=markup, highlight=False, soft_wrap=True)


def _summary(pattern: Pattern) -> dict[str, object]:
    return {
        "id": pattern.id, "version": pattern.version, "status": pattern.status,
        "origin": pattern.origin, "provenance": pattern.provenance.to_dict(),
        "triggers": list(pattern.triggers), "category": pattern.category.value,
        "safety": pattern.safety.value, "confidence": round(pattern.confidence, 3),
        "stats": pattern.stats.to_dict(), "pattern": pattern.pattern,
        "selector": pattern.selector or None, "fix": pattern.fix, "message": pattern.message,
        "path": str(pattern.path) if pattern.path else None,
    }


@app.command("list")
def list_command(
    repo: RepoOption = None,
    everything: Annotated[bool, typer.Option("--all", help="Include retired and disabled "
                                                           "patterns.")] = False,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List patterns: id, version, status, where from (builtin, learned, mined), triggers,
    safety, confidence."""
    def body() -> int:
        if output_format not in ("text", "json"):
            raise UsageError(f"--format {output_format}: use text or json")
        patterns = [p for p in _library(repo).all() if everything or p.active]
        if output_format == "json":
            print(json.dumps({"version": 1, "patterns": [_summary(p) for p in patterns]},
                             indent=2))
            return EXIT_OK
        from rich.table import Table

        from heal import cli as main_cli

        table = Table(show_edge=False)
        table.add_column("id", no_wrap=True, min_width=max((len(p.id) for p in patterns),
                                                           default=2))
        for column in ("ver", "status", "from", "triggers", "safety", "confidence", "used"):
            table.add_column(column, overflow="fold")
        for p in patterns:
            table.add_row(p.id, str(p.version), p.status, p.provenance.kind, ", ".join(p.triggers),
                          p.safety.value, f"{p.confidence:.2f}", str(p.stats.applied))
        console = main_cli.stdout_console()
        console.print(table)
        console.print(f"{len(patterns)} patterns")
        return EXIT_OK

    _run(body)


@app.command("show")
def show_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                 repo: RepoOption = None) -> None:
    """Show one pattern: template, fix, constraints, stats, examples and history."""
    def body() -> int:
        _print(describe(_library(repo).get(pattern_id)))
        return EXIT_OK

    _run(body)


@app.command("stats")
def stats_command(repo: RepoOption = None,
                  output_format: Annotated[str, typer.Option("--format", "-f")] = "text") -> None:
    """How patterns fared: applied, verified, rejected, reviewed, and their confidence."""
    def body() -> int:
        patterns = _library(repo).all()
        used = [p for p in patterns if p.stats.applied or p.stats.trials]
        if output_format == "json":
            print(json.dumps({"version": 1, "patterns": [_summary(p) for p in patterns]},
                             indent=2))
            return EXIT_OK
        from rich.table import Table

        from heal import cli as main_cli

        table = Table(show_edge=False)
        table.add_column("id", no_wrap=True)
        for column in ("status", "applied", "verified", "rejected", "approved", "declined",
                       "confidence"):
            table.add_column(column)
        for p in sorted(used, key=lambda p: (-p.stats.applied, p.id)):
            s = p.stats
            table.add_row(p.id, p.status, str(s.applied), str(s.verified), str(s.rejected),
                          str(s.approved), str(s.declined_by_review), f"{p.confidence:.2f}")
        console = main_cli.stdout_console()
        if used:
            console.print(table)
        by_status: dict[str, int] = {}
        for p in patterns:
            by_status[p.status] = by_status.get(p.status, 0) + 1
        learned = sum(1 for p in patterns if p.provenance.kind != "builtin")
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
        console.print(f"{len(patterns)} patterns ({statuses}; "
                      f"{learned} learned or mined); {len(used)} used; "
                      f"{sum(p.stats.verified for p in patterns)} verified fixes in all")
        return EXIT_OK

    _run(body)


def _set_status(pattern_id: str, status: str, why: str, repo: Path | None) -> None:
    def body() -> int:
        library = _library(repo, required=True)
        pattern = library.set_status(pattern_id, status, why)
        _print(f"{pattern.id} is {pattern.status} (version {pattern.version}; {pattern.path})")
        return EXIT_OK

    _run(body)


@app.command("retire")
def retire_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                   reason: Annotated[str, typer.Option("--reason", help="Why (kept in the "
                                                                        "history).")],
                   repo: RepoOption = None) -> None:
    """Retire a pattern: it stops matching; the file and its history stay."""
    _set_status(pattern_id, "retired", reason, repo)


@app.command("disable")
def disable_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                    reason: Annotated[str, typer.Option("--reason")] = "disabled by hand",
                    repo: RepoOption = None) -> None:
    """Disable a pattern (for now): it stops matching until enabled again."""
    _set_status(pattern_id, "disabled", reason, repo)


@app.command("enable")
def enable_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                   reason: Annotated[str, typer.Option("--reason")] = "enabled by hand",
                   repo: RepoOption = None) -> None:
    """Enable a retired or disabled pattern again."""
    _set_status(pattern_id, "active", reason, repo)


@app.command("export-docs")
def export_docs_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the pages.", file_okay=False)
                   ] = Path("docs/patterns"),
    library_name: Annotated[str, typer.Option("--library", help="builtin, learned or all.")
                            ] = "builtin",
    repo: RepoOption = None,
) -> None:
    """Write one markdown page per pattern (examples, stats, history) and an index."""
    def body() -> int:
        if library_name not in ("builtin", "learned", "all"):
            raise UsageError(f"--library {library_name}: use builtin, learned or all")
        library = _library(repo)
        patterns = [p for p in library.all()
                    if library_name == "all" or (p.provenance.kind == "builtin") == (
                        library_name == "builtin")]
        written = export_docs(patterns, out)
        _print(f"wrote {len(written)} pages to {out}")
        return EXIT_OK

    _run(body)


@app.command("migrate")
def migrate_command(
    folder: Annotated[Path | None, typer.Option("--dir", file_okay=False, help="Folder of "
                                                "pattern files (default: .heal/patterns).")
                      ] = None,
    repo: RepoOption = None,
) -> None:
    """Rewrite pattern files of an older schema in the current one (in place, atomically)."""
    from heal.patterns.store import atomic_write, learned_dir

    def body() -> int:
        target = folder
        if target is None:
            root = _root(repo, required=True)
            assert root is not None
            target = learned_dir(root)
        if not target.is_dir():
            raise UsageError(f"{target} is not a folder of pattern files")
        changed = 0
        for path in sorted(p for p in target.iterdir() if p.suffix in (".yaml", ".yml")):
            label = f"{target.name}/{path.name}"
            document = load_yaml(path.read_text(encoding="utf-8"), label)
            if not isinstance(document, dict):
                raise HealError(f"{label}: not a pattern file (not a mapping)")
            schema = detect_schema(document)
            if schema == SCHEMA_VERSION:
                continue
            upgraded, notes = migrate(document)
            pattern = parse(upgraded, label, path=path, expect_id=path.stem)
            atomic_write(path, dump(pattern))
            changed += 1
            _print(f"{label}: schema {schema} -> {SCHEMA_VERSION} ({'; '.join(notes)})")
        _print(f"{changed} file(s) migrated" if changed else
               f"all pattern files are at schema {SCHEMA_VERSION}")
        return EXIT_OK

    _run(body)


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
    repo: RepoOption = None,
) -> None:
    """Learn patterns: `--from-git` mines past commits that fixed a finding in a small edit."""
    from heal.patterns.learn import mine_git, save_mined

    def body() -> int:
        if not from_git:
            raise UsageError("say where to learn from: heal learn --from-git")
        library = _library(repo, required=True)
        assert library.root is not None
        rules = tuple(s.strip() for value in (select or []) for s in value.split(",")
                      if s.strip()) or None
        result = mine_git(library.root, since=since, max_commits=max_commits,
                          rules=rules, min_commits=min_commits)
        fixes = len(result.fixes)
        _print(f"walked {result.commits} commits, {result.files} changed Python files; "
               f"{fixes} finding{'' if fixes == 1 else 's'} fixed in small edits")
        saved = [] if dry_run else save_mined(library, result)
        for fix in (f for f in result.fixes if f.edit is None):
            _print(f"  no pattern: {fix.commit[:10]} {fix.path}"
                   f"{f':{fix.span.start.line}' if fix.span else ''} {fix.rule}: {fix.reason}")
        for edit in result.patterns:
            _print(f"  pattern ({len(edit.origins)} commits) {', '.join(edit.triggers)}: "
                   f"{edit.pattern!r} -> {edit.fix!r}")
        for edit in result.candidates:
            _print(f"  candidate ({len(edit.origins)} commit) {', '.join(edit.triggers)}: "
                   f"{edit.pattern!r} -> {edit.fix!r}")
        if dry_run:
            _print(f"{len(result.patterns)} patterns would be written (--dry-run)")
        else:
            _print(f"wrote {len(saved)} new patterns to .heal/patterns/"
                   + (f" ({', '.join(p.id for p in saved)})" if saved else ""))
        return EXIT_OK

    _run(body)

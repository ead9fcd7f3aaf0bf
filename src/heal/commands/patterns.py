"""`heal patterns ...`: the pattern library, built-in and learned.

    heal patterns list [--all] [--format json]    active patterns (--all: retired, disabled too)
    heal patterns show ID                         one pattern: template, fix, stats, history
    heal patterns stats                           outcomes and confidence per used pattern
    heal patterns retire ID --reason TEXT         never deleted: status retired, history entry
    heal patterns enable ID | disable ID          status active | disabled
    heal patterns export-docs [--out DIR]         docs/patterns/<id>.md, one page per pattern
    heal patterns migrate [--dir DIR]             rewrite older-schema files in the new schema

Outside a git repository `list`, `show`, `stats` and `export-docs` see the built-in library
only; commands that change a pattern write `.heal/patterns/<id>.yaml` in the repository (for a
built-in pattern, a local copy that shadows it).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from heal.commands._common import (
    PatternRepoOption,
    guarded,
    repo_root,
    repo_root_if_any,
    stdout_console,
)
from heal.config import Config, load_config
from heal.errors import EXIT_OK, HealError, UsageError

if TYPE_CHECKING:
    from heal.patterns.library import PatternLibrary
    from heal.patterns.model import Pattern

app = typer.Typer(name="patterns", help="The pattern library: built-in and learned fix patterns.",
                  no_args_is_help=True, add_completion=False,
                  context_settings={"help_option_names": ["-h", "--help"]})


def pattern_library(repo: Path | None, required: bool = False) -> PatternLibrary:
    """The repository's library (built-in plus learned); outside a repository, unless
    required, the built-in one."""
    from heal.patterns.library import PatternLibrary  # start-up time: libcst, for the matcher

    root = repo_root(repo) if required else repo_root_if_any(repo)
    config = load_config(root) if root is not None else Config()
    return PatternLibrary(root, config)


def say(text: str = "") -> None:
    stdout_console().print(text, markup=False, highlight=False, soft_wrap=True)


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


def list_patterns(repo: Path | None, everything: bool, output_format: str) -> int:
    if output_format not in ("text", "json"):
        raise UsageError(f"--format {output_format}: use text or json")
    patterns = [p for p in pattern_library(repo).all() if everything or p.active]
    if output_format == "json":
        print(json.dumps({"version": 1, "patterns": [_summary(p) for p in patterns]}, indent=2))
        return EXIT_OK
    table = Table(show_edge=False)
    table.add_column("id", no_wrap=True, min_width=max((len(p.id) for p in patterns), default=2))
    for column in ("ver", "status", "from", "triggers", "safety", "confidence", "used"):
        table.add_column(column, overflow="fold")
    for p in patterns:
        table.add_row(p.id, str(p.version), p.status, p.provenance.kind, ", ".join(p.triggers),
                      p.safety.value, f"{p.confidence:.2f}", str(p.stats.applied))
    console = stdout_console()
    console.print(table)
    console.print(f"{len(patterns)} patterns")
    return EXIT_OK


def show(repo: Path | None, pattern_id: str) -> int:
    from heal.patterns.pages import describe  # start-up time: PyYAML, with the pattern model

    say(describe(pattern_library(repo).get(pattern_id)))
    return EXIT_OK


def stats(repo: Path | None, output_format: str) -> int:
    patterns = pattern_library(repo).all()
    used = [p for p in patterns if p.stats.applied or p.stats.trials]
    if output_format == "json":
        print(json.dumps({"version": 1, "patterns": [_summary(p) for p in patterns]}, indent=2))
        return EXIT_OK
    table = Table(show_edge=False)
    table.add_column("id", no_wrap=True)
    for column in ("status", "applied", "verified", "rejected", "approved", "declined",
                   "confidence"):
        table.add_column(column)
    for p in sorted(used, key=lambda p: (-p.stats.applied, p.id)):
        s = p.stats
        table.add_row(p.id, p.status, str(s.applied), str(s.verified), str(s.rejected),
                      str(s.approved), str(s.declined_by_review), f"{p.confidence:.2f}")
    console = stdout_console()
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


def set_status(repo: Path | None, pattern_id: str, status: str, why: str) -> int:
    library = pattern_library(repo, required=True)
    pattern = library.set_status(pattern_id, status, why)
    say(f"{pattern.id} is {pattern.status} (version {pattern.version}; {pattern.path})")
    return EXIT_OK


def write_docs(repo: Path | None, out: Path, library_name: str) -> int:
    from heal.patterns.pages import export_docs  # start-up time: PyYAML, with the pattern model

    if library_name not in ("builtin", "learned", "all"):
        raise UsageError(f"--library {library_name}: use builtin, learned or all")
    library = pattern_library(repo)
    patterns = [p for p in library.all()
                if library_name == "all" or (p.provenance.kind == "builtin") == (
                    library_name == "builtin")]
    written = export_docs(patterns, out)
    say(f"wrote {len(written)} pages to {out}")
    return EXIT_OK


def migrate_files(repo: Path | None, folder: Path | None) -> int:
    # start-up time: PyYAML and libcst, for the pattern files and their templates
    from heal.patterns.load import detect_schema, load_yaml, migrate, parse
    from heal.patterns.model import SCHEMA_VERSION, dump
    from heal.patterns.store import atomic_write, learned_dir

    target = folder if folder is not None else learned_dir(repo_root(repo))
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
        say(f"{label}: schema {schema} -> {SCHEMA_VERSION} ({'; '.join(notes)})")
    say(f"{changed} file(s) migrated" if changed else
        f"all pattern files are at schema {SCHEMA_VERSION}")
    return EXIT_OK


@app.command("list")
def list_command(
    repo: PatternRepoOption = None,
    everything: Annotated[bool, typer.Option("--all", help="Include retired and disabled "
                                                           "patterns.")] = False,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List patterns: id, version, status, where from (builtin, learned, mined), triggers,
    safety, confidence."""
    raise typer.Exit(guarded(False, lambda: list_patterns(repo, everything, output_format)))


@app.command("show")
def show_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                 repo: PatternRepoOption = None) -> None:
    """Show one pattern: template, fix, constraints, stats, examples and history."""
    raise typer.Exit(guarded(False, lambda: show(repo, pattern_id)))


@app.command("stats")
def stats_command(repo: PatternRepoOption = None,
                  output_format: Annotated[str, typer.Option("--format", "-f")] = "text") -> None:
    """How patterns fared: applied, verified, rejected, reviewed, and their confidence."""
    raise typer.Exit(guarded(False, lambda: stats(repo, output_format)))


@app.command("retire")
def retire_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                   reason: Annotated[str, typer.Option("--reason", help="Why (kept in the "
                                                                        "history).")],
                   repo: PatternRepoOption = None) -> None:
    """Retire a pattern: it stops matching; the file and its history stay."""
    raise typer.Exit(guarded(False, lambda: set_status(repo, pattern_id, "retired", reason)))


@app.command("disable")
def disable_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                    reason: Annotated[str, typer.Option("--reason")] = "disabled by hand",
                    repo: PatternRepoOption = None) -> None:
    """Disable a pattern (for now): it stops matching until enabled again."""
    raise typer.Exit(guarded(False, lambda: set_status(repo, pattern_id, "disabled", reason)))


@app.command("enable")
def enable_command(pattern_id: Annotated[str, typer.Argument(help="The pattern's id.")],
                   reason: Annotated[str, typer.Option("--reason")] = "enabled by hand",
                   repo: PatternRepoOption = None) -> None:
    """Enable a retired or disabled pattern again."""
    raise typer.Exit(guarded(False, lambda: set_status(repo, pattern_id, "active", reason)))


@app.command("export-docs")
def export_docs_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the pages.", file_okay=False)
                   ] = Path("docs/patterns"),
    library_name: Annotated[str, typer.Option("--library", help="builtin, learned or all.")
                            ] = "builtin",
    repo: PatternRepoOption = None,
) -> None:
    """Write one markdown page per pattern (examples, stats, history) and an index."""
    raise typer.Exit(guarded(False, lambda: write_docs(repo, out, library_name)))


@app.command("migrate")
def migrate_command(
    folder: Annotated[Path | None, typer.Option("--dir", file_okay=False, help="Folder of "
                                                "pattern files (default: .heal/patterns).")
                      ] = None,
    repo: PatternRepoOption = None,
) -> None:
    """Rewrite pattern files of an older schema in the current one (in place, atomically)."""
    raise typer.Exit(guarded(False, lambda: migrate_files(repo, folder)))

"""Steps 1 and 2 of the flow: the files in scope, and what the analyzers find in them.

`heal --scan` is only this; `pipeline.heal` starts with it. Nothing here imports the fixers or
libcst's codemods, so a scan starts fast.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from heal import rulebook
from heal.analyze import analyze, merge
from heal.analyzers.mypy import configured_plugins
from heal.config import Config, load_config
from heal.discover import discover, select_paths, syntax_cache
from heal.model import AnalyzerError
from heal.results import ScanResult
from heal.sandbox import git as gitops
from heal.sandbox import trust
from heal.state import ensure_state_dir
from heal.status import ProgressCallback, quiet


@dataclass(frozen=True)
class ScanRequest:
    repo: Path = field(default_factory=Path.cwd)
    paths: tuple[str, ...] = ()
    changed: bool = False
    since: str | None = None
    overrides: dict[str, object] = field(default_factory=dict)
    shard: tuple[int, int] | None = None  # (I, N): this run's deterministic 1/N of the files


@dataclass(frozen=True)
class Workspace:
    """A repository opened for one run: its root, config, and the files in scope."""

    root: Path
    config: Config
    candidates: list[str]
    python: str = ""  # the interpreter heal may run for the project (sandbox/trust.py)
    notes: list[str] = field(default_factory=list)  # what heal chose not to run, and why


def open_workspace(request: ScanRequest) -> Workspace:
    repo = gitops.open_repo(request.repo)
    root = gitops.root_of(repo)
    config = load_config(root).with_overrides(**request.overrides)
    rulebook.check_selectors(config.select, "--select")
    rulebook.check_selectors(config.ignore, "--ignore")
    for glob, codes in config.per_file_ignores:
        rulebook.check_selectors(codes, f"per-file-ignores {glob!r}")
    # no paths, run from a subfolder (or --repo SUBFOLDER): that folder, as ruff scopes it
    paths = request.paths or (() if request.repo.resolve() == root else (str(request.repo),))
    gitops.ensure_ok(repo, paths)
    prefixes = [gitops.relative_to_root(repo, p) for p in paths]
    only = set(gitops.changed_files(repo, request.since)) if request.changed or request.since else None
    candidates = select_paths(gitops.listed_files(repo), prefixes, config, only)
    if request.shard is not None:
        candidates = [p for p in candidates if in_shard(p, *request.shard)]
    python, note = trust.interpreter(repo, root, config)
    notes = [note] if note else []
    if config.untrusted and "mypy" in config.analyzers and configured_plugins(root):
        config = dataclasses.replace(config, analyzers=tuple(
            a for a in config.analyzers if a != "mypy"))
        notes.append("--untrusted: left out mypy: its configuration loads plugins "
                      f"({', '.join(configured_plugins(root))}), code from the tree")
    return Workspace(root=root, config=config, candidates=candidates, python=python,
                     notes=notes)


def in_shard(path: str, index: int, count: int) -> bool:
    """Is `path` in shard `index` (1-based) of `count`? Stable across machines and runs."""
    digest = hashlib.sha1(path.encode("utf-8"), usedforsecurity=False).hexdigest()
    return int(digest, 16) % count == index - 1


def scan(request: ScanRequest, progress: ProgressCallback = quiet,
         skip_missing: bool = False) -> ScanResult:
    """Discover the files and analyze them; one merged, prioritised list."""
    started = time.perf_counter()
    workspace = open_workspace(request)
    state_dir = ensure_state_dir(workspace.root)
    found = discover(workspace.root, workspace.candidates, workspace.config,
                     syntax_cache(state_dir))
    results, skipped = analyze(
        workspace.root, found.files, workspace.config, state_dir, workspace.python, progress,
        skip_missing)
    findings = merge(results, found, workspace.config)
    return ScanResult(
        root=workspace.root, config=workspace.config, findings=findings,
        errors=[AnalyzerError("heal", note) for note in workspace.notes]
        + [e for r in results for e in r.errors], files=found.files,
        generated=found.generated, durations={r.tool: r.duration for r in results},
        duration=time.perf_counter() - started, skipped_tools=skipped,
        secrets={s for r in results for s in r.secrets},
    )

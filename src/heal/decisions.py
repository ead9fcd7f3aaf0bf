"""A human's decision on a queued fix: approving lands it, rejecting records why.

Approving an item whose file changed since it was verified is refused as stale; an item whose
tree moved (other files changed, HEAD moved) is verified again with the tests before it lands.
Either decision feeds the confidence of the pattern that proposed the fix, if one did.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import git

from heal import lock
from heal.config import Config, load_config
from heal.discover import SourceFile, read_source, text_hash
from heal.edits import apply_fixes, independent
from heal.errors import HealError, StoppedError, UsageError
from heal.history import History, new_run_id
from heal.land import land
from heal.model import Fix
from heal.patterns.library import PatternLibrary
from heal.review import LANDED, PENDING, STALE, ReviewItem, decide, find, items, reject, tree_key
from heal.sandbox import git as gitops
from heal.sandbox import proc
from heal.sandbox.recovery import recover
from heal.state import ensure_state_dir
from heal.status import ProgressCallback, quiet
from heal.verify.engine import Engine


@dataclass
class ApproveResult:
    landed: list[str] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    stale: list[tuple[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    test_runs: int = 0


def _current_sources(root: Path, config: Config, paths: Iterable[str]) -> dict[str, SourceFile]:
    sources = {}
    for path in sorted(set(paths)):
        read = read_source(root, path, config)
        if isinstance(read, SourceFile):
            sources[path] = read
    return sources


def _reverify(history: History, repo: git.Repo, root: Path, config: Config, run_id: str,
              sources: dict[str, SourceFile], fixes: list[Fix], progress: ProgressCallback
              ) -> tuple[list[Fix], list[Fix], int]:
    """The fixes against the tests on the tree as it is now: (kept, culprits, test runs)."""
    progress("tests", "review", "the tree moved since verification: verifying again")
    state_dir = ensure_state_dir(root)
    engine = Engine.open(repo, root, state_dir, config, run_id, sources, history, progress, set())
    try:
        engine.establish_baseline()
        kept, culprits = engine.test_batch(fixes, 1)
        return kept, culprits, engine.suite.runs
    finally:
        engine.close()


def approve_items(history: History, repo: git.Repo, root: Path, config: Config,
                  chosen: list[ReviewItem], run_id: str,
                  progress: ProgressCallback) -> ApproveResult:
    """Land the chosen pending items: refused as stale where the file changed since, verified
    again where the rest of the tree moved."""
    outcome = ApproveResult()
    sources = _current_sources(root, config, [i.fix.path for i in chosen])
    ready: list[ReviewItem] = []
    for item in chosen:
        source = sources.get(item.fix.path)
        if source is None or text_hash(source.text) != item.base_digest:
            why = "the file changed since the fix was verified; rerun heal to propose it again"
            decide(history, item, STALE, why, run_id)
            outcome.stale.append((item.id, why))
            continue
        ready.append(item)
    if not ready:
        return outcome
    texts_now = {p: s.text for p, s in sources.items()}
    fixes, later = independent([i.fix for i in ready], texts_now)
    for fix in later:
        outcome.messages.append(f"{fix.id} collides with another approved fix; approve it again "
                                "after this one lands")
    kept = fixes
    if any(i.tree_key != tree_key(repo, root) for i in ready if i.fix in fixes):
        kept, culprits, outcome.test_runs = _reverify(history, repo, root, config, run_id,
                                                      sources, fixes, progress)
        for fix in culprits:
            item = next(i for i in ready if i.fix.id == fix.id)
            why = "fails the tests on the current tree; rerun heal to propose it again"
            decide(history, item, STALE, why, run_id)
            outcome.stale.append((item.id, why))
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for fix in kept:
        by_path[fix.path].append(fix)
    texts = {p: apply_fixes(texts_now[p], group) for p, group in by_path.items()}
    with proc.uninterrupted():  # landing and its decisions: a stop waits for both (the caller
        proc.phase_started("land")  # honours it and says what landed)
        landing = land(root, sources, texts)
        outcome.landed = landing.written
        for path, why in landing.skipped:
            outcome.messages.append(f"skipped {path}: {why}")
        for fix in kept:
            item = next(i for i in ready if i.fix.id == fix.id)
            if fix.path in landing.written:
                decide(history, item, LANDED, None, run_id)
                outcome.approved.append(item.id)
                with contextlib.suppress(HealError):
                    PatternLibrary(root, config).reviewed(fix, True, texts_now[fix.path], run_id)
    return outcome


def approve(repo_dir: Path, prefixes: Sequence[str], progress: ProgressCallback = quiet,
            everything: bool = False) -> ApproveResult:
    """`heal review approve ID...`: land queued fixes, verifying again if the tree moved."""
    repo = gitops.open_repo(repo_dir)
    root = gitops.root_of(repo)
    state_dir = ensure_state_dir(root)
    config = load_config(root)
    run_id = new_run_id()
    with proc.stop_on_signals(), lock.held(state_dir, "heal review approve", run_id) as held:
        history = History(state_dir)
        outcome: ApproveResult | None = None
        try:
            recovered = recover(history, held, repo, state_dir)
            chosen = items(history) if everything else [find(history, p) for p in prefixes]
            for item in chosen:
                if item.status != PENDING:
                    raise UsageError(f"review item {item.id} is {item.status}, not pending")
            history.start_run(run_id, "heal review approve", "review", gitops.head_sha(repo))
            outcome = approve_items(history, repo, root, config, chosen, run_id, progress)
            outcome.messages[:0] = recovered
            proc.check_stop()
            history.finish_run(run_id, "ok", landed=len(outcome.approved),
                               test_runs=outcome.test_runs)
            return outcome
        except StoppedError:
            with contextlib.suppress(HealError):
                history.finish_run(run_id, "stopped",
                                   landed=len(outcome.approved) if outcome else 0)
            if outcome is not None and outcome.approved:  # a stop once it landed says so
                raise StoppedError(f"stopped after landing {len(outcome.approved)} approved "
                                   f"fixes in {len(outcome.landed)} files; `heal review --all` "
                                   "lists them") from None
            raise
        finally:
            with proc.uninterrupted():
                history.close()


def reject_items(repo_dir: Path, prefixes: Sequence[str], reason: str) -> list[ReviewItem]:
    """`heal review reject ID... --reason`: recorded, never proposed again, and the pattern
    that proposed a fix loses confidence."""
    repo = gitops.open_repo(repo_dir)
    root = gitops.root_of(repo)
    history = History(ensure_state_dir(root))
    try:
        rejected = reject(history, list(prefixes), reason)
    finally:
        history.close()
    with contextlib.suppress(HealError):
        library = PatternLibrary(root, load_config(root))
        for item in rejected:
            library.reviewed(item.fix, False)
    return rejected

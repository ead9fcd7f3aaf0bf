"""The review queue: fixes that passed the tests but need a human before they land.

Security HIGH fixes, behaviour-changing performance fixes and every logic fix are verified in
the sandbox like the rest, then queued here instead of landing. An item keeps the fix (its
edits), the diff, why it needs a human, the verification it passed, and the digest of the file
text it applies to: approving an item whose file changed since is refused as stale, and an item
whose tree moved (other files changed, HEAD moved) is re-verified before it lands.
Decisions are recorded in history, and feed the confidence of whatever proposed the fix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import git

from heal import lock, proc
from heal.config import Config, load_config
from heal.discover import SourceFile, digest, read_source
from heal.edits import apply_fixes, independent
from heal.errors import HealError, UsageError
from heal.history import History, new_run_id
from heal.land import land
from heal.model import Fix
from heal.patterns.library import PatternLibrary
from heal.sandbox import git as gitops
from heal.state import ensure_state_dir
from heal.status import ProgressCallback, quiet
from heal.verify.engine import Engine
from heal.verify.records import FixRecord
from heal.verify.select import text_hash

PENDING, LANDED, REJECTED, STALE = "pending", "landed", "rejected", "stale"


@dataclass(frozen=True)
class ReviewItem:
    id: str
    run_id: str
    status: str
    created: float
    decided: float | None
    reason: str | None
    fix: Fix
    diff: str
    base_digest: str
    tree_key: str
    verification: str
    evidence: str
    covering_tests: tuple[str, ...]

    @property
    def rationale(self) -> str:
        return self.fix.rationale or "needs a human's approval"


def _item(row: dict[str, Any]) -> ReviewItem:
    payload = json.loads(row["payload"])
    return ReviewItem(
        id=row["id"], run_id=row["run_id"], status=row["status"], created=row["created"],
        decided=row["decided"], reason=row["reason"], fix=Fix.from_dict(payload["fix"]),
        diff=payload.get("diff", ""), base_digest=payload.get("base_digest", ""),
        tree_key=payload.get("tree_key", ""), verification=payload.get("verification", ""),
        evidence=payload.get("evidence", ""),
        covering_tests=tuple(payload.get("covering_tests", ())),
    )


def enqueue(history: History, run_id: str, fix: Fix, diff: str, base_digest: str, tree_key: str,
            verification: str, evidence: str = "", covering_tests: tuple[str, ...] = ()) -> str:
    """Queue a verified fix (or refresh the pending entry of the same fix); returns its id."""
    payload = json.dumps({"fix": fix.to_dict(), "diff": diff, "base_digest": base_digest,
                          "tree_key": tree_key, "verification": verification,
                          "evidence": evidence, "covering_tests": list(covering_tests)})
    history.conn.execute(
        "INSERT INTO review (id, run_id, fix_id, status, created, payload) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET run_id = excluded.run_id, payload = excluded.payload, "
        "created = excluded.created, status = ?, decided = NULL, reason = NULL "
        "WHERE review.status IN (?, ?)",
        (fix.id, run_id, fix.id, PENDING, time.time(), payload, PENDING, PENDING, STALE))
    history.event(run_id, "review_queued", PENDING, tool=fix.source,
                  parameters={"id": fix.id, "rule": fix.rule, "path": fix.path})
    return fix.id


def items(history: History, status: str | None = PENDING) -> list[ReviewItem]:
    if status is None:
        rows = history.conn.execute("SELECT * FROM review ORDER BY created")
    else:
        rows = history.conn.execute("SELECT * FROM review WHERE status = ? ORDER BY created",
                                    (status,))
    found = [_item(dict(row)) for row in rows]
    return sorted(found, key=lambda i: (i.fix.priority.value, i.fix.path, i.fix.line))


def find(history: History, prefix: str) -> ReviewItem:
    rows = [dict(r) for r in history.conn.execute(
        "SELECT * FROM review WHERE id LIKE ? ORDER BY created", (prefix + "%",))]
    if not rows:
        raise UsageError(f"no review item `{prefix}`; `heal review` lists them")
    if len(rows) > 1:
        raise UsageError(f"`{prefix}` matches {len(rows)} review items; give more of the id")
    return _item(rows[0])


def decide(history: History, item: ReviewItem, status: str, reason: str | None,
           run_id: str | None = None) -> None:
    history.conn.execute("UPDATE review SET status = ?, decided = ?, reason = ? WHERE id = ?",
                         (status, time.time(), reason, item.id))
    action = {LANDED: "review_approved", REJECTED: "review_rejected", STALE: "review_stale"}
    history.event(run_id or item.run_id, action.get(status, "review_decided"), status,
                  tool=item.fix.source, parameters={"id": item.id, "rule": item.fix.rule,
                                                    "path": item.fix.path}, error=reason)


def reject(history: History, prefixes: list[str], reason: str) -> list[ReviewItem]:
    if not reason.strip():
        raise UsageError("say why with --reason; it is recorded and teaches heal")
    chosen = [find(history, p) for p in prefixes]
    for item in chosen:
        if item.status != PENDING:
            raise UsageError(f"review item {item.id} is {item.status}, not pending")
    for item in chosen:
        decide(history, item, REJECTED, reason)
    return chosen


def settled(history: History) -> Callable[[Fix, str], bool]:
    """Whether the queue has settled a fix already: a reviewer rejected it, or it waits for
    this very base text (by its hash). The engine does not verify those again."""
    decided = {item.id: item for item in items(history, status=None)}

    def check(fix: Fix, base_hash: str) -> bool:
        item = decided.get(fix.id)
        return item is not None and (item.status == REJECTED or (
            item.status == PENDING and item.base_digest == base_hash))

    return check


def tree_key(repo: git.Repo, root: Path) -> str:
    """HEAD's tree plus the content of every uncommitted file: 'has the tree moved?'"""
    changed, deleted = gitops.uncommitted(repo)
    parts = [gitops.tree_key(repo)]
    for path in changed:
        if path.startswith(".heal/"):
            continue
        target = root / path
        parts.append(f"{path}:{digest(target.read_bytes()) if target.is_file() else '-'}")
    parts += [f"{path}:deleted" for path in deleted]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def queue_verified(history: History, repo: git.Repo, root: Path, run_id: str,
                   records: Sequence[FixRecord], current: Callable[[str], str]) -> None:
    """Put a run's needs-review fixes in the queue, each with the text it applies to."""
    key = tree_key(repo, root)
    for entry in records:
        enqueue(history, run_id, entry.fix, entry.diff, text_hash(current(entry.fix.path)), key,
                verification=f"tests pass with this fix on top of run {run_id}",
                evidence=entry.evidence, covering_tests=entry.covering_tests)


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
    landing = land(root, sources, texts)
    outcome.landed = landing.written
    for path, why in landing.skipped:
        outcome.messages.append(f"skipped {path}: {why}")
    for fix in kept:
        item = next(i for i in ready if i.fix.id == fix.id)
        if fix.path in landing.written:
            decide(history, item, LANDED, None, run_id)
            with contextlib.suppress(HealError):
                PatternLibrary(root, config).reviewed(fix, True, texts_now[fix.path], run_id)
            outcome.approved.append(item.id)
    return outcome


def approve(repo_dir: Path, prefixes: Sequence[str], progress: ProgressCallback = quiet,
            everything: bool = False) -> ApproveResult:
    """`heal review approve ID...`: land queued fixes, verifying again if the tree moved."""
    repo = gitops.open_repo(repo_dir)
    root = gitops.root_of(repo)
    state_dir = ensure_state_dir(root)
    config = load_config(root)
    run_id = new_run_id()
    with proc.stop_on_signals(), lock.held(state_dir, "heal review approve", run_id):
        history = History(state_dir)
        try:
            chosen = items(history) if everything else [find(history, p) for p in prefixes]
            for item in chosen:
                if item.status != PENDING:
                    raise UsageError(f"review item {item.id} is {item.status}, not pending")
            history.start_run(run_id, "heal review approve", "review", gitops.head_sha(repo))
            outcome = approve_items(history, repo, root, config, chosen, run_id, progress)
            history.finish_run(run_id, "ok", landed=len(outcome.approved),
                               test_runs=outcome.test_runs)
            return outcome
        finally:
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

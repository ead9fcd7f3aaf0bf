"""The review queue: fixes that passed the tests but need a human before they land.

Security HIGH fixes, behaviour-changing performance fixes and every logic fix are verified in
the sandbox like the rest, then queued here instead of landing. An item keeps the fix (its
edits), the diff, why it needs a human, the verification it passed, and the digest of the file
text it applies to: approving an item whose file changed since is refused as stale, and an item
whose tree moved (other files changed, HEAD moved) is re-verified before it lands.
Decisions are recorded in history, and feed the confidence of whatever proposed the fix.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from heal.discover import digest, text_hash
from heal.errors import UsageError
from heal.history import History
from heal.model import Fix
from heal.sandbox import git as gitops
from heal.verify.records import FixRecord

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

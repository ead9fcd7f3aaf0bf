"""The review queue: fixes that passed the tests but need a human before they land.

Security HIGH fixes, behaviour-changing performance fixes and every logic fix are verified in
the sandbox like the rest, then queued here instead of landing. An item keeps the fix (its
edits), the diff, why it needs a human, the verification it passed, and the digest of the file
text it applies to: approving an item whose file changed since is refused as stale, and an item
whose tree moved (other files changed, HEAD moved) is re-verified before it lands.
Decisions are recorded in history, and feed the confidence of whatever proposed the fix.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from heal.errors import UsageError
from heal.history import History
from heal.model import Fix

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

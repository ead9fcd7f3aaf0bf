"""The review queue page, and the two decisions a human takes there.

Approving goes through `heal.decisions.approve` (what `heal review approve ID` calls: it takes
heal's lock, refuses a stale item, verifies again if the tree moved, then lands); rejecting
through `heal.decisions.reject_items` (it records the reason, and the pattern that proposed the
fix loses confidence). Each returns the one-line outcome the next page shows.
"""

from __future__ import annotations

from heal import decisions, review
from heal.errors import HealError
from heal.review import ReviewItem
from heal.web.html import Raw, diff, e, facts, link, page, tag, url, when
from heal.web.site import Site


def approve(site: Site, item_id: str) -> str:
    try:
        outcome = decisions.approve(site.root, [item_id])
    except HealError as error:
        return f"not approved: {error.message}"
    if outcome.approved:
        return f"approved {item_id[:12]}: landed in {', '.join(outcome.landed)}"
    why = "; ".join(w for _, w in outcome.stale) or "; ".join(outcome.messages)
    return f"not landed: {why or 'see heal history'}"


def reject(site: Site, item_id: str, reason: str) -> str:
    if not reason.strip():
        return "not rejected: say why (the reason is recorded, and teaches heal)"
    try:
        decisions.reject_items(site.root, [item_id], reason.strip())
    except HealError as error:
        return f"not rejected: {error.message}"
    return f"rejected {item_id[:12]}: {reason.strip()}"


def _forms(site: Site, item: ReviewItem) -> str:
    if site.read_only:
        return ""
    token = f'<input type="hidden" name="token" value="{e(site.token)}">'
    return (f'<div class="decide">'
            f'<form method="post" action="{e(url("review", item.id, "approve"))}">{token}'
            f'<button class="approve" type="submit">Approve and land</button></form>'
            f'<form method="post" action="{e(url("review", item.id, "reject"))}">{token}'
            f'<input type="text" name="reason" required placeholder="why reject? (recorded)" '
            f'aria-label="reason"><button class="reject" type="submit">Reject</button></form>'
            "</div>")


def _item(site: Site, item: ReviewItem) -> str:
    fix = item.fix
    about = facts([
        ("why a human must look", item.rationale),
        ("verification", item.verification or "-"),
        ("evidence", (item.evidence or "-") + (f" ({', '.join(item.covering_tests[:4])})"
                                               if item.covering_tests else "")),
        ("source", fix.source), ("queued", when(item.created)),
        ("run", link(url("runs", item.run_id), item.run_id))])
    title = link(url("heal", item.run_id, fix.id), f"{fix.rule} at {fix.path}:{fix.line}")
    return (f'<article class="item" id="item-{e(item.id)}"><h3>{title} '
            f'{tag("span", fix.priority.value, "badge")}</h3>{about}{diff(item.diff)}'
            f"{_forms(site, item)}</article>")


def review_page(site: Site, note: str | None) -> str:
    items: list[ReviewItem] = site.read(review.items, [])
    shown = tag("p", note, "note") if note else ""
    where = ("read-only: decide with `heal review approve ID` / `heal review reject ID "
             "--reason ...`" if site.read_only else
             "approving lands the fix (verified again first if the tree moved); rejecting "
             "records why, and heal will not propose it again")
    head = (f"{len(items)} pending: {where}" if items else
            "empty: nothing waits for a human")
    body = Raw(f'<div id="review" data-live>{shown}<p id="review-summary">{e(head)}</p>'
               + "".join(_item(site, item) for item in items) + "</div>")
    return page(site, "Review queue", "review", body)

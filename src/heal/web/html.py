"""HTML for the web dashboard: everything is text (escaped) unless it is marked `Raw`, which only
the functions here and the SVG charts make; tables, badges, the diff, the page shell and the
panel of the running heal."""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from heal import metrics
from heal.web.site import Site

BASE = "/healing"
NAV = (("overview", "Overview", BASE), ("heals", "Heals", f"{BASE}/category/all"),
       ("patterns", "Patterns", f"{BASE}/patterns"), ("review", "Review", f"{BASE}/review"),
       ("runs", "Runs", f"{BASE}/runs"))
VERDICTS = {"verified": "ok", "rejected": "bad", "needs-review": "rev", "unverified": "warn",
            "skipped": "muted"}


class Raw(str):
    """HTML that is already safe: made here from escaped parts, never from input as is."""

    __slots__ = ()


Cell = str | int | float | None


def e(value: Cell) -> str:
    """`value` as text in HTML (a `Raw` stays as it is)."""
    if isinstance(value, Raw):
        return value
    return html.escape("" if value is None else str(value), quote=True)


def url(*parts: str) -> str:
    """A path under /healing with each part quoted (ids and names are data, not paths)."""
    return BASE + "".join("/" + quote(part, safe="") for part in parts)


def link(href: str, text: Cell, cls: str = "") -> Raw:
    klass = f' class="{e(cls)}"' if cls else ""
    return Raw(f'<a href="{e(href)}"{klass}>{e(text)}</a>')


def tag(name: str, text: Cell, cls: str = "", ident: str = "") -> Raw:
    attrs = (f' class="{e(cls)}"' if cls else "") + (f' id="{e(ident)}"' if ident else "")
    return Raw(f"<{name}{attrs}>{e(text)}</{name}>")


def join(parts: Iterable[Cell], sep: str = "") -> Raw:
    return Raw(e(sep).join(e(part) for part in parts))


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], ident: str = "",
          empty: str = "nothing here yet") -> Raw:
    body = "".join("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    if not body:
        return tag("p", empty, "muted")
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    attrs = f' id="{e(ident)}"' if ident else ""
    return Raw(f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def facts(pairs: Iterable[tuple[str, Cell]], ident: str = "") -> Raw:
    """A definition list: label, then value."""
    attrs = f' id="{e(ident)}"' if ident else ""
    body = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in pairs)
    return Raw(f'<dl class="facts"{attrs}>{body}</dl>')


def verdict(name: str, landed: bool = False) -> Raw:
    label = name + (" ✓" if landed and name in ("verified", "unverified") else "")
    return tag("span", label, f"badge {VERDICTS.get(name, '')}")


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def when(moment: float | None) -> str:
    if not moment:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(moment))


def seconds(value: float | None, estimated: bool = False) -> str:
    return "-" if value is None else f"{'~' if estimated else ''}{value:.1f}s"


def diff(text: str) -> Raw:
    """A unified diff, one line per element, coloured by what the line does."""
    if not text.strip():
        return tag("p", "(no diff recorded)", "muted")
    lines = []
    for line in text.rstrip("\n").splitlines():
        if line.startswith(("+++", "---")):
            cls = "file"
        elif line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        else:
            cls = "ctx"
        lines.append(f'<span class="{cls}">{e(line)}</span>')
    return Raw('<pre class="diff">' + "\n".join(lines) + "</pre>")


def active_panel(site: Site) -> Raw:
    """The running heal (its phase and counts), or when the last one ran: the live part of
    every page."""
    state = site.state_dir
    now = site.clock()
    active = metrics.active_run(state)
    if active is None:
        last = site.read(metrics.latest_run, None)
        text = '<span class="dot idle"></span><b>no heal running</b>'
        if last is not None:
            outcome = "" if last.status == "ok" else f" ({last.status})"
            text += e(f" · last run {metrics.ago(now - last.started)} ago{outcome}: "
                      f"{last.findings} findings, {last.landed} landed, {last.rejected} "
                      f"rejected, {last.review} for review")
        else:
            text += e(" · no runs recorded yet: run `heal` in this repository")
        return Raw(f'<p id="active-line" class="idle">{text}</p>')
    head = (f'<span class="dot live"></span><b>heal running</b> · run '
            f'{link(url("runs", active.run_id), active.run_id)} · '
            f'{e(metrics.ago(now - active.started))} · {e(active.command)}')
    status = active.status
    if status is None:
        progress = '<span class="muted">working (no progress reported yet)</span>'
    elif status.fraction is not None:
        progress = (f'<span id="phase">{e(status.phase)}</span> '
                    f'<progress max="{status.total}" value="{status.done}"></progress> '
                    f'<span id="counts">{status.done}/{status.total}</span>')
    else:
        progress = (f'<span id="phase">{e(status.phase)}</span> '
                    f'<span id="counts">{status.done} done</span>')
    return Raw(f'<p id="active-line" class="running">{head}</p><p class="progress">{progress}</p>')


def page(site: Site, title: str, current: str, body: Raw) -> str:
    """A whole page: head (stylesheet, script, the token unless read-only), navigation, the
    running heal's panel, and `body`."""
    pending = site.read(metrics.pending_review, 0)
    nav = []
    for key, label, href in NAV:
        text = f"{label} ({pending})" if key == "review" and pending else label
        nav.append(link(href, text, "current" if key == current else ""))
    token = "" if site.read_only else f'<meta name="heal-token" content="{e(site.token)}">'
    mode = ' <span class="badge muted">read-only</span>' if site.read_only else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · heal · {e(site.root.name)}</title>{token}"
        f'<link rel="stylesheet" href="{BASE}/static/heal.css"><link rel="icon" href="data:,">'
        f'<script src="{BASE}/static/heal.js" defer></script></head><body>'
        f'<header><span class="brand">heal</span> <span class="repo">{e(site.root.name)}</span>'
        f'{mode}<nav>{"".join(nav)}</nav></header>'
        f'<section id="active" class="active">{active_panel(site)}</section>'
        f"<main><h1>{e(title)}</h1>{body}</main></body></html>")

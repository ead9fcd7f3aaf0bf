"""The patterns pages: the library (built-in and learned) with confidence and use, and one
pattern: when and how it was learned, its versions, its statistics and the heals it made."""

from __future__ import annotations

import contextlib

from heal import metrics, trends
from heal.web.heals import heals_table
from heal.web.html import Cell, Raw, e, facts, link, page, pct, table, tag, url
from heal.web.site import Site


def patterns_page(site: Site) -> str:
    rows, error = site.cached("patterns", lambda: metrics.patterns(site.root, site.config))
    threshold = site.config.auto_apply_confidence
    active = sum(1 for r in rows if r.status == "active")
    learned = sum(1 for r in rows if r.origin != "builtin")
    summary = (f"{len(rows)} patterns: {active} active, {learned} learned in .heal/patterns; "
               f"a pattern at or above {threshold:.2f} confidence serves a finding on its own")
    cells: list[list[Cell]] = [[link(url("patterns", r.id), r.id), f"v{r.version}",
              tag("span", r.status, f"badge status-{r.status}"), r.origin,
              tag("span", f"{r.confidence:.2f}", "ok" if r.confidence >= threshold else ""),
              max(r.applied, r.used_in_history), r.verified, r.rejected,
              pct(metrics.Rate(r.verified, r.verified + r.rejected).value),
              ", ".join(r.triggers)] for r in rows]
    problem = tag("p", f"the library could not be read as a whole: {error}", "bad") \
        if error else ""
    body = Raw(f'<div id="patterns" data-live><p>{e(summary)}</p>{problem}'
               + table(["pattern", "version", "status", "origin", "confidence", "used",
                        "verified", "rejected", "success", "triggers"], cells, "patterns-table",
                       "no patterns")
               + "</div>")
    return page(site, "Patterns", "patterns", body)


def pattern_page(site: Site, pattern_id: str) -> str | None:
    # a pattern file changes by a rename in .heal/patterns/ (the folder's stat moves with it)
    pattern = site.cached(("pattern", pattern_id),
                          lambda: trends.pattern_record(site.root, pattern_id, site.config),
                          files=("patterns",))
    if pattern is None:
        return None
    rows: list[metrics.HealRow] = site.read(
        lambda history: metrics.heals(history, source=f"pattern:{pattern.id}@"), [])
    stats = pattern.stats
    threshold = site.config.auto_apply_confidence
    about: list[tuple[str, Cell]] = [("status", pattern.status), ("version", f"v{pattern.version}"),
             ("origin", f"{pattern.origin} ({pattern.provenance.describe()})"),
             ("learned", pattern.history[0].date if pattern.history else "-"),
             ("category", pattern.category.value), ("safety", pattern.safety.value),
             ("triggers", ", ".join(pattern.triggers)),
             ("confidence", f"{pattern.confidence:.2f} (auto-apply at {threshold:.2f})")]
    if pattern.description or pattern.message:
        about.insert(0, ("what", pattern.description or pattern.message))
    usage: list[tuple[str, Cell]] = [("applied", stats.applied), ("verified", stats.verified),
             ("rejected", stats.rejected), ("approved in review", stats.approved),
             ("declined in review", stats.declined_by_review),
             ("success", pct(metrics.Rate(stats.successes, stats.trials).value)),
             ("heals in this history", len(rows))]
    versions = table(["date", "version", "change", "why"],
                     [[h.date, f"v{h.version}", h.change, h.why] for h in pattern.history],
                     "versions", "no history recorded")
    examples = "".join(
        f'<div class="example"><pre class="diff"><span class="del">{e(x.before)}</span>'
        f'</pre><pre class="diff"><span class="add">{e(x.after)}</span></pre></div>'
        for x in pattern.examples)
    source = ""
    if pattern.path is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            source = pattern.path.read_text(encoding="utf-8")
    body = Raw(
        f'<div id="pattern" data-live>{facts(about)}'
        f'<h2>Use</h2>{facts(usage, "usage")}'
        f"<h2>Versions</h2>{versions}"
        f"<h2>Rewrite</h2><pre class=\"output\">{e(pattern.pattern)}\n  ⇒\n{e(pattern.fix)}</pre>"
        + (f"<h2>Examples</h2>{examples}" if examples else "")
        + f"<h2>Heals made by it</h2>{heals_table(rows)}"
        + (f"<h2>File</h2><pre class=\"output\">{e(source)}</pre>" if source else "")
        + "</div>")
    return page(site, f"Pattern {pattern.id}", "patterns", body)


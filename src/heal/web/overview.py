"""The overview page: success rates of heals (previews apart), pattern reuse, the charts of
success rate and findings over time, the error distribution by category and rule, and
insights."""

from __future__ import annotations

from dataclasses import dataclass

from heal import metrics, trends
from heal.report.charts import COLORS, svg_bars, svg_line
from heal.web.html import Cell, Raw, e, link, page, pct, table, tag, url
from heal.web.site import Site

FRESH = 10.0


@dataclass(frozen=True)
class OverviewData:
    view: metrics.Overview
    rates: dict[str, dict[str, metrics.Rate]]
    buckets: list[trends.Bucket]
    insights: list[trends.Insight]
    runs: dict[str, int]


def gather(site: Site, period: str) -> OverviewData:
    """The overview's figures; kept while history stands still, for at most `FRESH` seconds
    (the windows move with the clock)."""
    now = site.clock()
    return site.cached(("overview", period, int(now // FRESH)), lambda: _gather(site, period, now))


def _gather(site: Site, period: str, now: float) -> OverviewData:
    view = metrics.overview(site.state_dir, now, site.config)
    empty_rates = {mode: {name: metrics.Rate(0, 0) for name, _ in metrics.WINDOWS}
                   for mode in (trends.HEAL, trends.PREVIEW)}
    return site.read(lambda history: OverviewData(
        view=view, rates=trends.rates_by_mode(history, now),
        buckets=trends.over_time(history, now, period),
        insights=trends.insights(history, now), runs=trends.run_counts(history)),
        OverviewData(view, empty_rates, [], [], {}))


def _card(label: str, value: str, detail: str, ident: str, cls: str = "") -> str:
    return (f'<div class="card"><b id="{e(ident)}" class="{e(cls)}">{e(value)}</b>'
            f"<span>{e(label)}</span><small>{e(detail)}</small></div>")


def cards(data: OverviewData) -> Raw:
    heals, previews = data.rates[trends.HEAL], data.rates[trends.PREVIEW]
    parts = [_card(f"success rate, last {name}", pct(rate.value),
                   f"{rate.good} of {rate.total} verified" if rate.total else "no heals",
                   f"rate-{name}") for name, rate in heals.items()]
    week = previews["7d"]
    parts.append(_card("previews (dry runs), 7d", pct(week.value),
                       f"{week.good} of {week.total} would pass" if week.total else "none",
                       "rate-previews", "muted"))
    reuse = data.view.pattern_reuse
    parts.append(_card("pattern reuse, 7d", pct(reuse.value),
                       f"{reuse.good} of {reuse.total} fixes from patterns", "pattern-reuse"))
    parts.append(_card("waiting for review", str(data.view.pending_review), "fixes",
                       "pending", "rev" if data.view.pending_review else ""))
    counts = ", ".join(f"{n} {trends.MODES.get(mode, mode)}"
                       for mode, n in sorted(data.runs.items()))
    parts.append(_card("runs", str(data.view.runs), counts or "none yet", "runs"))
    return Raw('<div class="cards">' + "".join(parts) + "</div>")


def charts(data: OverviewData, period: str) -> Raw:
    tabs = " ".join(
        tag("b", name) if name == period else link(f"{url()}?period={name}", name)
        for name in trends.PERIODS)
    names = [trends.bucket_label(b, period) for b in data.buckets]
    daily = [{"day": name, "verified": b.verified, "needs_review": b.review,
              "rejected": b.rejected} for name, b in zip(names, data.buckets, strict=True)]
    shown = [b for b in daily if b["verified"] or b["needs_review"] or b["rejected"]]
    bars = svg_bars(daily, labels=[trends.bucket_label(b, period, short=True)
                                   for b in data.buckets]) if shown else \
        '<p class="muted">No heals in this period.</p>'
    return Raw(
        f'<h2>Over time <span class="tabs">{tabs}</span></h2>'
        '<div class="chart" id="chart-rate">'
        + svg_line([b.rate for b in data.buckets], f"success rate of heals, last {period}",
                   COLORS["rate"], percent=True, names=names)
        + '</div><div class="chart" id="chart-findings">'
        + svg_line([b.findings for b in data.buckets], f"findings per heal run, last {period}",
                   COLORS["findings"], names=names)
        + '</div><div class="chart" id="chart-heals">'
        + bars
        + "</div>")


def distribution(view: metrics.Overview) -> Raw:
    rows = view.categories
    top = max([r.findings for r in rows] + [1])
    category_rows: list[list[Cell]] = [
        [link(url("category", r.category), r.category),
         Raw(f'<meter min="0" max="{top}" value="{r.findings}"></meter> {r.findings}'),
         r.heals, r.verified, r.rejected, r.review] for r in rows]
    category_rows.append([link(url("category", "all"), "all"), sum(r.findings for r in rows),
                          sum(r.heals for r in rows), sum(r.verified for r in rows),
                          sum(r.rejected for r in rows), sum(r.review for r in rows)])
    rule_rows: list[list[Cell]] = [[r.rule, r.findings, r.heals, r.verified, r.rejected]
                                   for r in view.top_rules]
    return Raw(
        '<div class="columns"><div><h2>Errors by category</h2>'
        '<p class="muted">findings in the last run; heals tried in 7 days</p>'
        + table(["category", "findings", "heals", "verified", "rejected", "review"],
                category_rows, "categories")
        + "</div><div><h2>Top rules</h2>"
        + table(["rule", "findings", "heals", "verified", "rejected"], rule_rows, "rules",
                "no findings or heals yet")
        + "</div></div>")


def insight_list(data: OverviewData) -> Raw:
    items = [f'<li class="{e(i.kind)}">{e(i.text)}</li>' for i in data.insights]
    items += [f'<li class="failing">circuit breaker: {e(key)} is off: {e(why)}; '
              f"<code>heal rule CODE --enable</code> or <code>heal patterns enable ID</code> "
              "switches it on again</li>" for key, why in data.view.tripped.items()]
    if data.view.pending_review:
        items.append(f'<li class="rev">{data.view.pending_review} verified fixes wait for a '
                     f'human: {link(url("review"), "open the review queue")}</li>')
    body = "<ul>" + "".join(items) + "</ul>" if items else \
        '<p class="muted">Nothing to act on.</p>'
    return Raw(f'<h2>Insights</h2><div id="insights">{body}</div>')


def overview_page(site: Site, period: str) -> str:
    if period not in trends.PERIODS:
        period = "7d"
    data = gather(site, period)
    body = Raw(f'<div id="overview" data-live>{cards(data)}{charts(data, period)}'
               f"{distribution(data.view)}{insight_list(data)}</div>")
    return page(site, "Healing overview", "overview", body)

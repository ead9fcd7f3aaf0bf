"""The heals pages: a category's heals, one heal (its diff, test evidence and verdict), the runs
(heals, previews and review decisions apart) and one run."""

from __future__ import annotations

from heal import metrics, trends
from heal.history import RunSummary
from heal.web.html import Cell, Raw, diff, e, facts, link, page, seconds, table, tag, url, verdict, when
from heal.web.site import Site

EVIDENCE = {
    "covered": "tests run the changed lines",
    "uncovered": "no test runs the changed lines",
    "unverified": "tests skipped: --no-verify",
}
LIMIT = 500


def source_link(source: str) -> Raw:
    """A pattern's source links to the pattern; a fixer's is its name."""
    if source.startswith("pattern:"):
        pattern_id = source[len("pattern:"):].rpartition("@")[0] or source[len("pattern:"):]
        return link(url("patterns", pattern_id), source)
    return Raw(e(metrics.short_source(source)))


def heal_rows(rows: list[metrics.HealRow], *, with_run: bool = False) -> list[list[str]]:
    out = []
    for row in rows:
        cells: list[str] = [
            link(url("heal", row.run_id, row.fix_id), row.where), row.rule,
            source_link(row.source),
            Raw(verdict(row.verdict, row.landed)
                + (" " + tag("span", "preview", "badge muted") if row.preview else "")),
            seconds(row.duration, row.estimated), when(row.created)]
        if with_run:
            cells.append(link(url("runs", row.run_id), row.run_id))
        out.append(cells)
    return out


def heals_table(rows: list[metrics.HealRow], ident: str = "heals", *,
                with_run: bool = True) -> Raw:
    headers = ["file:line", "rule", "source", "verdict", "time", "when"]
    return table(headers + (["run"] if with_run else []), heal_rows(rows, with_run=with_run),
                 ident, "no heals here yet")


def category_page(site: Site, category: str) -> str:
    chosen = None if category == "all" else category
    rows: list[metrics.HealRow] = site.read(
        lambda history: metrics.heals(history, chosen, LIMIT), [])
    verified = sum(1 for r in rows if r.verdict == "verified")
    rejected = sum(1 for r in rows if r.verdict == "rejected")
    previews = sum(1 for r in rows if r.preview)
    summary = (f"{len(rows)} tried, {verified} verified, {rejected} rejected"
               + (f"; {previews} of them in previews (dry runs)" if previews else "")
               + (f"; the newest {LIMIT} shown" if len(rows) == LIMIT else ""))
    names = " ".join(tag("b", name) if name == category else link(url("category", name), name)
                     for name in (*metrics.CATEGORIES, "all"))
    body = Raw(f'<p class="tabs">{names}</p><div id="category" data-live>'
               f'<p id="summary">{e(summary)}</p>{heals_table(rows)}</div>')
    return page(site, f"Heals: {category if chosen else 'all categories'}", "heals", body)


def _listed(items: tuple[str, ...]) -> Raw:
    if not items:
        return Raw("none")
    return Raw("<ul>" + "".join(f"<li><code>{e(i)}</code></li>" for i in items) + "</ul>")


def heal_page(site: Site, run_id: str, fix_id: str) -> str | None:
    detail = site.read(lambda history: metrics.heal_detail(history, run_id, fix_id), None)
    if detail is None:
        return None
    row = detail.row
    explained = EVIDENCE.get(detail.evidence, "")
    about: list[tuple[str, Cell]] = [
        ("where", Raw(f"<code>{e(row.where)}</code>")), ("rule", row.rule),
        ("category", link(url("category", row.category), row.category)),
        ("source", source_link(row.source)),
        ("verdict", Raw(verdict(row.verdict, row.landed)
                        + (" (a preview: a dry run, nothing landed)" if row.preview else ""))),
        ("run", Raw(f"{link(url('runs', row.run_id), row.run_id)} · round {detail.round}")),
        ("priority", detail.priority), ("safety", detail.safety),
        ("time", seconds(row.duration, row.estimated)), ("when", when(row.created)),
    ]
    if detail.review_status:
        status: Cell = link(url("review"), "pending: decide in the review queue") \
            if detail.review_status == "pending" else detail.review_status
        about.append(("review", Raw(e(status) + (f": {e(detail.review_reason)}"
                                                 if detail.review_reason else ""))))
    evidence = [("level", (detail.evidence or "-") + (f" ({explained})" if explained else "")),
                ("covering tests", _listed(detail.covering_tests)),
                ("failing tests", _listed(detail.failing_tests)),
                ("reason", detail.reason or "-")]
    output = (f"<h2>Test output</h2><pre class=\"output\">{e(detail.output.rstrip())}</pre>"
              if detail.output.strip() else "")
    body = Raw(
        f'<div id="heal" data-live>{facts(about)}'
        f'<h2>Test evidence</h2>{facts(evidence, "evidence")}'
        f'<h2>Diff</h2><div id="diff">{diff(detail.diff)}</div>{output}</div>')
    return page(site, f"{row.rule} at {row.where}", "heals", body)



def runs_page(site: Site, mode: str | None) -> str:
    if mode not in trends.MODES:
        mode = None
    nothing: tuple[list[RunSummary], dict[str, int]] = ([], {})
    runs, counts = site.read(
        lambda history: (trends.runs(history, mode), trends.run_counts(history)), nothing)
    tabs = [tag("b", "all") if mode is None else link(url("runs"), "all")]
    tabs += [tag("b", f"{label} ({counts.get(key, 0)})") if key == mode else
             link(f"{url('runs')}?mode={key}", f"{label} ({counts.get(key, 0)})")
             for key, label in trends.MODES.items()]
    rows: list[list[Cell]] = [[link(url("runs", r.id), r.id), when(r.started),
             tag("span", trends.MODES.get(r.mode, r.mode), f"badge mode-{r.mode}"), r.status,
             r.findings, r.landed, r.rejected, r.review, r.test_runs, seconds(r.duration)]
            for r in runs]
    body = Raw(f'<p class="tabs">{" ".join(tabs)}</p><div id="runs" data-live>'
               + table(["run", "started", "kind", "status", "findings", "landed", "rejected",
                        "review", "test runs", "time"], rows, "runs-table", "no runs yet")
               + "</div>")
    return page(site, "Runs", "runs", body)


def run_page(site: Site, run_id: str) -> str | None:
    nothing: tuple[trends.RunDetail | None, list[metrics.HealRow]] = (None, [])
    detail, rows = site.read(lambda history: (
        trends.run(history, run_id), metrics.heals(history, None, LIMIT, run_id=run_id)), nothing)
    if detail is None:
        return None
    r = detail.summary
    about: list[tuple[str, Cell]] = [("kind", trends.MODES.get(r.mode, r.mode)), ("command", r.command),
             ("status", r.status), ("started", when(r.started)),
             ("finished", when(r.finished)), ("time", seconds(r.duration)),
             ("findings", str(r.findings)), ("landed", str(r.landed)),
             ("rejected", str(r.rejected)), ("for review", str(r.review)),
             ("test runs", str(r.test_runs)), ("HEAD", detail.head[:12] or "-")]
    if detail.error:
        about.append(("error", detail.error))
    phases = table(["phase", "seconds"], [[k, f"{v:.1f}"] for k, v in detail.phases.items()],
                   "phases", "no phase times recorded")
    body = Raw(f'<div id="run" data-live>{facts(about)}'
               f"<h2>Where the time went</h2>{phases}<h2>Heals</h2>"
               f"{heals_table(rows, with_run=False)}</div>")
    return page(site, f"Run {run_id}", "runs", body)

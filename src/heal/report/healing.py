"""`heal report`: the healing report over a period, as markdown, a self-contained HTML page or JSON.

Built from `.heal/history.db` (read-only) and the pattern files:
  - period and totals: runs, fixes tried and their verdicts, landed, test runs; a dry run's
    fixes are previews, counted apart (`previews`) and in nothing else;
  - auto-resolved (verified and landed, or landed unverified) vs escalated (waiting for review,
    rejected by verification, declined in review, sources switched off by the circuit breaker);
  - mean time per heal: measured per fix when history has it, else heal runs' time over the
    fixes they tried;
  - successful heals, and escalations with their reasons;
  - learning insights: patterns whose confidence moved in the period (confidence before = the
    Wilson bound of today's stats minus the period's outcomes), retired patterns, rules that
    keep failing (rejected at least twice, at least as often as verified);
  - pattern evolution: every version change dated in the period (learned, retired, enabled...).

The HTML is one file: inline CSS, inline SVG charts, no script, nothing fetched.
"""

from __future__ import annotations

import contextlib
import datetime
import html
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from heal import breaker
from heal.config import Config
from heal.errors import UsageError
from heal.metrics import Rate, ReadOnlyHistory, open_history, sparkline
from heal.report.charts import COLORS, svg_bars, svg_line

VERSION = 1
FORMATS = ("md", "html", "json")
UNITS = {"m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


def parse_since(value: str, now: float) -> float:
    """`7d`, `24h`, `30m`, `2w`, or a date / date-time (`2025-11-20`, `2025-11-20T08:00`)."""
    text = value.strip()
    match = re.fullmatch(r"(\d+)\s*([mhdw])", text)
    if match:
        return now - int(match.group(1)) * UNITS[match.group(2)]
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--since {value}: use a span like 7d, 24h, 30m, or a date like "
                         "2025-11-20") from None
    if moment.tzinfo is None:
        return time.mktime(moment.timetuple()) + moment.microsecond / 1e6
    return moment.timestamp()


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(ts).isoformat(timespec="seconds")


def _day(ts: float) -> str:
    return datetime.date.fromtimestamp(ts).isoformat()


def _loads(value: Any) -> list[str]:
    if not value:
        return []
    with contextlib.suppress(ValueError, TypeError):
        loaded = json.loads(value)
        if isinstance(loaded, list):
            return [str(v) for v in loaded]
    return [str(value)]


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


# -- the report document ---------------------------------------------------------------------
def build(root: Path, since: float, until: float, config: Config | None = None) -> dict[str, Any]:
    """The report as plain data (what `--format json` prints, and what md/html render)."""
    config = config or Config()
    state = root / ".heal"
    history = open_history(state)
    document: dict[str, Any] = {
        "version": VERSION, "repository": root.name,
        "period": {"since": since, "until": until, "since_iso": _iso(since),
                   "until_iso": _iso(until), "days": round((until - since) / 86400, 2)},
    }
    if history is None:
        document.update(_empty())
        document["insights"], document["pattern_evolution"] = _pattern_insights(
            root, config, since, {}, {})
        return document
    try:
        document.update(_from_history(history, root, since, until, config))
    finally:
        history.close()
    return document


def _empty() -> dict[str, Any]:
    return {"totals": {"runs": 0, "heal_runs": 0, "dry_runs": 0, "previews": 0,
                       "review_runs": 0, "fixes": 0, "verified": 0,
                       "rejected": 0, "needs_review": 0, "unverified": 0, "skipped": 0,
                       "landed": 0, "test_runs": 0, "approved_in_review": 0,
                       "declined_in_review": 0, "findings_first": None, "findings_last": None,
                       "llm_requests": 0, "llm_tokens": 0},
            "auto_resolved": 0, "escalated": {"needs_review": 0, "rejected": 0,
                                              "declined_in_review": 0, "breaker": 0, "total": 0},
            "success_rate": None, "mean_time_per_heal": None, "successful_heals": [],
            "escalations": [], "breaker": {"limit": 0, "tripped": {}, "events": []},
            "daily": [], "runs": []}


def _from_history(history: ReadOnlyHistory, root: Path, since: float, until: float,
                  config: Config) -> dict[str, Any]:
    conn = history.conn
    runs = [dict(r) for r in conn.execute(
        "SELECT * FROM runs WHERE started >= ? AND started < ? ORDER BY started", (since, until))]
    every_fix = [dict(r) for r in conn.execute(
        "SELECT * FROM fixes WHERE created >= ? AND created < ? ORDER BY created, rowid",
        (since, until))]
    dry = {str(row[0]) for row in conn.execute("SELECT id FROM runs WHERE mode = 'dry-run'")}
    fixes = [f for f in every_fix if f["run_id"] not in dry]  # heals; a dry run's are previews
    decisions = [dict(r) for r in conn.execute(
        "SELECT * FROM review WHERE decided >= ? AND decided < ? AND status IN "
        "('landed', 'rejected') ORDER BY decided", (since, until))]
    pending = [dict(r) for r in conn.execute(
        "SELECT * FROM review WHERE status = 'pending' ORDER BY created")]
    verdicts = Counter(str(f["verdict"]) for f in fixes)
    heal_runs = [r for r in runs if r["mode"] == "heal"]
    dry_runs = [r for r in runs if r["mode"] == "dry-run"]
    finished = [r for r in runs if r["mode"] in ("heal", "dry-run") and r["status"] != "running"]
    landed = sum(1 for f in fixes if f["landed"])
    approved = [d for d in decisions if d["status"] == "landed"]
    declined = [d for d in decisions if d["status"] == "rejected"]
    tripped = breaker.tripped(history, config, root=root)
    breaker_events = [e for e in breaker.trip_events(history)
                      if since <= float(str(e["ts"])) < until]

    measured = [float(f["duration"]) for f in fixes if f["duration"] is not None]
    if measured:
        mean_time: float | None = sum(measured) / len(measured)
    else:
        run_ids = {r["id"] for r in finished if r["duration"] is not None}
        tried = sum(1 for f in fixes if f["run_id"] in run_ids)
        spent = sum(float(r["duration"]) for r in finished if r["duration"] is not None
                    and any(f["run_id"] == r["id"] for f in fixes))
        mean_time = spent / tried if tried else None

    successful = [{"run_id": f["run_id"], "rule": f["rule"], "path": f["path"], "line": f["line"],
                   "source": f["source"], "category": f["category"], "evidence": f["evidence"],
                   "covering_tests": _loads(f["covering_tests"]), "landed": bool(f["landed"])}
                  for f in fixes if f["verdict"] == "verified"]
    successful += [{"run_id": d["run_id"], "rule": p["fix"]["rule"], "path": p["fix"]["path"],
                    "line": p["fix"]["line"], "source": p["fix"]["source"],
                    "category": p["fix"]["category"], "evidence": p.get("evidence", ""),
                    "covering_tests": list(p.get("covering_tests", [])), "landed": True,
                    "approved_in_review": True}
                   for d in approved for p in [json.loads(d["payload"])]]

    escalations: list[dict[str, Any]] = [
        {"kind": "rejected", "rule": f["rule"], "path": f["path"], "line": f["line"],
         "source": f["source"], "run_id": f["run_id"], "reason": _first_line(f["reason"]),
         "failing_tests": _loads(f["failing_tests"])}
        for f in fixes if f["verdict"] == "rejected"]
    pending_ids = {p["fix_id"] for p in pending}
    for f in fixes:
        if f["verdict"] == "needs-review":
            status = "pending" if f["id"] in pending_ids else _review_status(conn, f["id"])
            escalations.append({"kind": "needs-review", "rule": f["rule"], "path": f["path"],
                                "line": f["line"], "source": f["source"], "run_id": f["run_id"],
                                "reason": _first_line(f["reason"]), "status": status})
    for d in declined:
        payload = json.loads(d["payload"])["fix"]
        escalations.append({"kind": "declined-in-review", "rule": payload["rule"],
                            "path": payload["path"], "line": payload["line"],
                            "source": payload["source"], "run_id": d["run_id"],
                            "reason": d["reason"] or ""})
    for key, why in tripped.items():
        escalations.append({"kind": "breaker", "rule": "", "path": "", "line": 0,
                            "source": key, "run_id": "", "reason": why})

    daily: dict[str, dict[str, int]] = defaultdict(lambda: {"verified": 0, "rejected": 0,
                                                             "needs_review": 0, "findings": 0})
    for f in fixes:
        bucket = daily[_day(float(f["created"]))]
        key = "needs_review" if f["verdict"] == "needs-review" else str(f["verdict"])
        if key in bucket:
            bucket[key] += 1
    for r in finished:
        bucket = daily[_day(float(r["started"]))]
        bucket["findings"] = max(bucket["findings"], int(r["findings"] or 0))
    rate = Rate(verdicts["verified"], verdicts["verified"] + verdicts["rejected"])

    period_outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for f in fixes:
        key = breaker.source_key(str(f["source"] or ""))
        if key.startswith("pattern:"):
            outcome = {"verified": "verified", "needs-review": "verified",
                       "rejected": "rejected"}.get(str(f["verdict"]))
            if outcome:
                period_outcomes[key[len("pattern:"):]][outcome] += 1
    for d in decisions:
        key = breaker.source_key(str(json.loads(d["payload"])["fix"]["source"]))
        if key.startswith("pattern:"):
            outcome = "approved" if d["status"] == "landed" else "declined_by_review"
            period_outcomes[key[len("pattern:"):]][outcome] += 1
    failing = _failing_rules(fixes)
    insights, evolution = _pattern_insights(root, config, since, period_outcomes, failing)

    findings = [int(r["findings"] or 0) for r in finished]
    return {
        "totals": {
            "runs": len(runs), "heal_runs": len(heal_runs), "dry_runs": len(dry_runs),
            "previews": len(every_fix) - len(fixes),
            "review_runs": sum(1 for r in runs if r["mode"] == "review"),
            "fixes": len(fixes), "verified": verdicts["verified"],
            "rejected": verdicts["rejected"], "needs_review": verdicts["needs-review"],
            "unverified": verdicts["unverified"], "skipped": verdicts["skipped"],
            "landed": landed + len(approved),
            "test_runs": sum(int(r["test_runs"] or 0) for r in runs),
            "approved_in_review": len(approved), "declined_in_review": len(declined),
            "findings_first": findings[0] if findings else None,
            "findings_last": findings[-1] if findings else None,
            # an older history.db has no such columns: no model was asked then
            "llm_requests": sum(int(r.get("llm_requests") or 0) for r in runs),
            "llm_tokens": sum(int(r.get("llm_tokens") or 0) for r in runs),
        },
        "auto_resolved": sum(1 for f in fixes if f["landed"]
                             and f["verdict"] in ("verified", "unverified")),
        "escalated": {"needs_review": verdicts["needs-review"], "rejected": verdicts["rejected"],
                      "declined_in_review": len(declined), "breaker": len(tripped),
                      "total": verdicts["needs-review"] + verdicts["rejected"] + len(declined)
                      + len(tripped)},
        "success_rate": rate.value,
        "mean_time_per_heal": round(mean_time, 3) if mean_time is not None else None,
        "successful_heals": successful,
        "escalations": escalations,
        "breaker": {"limit": config.circuit_breaker, "tripped": tripped,
                    "events": breaker_events},
        "daily": [{"day": day, **counts} for day, counts in sorted(daily.items())],
        "runs": [{"id": r["id"], "started": r["started"], "mode": r["mode"],
                  "status": r["status"], "findings": r["findings"], "landed": r["landed"],
                  "rejected": r["rejected"], "review": r["review"],
                  "duration": r["duration"], "llm_requests": int(r.get("llm_requests") or 0),
                  "llm_tokens": int(r.get("llm_tokens") or 0)} for r in runs],
        "insights": insights,
        "pattern_evolution": evolution,
    }


def _review_status(conn: Any, fix_id: str) -> str:
    row = conn.execute("SELECT status FROM review WHERE fix_id = ? ORDER BY created DESC",
                       (fix_id,)).fetchone()
    return str(row["status"]) if row is not None else "not queued"


def _failing_rules(fixes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rules rejected at least twice in the period, and at least as often as verified."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: dict[str, str] = {}
    for f in fixes:
        counts[str(f["rule"])][str(f["verdict"])] += 1
        if f["verdict"] == "rejected":
            reasons[str(f["rule"])] = _first_line(f["reason"])
    return {rule: {"rule": rule, "rejected": c["rejected"],
                   "verified": c["verified"] + c["needs-review"], "attempts": sum(c.values()),
                   "last_reason": reasons.get(rule, "")}
            for rule, c in sorted(counts.items())
            if c["rejected"] >= 2 and c["rejected"] >= c["verified"] + c["needs-review"]}


def _pattern_insights(root: Path, config: Config, since: float,
                      outcomes: dict[str, Counter[str]], failing: dict[str, dict[str, Any]]
                      ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    insights: dict[str, Any] = {"confidence_moved": [], "retired": [],
                                "failing_rules": list(failing.values()), "learned": [],
                                "patterns_error": None}
    evolution: list[dict[str, Any]] = []
    try:
        # start-up time: libcst and the fixers load only where patterns evolved
        from heal.patterns.library import PatternLibrary
        from heal.patterns.model import Stats, wilson_lower_bound

        patterns = PatternLibrary(root, config).all()
    except Exception as error:  # patterns are optional in a report: say why they are missing
        insights["patterns_error"] = str(error)
        return insights, evolution
    first_day = _day(since)
    for p in patterns:
        moved = outcomes.get(p.id)
        if moved:
            s = p.stats
            before = Stats(verified=max(0, s.verified - moved["verified"]),
                           rejected=max(0, s.rejected - moved["rejected"]),
                           approved=max(0, s.approved - moved["approved"]),
                           declined_by_review=max(0, s.declined_by_review
                                                  - moved["declined_by_review"]))
            old = wilson_lower_bound(before.successes, before.trials)
            if round(old, 3) != round(p.confidence, 3):
                insights["confidence_moved"].append({
                    "id": p.id, "before": round(old, 3), "after": round(p.confidence, 3),
                    **{k: moved[k] for k in ("verified", "rejected", "approved",
                                             "declined_by_review")}})
        recent = [h for h in p.history if h.date >= first_day
                  and not (h.change == "created" and p.provenance.kind == "builtin")]
        if p.status == "retired":
            last = p.history[-1] if p.history else None
            insights["retired"].append({"id": p.id, "version": p.version,
                                        "date": last.date if last else None,
                                        "why": last.why if last else "",
                                        "in_period": bool(last and last.date >= first_day)})
        if p.provenance.kind != "builtin" and any(h.change == "created" for h in recent):
            insights["learned"].append({"id": p.id, "provenance": p.provenance.describe()})
        if recent:
            evolution.append({"id": p.id, "version": p.version, "status": p.status,
                              "origin": p.origin, "provenance": p.provenance.describe(),
                              "confidence": round(p.confidence, 3),
                              "changes": [h.to_dict() for h in recent]})
    insights["confidence_moved"].sort(key=lambda m: -abs(m["after"] - m["before"]))
    return insights, evolution


# -- rendering ---------------------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def _where(item: dict[str, Any]) -> str:
    return f"{item['path']}:{item['line']}" if item.get("path") else ""


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def render_markdown(document: dict[str, Any]) -> str:
    t = document["totals"]
    period = document["period"]
    esc = document["escalated"]
    out = [f"# heal report: {document['repository']}", "",
           f"Period: {period['since_iso']} to {period['until_iso']} ({period['days']} days)", "",
           "## Summary", "",
           "| | |", "|---|---|",
           f"| runs | {t['runs']} ({t['heal_runs']} heal, {t['dry_runs']} dry run, "
           f"{t['review_runs']} review) |",
           f"| fixes tried | {t['fixes']} (and {t['previews']} previewed by dry runs, counted "
           "nowhere else) |",
           f"| auto-resolved | {document['auto_resolved']} |",
           f"| escalated | {esc['total']} ({esc['needs_review']} for review, {esc['rejected']} "
           f"rejected, {esc['declined_in_review']} declined in review, {esc['breaker']} "
           "switched off by the circuit breaker) |",
           f"| success rate | {_pct(document['success_rate'])} (verified / (verified + "
           "rejected)) |",
           f"| mean time per heal | {_secs(document['mean_time_per_heal'])} |",
           f"| landed | {t['landed']} ({t['approved_in_review']} after review) |",
           f"| test runs | {t['test_runs']} |",
           *([f"| LLM requests | {t['llm_requests']} ({t['llm_tokens']} tokens) |"]
             if t.get("llm_requests") else []),
           f"| findings | {t['findings_first'] if t['findings_first'] is not None else '-'} at "
           f"the first run, {t['findings_last'] if t['findings_last'] is not None else '-'} at "
           "the last |", ""]
    daily = document["daily"]
    if daily:
        rates = [(d["verified"] / (d["verified"] + d["rejected"])) if d["verified"] + d["rejected"]
                 else None for d in daily]
        out += ["## Trend", "", "| day | verified | needs review | rejected | findings |",
                "|---|---|---|---|---|"]
        out += [f"| {d['day']} | {d['verified']} | {d['needs_review']} | {d['rejected']} | "
                f"{d['findings']} |" for d in daily]
        out += ["", f"success rate by day: `{sparkline(rates, low=0.0, high=1.0)}`", ""]
    out += ["## Successful heals", ""]
    if document["successful_heals"]:
        out += ["| rule | where | source | evidence |", "|---|---|---|---|"]
        out += [f"| {_cell(h['rule'])} | {_cell(_where(h))} | {_cell(h['source'])} | "
                f"{_cell(h['evidence'] or '-')}"
                f"{' (approved in review)' if h.get('approved_in_review') else ''} |"
                for h in document["successful_heals"]]
    else:
        out.append("None in this period.")
    out += ["", "## Escalations", ""]
    if document["escalations"]:
        out += ["| kind | rule | where | source | reason |", "|---|---|---|---|---|"]
        out += [f"| {e['kind']}{' (' + e['status'] + ')' if e.get('status') else ''} | "
                f"{_cell(e['rule'])} | {_cell(_where(e))} | {_cell(e['source'])} | "
                f"{_cell(e['reason'])} |" for e in document["escalations"]]
    else:
        out.append("None in this period.")
    insights = document["insights"]
    out += ["", "## Learning insights", ""]
    lines = [f"- pattern `{m['id']}` confidence {m['before']:.2f} -> {m['after']:.2f} "
             f"({m['verified']} verified, {m['rejected']} rejected, {m['approved']} "
             f"approved, {m['declined_by_review']} declined)" for m in insights["confidence_moved"]]
    lines += [f"- pattern `{r['id']}` is retired (v{r['version']}, {r['date']}): {r['why']}"
              for r in insights["retired"]]
    lines += [f"- new pattern `{n['id']}`: {n['provenance']}" for n in insights["learned"]]
    lines += [f"- rule `{f['rule']}` keeps failing: rejected {f['rejected']} of {f['attempts']} "
              f"attempts (last: {f['last_reason']})" for f in insights["failing_rules"]]
    lines += [f"- circuit breaker: `{key}` is off: {why}"
              for key, why in document["breaker"]["tripped"].items()]
    if insights.get("patterns_error"):
        lines.append(f"- pattern library not readable: {insights['patterns_error']}")
    out += lines or ["Nothing moved in this period."]
    out += ["", "## Pattern evolution", ""]
    if document["pattern_evolution"]:
        for p in document["pattern_evolution"]:
            out.append(f"- `{p['id']}` v{p['version']} ({p['status']}, {p['provenance']}, "
                       f"confidence {p['confidence']:.2f})")
            out += [f"  - {c['date']} v{c['version']}: {c['change']}"
                    + (f" ({c['why']})" if c["why"] else "") for c in p["changes"]]
    else:
        out.append("No pattern changed in this period.")
    return "\n".join(out) + "\n"


# -- HTML --------------------------------------------------------------------------------------
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1000px;
color:#1f2328;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;
margin-top:1.8em}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #d0d7de;
padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #d0d7de;border-radius:6px;
padding:8px 14px;min-width:120px}.card b{display:block;font-size:1.5em}
.muted{color:#656d76}code{background:#f6f8fa;padding:1px 4px;border-radius:4px}
.ok{color:#1a7f37}.bad{color:#cf222e}.rev{color:#8250df}
"""
def _e(value: Any) -> str:
    return html.escape(str(value if value is not None else ""), quote=True)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(document: dict[str, Any]) -> str:
    t = document["totals"]
    esc = document["escalated"]
    period = document["period"]
    runs = [r for r in document["runs"] if r["mode"] == "heal"]  # a dry run's rate: previews
    fixes_by_run: dict[str, tuple[int, int]] = {}
    for h in document["successful_heals"]:
        ok, bad = fixes_by_run.get(h["run_id"], (0, 0))
        fixes_by_run[h["run_id"]] = (ok + 1, bad)
    for e in document["escalations"]:
        if e["kind"] == "rejected":
            ok, bad = fixes_by_run.get(e["run_id"], (0, 0))
            fixes_by_run[e["run_id"]] = (ok, bad + 1)
    rates: list[float | None] = []
    for r in runs:
        ok, bad = fixes_by_run.get(r["id"], (0, 0))
        rates.append(ok / (ok + bad) if ok + bad else None)
    cards = [("fixes tried", t["fixes"], ""), ("auto-resolved", document["auto_resolved"], "ok"),
             ("escalated", esc["total"], "rev"),
             ("success rate", _pct(document["success_rate"]), ""),
             ("mean time per heal", _secs(document["mean_time_per_heal"]), ""),
             ("landed", t["landed"], "ok"), ("runs", t["runs"], ""),
             ("previewed by dry runs", t.get("previews", 0), "")]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>heal report: {_e(document['repository'])}</title>",
           f"<style>{STYLE}</style></head><body>",
           f"<h1>heal report: {_e(document['repository'])}</h1>",
           f'<p class="muted">{_e(period["since_iso"])} to {_e(period["until_iso"])} '
           f'({_e(period["days"])} days)</p>',
           '<div class="cards">' + "".join(
               f'<div class="card"><b class="{cls}">{_e(value)}</b>{_e(label)}</div>'
               for label, value, cls in cards) + "</div>",
           "<h2>Auto-resolved vs escalated</h2>",
           _table(["auto-resolved", "for review", "rejected by tests", "declined in review",
                   "circuit breaker"],
                  [[document["auto_resolved"], esc["needs_review"], esc["rejected"],
                    esc["declined_in_review"], esc["breaker"]]]),
           "<h2>Heals per day</h2>", svg_bars(document["daily"]),
           "<h2>Success rate and findings per run</h2>",
           svg_line(rates, "success rate per run", COLORS["rate"], percent=True),
           svg_line([float(r["findings"] or 0) for r in runs], "findings per run",
                    COLORS["findings"]),
           "<h2>Successful heals</h2>"]
    out.append(_table(["rule", "where", "source", "evidence"],
                      [[h["rule"], _where(h), h["source"],
                        (h["evidence"] or "-") + (" (approved in review)"
                                                  if h.get("approved_in_review") else "")]
                       for h in document["successful_heals"]])
               if document["successful_heals"] else '<p class="muted">None in this period.</p>')
    out.append("<h2>Escalations</h2>")
    out.append(_table(["kind", "rule", "where", "source", "reason"],
                      [[e["kind"] + (f" ({e['status']})" if e.get("status") else ""), e["rule"],
                        _where(e), e["source"], e["reason"]] for e in document["escalations"]])
               if document["escalations"] else '<p class="muted">None in this period.</p>')
    insights = document["insights"]
    out.append("<h2>Learning insights</h2>")
    items = [f"pattern <code>{_e(m['id'])}</code>: confidence {m['before']:.2f} &rarr; "
             f"{m['after']:.2f}" for m in insights["confidence_moved"]]
    items += [f"pattern <code>{_e(r['id'])}</code> retired ({_e(r['date'])}): {_e(r['why'])}"
              for r in insights["retired"]]
    items += [f"new pattern <code>{_e(n['id'])}</code>: {_e(n['provenance'])}"
              for n in insights["learned"]]
    items += [f"rule <code>{_e(f['rule'])}</code> keeps failing: rejected {f['rejected']} of "
              f"{f['attempts']} (last: {_e(f['last_reason'])})" for f in insights["failing_rules"]]
    items += [f"circuit breaker: <code>{_e(key)}</code> is off: {_e(why)}"
              for key, why in document["breaker"]["tripped"].items()]
    out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else
               '<p class="muted">Nothing moved in this period.</p>')
    out.append("<h2>Pattern evolution</h2>")
    rows = [[p["id"], c["date"], f"v{c['version']}", c["change"], c["why"]]
            for p in document["pattern_evolution"] for c in p["changes"]]
    out.append(_table(["pattern", "date", "version", "change", "why"], rows) if rows else
               '<p class="muted">No pattern changed in this period.</p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render(document: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return render_json(document)
    if fmt == "html":
        return render_html(document)
    if fmt == "md":
        return render_markdown(document)
    raise UsageError(f"--format {fmt}: use one of {', '.join(FORMATS)}")


def report(root: Path, fmt: str = "md", since: str = "7d", now: float | None = None,
           config: Config | None = None) -> str:
    """`heal report`: the whole report as text in the chosen format."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: use one of {', '.join(FORMATS)}")
    moment = time.time() if now is None else now
    return render(build(root, parse_since(since, moment), moment, config), fmt)


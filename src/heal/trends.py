"""Read-only queries over time behind the web dashboard, beside metrics.py's: heals kept apart
from previews (dry runs), success rate and findings per period, the runs by kind, one run, and
insights (what keeps coming back, and what to do about it).

Like metrics.py: no UI, no writes, and `now` comes from the caller.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heal.config import Config
from heal.history import History, RunSummary
from heal.metrics import DAY, WINDOWS, Rate

if TYPE_CHECKING:
    from heal.patterns.model import Pattern

HEAL, PREVIEW, REVIEW = "heal", "dry-run", "review"
MODES = {HEAL: "heals", PREVIEW: "previews (dry runs)", REVIEW: "review decisions"}
# period name -> (span, buckets): what the charts over time show
PERIODS: dict[str, tuple[float, int]] = {"24h": (DAY, 24), "7d": (7 * DAY, 14),
                                         "30d": (30 * DAY, 30)}
RECURRING = 3  # findings of one rule in the last run that make an insight
HEALED_OFTEN = 5  # verified heals of one rule in a week that make an insight
# what to do about a problem no fixer heals, by category
ADVICE = {"logic": "consider a refactor", "import": "consider a refactor",
          "type": "consider annotating it by hand", "security": "fix it by hand, or mark it "
          "# nosec with the reason", "performance": "consider rewriting the hot spot",
          "style": "fix it by hand, or ignore the rule in [tool.heal]"}
RUN_COLUMNS = ("id, started, finished, command, mode, status, findings, landed, rejected, "
               "review, test_runs, duration")


@dataclass(frozen=True)
class Bucket:
    """One slice of a period: heals verified and rejected in it, and its runs' mean findings."""

    start: float
    verified: int
    rejected: int
    review: int
    runs: int
    findings: float | None

    @property
    def rate(self) -> float | None:
        return Rate(self.verified, self.verified + self.rejected).value


@dataclass(frozen=True)
class RunDetail:
    summary: RunSummary
    head: str
    error: str
    phases: dict[str, float]


@dataclass(frozen=True)
class Insight:
    kind: str  # recurring | healed-often | failing
    rule: str
    category: str
    count: int
    text: str


def rates_by_mode(history: History, now: float) -> dict[str, dict[str, Rate]]:
    """Success rate (verified / (verified + rejected)) per window, for heals and for previews
    apart: a dry run's fixes say what heal would do, not what it did."""
    sums = ", ".join(f"sum(f.created >= ? AND f.verdict = 'verified') AS ok{i}, "
                     f"sum(f.created >= ? AND f.verdict = 'rejected') AS bad{i}"
                     for i in range(len(WINDOWS)))
    args: list[Any] = [now - span for _, span in WINDOWS for _ in (0, 1)]
    rows = history.conn.execute(
        f"SELECT r.mode AS mode, {sums} FROM fixes f JOIN runs r ON r.id = f.run_id "  # noqa: S608  # nosec B608 - built from WINDOWS' indexes
        "WHERE f.created >= ? AND r.mode IN (?, ?) GROUP BY r.mode",
        (*args, now - max(span for _, span in WINDOWS), HEAL, PREVIEW)).fetchall()
    found = {str(row["mode"]): row for row in rows}
    out: dict[str, dict[str, Rate]] = {}
    for mode in (HEAL, PREVIEW):
        row = found.get(mode)
        out[mode] = {}
        for i, (name, _) in enumerate(WINDOWS):
            ok = int(row[f"ok{i}"] or 0) if row else 0
            bad = int(row[f"bad{i}"] or 0) if row else 0
            out[mode][name] = Rate(ok, ok + bad)
    return out


def over_time(history: History, now: float, period: str = "7d", mode: str = HEAL
              ) -> list[Bucket]:
    """The period (`PERIODS`) in equal slices, oldest first: heals verified and rejected, and
    the mean findings of the runs that finished in each."""
    span, count = PERIODS[period]
    size = span / count
    since = now - span
    fixes = {int(row["b"]): row for row in history.conn.execute(
        "SELECT CAST((f.created - ?) / ? AS INTEGER) AS b, sum(f.verdict = 'verified') AS ok, "
        "sum(f.verdict = 'rejected') AS bad, sum(f.verdict = 'needs-review') AS rev "
        "FROM fixes f JOIN runs r ON r.id = f.run_id "
        "WHERE f.created >= ? AND f.created < ? AND r.mode = ? GROUP BY b",
        (since, size, since, now, mode))}
    runs = {int(row["b"]): row for row in history.conn.execute(
        "SELECT CAST((started - ?) / ? AS INTEGER) AS b, count(*) AS n, avg(findings) AS found "
        "FROM runs WHERE started >= ? AND started < ? AND mode = ? AND status != 'running' "
        "GROUP BY b", (since, size, since, now, mode))}
    buckets = []
    for index in range(count):
        fix, run = fixes.get(index), runs.get(index)
        buckets.append(Bucket(
            start=since + index * size,
            verified=int(fix["ok"] or 0) if fix else 0,
            rejected=int(fix["bad"] or 0) if fix else 0,
            review=int(fix["rev"] or 0) if fix else 0,
            runs=int(run["n"]) if run else 0,
            findings=float(run["found"]) if run and run["found"] is not None else None))
    return buckets


def bucket_label(bucket: Bucket, period: str, short: bool = False) -> str:
    """How a slice is named: its day and hour (its day alone for 30d); `short`, under a bar:
    the hour for 24h, weekday and hour for 7d, month and day for 30d."""
    moment = time.localtime(bucket.start)
    if short:
        return time.strftime({"24h": "%H:00", "7d": "%a %H:00"}.get(period, "%m-%d"), moment)
    return time.strftime("%Y-%m-%d" if period == "30d" else "%Y-%m-%d %H:00", moment)


def run_counts(history: History) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in history.conn.execute(
        "SELECT mode, count(*) FROM runs GROUP BY mode")}


def runs(history: History, mode: str | None = None, limit: int = 100) -> list[RunSummary]:
    """Runs, newest first: of one kind (`MODES`), or all."""
    rows = history.conn.execute(
        f"SELECT {RUN_COLUMNS} FROM runs WHERE (? IS NULL OR mode = ?) "  # noqa: S608  # nosec B608 - a constant
        "ORDER BY started DESC LIMIT ?", (mode, mode, limit))
    return [RunSummary(**dict(row)) for row in rows]


def run(history: History, run_id: str) -> RunDetail | None:
    row = history.conn.execute(f"SELECT {RUN_COLUMNS}, head, error, phases FROM runs "  # noqa: S608  # nosec B608 - a constant
                               "WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        return None
    values = dict(row)
    phases: dict[str, float] = {}
    with contextlib.suppress(ValueError, TypeError, AttributeError):
        phases = {str(k): float(v) for k, v in json.loads(values.pop("phases") or "{}").items()}
    values.pop("phases", None)
    head, error = str(values.pop("head") or ""), str(values.pop("error") or "")
    return RunDetail(summary=RunSummary(**values), head=head, error=error, phases=phases)


def insights(history: History, now: float, window: float = 7 * DAY) -> list[Insight]:
    """What a team lead should look at: problems that keep coming back and no fixer heals
    (seen in the last run, no fix of the rule verified in the window), rules healed again and
    again (the same mistake keeps being made), and rules whose fixes keep failing the tests."""
    since = now - window
    out: list[Insight] = []
    last = history.conn.execute(
        "SELECT id FROM runs WHERE mode IN (?, ?) AND status != 'running' "
        "ORDER BY started DESC LIMIT 1", (HEAL, PREVIEW)).fetchone()
    verdicts: dict[str, dict[str, int]] = {}
    for row in history.conn.execute(
            "SELECT f.rule, f.verdict, count(*) AS n FROM fixes f JOIN runs r ON r.id = f.run_id "
            "WHERE f.created >= ? AND r.mode = ? GROUP BY f.rule, f.verdict", (since, HEAL)):
        verdicts.setdefault(str(row["rule"]), {})[str(row["verdict"])] = int(row["n"])
    if last is not None:
        for row in history.conn.execute(
                "SELECT rule, category, count(*) AS n, min(message) AS message FROM findings "
                "WHERE run_id = ? GROUP BY rule, category HAVING n >= ? ORDER BY n DESC, rule",
                (last["id"], RECURRING)):
            rule, category, count = str(row["rule"]), str(row["category"] or ""), int(row["n"])
            if verdicts.get(rule, {}).get("verified"):
                continue
            message = str(row["message"] or "").splitlines()[0] if row["message"] else ""
            advice = ADVICE.get(category, "fix it by hand")
            out.append(Insight("recurring", rule, category, count,
                               f"{rule} ({message}) seen {count}x in the last run, and no fix "
                               f"of it verified: {advice}" if message else
                               f"{rule} seen {count}x in the last run: {advice}"))
    categories = {str(row[0]): str(row[1] or "") for row in history.conn.execute(
        "SELECT rule, max(category) FROM fixes WHERE created >= ? GROUP BY rule", (since,))}
    days = round(window / DAY)
    for rule, counts in sorted(verdicts.items(), key=lambda item: -item[1].get("verified", 0)):
        verified, rejected = counts.get("verified", 0), counts.get("rejected", 0)
        if verified >= HEALED_OFTEN:
            out.append(Insight("healed-often", rule, categories.get(rule, ""), verified,
                               f"{rule} healed {verified}x in {days} days: the same mistake "
                               "keeps being made; `heal init --pre-commit` catches it before "
                               "a commit"))
        if rejected >= 2 and rejected >= verified:
            out.append(Insight("failing", rule, categories.get(rule, ""), rejected,
                               f"{rule}: {rejected} of {sum(counts.values())} fixes in {days} "
                               "days failed the tests; look at one, and consider ignoring the "
                               "rule in [tool.heal]"))
    return out


def pattern_record(root: Path, pattern_id: str, config: Config | None = None
                   ) -> Pattern | None:
    """One pattern as the library has it, or None when there is no such pattern (or the
    library cannot be read)."""
    try:
        # start-up time: libcst and the fixers load only for a pattern's page
        from heal.patterns.library import PatternLibrary

        library = PatternLibrary(root, config)
        if pattern_id not in library.ids():
            return None
        return library.get(pattern_id)
    except Exception:  # the library is optional here: the page says the pattern is unknown
        return None


"""`heal report` (md, html, json) and the circuit breaker, over history made by real heal runs.

One real run on a project whose fixes end every way: verified and landed (unused imports),
rejected by the tests (three mutable defaults that the tests rely on: the same fixer fails
three times in a row, which trips the circuit breaker at its default of 3), and verified but
queued for review (`is` with literals). The report's figures are checked against the run's
own JSON output, so they hold whatever the fixers decide about the finer cases.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import init_repo, run_heal
from heal import breaker
from heal.config import Config
from heal.errors import UsageError
from heal.history import History
from heal.report.charts import svg_line
from heal.report.healing import parse_since
from test_heal_cli import PROJECT as HEAL_PROJECT
from test_review_cli import PROJECT as REVIEW_PROJECT

pytestmark = pytest.mark.slow

MEMO = "mutable-default-to-none"
PROJECT: dict[str, str | bytes] = {**HEAL_PROJECT, **REVIEW_PROJECT}
for _name in ("a", "b", "c"):
    PROJECT[f"pkg/memo_{_name}.py"] = f"""
        def remember_{_name}(item, seen=[]):
            seen.append(item)
            return len(seen)
    """
PROJECT["tests/test_memo.py"] = "\n".join(
    [f"from pkg.memo_{n} import remember_{n}\n" for n in "abc"]
    + [f"\n\ndef test_{n}_remembers():\n    remember_{n}(1)\n    assert remember_{n}(2) == 2\n"
       for n in "abc"])


@pytest.fixture(scope="module")
def healed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = init_repo(tmp_path_factory.mktemp("report") / "repo", PROJECT)
    result = run_heal("--format", "json", cwd=root)
    assert result.returncode == 1, result.stderr
    run = json.loads(result.stdout)
    verdicts = Counter(f["verdict"] for f in run["fixes"])
    assert verdicts["verified"] >= 1 and verdicts["needs-review"] == 2
    memo = [f["verdict"] for f in run["fixes"] if f["source"] == f"fixer:{MEMO}"]
    assert memo == ["rejected"] * 3, run["fixes"]
    return root, run


@pytest.fixture
def repo(healed: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(healed[0], target, symlinks=True)
    return target


@pytest.fixture
def run(healed: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return healed[1]


def report_json(repo: Path, *args: str) -> dict:
    result = run_heal("report", "--format", "json", *args, cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_report_after_a_real_run(repo: Path, run: dict[str, Any]) -> None:
    doc = report_json(repo)
    fixes = run["fixes"]
    verdicts = Counter(f["verdict"] for f in fixes)
    totals = doc["totals"]
    assert (totals["runs"], totals["fixes"], totals["verified"], totals["rejected"],
            totals["needs_review"]) == (1, len(fixes), verdicts["verified"],
                                        verdicts["rejected"], 2)
    assert doc["auto_resolved"] == verdicts["verified"] == totals["landed"]
    assert doc["escalated"] == {"needs_review": 2, "rejected": verdicts["rejected"],
                                "declined_in_review": 0, "breaker": 1,
                                "total": 2 + verdicts["rejected"] + 1}
    assert doc["success_rate"] == verdicts["verified"] / (verdicts["verified"]
                                                          + verdicts["rejected"])
    assert doc["mean_time_per_heal"] > 0
    assert sorted((h["path"], h["line"], h["source"]) for h in doc["successful_heals"]) == sorted(
        (f["path"], f["line"], f["source"]) for f in fixes if f["verdict"] == "verified")
    kinds = Counter(e["kind"] for e in doc["escalations"])
    assert kinds == {"rejected": verdicts["rejected"], "needs-review": 2, "breaker": 1}
    memo = [e for e in doc["escalations"]
            if e["kind"] == "rejected" and e["source"] == f"fixer:{MEMO}"]
    assert len(memo) == 3 and all(e["reason"].startswith("breaks the tests") for e in memo)
    assert {e["failing_tests"][0] for e in memo} == {
        f"tests/test_memo.py::test_{n}_remembers" for n in "abc"}
    assert {e["status"] for e in doc["escalations"] if e["kind"] == "needs-review"} == {"pending"}
    failing = {f["rule"]: f for f in doc["insights"]["failing_rules"]}
    assert failing["ruff:B006"]["rejected"] == 3
    assert len(doc["daily"]) == 1 and doc["daily"][0]["rejected"] == verdicts["rejected"]
    # a pattern that made a fix which passed the tests gained confidence in the period
    passed = {breaker.source_key(f["source"]).split(":", 1)[1] for f in fixes
              if f["source"].startswith("pattern:") and f["verdict"] in ("verified", "needs-review")}
    moved = {m["id"]: m for m in doc["insights"]["confidence_moved"]}
    assert passed <= set(moved)
    assert all(moved[i]["after"] > moved[i]["before"] for i in passed)


def test_markdown_report(repo: Path) -> None:
    result = run_heal("report", cwd=repo)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for heading in ("# heal report: repo", "## Summary", "## Successful heals",
                    "## Escalations", "## Learning insights", "## Pattern evolution"):
        assert heading in text
    assert "| auto-resolved | " in text and "| success rate | " in text
    assert "needs-review (pending) | heal:LOG109 | pkg/status.py:" in text
    assert f"| rejected | ruff:B006 | pkg/memo_a.py:1 | fixer:{MEMO} | breaks the tests" in text
    assert f"circuit breaker: `fixer:{MEMO}` is off" in text
    assert "rule `ruff:B006` keeps failing: rejected 3 of 3" in text


def test_html_report_is_one_self_contained_file(repo: Path) -> None:
    target = repo / "report.html"
    result = run_heal("report", "--format", "html", "-o", str(target), cwd=repo)
    assert result.returncode == 0, result.stderr
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<svg") >= 3 and "<rect" in page and "<circle" in page
    links = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page, re.I)
    assert not [link for link in links if "http" in link or "//" in link]
    assert "http" not in page.lower().replace("http-equiv", "")
    for external in ("<script", "<link", "@import", "url("):
        assert external not in page
    assert f"fixer:{MEMO}" in page and "pkg/status.py" in page


def test_period_filters_and_bad_since(repo: Path, run: dict[str, Any]) -> None:
    assert report_json(repo, "--since", "2000-01-01")["totals"]["fixes"] == len(run["fixes"])
    assert report_json(repo, "--since", "30d")["totals"]["fixes"] == len(run["fixes"])
    future = report_json(repo, "--since", "2999-01-01")
    assert future["totals"]["fixes"] == 0 and future["successful_heals"] == []
    bad = run_heal("report", "--since", "last tuesday", cwd=repo)
    assert bad.returncode == 2 and "--since last tuesday" in bad.stderr
    fmt = run_heal("report", "--format", "pdf", cwd=repo)
    assert fmt.returncode == 2 and "--format pdf" in fmt.stderr


def test_review_decisions_are_reported(repo: Path) -> None:
    items = json.loads(run_heal("review", "--format", "json", cwd=repo).stdout)["items"]
    first, second = sorted(items, key=lambda i: i["line"])
    assert run_heal("review", "approve", first["id"], cwd=repo).returncode == 0
    assert run_heal("review", "reject", second["id"], "--reason", "identity is intended",
                    cwd=repo).returncode == 0
    doc = report_json(repo)
    assert doc["totals"]["approved_in_review"] == 1 and doc["totals"]["declined_in_review"] == 1
    assert doc["totals"]["runs"] == 2 and doc["totals"]["review_runs"] == 1
    approved = [h for h in doc["successful_heals"] if h.get("approved_in_review")]
    assert [(h["path"], h["line"]) for h in approved] == [("pkg/status.py", first["line"])]
    declined = [e for e in doc["escalations"] if e["kind"] == "declined-in-review"]
    assert [e["reason"] for e in declined] == ["identity is intended"]
    statuses = sorted(e["status"] for e in doc["escalations"] if e["kind"] == "needs-review")
    assert statuses == ["landed", "rejected"]


# -- circuit breaker -----------------------------------------------------------------------
def test_breaker_trips_after_n_rejections_and_a_human_reenables(repo: Path) -> None:
    key = f"fixer:{MEMO}"
    history = History(repo / ".heal")
    try:
        tripped = breaker.tripped(history, Config())
        assert list(tripped) == [key]
        assert "failed verification 3 times in a row" in tripped[key]
        assert breaker.tripped(history, Config(circuit_breaker=4)) == {}
        # the heal run that made the third rejection recorded the trip itself, once
        trips = [e for e in history.conn.execute(
            "SELECT tool FROM events WHERE action = 'breaker_tripped'")]
        assert [t[0] for t in trips] == [key]
        assert breaker.record_trips(history, Config()) == {}
    finally:
        history.close()

    result = run_heal("rule", "B006", "--enable", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert f"re-enabled {key}" in result.stdout
    again = run_heal("rule", MEMO, "--enable", cwd=repo)
    assert again.returncode == 0 and "nothing to re-enable" in again.stdout
    assert run_heal("rule", "NOPE999", "--enable", cwd=repo).returncode == 2

    doc = report_json(repo)
    assert doc["breaker"]["tripped"] == {} and doc["escalated"]["breaker"] == 0
    assert [(e["action"], e["source"]) for e in doc["breaker"]["events"]] == [
        ("breaker_tripped", key), ("breaker_enabled", key)]
    history = History(repo / ".heal")
    try:
        assert breaker.tripped(history, Config()) == {}
        assert list(breaker.record_trips(history, Config())) == []
    finally:
        history.close()


def test_breaker_counts_rejections_in_a_row(tmp_path: Path) -> None:
    history = History(tmp_path)
    clock = iter(range(1, 100))

    def fix(source: str, verdict: str) -> None:
        number = next(clock)
        history.record_fix("run", {"id": f"f{number}", "rule": "ruff:E711", "path": "a.py",
                                   "line": number, "source": source, "verdict": verdict,
                                   "reason": f"why {number}", "created": float(number)})

    try:
        for verdict in ("rejected", "rejected", "verified", "rejected", "rejected"):
            fix("fixer:eq-none", verdict)
        fix("fixer:eq-none", "skipped")  # says nothing about the fixer
        assert breaker.tripped(history, Config()) == {}
        fix("fixer:eq-none", "rejected")
        fix("pattern:eq-none@1", "rejected")
        fix("pattern:eq-none@2", "rejected")
        fix("pattern:eq-none@2", "rejected")
        tripped = breaker.tripped(history, Config(), root=tmp_path)
        assert sorted(tripped) == ["fixer:eq-none", "pattern:eq-none"]
        assert "why 7" in tripped["fixer:eq-none"]
        breaker.enable(history, "pattern:eq-none")
        assert sorted(breaker.tripped(history, Config(), root=tmp_path)) == ["fixer:eq-none"]
        fix("fixer:eq-none", "needs-review")  # passed the tests: the streak ends
        assert breaker.tripped(history, Config(), root=tmp_path) == {}
    finally:
        history.close()
    assert breaker.source_key("pattern:ruff-e711-eq-none@3") == "pattern:ruff-e711-eq-none"
    assert breaker.source_key("fixer:ruff-edits") == "fixer:ruff-edits"
    assert breaker.keys_for("F401") == ["fixer:unused-import", "fixer:ruff-edits"]
    assert breaker.keys_for("LGC109") == ["fixer:is-literal-to-equality"]


def test_parse_since() -> None:
    now = 1_000_000.0
    assert parse_since("7d", now) == now - 7 * 86400
    assert parse_since("24h", now) == now - 86400
    assert parse_since("30m", now) == now - 1800
    assert parse_since("2025-11-20T00:00:00+00:00", now) == 1_763_596_800.0
    with pytest.raises(UsageError):
        parse_since("soon", now)
    assert "No data" in svg_line([None, None], "rate", "#000")

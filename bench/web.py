"""Benchmark the web dashboard (`heal dashboard --web`) over a history of 1,000 runs (goal: every
page answers in <= 100 ms).

Builds the history in a temp git repository through heal's own API: `History.start_run`,
`record_findings`, `record_fix`, `record_test_run`, `finish_run`, and `review.enqueue` for the
queue (1,000 runs by default: 90% heals, 8% previews, 2% review decisions; 25 findings and 6
fixes each, with diffs, some of them from patterns; 40 fixes waiting for review). The run and
fix times are then spread over the last 30 days with one UPDATE on the same connection (the API
stamps "now"), so the charts over time have something to draw.

Then times every main route, the median of `--requests` answers after two warm-ups:
  - in process: the ASGI app through Starlette's TestClient (the page's own cost);
  - whole process: `heal dashboard --web --port 0` started as a user starts it, over loopback
    HTTP (what a browser waits for, the socket and uvicorn included);
  - live: with `.heal/lock` held and `write_status` called, how long until the page's event
    stream carries the new phase (the goal is within a second).

    .venv/bin/python bench/web.py [--runs 1000] [--requests 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from starlette.testclient import TestClient

from heal import lock, review
from heal.history import History
from heal.model import Category, Fix, Priority, Safety, Span, TextEdit
from heal.state import ensure_state_dir
from heal.status import write_status
from heal.web.app import create_app
from heal.web.site import Site

RULES = [("ruff:F401", "import"), ("ruff:I001", "import"), ("ruff:UP006", "style"),
         ("mypy:union-attr", "type"), ("bandit:B602", "security"), ("heal:PERF101", "performance"),
         ("heal:LOG113", "logic"), ("heal:LOG109", "logic")]
VERDICTS = ["verified"] * 6 + ["rejected", "needs-review", "skipped"]
SPAN = 30 * 86400.0


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x.invalid",
                        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x.invalid"})


def build(root: Path, runs: int, seed: int = 7) -> dict[str, str]:
    """The history; returns ids the routes need (a run, a fix, a pattern)."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "app.py").write_text("import os\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    history = History(ensure_state_dir(root))
    ids: dict[str, str] = {}
    queued = 0
    try:
        for index in range(runs):
            run_id = f"run-{index:05d}"
            mode = "review" if index % 50 == 49 else "dry-run" if index % 12 == 11 else "heal"
            history.start_run(run_id, "heal", mode, "0" * 40)
            findings = [(f"fp-{index}-{n}", *RULES[n % len(RULES)], "P2",
                         f"pkg/mod{n % 40}.py", 1 + n, "a finding's message", "ruff")
                        for n in range(25 if mode != "review" else 0)]
            history.record_findings(run_id, findings)
            for n in range(6 if mode != "review" else 0):
                rule, category = RULES[rng.randrange(len(RULES))]
                source = (f"pattern:bench-pattern-{n % 3}@1" if n % 4 == 0
                          else f"fixer:fixer-{rule.split(':')[1].lower()}")
                path = f"pkg/mod{rng.randrange(40)}.py"
                diff = (f"--- a/{path}\n+++ b/{path}\n@@ -1,6 +1,5 @@\n"
                        + "".join(f" line {k}\n" for k in range(3)) + "-import os\n"
                        + "".join(f" line {k}\n" for k in range(3, 5)))
                verdict = rng.choice(VERDICTS)
                fix_id = f"fix{index:05d}{n}"
                history.record_fix(run_id, {
                    "id": fix_id, "fingerprints": [f"fp-{index}-{n}"], "rule": rule,
                    "category": category, "priority": "P2", "path": path, "line": 1 + n,
                    "source": source, "safety": "safe", "verdict": verdict, "reason": "",
                    "diff": diff, "failing_tests": [], "output": "", "evidence": "covered",
                    "covering_tests": ["tests/test_mod.py::test_one"], "round": 1,
                    "duration": 0.5, "landed": int(verdict == "verified" and mode == "heal")})
                ids.setdefault("run", run_id)
                ids.setdefault("fix", fix_id)
                if verdict == "needs-review" and mode == "heal" and queued < 40:
                    fix = Fix(fingerprints=(f"fp-{index}-{n}",), rule=rule,
                              category=Category(category), path=path,
                              edits=(TextEdit(Span.of(1, 0, 2, 0), ""),), source=source,
                              safety=Safety.REVIEW, description="bench", line=1,
                              priority=Priority.P2, rationale="a human must look")
                    review.enqueue(history, run_id, fix, diff, "0", "0", "tests pass")
                    queued += 1
            for _ in range(3 if mode != "review" else 0):
                history.record_test_run(run_id, "batch", 6, True, 0, 1.2, [], 10)
            history.finish_run(run_id, "ok", findings=len(findings), landed=4, rejected=1,
                               review=1, test_runs=3, duration=30.0,
                               phases={"scan": 5.0, "verify": 20.0, "land": 1.0})
        # the API stamps "now": spread the runs (and what they recorded) over the last 30 days
        now = time.time()
        with history.transaction() as conn:
            for table, column in (("runs", "started"), ("runs", "finished"), ("fixes", "created"),
                                  ("review", "created")):
                key = "id" if table == "runs" else "run_id"
                conn.execute(f"UPDATE {table} SET {column} = ? - ? * (? - CAST(substr({key}, 5) "  # nosec B608 - names from the tuple above
                             f"AS INTEGER)) / ?", (now, SPAN, runs, runs))
    finally:
        history.close()
    ids["pattern"] = "heal-log109-is-number"
    return ids


def routes(ids: dict[str, str]) -> list[str]:
    return ["/healing", "/healing?period=30d", "/healing/category/all",
            "/healing/category/import", f"/healing/heal/{ids['run']}/{ids['fix']}",
            "/healing/review", "/healing/runs", f"/healing/runs/{ids['run']}",
            "/healing/patterns", f"/healing/patterns/{ids['pattern']}", "/healing/api/live"]


def median_ms(fetch, path: str, count: int, touch=None) -> float:  # type: ignore[no-untyped-def]
    """The median of `count` answers after two warm-ups; `touch()` (untimed) before each one
    writes to history, so the page cannot answer from what it kept (the first request after
    a heal wrote something)."""
    for _ in range(2):
        fetch(path)
    times = []
    for _ in range(count):
        if touch is not None:
            touch()
        start = time.perf_counter()
        fetch(path)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def in_process(root: Path, paths: list[str], count: int) -> dict[str, float]:
    web = TestClient(create_app(Site(root)), base_url="http://127.0.0.1:8080")

    def fetch(path: str) -> None:
        answer = web.get(path)
        assert answer.status_code == 200, (path, answer.status_code)

    return {path: median_ms(fetch, path, count) for path in paths}


def whole_process(root: Path, paths: list[str], count: int
                  ) -> tuple[dict[str, float], dict[str, float], float]:
    """Over HTTP from the real server: (warm figures, cold figures, live delay)."""
    server = subprocess.Popen([sys.executable, "-m", "heal", "dashboard", "--web", "--port", "0"],
                              cwd=root, stdout=subprocess.PIPE, text=True)
    history = History(root / ".heal")
    try:
        assert server.stdout is not None
        match = re.search(r"http://[^ ]+/healing", server.stdout.readline())
        assert match, "the server did not say where it listens"
        base = match.group(0)[:-len("/healing")]

        def touch() -> None:
            history.event("bench", "bench_touch", "ok")

        with httpx2.Client(base_url=base, timeout=30) as http:

            def fetch(path: str) -> None:
                assert http.get(path).status_code == 200, path

            warm = {path: median_ms(fetch, path, count) for path in paths}
            cold = {path: median_ms(fetch, path, count, touch) for path in paths}
            return warm, cold, live_latency(root, http)
    finally:
        history.close()
        server.terminate()
        server.wait(timeout=30)


def live_latency(root: Path, http: httpx2.Client, tries: int = 5) -> float:
    """Median ms from `write_status` to the event stream carrying the new phase."""
    state = root / ".heal"
    delays = []
    with lock.held(state, "heal", "bench-live"), http.stream("GET", "/healing/live") as stream:
        lines = stream.iter_lines()
        for attempt in range(tries):
            phase = f"verify-{attempt}"
            time.sleep(0.3)  # let the stream settle between tries
            start = time.perf_counter()
            write_status(state, "bench-live", phase, attempt, tries)
            for line in lines:
                if line.startswith("data:") and json.loads(line[5:]).get("phase") == phase:
                    delays.append((time.perf_counter() - start) * 1000)
                    break
    return statistics.median(delays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="heal-bench-web-") as temp:
        root = Path(temp) / "repo"
        started = time.perf_counter()
        ids = build(root, args.runs)
        size = (root / ".heal" / "history.db").stat().st_size
        print(f"history: {args.runs} runs built through the History API in "
              f"{time.perf_counter() - started:.1f}s ({size / 1e6:.1f} MB)")
        paths = routes(ids)
        inside = in_process(root, paths, args.requests)
        warm, cold, live = whole_process(root, paths, args.requests)
    width = max(len(p) for p in paths)
    print(f"median of {args.requests} answers, ms; in process: TestClient; HTTP: the real server "
          "over loopback; cold: history written just before each request")
    print(f"{'route':<{width}}  in process  HTTP warm  HTTP cold")
    for path in paths:
        print(f"{path:<{width}}  {inside[path]:>10.1f}  {warm[path]:>9.1f}  {cold[path]:>9.1f}")
    worst = max(max(warm.values()), max(cold.values()))
    print(f"slowest page over HTTP: {worst:.1f} ms (goal <= 100 ms): "
          f"{'ok' if worst <= 100 else 'OVER'}")
    print(f"live update: status written -> event received, median {live:.0f} ms (goal <= 1000)")

if __name__ == "__main__":
    main()

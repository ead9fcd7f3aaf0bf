"""Benchmark heal's verification on real projects: test runs per landed fix, culprits, time.

For a corpus project (../shared/bench/fetch-corpus.sh must have set it up) with many fixable
findings, this copies the project and runs `heal` with the project's own test command:

  - with no culprit: test-suite runs per landed fix (goal <= 0.1), end-to-end time against
    scan time + one test-suite run;
  - with k injected culprits (a test is added that pins the exact text of k lines heal will
    fix, so those k fixes break the suite): runs against the bound 1 + 2k*ceil(log2 N) + 1;
  - `--verify full` against `--verify affected` for the same fixes: total verification time,
    the coverage recording overhead, and the share of landed fixes whose evidence is `covered`.

    .venv/bin/python bench/verify.py [--project parso] [--select ruff:UP,ruff:I,ruff:F401]
                                     [--culprits 0 2] [--modes full affected]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BIN, corpus, env_for


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def heal_json(work: Path, python: str, *args: str) -> tuple[dict[str, object], float]:
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "heal"), "--format", "json", *args], cwd=work,
                          env=env_for(python), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if not proc.stdout:
        raise SystemExit(f"heal failed: {proc.stderr}")
    return json.loads(proc.stdout), elapsed


def inject_culprits(work: Path, scan: dict[str, object], k: int, test_dir: str) -> list[str]:
    """Add a test that pins the text of k lines heal will change: those fixes become culprits."""
    findings = [f for f in scan["findings"] if f["fixable"] == "safe"]  # type: ignore[index]
    chosen, seen = [], set()
    for finding in findings:
        if finding["path"] in seen:
            continue
        line = (work / finding["path"]).read_text().splitlines()[finding["span"]["start"]["line"] - 1]
        if line.strip():
            chosen.append((finding["path"], line))
            seen.add(finding["path"])
        if len(chosen) == k:
            break
    body = ["from pathlib import Path", "", "ROOT = Path(__file__).resolve().parents[1]", ""]
    for index, (path, line) in enumerate(chosen):
        body += [f"def test_pinned_{index}():",
                 f"    assert {line!r} in (ROOT / {path!r}).read_text().splitlines()", ""]
    target = work / test_dir / "test_heal_bench_pinned.py"
    target.write_text("\n".join(body))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "bench: pin lines")
    return [p for p, _ in chosen]


def recording(work: Path) -> float | None:
    """Seconds of the coverage-recording run, from history."""
    db = work / ".heal" / "history.db"
    if not db.exists():
        return None
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT duration FROM events WHERE action = 'coverage_map' "
                           "ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else float(row[0] or 0)


def test_seconds(work: Path) -> tuple[float, int, int]:
    """(seconds, runs that selected tests, tests those runs selected) of the verification test
    runs heal made: batch, bisect, recheck and final runs; not the baseline or the recording."""
    with sqlite3.connect(work / ".heal" / "history.db") as conn:
        row = conn.execute("SELECT SUM(duration), SUM(selected > 0), SUM(COALESCE(selected, 0)) "
                           "FROM test_runs WHERE kind NOT IN ('baseline', 'coverage')").fetchone()
    return float(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def one_suite_run(work: Path, python: str, test_cmd: str) -> float:
    start = time.perf_counter()
    env = env_for(python)
    env["PATH"] = f"{Path(python).parent}{os.pathsep}{env['PATH']}"
    subprocess.run(["bash", "-c", test_cmd], cwd=work, env=env, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="parso")
    parser.add_argument("--select", default="ruff:UP,ruff:I,ruff:F401,ruff:C4")
    parser.add_argument("--culprits", type=int, nargs="*", default=[0, 2])
    parser.add_argument("--modes", nargs="*", default=["full", "affected"])
    args = parser.parse_args()
    _, src, python, test_cmd = corpus([args.project])[0]
    heal_cmd = test_cmd + " -x -p no:cacheprovider"
    rows = []
    for mode in args.modes:
        for k in args.culprits:
            if k and mode != "full":
                continue  # pinned-text culprits are invisible to coverage: measured with full
            with tempfile.TemporaryDirectory(prefix="heal-verify-") as tmp:
                work = Path(tmp) / args.project
                shutil.copytree(src, work, symlinks=True)
                scan, scan_s = heal_json(work, python, "--scan", "--select", args.select)
                test_dir = "test" if (work / "test").is_dir() else "tests"
                pinned = inject_culprits(work, scan, k, test_dir) if k else []
                suite_s = one_suite_run(work, python, heal_cmd)  # as heal runs it, no coverage
                doc, heal_s = heal_json(work, python, "--select", args.select, "--test-cmd",
                                        heal_cmd, "--verify", mode)
                fixes = doc["fixes"]  # type: ignore[index]
                landed = [f for f in fixes if f["verdict"] == "verified"]
                rejected = [f for f in fixes if f["verdict"] == "rejected"]
                baseline_runs = 1
                runs = int(doc["test_runs"]) - baseline_runs  # type: ignore[call-overload]
                n = max(len(landed) + len(rejected), 1)
                bound = 1 + 2 * k * math.ceil(math.log2(n)) + 1
                covered = sum(1 for f in landed if f["evidence"] == "covered")
                phases = doc["summary"]["phases"]  # type: ignore[index]
                rows.append({
                    "mode": mode, "k": k, "landed": len(landed), "rejected": len(rejected),
                    "pinned": len(pinned), "runs": runs, "per_fix": runs / max(len(landed), 1),
                    "bound": bound, "heal_s": heal_s, "scan_s": scan_s, "suite_s": suite_s,
                    "verify_s": phases.get("verify", 0) + phases.get("plan", 0),
                    "covered": covered, "recording": recording(work), "tests": test_seconds(work),
                    "messages": doc["summary"]["messages"],  # type: ignore[index]
                })
    print(f"project {args.project}, --select {args.select}\n")
    print("| verify | culprits | landed | rejected | test runs (w/o baseline) | runs per landed fix "
          "| bound 1+2k⌈log2 N⌉+1 | heal s | scan s + 1 suite s | plan+verify s "
          "| verification test s | tests per selective run | covered |")
    print("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |")
    for r in rows:
        test_s, selective, selected = r["tests"]  # type: ignore[misc]
        per_run = (f"{selected / selective:.0f} in {selective} of {r['runs']} runs"
                   if selective else "all")
        print(f"| {r['mode']} | {r['k']} | {r['landed']} | {r['rejected']} | {r['runs']} | "
              f"{r['per_fix']:.3f} | {r['bound']} | {r['heal_s']:.1f} | "
              f"{r['scan_s'] + r['suite_s']:.1f} | {r['verify_s']:.1f} | {test_s:.1f} | "
              f"{per_run} | {r['covered']}/{r['landed']} |")
    for r in rows:
        if r["recording"]:
            seconds = r["recording"]
            print(f"\n{r['mode']} k={r['k']}: coverage recording run {seconds:.1f}s, a plain run "
                  f"of the same command {r['suite_s']:.1f}s: overhead "
                  f"{seconds - r['suite_s']:+.1f}s ({seconds / max(r['suite_s'], 0.01):.2f}x)")
    for r in rows:
        if r["messages"]:
            print(f"\n{r['mode']} k={r['k']}: " + "; ".join(r["messages"]))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())

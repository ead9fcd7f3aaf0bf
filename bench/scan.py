"""Benchmark `heal --scan` against ruff, mypy and bandit run one after another.

For each corpus project (../shared/bench/fetch-corpus.sh must have set it up) this copies the
project to a temp folder, then times:
  - `heal --scan --format json` (all four analyzers, concurrently), cold and warm;
  - ruff, mypy and bandit run by hand, one after another, on the same files with the same
    options heal uses (so the caches and configs match), cold and warm.
It prints a markdown table: seconds, heal / sequential sum, heal / slowest tool, and the parity
of finding counts per tool (heal's count after de-duplication vs the tool's own count).

    .venv/bin/python bench/scan.py [NAME ...] [--runs 3]

Documented parity exceptions: files with syntax errors are reported once by heal (heal:SYNTAX)
and not passed to the tools; mypy is given the same file list as heal (duplicate module names
left out, since mypy refuses to run at all otherwise); ruff's S-rules that mirror a bandit
finding on the same line are merged into the bandit finding; mypy's `name-defined` on a line
where ruff reports F821 is the same problem, and counted once; mypy's exact repeats are one;
a module with a stub beside it is given to mypy as its stub, as heal does. When a file stops
mypy with a blocking error (parso's test data, mako's module found under two names), heal runs
mypy again without it; the tools' side is given heal's last, working file list and timed for
that one run (so the failed runs cost only heal).

`heal cold` has no `.heal/` (a CI checkout); the tools' cold run has no caches of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BIN, corpus


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc.stdout


def heal_files(work: Path) -> tuple[list[str], list[str]]:
    """The files heal analyzes (readable, parsable) and the files heal's mypy run checks in the
    end: where mypy stops at a blocking error (a module found twice under two names), heal runs
    it again without the culprit, and the tools' side is given that last, working file list
    (and timed for that one run only, not for the failed ones)."""
    import tempfile as scratch

    import heal.analyzers.mypy as mypy_analyzer
    from heal.analyzers.base import AnalyzeContext
    from heal.discover import discover
    from heal.scan import ScanRequest, open_workspace

    workspace = open_workspace(ScanRequest(repo=work))
    found = discover(workspace.root, workspace.candidates, workspace.config)
    files = [f.path for f in found.files]
    commands: list[list[str]] = []
    real_run = mypy_analyzer.run_tool  # type: ignore[attr-defined]

    def recording(argv: list[str], *args: object, **kwargs: object) -> object:
        commands.append(list(argv))
        return real_run(argv, *args, **kwargs)  # type: ignore[arg-type]

    mypy_analyzer.run_tool = recording  # type: ignore[attr-defined]
    try:
        with scratch.TemporaryDirectory() as state:
            mypy_analyzer.MypyAnalyzer().run(AnalyzeContext(
                root=workspace.root, files=found.files, config=workspace.config,
                python=workspace.python, state_dir=Path(state)))
    finally:
        mypy_analyzer.run_tool = real_run
    last = commands[-1] if commands else ["--"]
    return files, last[last.index("--") + 1:]


def tool_commands(work: Path, python: str, files: list[str], mypy_files: list[str],
                  cache: Path) -> dict[str, list[str]]:
    from heal.analyzers.bandit import config_args

    return {
        "ruff": [str(BIN / "ruff"), "check", "--output-format", "json", "--no-fix",
                 "--force-exclude", "--exit-zero", "--cache-dir", str(cache / "ruff"), "--", *files],
        "mypy": [str(BIN / "mypy"), "-O", "json", "--python-executable", python, "--cache-dir",
                 str(cache / "mypy"), "--no-color-output", "--no-error-summary", "--", *mypy_files],
        "bandit": [str(BIN / "bandit"), "-f", "json", "-q", *config_args(work), "--", *files],
    }


def tool_counts(outputs: dict[str, str], work: Path) -> dict[str, int]:
    ruff = [r for r in json.loads(outputs["ruff"] or "[]")
            if r.get("code") not in ("invalid-syntax", "E999")]
    bandit = json.loads(outputs["bandit"] or "{}").get("results", [])
    bandit_lines = {(Path(b["filename"]).as_posix().lstrip("./"), b["line_number"], b["test_id"])
                    for b in bandit}
    ruff_kept = []
    for r in ruff:
        code = r.get("code") or ""
        mirror = "B" + code[1:] if code.startswith("S") and code[1:].isdigit() else None
        rel = os.path.relpath(r["filename"], work)
        if mirror and (rel, r["location"]["row"], mirror) in bandit_lines:
            continue
        ruff_kept.append(r)
    f821 = {(os.path.relpath(r["filename"], work), r["location"]["row"]) for r in ruff
            if r.get("code") == "F821"}
    mypy = set()
    for line in outputs["mypy"].splitlines():
        row = json.loads(line) if line.startswith("{") else {}
        if row.get("line", -1) < 1:
            continue
        path = Path(row["file"]).as_posix()
        if row.get("code") == "name-defined" and (path, row["line"]) in f821:
            continue  # the same undefined name as ruff's F821: one finding
        # exact repeats (mypy reports a line once per import path it reaches it by) are one
        mypy.add((path, row["line"], row.get("column"), row.get("code"), row.get("message")))
    return {"ruff": len(ruff_kept), "mypy": len(mypy), "bandit": len(bandit)}


def timed_heal(argv: list[str], work: Path, env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    try:
        return seconds, json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.exit(f"{argv[0]} failed in {work}: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")


def cold(work: Path, cache: Path) -> None:
    """No `.heal/` (heal's caches) and no caches of the tools' own runs."""
    shutil.rmtree(work / ".heal", ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)


def bench_one(name: str, src: Path, python: str, runs: int, cold_runs: int,
              heals: list[str]) -> dict[str, Any]:
    """Each figure is a median; with two heals (a before and an after) the two are timed in
    turn, run by run, so that both meet the same machine."""
    with tempfile.TemporaryDirectory(prefix=f"heal-bench-{name}-") as tmp:
        work = Path(tmp) / name
        shutil.copytree(src, work, symlinks=True)
        env = {**os.environ, "VIRTUAL_ENV": str(Path(python).parent.parent)}
        env.pop("PYTHONPATH", None)
        files, mypy_files = heal_files(work)
        cache = Path(tmp) / "cache"
        commands = tool_commands(work, python, files, mypy_files, cache)

        def argv(heal: str) -> list[str]:
            return [heal, "--scan", "--format", "json", "--fail-on", "P0"]

        heal_cold: dict[str, list[float]] = {h: [] for h in heals}
        heal_warm: dict[str, list[float]] = {h: [] for h in heals}
        seq_cold: list[float] = []
        seq_warm: list[float] = []
        tool_warm: dict[str, list[float]] = {t: [] for t in commands}
        heal_doc: dict[str, Any] = {}
        outputs: dict[str, str] = {}
        for _ in range(cold_runs):
            for heal in heals:
                cold(work, cache)
                seconds, heal_doc = timed_heal(argv(heal), work, env)
                heal_cold[heal].append(seconds)
            cold(work, cache)
            total = 0.0
            for tool, command in commands.items():
                seconds, outputs[tool] = timed(command, work, env)
                total += seconds
            seq_cold.append(total)
        for heal in heals:  # warm: each heal's caches made once, untimed
            timed_heal(argv(heal), work, env)
        for command in commands.values():
            timed(command, work, env)
        for _ in range(runs):
            for heal in heals:
                seconds, heal_doc = timed_heal(argv(heal), work, env)
                heal_warm[heal].append(seconds)
            total = 0.0
            for tool, command in commands.items():
                seconds, outputs[tool] = timed(command, work, env)
                tool_warm[tool].append(seconds)
                total += seconds
            seq_warm.append(total)
        heal_by_tool = heal_doc["summary"]["by_tool"]
        own = tool_counts(outputs, work)
        median = statistics.median
        slowest_warm = max(median(t) for t in tool_warm.values())
        return {
            "name": name, "files": len(files),
            "heal_cold": {h: median(v) for h, v in heal_cold.items()},
            "heal_warm": {h: median(v) for h, v in heal_warm.items()},
            "seq_cold": median(seq_cold), "seq_warm": median(seq_warm),
            "slowest_warm": slowest_warm,
            "tools": {t: median(v) for t, v in tool_warm.items()},
            "parity": {t: (heal_by_tool.get(t, 0), own[t]) for t in own},
            "native": heal_by_tool.get("native", 0),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per project (median)")
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="cold runs per project (median), each with every cache removed")
    parser.add_argument("--heal", default=str(BIN / "heal"), help="the heal executable to time")
    parser.add_argument("--before", help="another heal executable (another checkout's), timed "
                                         "in turn with --heal, run by run")
    args = parser.parse_args()
    heals = [args.heal, *([args.before] if args.before else [])]
    rows = []
    for name, src, python, _ in corpus(args.names):
        rows.append(bench_one(name, src, python, args.runs, args.cold_runs, heals))
        print(f"{name}: done", file=sys.stderr, flush=True)
    after = args.heal
    before_cols = "before cold s | before/sum cold | " if args.before else ""
    print(f"| project | files | sequential cold s | {before_cols}heal cold s | heal/sum cold | "
          "ruff s | mypy s | bandit s | sequential warm s | heal warm s | heal/sum warm | "
          "heal/slowest warm | parity ruff | parity mypy | parity bandit | native |")
    print("| --- | --: | --: | " + ("--: | --: | " if args.before else "") +
          "--: | --: | --: | --: | --: | --: | --: | --: | --: | --- | --- | --- | --: |")
    for r in rows:
        tools, parity = r["tools"], r["parity"]
        cells = [f"{h}/{o}{'' if h == o else ' ≠'}" for h, o in parity.values()]
        before = ""
        if args.before:
            b = r["heal_cold"][args.before]
            before = f"{b:.2f} | {b / r['seq_cold']:.2f} | "
        cold_s, warm_s = r["heal_cold"][after], r["heal_warm"][after]
        print(f"| {r['name']} | {r['files']} | {r['seq_cold']:.2f} | {before}{cold_s:.2f} | "
              f"{cold_s / r['seq_cold']:.2f} | {tools['ruff']:.2f} | {tools['mypy']:.2f} | "
              f"{tools['bandit']:.2f} | {r['seq_warm']:.2f} | {warm_s:.2f} | "
              f"{warm_s / r['seq_warm']:.2f} | {warm_s / r['slowest_warm']:.2f} | "
              f"{' | '.join(cells)} | {r['native']} |")
    worst_cold = max(r["heal_cold"][after] / r["seq_cold"] for r in rows)
    worst_warm = max(r["heal_warm"][after] / r["seq_warm"] for r in rows)
    print(f"\nworst heal / sequential sum: cold {worst_cold:.2f}, warm {worst_warm:.2f} "
          "(goal <= 0.8 both)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

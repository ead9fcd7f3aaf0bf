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
    real_run = mypy_analyzer.run_tool

    def recording(argv: list[str], *args: object, **kwargs: object) -> object:
        commands.append(list(argv))
        return real_run(argv, *args, **kwargs)  # type: ignore[arg-type]

    mypy_analyzer.run_tool = recording  # type: ignore[assignment]
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


def bench_one(name: str, src: Path, python: str, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"heal-bench-{name}-") as tmp:
        work = Path(tmp) / name
        shutil.copytree(src, work, symlinks=True)
        env = {**os.environ, "VIRTUAL_ENV": str(Path(python).parent.parent)}
        env.pop("PYTHONPATH", None)
        files, mypy_files = heal_files(work)
        heal_argv = [str(BIN / "heal"), "--scan", "--format", "json", "--fail-on", "P0"]
        cache = Path(tmp) / "cache"
        commands = tool_commands(work, python, files, mypy_files, cache)

        heal_times, seq_times = [], []
        tool_times: dict[str, list[float]] = {t: [] for t in commands}
        heal_doc: dict[str, object] = {}
        outputs: dict[str, str] = {}
        for _ in range(runs + 1):  # the first run is cold, the rest warm
            seconds, out = timed(heal_argv, work, env)
            heal_times.append(seconds)
            heal_doc = json.loads(out)
            total = 0.0
            for tool, argv in commands.items():
                seconds, outputs[tool] = timed(argv, work, env)
                tool_times[tool].append(seconds)
                total += seconds
            seq_times.append(total)
        heal_by_tool = heal_doc["summary"]["by_tool"]  # type: ignore[index]
        own = tool_counts(outputs, work)
        warm = slice(1, None)
        heal_warm = statistics.median(heal_times[warm])
        seq_warm = statistics.median(seq_times[warm])
        slowest_warm = max(statistics.median(t[warm]) for t in tool_times.values())
        return {
            "name": name, "files": len(files),
            "heal_cold": heal_times[0], "seq_cold": seq_times[0],
            "heal_warm": heal_warm, "seq_warm": seq_warm,
            "ratio_sum": heal_warm / seq_warm, "ratio_slowest": heal_warm / slowest_warm,
            "ratio_sum_cold": heal_times[0] / seq_times[0],
            "tools": {t: statistics.median(v[warm]) for t, v in tool_times.items()},
            "parity": {t: (heal_by_tool.get(t, 0), own[t]) for t in own},  # type: ignore[union-attr]
            "native": heal_by_tool.get("native", 0),  # type: ignore[union-attr]
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--runs", type=int, default=3, help="warm runs per project (median)")
    args = parser.parse_args()
    rows = [bench_one(name, src, python, args.runs) for name, src, python, _ in corpus(args.names)]
    print("| project | files | heal cold s | sequential cold s | heal/sum cold | heal warm s | "
          "ruff s | mypy s | bandit s | sequential warm s | heal/sum warm | heal/slowest warm | "
          "parity ruff | parity mypy | parity bandit | native |")
    print("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- | --- "
          "| --- | --: |")
    for r in rows:
        tools = r["tools"]
        parity = r["parity"]
        cells = [f"{h}/{o}{'' if h == o else ' ≠'}" for h, o in parity.values()]  # type: ignore[union-attr]
        print(f"| {r['name']} | {r['files']} | {r['heal_cold']:.2f} | {r['seq_cold']:.2f} | "
              f"{r['ratio_sum_cold']:.2f} | {r['heal_warm']:.2f} | {tools['ruff']:.2f} | "  # type: ignore[index]
              f"{tools['mypy']:.2f} | {tools['bandit']:.2f} | {r['seq_warm']:.2f} | "  # type: ignore[index]
              f"{r['ratio_sum']:.2f} | {r['ratio_slowest']:.2f} | "
              f"{' | '.join(cells)} | {r['native']} |")
    worst_cold = max(float(r["ratio_sum_cold"]) for r in rows)  # type: ignore[arg-type]
    print(f"\nworst heal / sequential sum (cold): {worst_cold:.2f} (goal <= 0.8)")
    worst = max(float(r["ratio_sum"]) for r in rows)  # type: ignore[arg-type]
    print(f"\nworst heal / sequential sum (warm): {worst:.2f} (goal <= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

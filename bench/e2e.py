"""A heal run end to end, against its physical limit: one scan and two runs of the suite.

For each corpus project (../shared/bench/fetch-corpus.sh must have set it up), each step on a
fresh copy and in one process:

  1. `heal --scan` cold (no `.heal/`), timed;
  2. one run of the project's test command, timed;
  3. `heal` end to end with the project's test command (default options), then on another fresh
     copy `heal --unsafe-fixes`: wall time, the phases heal reports, the suite runs it made (full
     and selected, from `.heal/history.db`), and the verdict of every fix.

It prints heal / (scan + 2 x suite) per mode, the phases and the run counts, and with `--save`
writes the verdict sets to a JSON file; `--compare BEFORE.json AFTER.json` lists every fix whose
verdict differs between two saved runs (a fix is its file, rule and finding fingerprints).

`--hook` instead times the commit-loop profile: a real `git commit` of a one-file change (an
unused import added to the project's largest module) whose pre-commit hook is `heal --hook
FILE`, in a copy of the project, cold (no `.heal/`) and warm (after a `heal --scan` of the
unchanged tree), with the seconds spent in tests apart from the rest. Inside a commit the hook
heals the lines the commit changes (README, "The pre-commit hook").

    .venv/bin/python bench/e2e.py [NAME ...] [--modes default,unsafe] [--save after.json]
    .venv/bin/python bench/e2e.py --heal /other/checkout/.venv/bin/heal --save before.json
    .venv/bin/python bench/e2e.py --compare before.json after.json
    .venv/bin/python bench/e2e.py --hook [NAME ...]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import BIN, corpus, each_project, env_for

MODES = {"default": [], "unsafe": ["--unsafe-fixes"]}


def timed(argv: list[str], cwd: Path, python: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env_for(python), capture_output=True, text=True)
    return time.perf_counter() - start, done


def fresh(src: Path, tmp: Path, label: str) -> Path:
    work = tmp / label / src.name
    shutil.copytree(src, work, symlinks=True)
    return work


def suite_runs(work: Path) -> Counter[str]:
    """Test runs of the newest heal run by kind, and how many were full and selected."""
    db = work / ".heal" / "history.db"
    counts: Counter[str] = Counter()
    if not db.exists():
        return counts
    with sqlite3.connect(db) as conn:
        run = conn.execute("SELECT id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
        if run is None:
            return counts
        for kind, selected in conn.execute(
                "SELECT kind, COALESCE(selected, 0) FROM test_runs WHERE run_id = ?", run):
            counts[kind] += 1
            counts["selected" if selected else "full"] += 1
    return counts


def edit_of(fix: dict[str, Any]) -> str:
    """What a fix changes, without line numbers: the lines its diff takes out and puts in."""
    lines = [line for line in str(fix.get("diff") or "").splitlines()
             if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12] if lines else ""


def verdicts_of(fixes: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Verdict, source and reason per fix, keyed by file, rule and edit (what it changes, not
    the fingerprint: heal versions may number identical nodes differently), a repeat of the
    same key numbered in line order."""
    seen: Counter[str] = Counter()
    out: dict[str, list[str]] = {}
    for fix in sorted(fixes, key=lambda f: (f["path"], f["rule"], f.get("line") or 0)):
        key = f"{fix['path']}|{fix['rule']}|{edit_of(fix) or ','.join(sorted(fix['fingerprints']))}"
        seen[key] += 1
        out[key if seen[key] == 1 else f"{key}#{seen[key]}"] = [
            fix["verdict"], fix["source"], fix["reason"]]
    return out


def heal_once(heal: str, src: Path, tmp: Path, python: str, test_cmd: str,
              mode: str) -> dict[str, Any]:
    work = fresh(src, tmp, mode)
    argv = [heal, "--format", "json", *MODES[mode], "--test-cmd",
            test_cmd + " -x -p no:cacheprovider"]
    seconds, done = timed(argv, work, python)
    if not done.stdout.strip():
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1], "seconds": seconds}
    doc = json.loads(done.stdout)
    return {
        "seconds": seconds,
        "phases": doc["summary"].get("phases", {}),
        "test_runs": doc["test_runs"],
        "runs": dict(suite_runs(work)),
        "verdicts": verdicts_of(doc["fixes"]),
        "rechecks": doc["summary"].get("rechecks"),
        "counts": dict(Counter(f["verdict"] for f in doc["fixes"])),
    }


def project(heal: str, name: str, src: Path, python: str, test_cmd: str,
            modes: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"heal-e2e-{name}-") as tmp_name:
        tmp = Path(tmp_name)
        work = fresh(src, tmp, "scan")
        scan_s, _ = timed([heal, "--scan", "--format", "json", "--fail-on", "P0"], work, python)
        suite_s, done = timed(["bash", "-c", test_cmd], work, python)
        result: dict[str, Any] = {"scan_s": scan_s, "suite_s": suite_s,
                                  "suite_ok": done.returncode == 0}
        for mode in modes:
            result[mode] = heal_once(heal, src, tmp, python, test_cmd, mode)
        return result


def print_project(name: str, r: dict[str, Any], modes: list[str]) -> None:
    limit = r["scan_s"] + 2 * r["suite_s"]
    print(f"\n### {name}: scan {r['scan_s']:.1f} s, suite {r['suite_s']:.1f} s"
          f"{'' if r['suite_ok'] else ' (FAILED)'}, limit (scan + 2 x suite) {limit:.1f} s\n")
    print("| mode | heal s | heal / limit | suite runs (full, selected) | re-checks | verdicts "
          "| phases (s) |")
    print("| --- | --: | --: | --- | --: | --- | --- |")
    for mode in modes:
        m = r[mode]
        if "error" in m:
            print(f"| {mode} | {m['seconds']:.1f} | | | | error: {m['error']} | |")
            continue
        runs = m["runs"]
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(runs.items()) if k not in ("full", "selected"))
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(m["counts"].items()))
        phases = ", ".join(f"{k} {v:.1f}" for k, v in m["phases"].items())
        print(f"| {mode} | {m['seconds']:.1f} | {m['seconds'] / limit:.2f} | "
              f"{m['test_runs']} ({runs.get('full', 0)}, {runs.get('selected', 0)}; {kinds}) | "
              f"{m.get('rechecks') if m.get('rechecks') is not None else '-'} | "
              f"{verdicts} | {phases} |")


def compare(before_file: str, after_file: str) -> int:
    before = json.loads(Path(before_file).read_text())
    after = json.loads(Path(after_file).read_text())
    differences = 0
    for name in sorted(set(before) & set(after)):
        for mode in sorted(set(before[name]) & set(after[name]) & set(MODES)):
            old = before[name][mode].get("verdicts", {})
            new = after[name][mode].get("verdicts", {})
            keys = sorted(set(old) | set(new))
            changed = [k for k in keys if (old.get(k) or ["-"])[0] != (new.get(k) or ["-"])[0]]
            same = len(keys) - len(changed)
            print(f"{name} {mode}: {same} of {len(keys)} fixes with the same verdict")
            for key in changed:
                print(f"  {key}: {(old.get(key) or ['-', '', ''])[0]} -> "
                      f"{(new.get(key) or ['-', '', ''])[0]}  "
                      f"({(old.get(key) or ['', '', ''])[2]} | {(new.get(key) or ['', '', ''])[2]})")
            differences += len(changed)
    print(f"{differences} verdicts differ")
    return 1 if differences else 0


def tests_seconds(work: Path) -> float:
    """Seconds the newest heal run spent running tests."""
    db = work / ".heal" / "history.db"
    if not db.exists():
        return 0.0
    with sqlite3.connect(db) as conn:
        run = conn.execute("SELECT id FROM runs ORDER BY started DESC LIMIT 1").fetchone()
        if run is None:
            return 0.0
        total = conn.execute("SELECT SUM(duration) FROM test_runs WHERE run_id = ?",
                             run).fetchone()[0]
    return float(total or 0.0)


def with_unused_import(text: str) -> str:
    """`import os` added where a developer adds an import: above the module's first import
    (after its `from __future__` imports), else after its docstring. Not above a docstring, a
    `__future__` import or a coding comment, which it would move or break."""
    tree = ast.parse(text)
    after = 0
    for index, node in enumerate(tree.body):
        docstring = index == 0 and isinstance(node, ast.Expr) and \
            isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if docstring or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            after = node.end_lineno or after
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            after = node.lineno - 1
        break
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:after], "import os\n", *lines[after:]])


def hook(heal: str, name: str, src: Path, python: str, test_cmd: str) -> None:
    """`heal --hook FILE` on a one-file change, cold (no `.heal/`: the first commit after a
    clone) and warm (after a `heal --scan` of the unchanged tree: every later commit)."""
    with tempfile.TemporaryDirectory(prefix=f"heal-hook-{name}-") as tmp_name:
        for state in ("cold", "warm"):
            work = fresh(src, Path(tmp_name), f"hook-{state}")
            files = subprocess.run(["git", "ls-files", "*.py"], cwd=work, capture_output=True,
                                   text=True, check=True).stdout.split()
            sources = [f for f in files if "test" not in f]
            loc = sum(len((work / f).read_text(errors="replace").splitlines()) for f in files)
            largest = max(sources, key=lambda f: (work / f).stat().st_size)
            if state == "warm":
                timed([heal, "--scan", "--fail-on", "P0"], work, python)
            target = work / largest
            target.write_text(with_unused_import(target.read_text()))
            subprocess.run(["git", "add", largest], cwd=work, check=True)
            hook_file = work / ".git" / "hooks" / "pre-commit"
            hook_file.write_text("#!/bin/sh\nexec " + shlex.join(
                [heal, "--hook", "--test-cmd", test_cmd + " -x -p no:cacheprovider", largest])
                + "\n")
            hook_file.chmod(0o755)
            seconds, done = timed(["git", "-c", "core.hooksPath=.git/hooks", "commit", "-q",
                                   "-m", "a one-file change"], work, python)
            runs = suite_runs(work)
            tested = sum(v for k, v in runs.items() if k not in ("full", "selected"))
            in_tests = tests_seconds(work)
            print(f"| {name} | {state} | {loc} | {largest} | {seconds:.1f} | {in_tests:.1f} | "
                  f"{seconds - in_tests:.1f} | {done.returncode} | "
                  f"{tested} ({runs.get('full', 0)} full, {runs.get('selected', 0)} selected) |")
            sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--heal", default=str(BIN / "heal"), help="the heal executable to time")
    parser.add_argument("--modes", default="default,unsafe")
    parser.add_argument("--save", help="write the results, verdicts included, to this JSON file")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--hook", action="store_true", help="time `heal --hook` on one file")
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    rows = corpus(args.names)
    if args.hook:
        print("| project | cache | lines (all .py) | changed file | heal --hook s | in tests s | "
              "besides tests s | exit | test runs |")
        print("| --- | --- | --: | --- | --: | --: | --: | --: | --- |")
        for name, src, python, test_cmd in rows:
            hook(args.heal, name, src, python, test_cmd)
            sys.stdout.flush()
        return 0
    modes = args.modes.split(",")
    return each_project(
        rows, lambda name, src, python, test_cmd: project(args.heal, name, src, python,
                                                          test_cmd, modes),
        lambda name, figures: print_project(name, figures, modes), args.save)


if __name__ == "__main__":
    sys.exit(main())

"""Heal every corpus project and check the result the way issues 4, 5 and 6 ask.

For each project (../shared/bench/fetch-corpus.sh must have set it up), on a fresh copy:

  1. scan: findings per category, mypy errors per code, bandit HIGH+MEDIUM count;
  2. `heal --format json [--category ...] [--unsafe-fixes] [--approve-all-verified]` with the
     project's test command: verified / rejected / needs-review / declined per category;
  3. the project's own test command, run independently on the healed copy: must pass;
  4. every .py file still parses;
  5. a second `heal` with the same options: it must land nothing (idempotence);
  6. scan again: mypy errors for the fixed codes and bandit HIGH+MEDIUM after.

`--reuse A B` instead heals A, copies A's learned `.heal/patterns/` into B, heals B, and reports
the share of B's verified heals that a pattern served, where the rules overlap.

    .venv/bin/python bench/corpus.py --categories type,import,style [NAME ...]
    .venv/bin/python bench/corpus.py --categories security,performance,logic --approve-all
    .venv/bin/python bench/corpus.py --reuse beautifulsoup4 parso
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from common import BIN, corpus, env_for


def heal(work: Path, python: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([str(BIN / "heal"), "--format", "json", *args], cwd=work,
                          env=env_for(python), capture_output=True, text=True)
    if not proc.stdout:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["?"]}
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def scan_counts(work: Path, python: str) -> tuple[Counter[str], Counter[str], int]:
    doc = heal(work, python, "--scan", "--fail-on", "P0")
    findings = doc.get("findings", [])
    categories = Counter(f["category"] for f in findings)
    mypy = Counter(f["rule"] for f in findings if f["tool"] == "mypy")
    bandit = sum(1 for f in findings if f["tool"] == "bandit" and f["priority"] == "P0")
    return categories, mypy, bandit


def unparsable(work: Path) -> list[str]:
    bad = []
    for path in work.rglob("*.py"):
        if ".heal" in path.parts or ".git" in path.parts:
            continue
        try:
            ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            bad.append(str(path.relative_to(work)))
    return bad


def run_tests(work: Path, python: str, test_cmd: str) -> bool:
    done = subprocess.run(["bash", "-c", test_cmd], cwd=work, env=env_for(python),
                          capture_output=True, text=True)
    return done.returncode == 0


def one(name: str, src: Path, python: str, test_cmd: str, args: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"heal-corpus-{name}-") as tmp:
        work = Path(tmp) / name
        shutil.copytree(src, work, symlinks=True)
        syntax_before = set(unparsable(work))  # parso ships broken test data on purpose
        before_cat, before_mypy, before_bandit = scan_counts(work, python)
        heal_args = [*args, "--test-cmd", test_cmd + " -x -p no:cacheprovider"]
        start = time.perf_counter()
        first = heal(work, python, *heal_args)
        seconds = time.perf_counter() - start
        if "error" in first:
            return {"name": name, "error": first["error"]}
        fixes = first["fixes"]
        table = Counter((f["category"], f["verdict"]) for f in fixes)
        green = run_tests(work, python, test_cmd)
        broken = sorted(set(unparsable(work)) - syntax_before)
        second = heal(work, python, *heal_args)
        again = [f for f in second.get("fixes", []) if f["verdict"] == "verified"]
        after_cat, after_mypy, after_bandit = scan_counts(work, python)
        fixed_codes = {f["rule"] for f in fixes if f["verdict"] == "verified"
                       and f["rule"].startswith("mypy:")}
        return {
            "name": name, "seconds": seconds, "table": table, "test_runs": first["test_runs"],
            "green": green, "unparsable": broken, "second_run_fixes": len(again),
            "mypy_before": sum(before_mypy[c] for c in fixed_codes),
            "mypy_after": sum(after_mypy[c] for c in fixed_codes),
            "mypy_total": (sum(before_mypy.values()), sum(after_mypy.values())),
            "bandit": (before_bandit, after_bandit),
            "categories": (before_cat, after_cat),
            "declined": len(first.get("declined", [])),
        }


def print_project(r: dict[str, Any], categories: list[str]) -> None:
    if "error" in r:
        print(f"\n### {r['name']}: heal failed: {r['error']}")
        return
    print(f"\n### {r['name']} ({r['seconds']:.0f}s, {r['test_runs']} test runs)\n")
    print("| category | verified | needs review | rejected | declined by the fixer |")
    print("| --- | --: | --: | --: | --: |")
    for category in categories:
        t = r["table"]
        print(f"| {category} | {t[(category, 'verified')]} | {t[(category, 'needs-review')]} | "
              f"{t[(category, 'rejected')]} | |")
    print(f"| all | | | | {r['declined']} |")
    before, after = r["categories"]
    print(f"\ntests pass independently after heal: {'yes' if r['green'] else 'NO'}; "
          f"newly unparsable files: {len(r['unparsable'])}; fixes landed by a second heal: "
          f"{r['second_run_fixes']}; mypy errors of the fixed codes {r['mypy_before']} -> "
          f"{r['mypy_after']} (all mypy {r['mypy_total'][0]} -> {r['mypy_total'][1]}); "
          f"bandit HIGH+MEDIUM {r['bandit'][0]} -> {r['bandit'][1]}; findings "
          + ", ".join(f"{c} {before[c]}->{after[c]}" for c in categories))


def _meta(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()).get("metadata") or {}  # type: ignore[no-any-return]


# Rules whose fixes no one-node template (an ast-grep rule's `pattern` and `fix`) expresses:
# each pattern A learns for them is one instance's exact text, which nothing else matches.
UNTEMPLATED = {
    "ruff:I001": "re-sorts a whole import block",
    "ruff:RUF023": "sorts `__slots__` / `__all__`",
    "ruff:UP032": "rewrites the inside of a string literal (`.format` -> f-string)",
    "ruff:UP025": "rewrites a string literal's prefix",
    "heal:PERF104": "edits two places (a module constant and its use)",
}


def reuse(a: str, b: str) -> int:
    rows = {name: (Path(src), python, test_cmd) for name, src, python, test_cmd in corpus([a, b])}
    with tempfile.TemporaryDirectory(prefix="heal-reuse-") as tmp:
        works = {}
        for name in (a, b):
            works[name] = Path(tmp) / name
            shutil.copytree(rows[name][0], works[name], symlinks=True)
        _, python_a, cmd_a = rows[a]
        first = heal(works[a], python_a, "--test-cmd", cmd_a + " -x -p no:cacheprovider")
        # not the local copies of built-in patterns that only carry A's stats for them
        # (and not the ones retired as subsumed by a more general pattern)
        learned = [path for path in (works[a] / ".heal" / "patterns").glob("*.yaml")
                   if _meta(path).get("provenance", {}).get("kind") != "builtin"
                   and _meta(path).get("status", "active") == "active"]
        shutil.copytree(works[a] / ".heal" / "patterns", works[b] / ".heal" / "patterns",
                        dirs_exist_ok=True)
        _, python_b, cmd_b = rows[b]
        second = heal(works[b], python_b, "--test-cmd", cmd_b + " -x -p no:cacheprovider")
        verified_a = {f["rule"] for f in first.get("fixes", []) if f["verdict"] == "verified"}
        heals_b = [f for f in second.get("fixes", []) if f["verdict"] == "verified"]
        overlap = [f for f in heals_b if f["rule"] in verified_a]
        served = [f for f in overlap if f["source"].startswith("pattern:")
                  and "builtin" not in f["source"]]
        ids = {f"pattern:{path.stem}" for path in learned}
        learned_served = [f for f in served if f["source"].split("@")[0] in ids]
        print(f"A = {a}: {len(learned)} patterns learned from "
              f"{sum(1 for f in first.get('fixes', []) if f['verdict'] == 'verified')} verified heals")
        print(f"B = {b}: {len(heals_b)} verified heals, {len(overlap)} of them on rules A healed; "
              f"{len(learned_served)} served by A's learned patterns "
              f"({len(learned_served) / max(len(overlap), 1):.0%} where the rules overlap)")
        by_rule = Counter((f["rule"], f["source"].split("@")[0]) for f in overlap)
        for (rule, source), count in sorted(by_rule.items()):
            print(f"  {rule:<22} {source:<50} {count}")
        triggers = Counter(rule for path in learned for rule in _meta(path).get("triggers", []))
        print("  A's learned patterns for those rules: " + ", ".join(
            f"{rule} {triggers[rule]}" for rule in sorted({f["rule"] for f in overlap})))
        for label, left_out in (("I001 (import sorting)", {"ruff:I001"}),
                                ("the rules no template expresses", set(UNTEMPLATED))):
            rest = [f for f in overlap if f["rule"] not in left_out]
            served_rest = [f for f in learned_served if f["rule"] not in left_out]
            print(f"  leaving out {label}: {len(served_rest)} of {len(rest)} "
                  f"({len(served_rest) / max(len(rest), 1):.0%})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--categories", default="type,import,style")
    parser.add_argument("--unsafe", action="store_true", help="pass --unsafe-fixes")
    parser.add_argument("--approve-all", action="store_true", help="--approve-all-verified")
    parser.add_argument("--reuse", nargs=2, metavar=("A", "B"))
    args = parser.parse_args()
    if args.reuse:
        return reuse(*args.reuse)
    categories = args.categories.split(",")
    heal_args = ["--category", args.categories]
    if args.unsafe:
        heal_args.append("--unsafe-fixes")
    if args.approve_all:
        heal_args.append("--approve-all-verified")
    print(f"heal {' '.join(heal_args)}")
    for name, src, python, test_cmd in corpus(args.names):
        print_project(one(name, Path(src), python, test_cmd, heal_args), categories)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

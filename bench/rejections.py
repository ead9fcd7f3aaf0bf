"""Do heal's rejections hold up? Each rejected fix re-checked alone on the project's own text.

For each corpus project (../shared/bench/fetch-corpus.sh must have set it up), on a fresh copy
with a broad ruff selection (`--select`, default the 12 prefixes E,F,W,I,UP,B,SIM,PERF,S,C4,RET,
PIE, written to the copy's `ruff.toml`), `heal --dry-run --unsafe-fixes --format json` with the
project's test command. Then every rejected fix, alone, is applied to another fresh copy of the
original text (its diff, with `git apply`) and checked by what it was turned down for:

  - "brings new findings": `heal --scan` of its files before and after; it reproduces when
    every rule the reason names rises in count (rule and message, numbers aside);
  - "still there": it reproduces when its rule's findings in its file do not drop;
  - "breaks the tests": it reproduces when the failing test ids (or their files) fail again.

Other rejections (a fixer bug, a batch that did not settle) are listed apart and not judged. A
fix planned on top of earlier rounds is applied on the original text with the fixes verified
before it that edit its files; one whose diff still does not apply is "not applicable". The
table gives per project: attempted fixes, verified share, rejections by kind, and the share that
reproduce. `--rejudge SAVED` judges a saved run's rejections again without a heal run.

    .venv/bin/python bench/rejections.py cachetools h11 [--heal-python /other/.venv/bin/python]
        [--save out.json]

`--heal-python` runs another checkout's heal for the heal run (a before/after comparison); the
re-checks always use this environment's heal, so both sides are judged alike.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from common import BIN, corpus, each_project, env_for

BROAD = "E,F,W,I,UP,B,SIM,PERF,S,C4,RET,PIE"
RULE = re.compile(r"\b(?:ruff|mypy|bandit|heal|pytest):[\w-]+")
NUMBER = re.compile(r"\d+")
HEADER = ("| project | fixes attempted | verified | rejected (by kind) | reproduce alone | other |\n"
          "| --- | --: | --: | --- | --- | --- |")


def run(argv: list[str], cwd: Path, python: str, timeout: float = 1800
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env_for(python), capture_output=True, text=True,
                          timeout=timeout)


def prepared(src: Path, tmp: Path, label: str, select: str) -> Path:
    """A fresh copy with the broad ruff selection committed (heal's worktrees see it too)."""
    work = tmp / label / src.name
    shutil.copytree(src, work, symlinks=True)
    codes = ", ".join(f'"{code}"' for code in select.split(","))
    (work / "ruff.toml").write_text(f"[lint]\nselect = [{codes}]\n")
    for argv in (["git", "add", "ruff.toml"],
                 ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
                  "commit", "-qm", "bench: broad ruff selection"]):
        subprocess.run(argv, cwd=work, check=True, capture_output=True)
    return work


def kind(reason: str) -> str:
    if reason.startswith("the fix brings new findings"):
        return "brings"
    if reason.startswith("the finding is still there"):
        return "still"
    if reason.startswith("breaks the tests"):
        return "tests"
    return "other"


def scan(heal: str, work: Path, python: str, paths: list[str]) -> list[dict[str, Any]]:
    done = run([heal, "--scan", "--format", "json", "--fail-on", "P0", *paths], work, python)
    try:
        return list(json.loads(done.stdout)["findings"])
    except (ValueError, KeyError):
        return []


def shapes(findings: list[dict[str, Any]]) -> Counter[tuple[str, str, str]]:
    return Counter((f["path"], f["rule"], NUMBER.sub("#", f["message"])) for f in findings)


def apply(work: Path, diff: str) -> bool:
    return subprocess.run(["git", "apply", "-"], cwd=work, input=diff, text=True,
                          capture_output=True).returncode == 0


def on_base(work: Path, fix: dict[str, Any], earlier: list[dict[str, Any]]) -> bool:
    """Bring the copy to the text the fix was planned on: the original, or else the original
    with the fixes verified before it that edit its files (a later round's fix is planned on
    top of them). False when even that does not take its diff."""
    check = subprocess.run(["git", "apply", "--check", "-"], cwd=work, input=fix["diff"],
                           text=True, capture_output=True)
    if check.returncode == 0:
        return True
    mine = set(files_of(fix))
    for other in earlier:
        if mine & set(files_of(other)):
            apply(work, other["diff"])
    return subprocess.run(["git", "apply", "--check", "-"], cwd=work, input=fix["diff"],
                          text=True, capture_output=True).returncode == 0


def files_of(fix: dict[str, Any]) -> list[str]:
    return sorted({line[6:].strip() for line in fix["diff"].splitlines()
                   if line.startswith("+++ b/")})


def reproduces(fix: dict[str, Any], earlier: list[dict[str, Any]], heal: str, src: Path,
               tmp: Path, python: str, test_cmd: str, select: str) -> str:
    """yes | no | not applicable: the rejection seen again with the fix alone on its base."""
    work = prepared(src, tmp, f"alone-{fix['id']}", select)
    try:
        if not on_base(work, fix, earlier):
            return "not applicable"
        paths = files_of(fix)
        why = kind(fix["reason"])
        before = scan(heal, work, python, paths) if why != "tests" else []
        apply(work, fix["diff"])
        if why == "tests":
            ids = fix["failing_tests"] or paths
            done = run(["bash", "-c", f"{test_cmd} -p no:cacheprovider " +
                        " ".join(f"'{i}'" for i in ids)], work, python)
            return "yes" if done.returncode != 0 else "no"
        after = scan(heal, work, python, paths)
        if why == "still":
            rule = fix["rule"]
            had = sum(1 for f in before if f["rule"] == rule and f["path"] == fix["path"])
            has = sum(1 for f in after if f["rule"] == rule and f["path"] == fix["path"])
            return "yes" if has >= had else "no"
        # every rule the reason names must rise (rule and message, numbers aside)
        named = set(RULE.findall(fix["reason"].split(":", 1)[1]))
        rose = {rule for _, rule, _ in shapes(after) - shapes(before)}
        return "yes" if named <= rose else "no"
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def judge(fixes: list[dict[str, Any]], heal: str, src: Path, tmp: Path, python: str,
          test_cmd: str, select: str) -> list[dict[str, Any]]:
    judged = []
    for index, fix in enumerate(fixes):
        if fix["verdict"] != "rejected":
            continue
        earlier = [f for f in fixes[:index] if f["verdict"] == "verified"]
        verdict = "not judged" if kind(fix["reason"]) == "other" else reproduces(
            fix, earlier, heal, src, tmp, python, test_cmd, select)
        judged.append({"rule": fix["rule"], "path": fix["path"], "line": fix["line"],
                       "reason": fix["reason"], "kind": kind(fix["reason"]),
                       "reproduces": verdict})
    return judged


def project(heal: str, heal_python: str, name: str, src: Path, python: str, test_cmd: str,
            select: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"heal-rejections-{name}-") as tmp_name:
        tmp = Path(tmp_name)
        work = prepared(src, tmp, "heal", select)
        done = run([heal_python, "-m", "heal", "--dry-run", "--unsafe-fixes", "--format", "json",
                    "--test-cmd", test_cmd + " -p no:cacheprovider"], work, python)
        if not done.stdout.strip():
            return {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
        fixes = json.loads(done.stdout)["fixes"]
        return {"counts": dict(Counter(f["verdict"] for f in fixes)), "fixes": fixes,
                "rejected": judge(fixes, heal, src, tmp, python, test_cmd, select)}


def rejudge(saved_file: str, heal: str, select: str) -> int:
    """Judge the rejections of a saved run again (after a change to the judging)."""
    saved = json.loads(Path(saved_file).read_text())
    rows = {name: (src, python, test_cmd) for name, src, python, test_cmd in corpus(list(saved))}
    for name, figures in saved.items():
        if "fixes" in figures:
            src, python, test_cmd = rows[name]
            with tempfile.TemporaryDirectory(prefix=f"heal-rejections-{name}-") as tmp_name:
                figures["rejected"] = judge(figures["fixes"], heal, src, Path(tmp_name), python,
                                            test_cmd, select)
        print_row(name, figures)
    Path(saved_file).write_text(json.dumps(saved, indent=1))
    return 0


def print_row(name: str, r: dict[str, Any]) -> None:
    if "error" in r:
        print(f"| {name} | error: {r['error']} | | | | |")
        return
    attempted = sum(r["counts"].values())
    verified = r["counts"].get("verified", 0)
    kinds = Counter(j["kind"] for j in r["rejected"])
    answers = Counter(j["reproduces"] for j in r["rejected"])
    judged = answers["yes"] + answers["no"]
    share = f"{answers['yes'] / judged:.0%}" if judged else "-"
    print(f"| {name} | {attempted} | {verified / attempted:.1%} | "
          f"{len(r['rejected'])} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}) | "
          f"{answers['yes']} of {judged} = {share} | "
          f"{answers['not applicable']} n/a, {answers['not judged']} not judged |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--heal-python", default=sys.executable,
                        help="the interpreter whose heal makes the run (default: this one)")
    parser.add_argument("--select", default=BROAD, help="ruff codes for the copy's ruff.toml")
    parser.add_argument("--save", help="write every judged rejection to this JSON file")
    parser.add_argument("--rejudge", metavar="SAVED",
                        help="judge the rejections of a saved run again, without a heal run")
    args = parser.parse_args()
    heal = str(BIN / "heal")
    if args.rejudge:
        print(HEADER)
        return rejudge(args.rejudge, heal, args.select)
    print(HEADER)
    return each_project(
        corpus(args.names), lambda name, src, python, test_cmd: project(
            heal, args.heal_python, name, src, python, test_cmd, args.select),
        print_row, args.save)


if __name__ == "__main__":
    sys.exit(main())

"""Measure `heal learn --from-git`: held-out precision and recall on corpus projects.

For each corpus project (../shared/bench/fetch-corpus.sh must have set it up) this copies the
source into a temp git repository and creates a history by replaying ruff's own fixes as
commits: files in a fixed shuffled order, and for each file every rule in RULES in turn
(`ruff check --fix --unsafe-fixes --select RULE FILE`), one commit per (file, rule) that
changed something. Then:
  - the newest HOLDOUT share of the commits is held out; `mine_git` learns patterns from the
    older commits (edits seen in >= 2 commits become patterns);
  - every finding a held-out commit removed inside a small hunk is a held-out fix; the learned
    patterns are asked for a fix at that finding (`PatternLibrary.propose`), and a fix counts
    as reproduced when the file after it equals the commit's version of that hunk exactly.
precision = reproduced / fixes proposed; recall = reproduced / held-out fixes.
With --reuse, the patterns learned from the first project's whole history are also tried on
every fix of the second project (the share of its fixes served by patterns).

    .venv/bin/python bench/learn.py [NAME ...] [--holdout 0.3] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from common import BIN, corpus

RULES = ("E711", "E712", "E713", "E714", "UP004", "UP008", "UP025", "UP034", "C408", "F541",
         "PIE808", "PIE790", "B011", "C405", "C416", "UP015", "UP024")
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@heal.invalid",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@heal.invalid",
           "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd)}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def make_history(source: Path, target: Path, seed: int = 11) -> list[str]:
    """Copy the project, commit it, then replay ruff's fixes one (file, rule) per commit;
    returns the fix commits, oldest first."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", ".tox", ".venv", "build", "dist", "*.egg-info", ".heal"))
    git(target, "init", "-q", "-b", "main")
    git(target, "config", "commit.gpgsign", "false")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "import")
    files = sorted(p for p in git(target, "ls-files", "*.py").splitlines()
                   if not p.startswith(("docs/", "doc/")))
    random.Random(seed).shuffle(files)
    commits = []
    for path in files:
        for rule in RULES:
            before = (target / path).read_bytes()
            subprocess.run([str(BIN / "ruff"), "check", "--isolated", "--no-cache", "--fix",
                            "--unsafe-fixes", "--select", rule, "--target-version", "py310",
                            "--exit-zero", "--quiet", path], cwd=target, capture_output=True)
            if (target / path).read_bytes() == before:
                continue
            git(target, "commit", "-q", "-am", f"fix {rule} in {path}")
            commits.append(git(target, "rev-parse", "HEAD").strip())
    return commits


def evaluate(library: object, fixes: list[object]) -> tuple[int, int, int, dict[str, list[int]]]:
    """(held-out fixes, fixes proposed, reproduced exactly, per rule [n, proposed, exact])."""
    from heal.edits import apply_fixes
    from heal.fixer import ModuleContext
    from heal.model import Category, Finding, Fix, Priority
    from heal.patterns.library import PatternLibrary
    from heal.patterns.mine import MinedFix

    assert isinstance(library, PatternLibrary)
    proposed = exact = 0
    per_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item in fixes:
        assert isinstance(item, MinedFix) and item.span is not None
        per_rule[item.rule][0] += 1
        finding = Finding(rule=item.rule, category=Category.STYLE, priority=Priority.P3,
                          path=item.path, span=item.span, message="", tool="ruff",
                          fingerprint="held-out")
        result = library.propose(finding, ModuleContext(item.path, item.before))
        if not isinstance(result, Fix):
            continue
        proposed += 1
        per_rule[item.rule][1] += 1
        if apply_fixes(item.before, [result]) == item.after:
            exact += 1
            per_rule[item.rule][2] += 1
    return len(fixes), proposed, exact, dict(per_rule)


def library_from(result: object, folder: Path) -> object:
    from heal.config import Config
    from heal.patterns.library import PatternLibrary
    from heal.patterns.mine import MineResult, save_mined

    assert isinstance(result, MineResult)
    library = PatternLibrary(None, Config(), builtin=False, folder=folder)
    save_mined(library, result)
    return library


def ratio(a: int, b: int) -> str:
    return f"{a / b:.0%}" if b else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=["beautifulsoup4", "parso"])
    parser.add_argument("--holdout", type=float, default=0.3)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    from heal.analyze import findings_in
    from heal.patterns.mine import mine_git

    rules = tuple(f"ruff:{r}" for r in RULES)
    work = Path(tempfile.mkdtemp(prefix="heal-bench-learn-"))
    rows = []
    details = []
    histories: dict[str, tuple[Path, list[str]]] = {}
    try:
        for name, source, _, _ in corpus(args.names):
            started = time.perf_counter()
            repo = work / name
            commits = make_history(source, repo)
            histories[name] = (repo, commits)
            cut = int(len(commits) * (1 - args.holdout))
            train, held = commits[:cut], commits[cut:]
            learned = mine_git(repo, findings_in, rules=rules,
                               commits=list(reversed(train)))
            library = library_from(learned, work / f"{name}-patterns")
            test = mine_git(repo, findings_in, rules=rules, commits=list(reversed(held)),
                            grouped=False)
            usable = [f for f in test.fixes if f.span is not None]
            total, proposed, exact, per_rule = evaluate(library, usable)
            rows.append(f"| {name} | {len(commits)} | {len(train)} / {len(held)} | "
                        f"{len(learned.fixes)} | {len(learned.patterns)} | {total} | {proposed} | "
                        f"{exact} | {ratio(exact, proposed)} | {ratio(exact, total)} | "
                        f"{time.perf_counter() - started:.0f}s |")
            for rule, (n, p, e) in sorted(per_rule.items()):
                details.append(f"| {name} | {rule} | {n} | {p} | {e} |")
            details.extend(f"| {name} | pattern ({len(edit.origins)} commits) | "
                           f"`{edit.pattern!r}` -> `{edit.fix!r}` | | |"
                           for edit in learned.patterns)
        print("| project | fix commits | train / held-out | mined fixes | patterns | "
              "held-out fixes | proposed | exact | precision | recall | time |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        print("\n| project | rule or pattern | held-out fixes | proposed | exact |")
        print("|---|---|---|---|---|")
        print("\n".join(details))
        if args.reuse and len(histories) >= 2:
            (name_a, (repo_a, commits_a)), (name_b, (repo_b, commits_b)) = \
                list(histories.items())[:2]
            learned_a = mine_git(repo_a, findings_in, rules=rules,
                                 commits=list(reversed(commits_a)))
            library_a = library_from(learned_a, work / "reuse-patterns")
            fixes_b = mine_git(repo_b, findings_in, rules=rules,
                               commits=list(reversed(commits_b)), grouped=False).fixes
            learned_rules = {t for e in learned_a.patterns for t in e.triggers}
            overlap = [f for f in fixes_b if f.span is not None and f.rule in learned_rules]
            total, proposed, exact, _ = evaluate(library_a, overlap)
            all_b = [f for f in fixes_b if f.span is not None]
            print(f"\nreuse: patterns learned from all of {name_a}'s history "
                  f"({len(learned_a.patterns)}) on every fix of {name_b}: {exact} of "
                  f"{total} fixes where the rules overlap served exactly by a pattern "
                  f"({ratio(exact, total)}; precision {ratio(exact, proposed)}); "
                  f"{len(all_b)} fixes in all")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

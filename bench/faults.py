"""Fault injection at scale: 150+ kills, stops, hangs, disk-full and git faults over whole heal
runs, `heal --commit` runs and `heal review approve`.

The harness is tests/faults.py (the CI-sized set, 30 injections, is tests/test_faults.py). Here
heal runs with its default configuration (every analyzer, the coverage map, affected-test
selection), every kill kind at every phase marker, a seam stop (HEAL_TEST_STOP_AT) at every
phase, and seeded random kill times for the rest; then `heal --commit` (seam stops from landing
on and as it commits, kills at landing and recording, random kills) and `heal review approve`
of a queued fix that verifies again (a seam stop as it lands, kills once its worktree is there,
random kills). Every stopped run's message is checked against what changed. Prints one line
per injection and a breakdown; exits 1 if any injection lost user work or said something
untrue.

    .venv/bin/python bench/faults.py [--count 95] [--commit-count 30] [--approve-count 25]
                                     [--seed 7] [--ci-config]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from faults import (
    CI_CONFIG,
    DEFAULT_CONFIG,
    build_approve_template,
    build_template,
    inject,
    plan,
    plan_approve,
    plan_commit,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=95, help="plain heal runs")
    parser.add_argument("--commit-count", type=int, default=30, help="heal --commit runs")
    parser.add_argument("--approve-count", type=int, default=25, help="heal review approve")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ci-config", action="store_true",
                        help="the CI set's configuration (no mypy, no coverage map): faster")
    args = parser.parse_args()
    started = time.perf_counter()
    violations = 0
    by_kind: Counter[str] = Counter()
    by_phase: Counter[str] = Counter()
    by_mode: Counter[str] = Counter()
    stopped_after_landing = 0
    landed_partly = 0
    total = 0
    with tempfile.TemporaryDirectory(prefix="heal-faults-") as tmp:
        config = CI_CONFIG if args.ci_config else DEFAULT_CONFIG
        template = build_template(Path(tmp), config)
        approving = build_approve_template(Path(tmp), config)
        # the approve and commit runs first, then heal's: each kind gets its figures early
        runs = [(approving, i) for i in plan_approve(args.approve_count, args.seed)]
        runs += [(dataclasses.replace(template, mode="commit"), i)
                 for i in plan_commit(args.commit_count, args.seed)]
        runs += [(template, i) for i in plan(args.count, args.seed, every_pair=True)]
        total = len(runs)
        print(f"template: a clean run takes {template.duration:.1f}s, a clean approve "
              f"{approving.duration:.1f}s; {total} injections", flush=True)
        for number, (base, injection) in enumerate(runs, 1):
            outcome = inject(base, Path(tmp) / f"run{number}", injection)
            by_kind[injection.kind] += 1
            by_phase[outcome.phase] += 1
            by_mode[base.mode] += 1
            landed_partly += bool(outcome.landed)
            stopped_after_landing += outcome.returncode == 3 and bool(outcome.landed)
            violations += bool(outcome.violations)
            verdict = "ok" if not outcome.violations else "VIOLATION " + "; ".join(outcome.violations)
            print(f"{number:4} {base.mode:8} {injection.label:28} phase={outcome.phase:18} "
                  f"exit={outcome.returncode!s:5} landed={len(outcome.landed)} {verdict}",
                  flush=True)
    print()
    print(f"injections: {total} in {time.perf_counter() - started:.0f}s")
    print("by command: " + ", ".join(f"{k} {n}" for k, n in sorted(by_mode.items())))
    print("by fault:   " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    print("by phase:   " + ", ".join(f"{k} {n}" for k, n in sorted(by_phase.items())))
    print(f"runs that had landed some files when the fault hit: {landed_partly}")
    print(f"stops (exit 3) after landing, each checked for a true message: "
          f"{stopped_after_landing}")
    print(f"violations: {violations}")
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())

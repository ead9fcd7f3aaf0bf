"""Fault injection at scale: 100+ kills, hangs, disk-full and git faults over whole heal runs.

The harness is tests/faults.py (the CI-sized set, 30 injections, is tests/test_faults.py). Here
heal runs with its default configuration (every analyzer, the coverage map, affected-test
selection), every kill kind at every phase marker, and seeded random kill times for the rest.
Prints one line per injection and a breakdown; exits 1 if any injection lost user work.

    .venv/bin/python bench/faults.py [--count 120] [--seed 7] [--ci-config]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from faults import CI_CONFIG, DEFAULT_CONFIG, build_template, inject, plan


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--ci-config", action="store_true",
                        help="the CI set's configuration (no mypy, no coverage map): faster")
    args = parser.parse_args()
    injections = plan(args.count, args.seed, every_pair=True)
    started = time.perf_counter()
    violations = 0
    by_kind: Counter[str] = Counter()
    by_phase: Counter[str] = Counter()
    landed_partly = 0
    with tempfile.TemporaryDirectory(prefix="heal-faults-") as tmp:
        template = build_template(Path(tmp), CI_CONFIG if args.ci_config else DEFAULT_CONFIG)
        print(f"template: a clean run takes {template.duration:.1f}s; "
              f"{len(injections)} injections", flush=True)
        for number, injection in enumerate(injections, 1):
            outcome = inject(template, Path(tmp) / f"run{number}", injection)
            by_kind[injection.kind] += 1
            by_phase[outcome.phase] += 1
            landed_partly += bool(outcome.landed)
            violations += bool(outcome.violations)
            verdict = "ok" if not outcome.violations else "VIOLATION " + "; ".join(outcome.violations)
            print(f"{number:4} {injection.label:28} phase={outcome.phase:18} "
                  f"exit={outcome.returncode!s:5} landed={len(outcome.landed)} {verdict}",
                  flush=True)
    print()
    print(f"injections: {len(injections)} in {time.perf_counter() - started:.0f}s")
    print("by fault:   " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    print("by phase:   " + ", ".join(f"{k} {n}" for k, n in sorted(by_phase.items())))
    print(f"runs that had landed some files when the fault hit: {landed_partly}")
    print(f"violations: {violations}")
    return 1 if violations else 0


if __name__ == "__main__":
    raise SystemExit(main())

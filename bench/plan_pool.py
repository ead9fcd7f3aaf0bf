"""Would a process pool pay for planning? The first planning round of a heal run, in one process
and spread over worker processes.

For each corpus project (../shared/bench/fetch-corpus.sh must have set it up) this scans a copy
with heal, then plans every finding on the files as they are (the first round of `heal`, which
plans every file; later rounds plan only the files a batch changed), with `--unsafe-fixes`:

  - in this process, as heal does;
  - split by file over N worker processes (spawned, as heal's native analyzer does), each
    importing heal and planning its share; the wall time includes starting them and sending
    them the texts and findings.

It prints both times, the fixes each way (they must be the same) and the share of the round
that is libcst parsing, which the parent would have to do again for the fix checks, the
re-check and learning, since a child's parses do not come back.

    .venv/bin/python bench/plan_pool.py [NAME ...] [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from common import corpus


def plan_share(config: Any, root: Path, target: tuple[int, int], findings: list[Any],
               texts: dict[str, str]) -> tuple[list[str], float]:
    """Worker (and the one-process case): the fix ids of a plan, and the seconds inside."""
    from heal.plan import Planner

    start = time.perf_counter()
    plan = Planner(config, root=root, target=target).plan(findings, texts)
    return sorted(f.id for f in [*plan.fixes, *plan.waiting, *plan.review]), \
        time.perf_counter() - start


def measure(name: str, src: Path, python: str, workers: int) -> dict[str, Any]:
    from heal.config import project_target
    from heal.scan import ScanRequest, scan

    with tempfile.TemporaryDirectory(prefix=f"heal-plan-{name}-") as tmp:
        work = Path(tmp) / name
        shutil.copytree(src, work, symlinks=True)
        os.environ["VIRTUAL_ENV"] = str(Path(python).parent.parent)
        result = scan(ScanRequest(repo=work, overrides={"unsafe_fixes": True}))
        config = dataclasses.replace(result.config, unsafe_fixes=True)
        texts = {f.path: f.text for f in result.files}
        target = project_target(result.root)
        findings = result.findings

        import heal.cst as parses
        parses._PARSED.clear()
        start = time.perf_counter()
        one, _ = plan_share(config, result.root, target, findings, texts)
        one_s = time.perf_counter() - start
        parse_s = _parse_seconds(texts, findings)

        paths = sorted(texts)
        shares = [set(paths[i::workers]) for i in range(workers)]
        start = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(pool.map(
                plan_share, [config] * workers, [result.root] * workers, [target] * workers,
                [[f for f in findings if f.path in share] for share in shares],
                [texts] * workers))
        pool_s = time.perf_counter() - start
        pooled = sorted(fix for ids, _ in parts for fix in ids)
        return {"findings": len(findings), "one_s": one_s, "pool_s": pool_s,
                "inside": [round(s, 1) for _, s in parts], "same": pooled == one,
                "fixes": len(one), "parse_s": parse_s}


def _parse_seconds(texts: dict[str, str], findings: list[Any]) -> float:
    """Seconds to parse, once each, the files with findings (what the parent redoes)."""
    import libcst as cst

    start = time.perf_counter()
    for path in sorted({f.path for f in findings if f.path in texts}):
        try:
            cst.parse_module(texts[path])
        except cst.ParserSyntaxError:
            continue
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"| project | findings | fixes | one process s | {args.workers} processes s "
          "(inside each) | same fixes | parsing the parent redoes s |")
    print("| --- | --: | --: | --: | --- | --- | --: |")
    for name, src, python, _ in corpus(args.names):
        r = measure(name, src, python, args.workers)
        print(f"| {name} | {r['findings']} | {r['fixes']} | {r['one_s']:.1f} | "
              f"{r['pool_s']:.1f} ({', '.join(str(s) for s in r['inside'])}) | "
              f"{'yes' if r['same'] else 'NO'} | {r['parse_s']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

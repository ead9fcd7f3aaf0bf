"""Load: heal on a large corpus project with every category enabled; peak memory and phases.

Peak RSS is the largest sum, over heal and every process it started (analyzers, test runs),
sampled every 50 ms from /proc; the phase split comes from heal's own JSON summary.

    .venv/bin/python bench/load.py [NAME]   (default: the corpus project with most .py lines)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import BIN, corpus, env_for


def tree_rss(root: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry)] = int(line.split()[1]) * 1024
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def lines_of(src: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in src.rglob("*.py"))


def main() -> int:
    rows = corpus(sys.argv[1:])
    name, src, python, cmd = max(rows, key=lambda r: lines_of(Path(r[1]))) if len(rows) > 1 \
        else rows[0]
    with tempfile.TemporaryDirectory(prefix="heal-load-") as tmp:
        work = Path(tmp) / name
        shutil.copytree(src, work, symlinks=True)
        shutil.rmtree(work / ".heal", ignore_errors=True)
        args = [str(BIN / "heal"), "--format", "json", "--unsafe-fixes", "--test-cmd", cmd,
                "--category", "type,import,style,security,performance,logic"]
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=work, env=env_for(python), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss(child.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        out, err = child.communicate()
        done.set()
        sampler.join()
        wall = time.perf_counter() - started
    print(f"project: {name} ({lines_of(Path(src)):,} lines of Python)")
    print(f"exit {child.returncode}, wall {wall:.1f}s, peak RSS (heal + children) "
          f"{peak / 2**20:.0f} MB")
    if not out:
        print(err.strip()[-500:])
        return 1
    summary = json.loads(out)["summary"]
    print("phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in summary["phases"].items()))
    print(f"verified {summary['verified']}, rejected {summary['rejected']}, "
          f"needs review {summary['needs-review']}, landed files {len(summary['landed_files'])}")
    return 0 if peak <= 400 * 2**20 else 1


if __name__ == "__main__":
    raise SystemExit(main())

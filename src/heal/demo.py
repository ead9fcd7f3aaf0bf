"""`heal demo`: the bundled sample project, copied to a temp folder, made a git repo, and run
through heal so a new user sees what heal does without touching their own code."""

from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path

from rich.console import Console

from heal.errors import HealError
from heal.pipeline import HealRequest, heal
from heal.report import healing
from heal.report.text import print_diff, render_heal, render_scan
from heal.sandbox import git as gitops
from heal.scan import ScanRequest, scan
from heal.status import ProgressCallback


def fixtures_root() -> Path:
    """fixtures/ from the wheel (heal/_fixtures) or, in a source checkout, the repo's."""
    packaged = Path(str(resources.files("heal"))) / "_fixtures"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "fixtures"
    if checkout.is_dir():
        return checkout
    raise HealError("heal's bundled fixtures are missing; reinstall heal")


def copy_demo(target: Path) -> Path:
    project = target / "inventory-demo"
    shutil.copytree(fixtures_root() / "demo", project,
                    ignore=shutil.ignore_patterns("__pycache__", ".heal", ".pytest_cache"))
    gitops.init_with_commit(project, "inventory demo as shipped")
    return project


def run_demo(console: Console, keep: bool = False, progress: ProgressCallback | None = None) -> int:
    """Scan the demo, heal it (verify, land), and show what changed; returns an exit code."""

    workdir = Path(tempfile.mkdtemp(prefix="heal-demo-"))
    project = workdir
    try:
        project = copy_demo(workdir)
        console.print(f"[bold]heal demo[/]: a copy of the bundled demo project is at {project}\n")
        console.print("[bold]1. heal --scan[/]: what is wrong\n")
        render_scan(scan(ScanRequest(repo=project)), console)
        console.print("\n[bold]2. heal[/]: fix in a worktree, verify with the demo's tests, land\n")
        result = heal(HealRequest(scan=ScanRequest(repo=project), command="heal demo"),
                      progress=progress or (lambda *_: None))
        for diff in result.patch.values():
            print_diff(diff, console)
        console.print()
        render_heal(result, console, review_hint=keep)  # without --keep the copy goes
        console.print("\n[bold]3. heal report[/]: what heal did, from its history\n")
        text = healing.report(project, "md", "1d", config=result.config)
        summary = text.split("## Successful heals")[0].rstrip("\n")
        console.print(summary, markup=False, highlight=False)
        console.print("\n(`heal report` prints it all: the heals, the escalations with their "
                      "reasons, what heal learned; `--format html` as one page)")
        return 0
    finally:
        if keep:
            console.print(f"\nthe demo copy is kept at {project} (a git repository: try "
                          f"`cd {project} && heal review`)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

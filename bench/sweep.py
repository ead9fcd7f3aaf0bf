"""Corpus sweep: every fixer on every file of every corpus project; nothing may break.

For each corpus project (../shared/bench/fetch-corpus.sh must have set it up) this copies the
project to a temp folder and:

1. analyzes it once, as `heal --scan --unsafe-fixes` would (ruff, mypy, bandit and the native
   detectors, its venv's interpreter for mypy), on the project's configuration widened so every
   fixer has findings to work on: ruff also selects the rule families heal's fixer cases use
   (`--select`, which heal passes on to ruff as `--extend-select`), and a project without a
   mypy configuration gets one with `check_untyped_defs` and `disallow_untyped_defs` (the
   typing fixers' findings); `--project-config` keeps the project's configuration as it is;
2. asks heal's Planner for a fix for every finding, and every other fixer of the finding's rule
   directly (`heal.soundness.propose_all`): a fixer that raises is a **crash**, a fix the
   planner drops as a fixer bug is **unparsable** or **out of bounds**;
3. applies each fix alone, and each file's non-colliding fixes together: the output must parse
   (libcst and ast) and keep every comment, unless the fix is unsafe/review and replaced the
   range that held it (**comments**);
4. re-analyzes every output: in place in the copy, one "layer" at a time (the k-th fix of
   every file at once; ruff and native always, bandit when the fixer's rules need it), or, for
   fixers of mypy's rules, as sibling copies of their files (`mod__sweep3.py`, same package)
   150 to a run, since mypy is slow to start. The same fixer must propose no further change for
   the finding it fixed, nor for a new finding of the same rule starting in the lines it wrote
   (**non-idempotent**). The combined outputs are planned once more (round 2), and those fixes
   are checked as in 3.

It prints a markdown table per project and the totals, then the first problems of each kind.
Crashes, unparsable and non-idempotent outputs must be 0 (the exit code is 1 otherwise).

    .venv/bin/python bench/sweep.py [NAME ...] [--details FILE] [--project-config]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from common import corpus

from heal.analyze import analyze, merge
from heal.config import Config, project_python, project_target
from heal.discover import discover, encode
from heal.edits import apply_fixes
from heal.model import Finding, Fix
from heal.plan import Planner
from heal.scan import ScanRequest, scan
from heal.soundness import (
    BOUNDS,
    COMMENTS,
    CRASH,
    IDEMPOTENCE,
    UNPARSABLE,
    Problem,
    diff_of,
    fixer_of,
    output_problems,
    propose_all,
    relocate,
    repeats,
    together,
)
from heal.state import ensure_state_dir
from heal.testing import tools_for

MUST_BE_ZERO = (CRASH, UNPARSABLE, IDEMPOTENCE)
SLOW_TOOLS = ("mypy", "bandit")
COPIES_PER_RUN = 150
# the ruff families of heal's fixer cases (heal.testing) plus TC, and every other tool's rules
WIDE_SELECT = (*(f"ruff:{family}" for family in ("E", "F", "W", "I", "UP", "B", "N", "PERF", "SIM",
                                                "S", "C4", "RUF", "TC")),
               "mypy:", "bandit:", "heal:")
WIDE_MYPY = "[mypy]\ncheck_untyped_defs = True\ndisallow_untyped_defs = True\n"


def has_mypy_config(root: Path) -> bool:
    """Does the project configure mypy (where mypy itself looks)?"""
    if (root / "mypy.ini").is_file() or (root / ".mypy.ini").is_file():
        return True
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and "[tool.mypy" in pyproject.read_text(encoding="utf-8"):
        return True
    setup_cfg = root / "setup.cfg"
    return setup_cfg.is_file() and "[mypy" in setup_cfg.read_text(encoding="utf-8")


@dataclass
class Sweep:
    name: str
    files: int = 0
    findings: int = 0
    fixes: int = 0  # proposed: by the planner and by the other fixers of each rule
    planner_fixes: int = 0
    sources: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    layers: int = 0
    rechecked: int = 0  # outputs re-analyzed for idempotence
    scan_s: float = 0.0
    fix_s: float = 0.0  # planning and fixing (the fixers' own time)
    check_s: float = 0.0  # applying, parsing, comparing comments
    recheck_s: float = 0.0  # re-analyzing the outputs and asking the fixers again

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)


def needs(fix: Fix) -> set[str]:
    """The analyzers that must re-check a fix's output: ruff and native always (cheap), and the
    tools behind the fixer's rules."""
    cls = fixer_of(fix.source)
    return {"ruff", "native", *(tools_for(cls) if cls else ())}


class Project:
    """A copy of a corpus project, analyzed once; outputs are written into it one layer at a
    time and the originals put back after each."""

    def __init__(self, name: str, work: Path, wide: bool) -> None:
        self.name = name
        self.work = work
        overrides: dict[str, object] = {"unsafe_fixes": True}
        if wide:
            overrides["select"] = WIDE_SELECT
            if not has_mypy_config(work):
                (work / "mypy.ini").write_text(WIDE_MYPY, encoding="utf-8")
        started = time.perf_counter()
        result = scan(ScanRequest(repo=work, overrides=overrides))
        self.scan_s = time.perf_counter() - started
        self.config: Config = result.config
        self.sources = {f.path: f for f in result.files}
        self.texts = {f.path: f.text for f in result.files}
        self.findings = result.findings
        self.errors = result.errors
        self.by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in result.findings:
            self.by_path[finding.path].append(finding)
        self.python = project_python(work, self.config)
        self.state = ensure_state_dir(work)

    def reanalyze(self, outputs: dict[str, str], tools: set[str]) -> dict[str, list[Finding]]:
        """Findings of these outputs (path -> text), written in place for one analyzer run."""
        try:
            for path, text in outputs.items():
                (self.work / path).write_bytes(encode(self.sources[path], text))
            config = dataclasses.replace(self.config, analyzers=tuple(
                name for name in self.config.analyzers if name in tools))
            found = discover(self.work, sorted(outputs), config)
            results, _ = analyze(self.work, found.files, config, self.state, self.python)
            by_path: dict[str, list[Finding]] = defaultdict(list)
            for finding in merge(results, found, config):
                by_path[finding.path].append(finding)
            return by_path
        finally:
            for path in outputs:
                (self.work / path).write_bytes(encode(self.sources[path], self.texts[path]))

    def reanalyze_copies(self, outputs: Sequence[tuple[str, str]], tools: set[str]
                         ) -> list[list[Finding]]:
        """Findings of many outputs (original path, text) in one analyzer run: each is written
        as a sibling of its original (`mod__sweep3.py`: same package, so imports resolve as
        they do for the original) and its findings moved back to the original's path."""
        copies = []
        for number, (path, text) in enumerate(outputs):
            stem, _, _ = path.rpartition(".py")
            copy = f"{stem}__sweep{number}.py"
            (self.work / copy).write_bytes(encode(self.sources[path], text))
            copies.append(copy)
        try:
            config = dataclasses.replace(self.config, analyzers=tuple(
                name for name in self.config.analyzers if name in tools))
            found = discover(self.work, copies, config)
            results, _ = analyze(self.work, found.files, config, self.state, self.python)
            by_copy: dict[str, list[Finding]] = defaultdict(list)
            for finding in merge(results, found, config):
                by_copy[finding.path].append(finding)
            read = {f.path: f for f in found.files}
            return [relocate(by_copy.get(copy, []), read[copy], path) if copy in read else []
                    for copy, (path, _) in zip(copies, outputs, strict=True)]
        finally:
            for copy in copies:
                (self.work / copy).unlink()


def sweep_project(name: str, src: Path, python: str, log: list[str], wide: bool) -> Sweep:
    with tempfile.TemporaryDirectory(prefix=f"heal-sweep-{name}-") as tmp:
        work = Path(tmp) / name
        shutil.copytree(src, work, symlinks=True)
        previous = os.environ.get("VIRTUAL_ENV")
        os.environ["VIRTUAL_ENV"] = str(Path(python).parent.parent)
        try:
            return _sweep(Project(name, work, wide), log)
        finally:
            if previous is None:
                os.environ.pop("VIRTUAL_ENV", None)
            else:
                os.environ["VIRTUAL_ENV"] = previous


def _sweep(project: Project, log: list[str]) -> Sweep:
    report = Sweep(project.name, files=len(project.texts), findings=len(project.findings),
                   scan_s=project.scan_s)
    log += [f"{project.name}: analyzer error: {e.tool}: {e.message}" for e in project.errors]
    texts = project.texts
    planner = Planner(project.config, root=project.work, target=project_target(project.work))
    started = time.perf_counter()
    fixes, problems, report.planner_fixes = propose_all(planner, project.findings, texts)
    report.fix_s = time.perf_counter() - started
    report.problems += problems
    report.fixes = len(fixes)
    report.sources = Counter(fix.source for fix in fixes)

    started = time.perf_counter()
    per_file: dict[str, list[Fix]] = defaultdict(list)
    for fix in fixes:
        found = output_problems(fix.path, texts[fix.path], [fix])
        report.problems += found
        if not found or all(p.kind == COMMENTS for p in found):
            per_file[fix.path].append(fix)
    combined: dict[str, str] = {}
    for path, group in per_file.items():
        joint = together(path, texts[path], group)
        found = output_problems(path, texts[path], joint)
        report.problems += found
        if not any(p.kind == UNPARSABLE for p in found):
            combined[path] = apply_fixes(texts[path], joint)
    report.check_s = time.perf_counter() - started

    started = time.perf_counter()
    # mypy is slow to start: the outputs it must re-check go in batches of sibling copies
    typed = [(path, fix) for path, group in per_file.items() for fix in group
             if "mypy" in needs(fix)]
    for start in range(0, len(typed), COPIES_PER_RUN):
        chunk = typed[start:start + COPIES_PER_RUN]
        outputs = [(path, apply_fixes(texts[path], [fix])) for path, fix in chunk]
        tools = set().union(*(needs(fix) for _, fix in chunk))
        found_after = project.reanalyze_copies(outputs, tools)
        report.layers += 1
        report.rechecked += len(chunk)
        for (_, fix), (_, output), after in zip(chunk, outputs, found_after, strict=True):
            report.problems += _idempotence(project, fix, output, after)
        print(f"  {project.name}: copies {start + len(chunk)}/{len(typed)} "
              f"({', '.join(sorted(tools))})", file=sys.stderr, flush=True)
    # the rest in place, one layer at a time: the k-th fix of every file
    rest = {path: [fix for fix in group if "mypy" not in needs(fix)]
            for path, group in per_file.items()}
    depth = max((len(g) for g in rest.values()), default=0)
    for k in range(depth):
        layer = {path: group[k] for path, group in rest.items() if len(group) > k}
        outputs_in_place = {path: apply_fixes(texts[path], [fix]) for path, fix in layer.items()}
        tools = set().union(*(needs(fix) for fix in layer.values()))
        after_in_place = project.reanalyze(outputs_in_place, tools)
        report.layers += 1
        report.rechecked += len(layer)
        for path, fix in layer.items():
            report.problems += _idempotence(project, fix, outputs_in_place[path],
                                            after_in_place.get(path, []))
        print(f"  {project.name}: layer {k + 1}/{depth}: {len(layer)} outputs "
              f"({', '.join(sorted(tools))})", file=sys.stderr, flush=True)
    if combined:
        after_combined = project.reanalyze(combined, {"ruff", "native", *SLOW_TOOLS})
        report.layers += 1
        for path, text in combined.items():
            second, found, _ = propose_all(planner, after_combined.get(path, []), {path: text})
            report.problems += found
            for fix in second:
                report.problems += output_problems(path, text, [fix], "round 2: ")
    report.recheck_s = time.perf_counter() - started
    return report


def _idempotence(project: Project, fix: Fix, output: str, after: Sequence[Finding]
                 ) -> list[Problem]:
    before = project.by_path[fix.path]
    try:
        again = repeats(fix, project.texts[fix.path], before, output, after, project.config)
    except Exception as error:
        return [Problem(CRASH, fix.path, fix.line, fix.source,
                        f"on its own output: {type(error).__name__}: {error}")]
    return [Problem(IDEMPOTENCE, fix.path, fix.line, fix.source,
                    f"on its output ({fix.rule}) it proposes again:\n{diff_of(output, [redo])}\n"
                    f"the first fix:\n{diff_of(project.texts[fix.path], [fix])}")
            for redo in again]


def table(reports: list[Sweep]) -> str:
    head = ("| project | files | findings | fixes | by planner | crashes | unparsable | "
            "non-idempotent | out of bounds | lost comments | scan s | fix s | fixes/s | "
            "layers | recheck s |")
    rows = [head, "| --- |" + " --: |" * 14]
    total = Sweep("**total**")
    for r in reports:
        total.files += r.files
        total.findings += r.findings
        total.fixes += r.fixes
        total.planner_fixes += r.planner_fixes
        total.problems += r.problems
        total.layers += r.layers
        total.scan_s += r.scan_s
        total.fix_s += r.fix_s
        total.recheck_s += r.recheck_s
    for r in [*reports, total]:
        rate = r.fixes / r.fix_s if r.fix_s else 0.0
        rows.append(f"| {r.name} | {r.files} | {r.findings} | {r.fixes} | {r.planner_fixes} | "
                    f"{r.count(CRASH)} | {r.count(UNPARSABLE)} | {r.count(IDEMPOTENCE)} | "
                    f"{r.count(BOUNDS)} | {r.count(COMMENTS)} | {r.scan_s:.1f} | {r.fix_s:.1f} | "
                    f"{rate:.1f} | {r.layers} | {r.recheck_s:.1f} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--details", type=Path, help="write every problem in full here")
    parser.add_argument("--project-config", action="store_true",
                        help="analyze with the projects' own configuration only")
    args = parser.parse_args()
    reports: list[Sweep] = []
    log: list[str] = []
    started = time.perf_counter()
    for name, src, python, _ in corpus(args.names):
        print(f"== {name}", file=sys.stderr, flush=True)
        reports.append(sweep_project(name, src, python, log, not args.project_config))
    print(table(reports))
    fixers = Counter[str]()
    for r in reports:
        fixers.update(r.sources)
    by_fixer = ", ".join(f"{source.removeprefix('fixer:')} {n}" for source, n in fixers.most_common())
    print(f"\nfixes by fixer: {by_fixer}")
    print(f"wall time: {time.perf_counter() - started:.0f} s")
    problems = [p for r in reports for p in r.problems]
    for line in log:
        print(line)
    shown: Counter[str] = Counter()
    for problem in problems:
        shown[problem.kind] += 1
        if shown[problem.kind] <= 5:
            print(f"\n### {problem.kind}\n{problem}")
    if args.details:
        args.details.write_text("\n\n".join(map(str, problems)) + "\n", encoding="utf-8")
    return 1 if any(p.kind in MUST_BE_ZERO for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main())

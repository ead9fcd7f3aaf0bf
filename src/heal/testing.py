"""Run fixers' VALID / INVALID cases against the real analyzers (heal's `testing.py`, as Fixit's).

Every case becomes a file in a throwaway folder; the analyzers a fixer listens to (ruff, mypy,
bandit, native) run once over all the files of a round, the fixer is asked for fixes on its own
rules' findings, non-colliding fixes are applied, and the loop repeats until the fixer has
nothing more to offer (at most `MAX_ROUNDS`). The last analyzer run doubles as the idempotence
check: a fixer that still changes its own output is not idempotent. A fixer of failures at run
time (`pytest:` rules) has its cases run as scripts, and their tracebacks are its findings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from heal import failures
from heal.analyze import analyze, merge
from heal.cases import Invalid, Valid
from heal.catalog import NATIVE_TWINS
from heal.config import Config
from heal.discover import discover
from heal.edits import apply_fixes, non_overlapping
from heal.fixcheck import parses
from heal.fixer import Fixer, ModuleContext
from heal.model import Declined, Finding, Fix

MAX_ROUNDS = 4
# ruff's twins of native rules are left out, or the merge would drop the native finding that
# a native rule's fixer is being tested on.
_TWINS = sorted({t.split(":", 1)[1] for twins in NATIVE_TWINS.values() for t in twins
                 if t.startswith("ruff:")})
DEFAULT_CASE_CONFIG = f"""\
[tool.ruff]
target-version = "py310"

[tool.ruff.lint]
select = ["E", "F", "W", "I", "UP", "B", "N", "PERF", "SIM", "S", "C4", "RUF"]
ignore = {json.dumps(_TWINS)}

[tool.mypy]
python_version = "3.10"
check_untyped_defs = true
"""
TOOLS = {"ruff": "ruff", "mypy": "mypy", "bandit": "bandit", "heal": "native",
         "pytest": "script"}
SCRIPT_TIMEOUT = 30


@dataclass
class CaseRun:
    fixer: type[Fixer]
    case: Valid | Invalid
    number: int
    path: str
    text: str
    findings: list[Finding] = field(default_factory=list)  # the fixer's rules, first round
    declined: list[Declined] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    rounds: int = 0
    converged: bool = False
    crashed: str | None = None

    @property
    def original(self) -> str:
        return self.case.source()

    @property
    def changed(self) -> bool:
        return self.text != self.original


def tools_for(fixer: type[Fixer]) -> tuple[str, ...]:
    return tuple(sorted({TOOLS[rule.split(":", 1)[0]] for rule in fixer.RULES}))


def _run_scripts(folder: Path, paths: list[str]) -> list[Finding]:
    """The failures of the cases run as scripts (the `pytest:` rules' stand-in for a test)."""
    found: list[failures.Failure] = []
    for path in paths:
        done = subprocess.run([sys.executable, path], cwd=folder, capture_output=True,
                              text=True, timeout=SCRIPT_TIMEOUT, check=False)
        found += failures.parse_log(done.stderr, path)
    texts = {path: (folder / path).read_text(encoding="utf-8") for path in paths}
    return failures.to_findings(found, texts, folder.resolve())[0]


def _analyze(folder: Path, paths: list[str], tools: Iterable[str],
             scripts_of: Iterable[str] = ()) -> list[Finding]:
    """The analyzers' findings on `paths`; `scripts_of`: the paths also run as scripts (only
    the cases of fixers of `pytest:` rules: other cases are never executed)."""
    tools = set(tools) - {"script"}
    scripts = _run_scripts(folder, list(scripts_of))
    if not tools:
        return scripts
    config = Config(analyzers=tuple(sorted(tools)))
    found = discover(folder, paths, config)
    state = folder / ".heal"
    state.mkdir(exist_ok=True)
    results, _ = analyze(folder, found.files, config, state, sys.executable)
    return merge(results, found, config) + scripts


def run_cases(fixers: Iterable[type[Fixer]], workdir: Path, config: Config | None = None
              ) -> list[CaseRun]:
    """All cases of all fixers, batched per case configuration."""
    config = config or Config(unsafe_fixes=True)
    groups: dict[str, list[CaseRun]] = defaultdict(list)
    for fixer in fixers:
        setup = getattr(fixer, "CASE_CONFIG", DEFAULT_CASE_CONFIG)
        labelled: list[tuple[str, Valid | Invalid]] = [
            *(("valid", case) for case in fixer.VALID),
            *(("invalid", case) for case in fixer.INVALID)]
        numbers: dict[str, int] = defaultdict(int)
        for kind, case in labelled:
            numbers[kind] += 1
            path = f"case_{fixer.CODE.lower()}_{kind}_{numbers[kind]}.py"
            groups[setup].append(CaseRun(fixer, case, numbers[kind], path, case.source()))
    runs: list[CaseRun] = []
    for index, (setup, group) in enumerate(groups.items()):
        folder = workdir / f"cases{index}"
        folder.mkdir(parents=True)
        (folder / "pyproject.toml").write_text(setup, encoding="utf-8")
        _run_group(folder, group, config)
        runs += group
    return runs


def _run_group(folder: Path, group: list[CaseRun], config: Config) -> None:
    active = list(group)
    for round_no in range(1, MAX_ROUNDS + 1):
        for run in active:
            (folder / run.path).write_text(run.text, encoding="utf-8")
        tools = {tool for run in active for tool in tools_for(run.fixer)}
        findings = _analyze(folder, [run.path for run in active], tools,
                            [run.path for run in active if "script" in tools_for(run.fixer)])
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            by_path[finding.path].append(finding)
        still = []
        for run in active:
            mine = [f for f in by_path[run.path] if run.fixer.handles(f.rule)]
            if round_no == 1:
                run.findings = mine
            fixes = _fixes(run, mine, config)
            if not fixes:
                run.converged = True
                continue
            if round_no == MAX_ROUNDS:
                continue  # still changing its own output: not idempotent
            kept, _ = non_overlapping(run.text, fixes)
            run.text = apply_fixes(run.text, kept)
            run.fixes += kept
            run.rounds = round_no
            still.append(run)
        active = still
        if not active:
            return


def _fixes(run: CaseRun, findings: list[Finding], config: Config) -> list[Fix]:
    fixer = run.fixer()
    context = ModuleContext(run.path, run.text, config)
    fixes = []
    for finding in findings:
        try:
            result = fixer.fix(finding, context)
        except Exception as error:  # reported by the test, not raised here
            run.crashed = f"{type(error).__name__}: {error}"
            return []
        if isinstance(result, Fix):
            fixes.append(result)
        elif isinstance(result, Declined):
            run.declined.append(result)
    return fixes


def problems(run: CaseRun) -> list[str]:
    """What is wrong with a case's outcome; empty when it behaves as its case says."""
    found: list[str] = []
    if run.crashed:
        found.append(f"the fixer crashed: {run.crashed}")
    if not run.converged:
        found.append("not idempotent: the fixer keeps changing its own output")
    if not parses(run.text):
        found.append("the output does not parse")
    if isinstance(run.case, Valid):
        if run.changed:
            found.append(f"a VALID case was changed:\n{run.text}")
        return found
    expected = run.case.expected_source()
    if expected is None:
        if run.changed:
            found.append(f"the fixer should decline, but changed the code:\n{run.text}")
        if not run.declined:
            found.append("the fixer should decline with a reason, but said nothing")
        return found
    if not run.findings:
        found.append("the analyzers reported none of the fixer's rules for this case")
    if run.text != expected:
        found.append(f"expected:\n{expected}\ngot:\n{run.text}")
    return found

"""What a scan and a heal return: plain data the front ends and reports read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from heal.config import Config
from heal.discover import SourceFile
from heal.model import AnalyzerError, Category, Declined, Finding, Priority, Verdict
from heal.verify.baseline import Baseline
from heal.verify.records import FixRecord

if TYPE_CHECKING:
    from heal.llm.fixer import Usage


@dataclass
class ScanResult:
    root: Path
    config: Config
    findings: list[Finding]
    errors: list[AnalyzerError]
    files: list[SourceFile]
    generated: list[str]
    durations: dict[str, float]
    duration: float
    skipped_tools: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.priority.at_least(self.config.fail_on)]


@dataclass
class HealResult:
    run_id: str
    root: Path
    config: Config
    scan: ScanResult
    records: list[FixRecord] = field(default_factory=list)
    declined: list[Declined] = field(default_factory=list)
    patch: dict[str, str] = field(default_factory=dict)  # path -> unified diff of what lands
    landed: list[str] = field(default_factory=list)
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    test_runs: int = 0
    test_run_kinds: dict[str, int] = field(default_factory=dict)  # full / selected
    rechecks: int = 0  # the analyzers' re-checks of changed files (each fix, batch, blame step)
    duration: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    baseline: Baseline | None = None
    dry_run: bool = False
    commit: str | None = None
    branch: str | None = None
    remaining: list[Finding] = field(default_factory=list)
    llm: Usage | None = None  # the model's requests and tokens, when `[tool.heal.llm]` is on
    approved: int = 0  # review fixes --approve-all-verified landed (in `landed`'s files too)

    def by_verdict(self, verdict: Verdict) -> list[FixRecord]:
        return [r for r in self.records if r.verdict is verdict]

    def landed_fixes(self) -> list[FixRecord]:
        """The fixes written to the user's tree (or committed on --branch): landable, and in a
        file that was written. One count for the summary, JSON, history and the stop message."""
        written = set(self.landed)
        return [r for r in self.records if r.landable and r.fix.path in written]

    def skipped_fixes(self) -> list[FixRecord]:
        """Landable fixes whose file was skipped (the user saved it meanwhile, ...)."""
        skipped = {path for path, _ in self.skipped_files}
        return [r for r in self.records if r.landable and r.fix.path in skipped]

    def failing(self) -> list[Finding]:
        return [f for f in self.remaining if f.priority.at_least(self.config.fail_on)]


def count_by(findings: Iterable[Finding], key: Callable[[Finding], str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[key(finding)] += 1
    return dict(sorted(counts.items()))


def summary(result: ScanResult) -> dict[str, object]:
    return {
        "by_category": {c.value: n for c in Category
                        if (n := sum(1 for f in result.findings if f.category is c))},
        "by_priority": {p.value: n for p in Priority
                        if (n := sum(1 for f in result.findings if f.priority is p))},
        "by_tool": count_by(result.findings, lambda f: f.tool),
        "files": len(result.files),
        "duration_s": round(result.duration, 3),
    }

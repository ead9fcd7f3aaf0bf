"""The one place heal's flow lives: discover -> analyze -> plan -> verify -> land -> record.

The CLI turns options into a request and calls `scan()` or `heal()`; everything here returns
values and raises `HealError`s, and reports progress through a callback so the CLI can draw it.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from heal import catalog, rules
from heal.analyzers import ANALYZERS
from heal.analyzers.base import AnalyzeContext, AnalyzerResult
from heal.config import Config, load_config, project_python
from heal.discover import Discovery, SourceFile, discover, select_paths
from heal.errors import ToolMissingError
from heal.healers import fix_level_for
from heal.model import AnalyzerError, Category, Finding, Priority, fingerprint
from heal.sandbox import git as gitops
from heal.state import ensure_state_dir

# (event, analyzer name, detail): "start" | "done" with "N findings in S s" | "skip" with why
ProgressCallback = Callable[[str, str, str], None]


def _quiet(event: str, name: str, detail: str) -> None:
    return None


@dataclass(frozen=True)
class ScanRequest:
    repo: Path = field(default_factory=Path.cwd)
    paths: tuple[str, ...] = ()
    changed: bool = False
    since: str | None = None
    overrides: dict[str, object] = field(default_factory=dict)


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

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.priority.at_least(self.config.fail_on)]


@dataclass(frozen=True)
class Workspace:
    """A repository opened for one run: its root, config, and the files in scope."""

    root: Path
    config: Config
    candidates: list[str]


def open_workspace(request: ScanRequest) -> Workspace:
    repo = gitops.open_repo(request.repo)
    root = gitops.root_of(repo)
    config = load_config(root).with_overrides(**request.overrides)
    rules.check_selectors(config.select, "--select")
    rules.check_selectors(config.ignore, "--ignore")
    gitops.ensure_ok(repo, request.paths)
    prefixes = [gitops.relative_to_root(repo, p) for p in request.paths]
    only = set(gitops.changed_files(repo, request.since)) if request.changed or request.since else None
    candidates = select_paths(gitops.listed_files(repo), prefixes, config, only)
    return Workspace(root=root, config=config, candidates=candidates)


def _wanted_tools(config: Config) -> list[str]:
    """Analyzers to run: enabled in config, and (with --select) owning a selected rule."""
    names = list(config.analyzers)
    if config.select:
        tools = {"native" if r.tool == "heal" else r.tool
                 for r in rules.all_rules() if any(rules.matches(r.rule, s) for s in config.select)}
        names = [n for n in names if n in tools]
    return names


def _ruff_extend_select(config: Config) -> tuple[str, ...]:
    """Selected ruff codes are switched on in ruff even if the project's config leaves them off."""
    codes = []
    for selector in config.select:
        tool, _, code = selector.rpartition(":")
        if tool in ("", "ruff") and any(
                r.tool == "ruff" and rules.matches(r.rule, selector) for r in rules.all_rules()):
            codes.append(code)
    return tuple(codes)


def analyze(
    workspace: Workspace,
    found: Discovery,
    progress: ProgressCallback = _quiet,
    skip_missing: bool = False,
) -> tuple[list[AnalyzerResult], list[str]]:
    """Run the wanted analyzers concurrently over the readable files."""
    config = workspace.config
    analyzers = []
    skipped: list[str] = []
    for name in _wanted_tools(config):
        analyzer = ANALYZERS[name]()
        try:
            analyzer.check_available()
        except ToolMissingError:
            if not (skip_missing or config.skip_missing):
                raise
            skipped.append(name)
            progress("skip", name, "not installed")
            continue
        analyzers.append(analyzer)
    context = AnalyzeContext(
        root=workspace.root, files=found.files, config=config,
        python=project_python(workspace.root, config), state_dir=ensure_state_dir(workspace.root),
        extra_ruff_select=_ruff_extend_select(config),
    )

    def run_one(analyzer: object) -> AnalyzerResult:
        name = getattr(analyzer, "name", "?")
        progress("start", name, "")
        result: AnalyzerResult = analyzer.run(context)  # type: ignore[attr-defined]
        progress("done", name, f"{len(result.findings)} findings in {result.duration:.1f}s")
        return result

    if not analyzers:
        return [], skipped
    with ThreadPoolExecutor(max_workers=len(analyzers)) as pool:
        results = list(pool.map(run_one, analyzers))
    return results, skipped


def _node_source(text_lines: Sequence[str], finding: Finding) -> str:
    start, end = finding.span.start, finding.span.end
    if start.line < 1 or start.line > len(text_lines):
        return finding.message
    if (start.line, start.column) == (end.line, end.column):
        return text_lines[start.line - 1]
    chunk = list(text_lines[start.line - 1:end.line])
    if len(chunk) == 1:
        return chunk[0][start.column:end.column]
    chunk[0] = chunk[0][start.column:]
    chunk[-1] = chunk[-1][:end.column]
    return "\n".join(chunk)


def with_fingerprints(findings: Iterable[Finding], files: dict[str, SourceFile]) -> list[Finding]:
    """Give each finding its fingerprint; identical nodes in one file are told apart by order."""
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    out = []
    for finding in sorted(findings, key=lambda f: (f.path, f.span.start, f.rule)):
        source = files.get(finding.path)
        node = _node_source(source.lines, finding) if source else finding.message
        key = (finding.rule, finding.path, " ".join(node.split()))
        occurrence = seen[key]
        seen[key] += 1
        out.append(dataclasses.replace(
            finding, fingerprint=fingerprint(finding.rule, finding.path, node, occurrence)))
    return out


def deduplicate(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per problem: exact repeats go, and where two tools report the same rule on the
    same line (ruff's S-rules mirror bandit; ruff F821 and mypy name-defined), one is kept."""
    unique: dict[tuple[str, str, object], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.path, finding.span), finding)
    kept = list(unique.values())
    bandit_lines = {(f.path, f.span.start.line, f.code) for f in kept if f.tool == "bandit"}
    ruff_f821 = {(f.path, f.span.start.line) for f in kept if f.rule == "ruff:F821"}
    result = []
    for finding in kept:
        mirror = catalog.ruff_to_bandit(finding.code) if finding.tool == "ruff" else None
        if mirror and (finding.path, finding.span.start.line, mirror) in bandit_lines:
            continue
        if finding.rule == "mypy:name-defined" and (finding.path, finding.span.start.line) in ruff_f821:
            continue
        result.append(finding)
    return result


def _selected(finding: Finding, config: Config) -> bool:
    if finding.category not in config.categories:
        return False
    if config.select and not any(rules.matches(finding.rule, s) for s in config.select):
        return False
    return not any(rules.matches(finding.rule, s) for s in config.ignore)


def _with_fixability(finding: Finding, config: Config) -> Finding:
    level = fix_level_for(finding.rule)[0]
    if level == "none" and finding.tool_fix is not None:
        applicability = finding.tool_fix.applicability
        if applicability == "safe" or (applicability == "unsafe" and config.unsafe_fixes):
            level = applicability
        elif applicability == "unsafe":
            level = "unsafe"
    return dataclasses.replace(finding, fixable=level) if level != finding.fixable else finding


def merge(
    results: Sequence[AnalyzerResult],
    found: Discovery,
    config: Config,
) -> list[Finding]:
    files = {f.path: f for f in found.files}
    in_scope = set(files) | {f.path for f in found.findings}
    raw = [f for r in results for f in r.findings if f.path in in_scope] + found.findings
    findings = deduplicate(with_fingerprints(raw, files))
    findings = [_with_fixability(f, config) for f in findings if _selected(f, config)]
    return sorted(findings, key=Finding.sort_key)


def scan(
    request: ScanRequest,
    progress: ProgressCallback = _quiet,
    skip_missing: bool = False,
) -> ScanResult:
    """Steps 1 and 2: discover the files and analyze them; one merged, prioritised list."""
    started = time.perf_counter()
    workspace = open_workspace(request)
    found = discover(workspace.root, workspace.candidates, workspace.config)
    results, skipped = analyze(workspace, found, progress, skip_missing)
    findings = merge(results, found, workspace.config)
    return ScanResult(
        root=workspace.root, config=workspace.config, findings=findings,
        errors=[e for r in results for e in r.errors], files=found.files,
        generated=found.generated, durations={r.tool: r.duration for r in results},
        duration=time.perf_counter() - started, skipped_tools=skipped,
    )


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

"""Step 2 of the flow: run the analyzers concurrently and merge what they report.

Every analyzer runs over the same readable files; their findings get a fingerprint (rule +
path + the node's source, stable across line shifts), the repeats of one problem reported by
two tools are merged, and what `[tool.heal]` leaves out (categories, select, ignore) goes.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from heal import catalog, rulebook
from heal.analyzers import ANALYZERS
from heal.analyzers.base import AnalyzeContext, Analyzer, AnalyzerResult
from heal.config import Config
from heal.discover import Discovery, SourceFile, excluded
from heal.errors import ToolMissingError
from heal.fixable import fix_level_for
from heal.model import Finding, fingerprint
from heal.status import ProgressCallback, quiet


def _wanted_tools(config: Config) -> list[str]:
    """Analyzers to run: enabled in config, and (with --select) owning a selected rule."""
    names = list(config.analyzers)
    if config.select:
        tools = {"native" if r.tool == "heal" else r.tool
                 for r in rulebook.all_rules() if any(rulebook.matches(r.rule, s) for s in config.select)}
        names = [n for n in names if n in tools]
    return names


def _ruff_extend_select(config: Config) -> tuple[str, ...]:
    """Selected ruff codes are switched on in ruff even if the project's config leaves them off."""
    codes = []
    for selector in config.select:
        tool, _, code = selector.rpartition(":")
        if tool in ("", "ruff") and any(
                r.tool == "ruff" and rulebook.matches(r.rule, selector) for r in rulebook.all_rules()):
            codes.append(code)
    return tuple(codes)


def analyze(
    root: Path,
    files: Sequence[SourceFile],
    config: Config,
    state_dir: Path,
    python: str,
    progress: ProgressCallback = quiet,
    skip_missing: bool = False,
) -> tuple[list[AnalyzerResult], list[str]]:
    """Run the wanted analyzers concurrently over the readable files."""
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
    context = AnalyzeContext(root=root, files=files, config=config, python=python,
                             state_dir=state_dir, extra_ruff_select=_ruff_extend_select(config))

    def run_one(analyzer: Analyzer) -> AnalyzerResult:
        progress("start", analyzer.name, "")
        result = analyzer.run(context)
        progress("done", analyzer.name, f"{len(result.findings)} findings in {result.duration:.1f}s")
        return result

    if not analyzers or not files:
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
            finding, fingerprint=fingerprint(finding.rule, finding.path, node, occurrence),
            group=fingerprint(finding.rule, finding.path, node, 0)))
    return out


def deduplicate(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per problem: exact repeats go, and where two tools report the same rule on the
    same line (ruff's S-rules mirror bandit; ruff F821 and mypy name-defined; heal's native
    rules and their twins in ruff or bandit), one is kept."""
    unique: dict[tuple[str, str, object, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.path, finding.span, finding.message), finding)
    kept = list(unique.values())
    bandit_lines = {(f.path, f.span.start.line, f.code) for f in kept if f.tool == "bandit"}
    ruff_f821 = {(f.path, f.span.start.line) for f in kept if f.rule == "ruff:F821"}
    lines = {(f.path, f.span.start.line, f.rule) for f in kept}
    result = []
    for finding in kept:
        twins = catalog.NATIVE_TWINS.get(finding.rule, ())
        if any((finding.path, finding.span.start.line, twin) in lines for twin in twins):
            continue
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
    if config.select and not any(rulebook.matches(finding.rule, s) for s in config.select):
        return False
    if any(rulebook.matches(finding.rule, s) for s in config.ignore):
        return False
    return not any(_glob_matches(finding.path, glob) and
                   any(rulebook.matches(finding.rule, s) for s in codes)
                   for glob, codes in config.per_file_ignores)


def _glob_matches(path: str, glob: str) -> bool:
    """ruff's per-file-ignores globs: `tests/**`, `__init__.py` (a name, anywhere), and
    `!glob` for the files the glob does not match."""
    if glob.startswith("!"):
        return not excluded(path, (glob[1:],))
    return excluded(path, (glob,))


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


def findings_in(root: Path, files: Sequence[SourceFile], config: Config) -> list[Finding]:
    """The analyzers over these files, merged as a scan merges them, with heal's own
    interpreter: what mining (`heal learn --from-git`) checks each commit's files with."""
    results, _ = analyze(root, files, config, root / ".heal", sys.executable)
    return merge(results, Discovery(files=list(files)), config)


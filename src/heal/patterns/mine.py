"""Mining git history for patterns (`heal learn --from-git`).

`mine_git(repo_root, analyze, since=None, max_commits=200, ...) -> MineResult` walks the
commits, finds the findings each commit removed inside a small hunk, generalises those edits
(generalise.py) and groups them by anti-unification (anti_unify.py): edits seen in at least
`min_commits` commits are `patterns`, the rest `candidates`. `save_mined(library, result)`
writes the new ones (provenance `mined`, with their commits).

Finding the findings is the pipeline's job, and patterns sit below the pipeline: mining
receives it as `analyze` (`Analyze`), which the `heal learn` command builds from the
pipeline's analyzers and merge.
"""

from __future__ import annotations

import difflib
import itertools
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from heal import rulebook
from heal.config import Config, load_config, project_target, pyproject
from heal.discover import SourceFile, discover
from heal.model import Category, Finding, Safety, Span
from heal.patterns.anti_unify import anti_unify
from heal.patterns.edit import Edit, new_id, template_key
from heal.patterns.generalise import generalise
from heal.patterns.learn import Library
from heal.patterns.model import Pattern, Provenance
from heal.sandbox import git as gitops

MAX_HUNK_LINES = 6

# the findings in `files` of the scratch project at the path (a pyproject.toml with the mined
# rules, the commits' files, an empty .heal/ for the analyzers' state) under the Config given,
# fingerprinted, de-duplicated and filtered as a scan merges them
Analyze = Callable[[Path, Sequence[SourceFile], Config], list[Finding]]


@dataclass
class MinedFix:
    """A finding that disappeared inside a small hunk of one commit."""

    commit: str
    path: str
    rule: str
    before: str  # the whole file before
    after: str  # the file with only this hunk applied
    edit: Edit | None
    reason: str = ""
    span: Span | None = None  # the finding's span in `before`


@dataclass
class MineResult:
    commits: int = 0
    files: int = 0
    fixes: list[MinedFix] = field(default_factory=list)
    patterns: list[Edit] = field(default_factory=list)  # seen in >= min_commits commits
    candidates: list[Edit] = field(default_factory=list)  # the rest
    skipped: list[tuple[str, str]] = field(default_factory=list)


DEFAULT_MINE_RULES = ("E7", "E9", "F", "W6", "UP", "B", "SIM", "C4", "PIE", "PERF", "RUF")


def _ruff_config(root: Path, rules: Sequence[str] | None) -> str:
    """pyproject.toml for the temp copies: the selected ruff codes, or the project's own, and
    the project's line length and target Python."""
    ruff = pyproject(root).get("tool", {}).get("ruff", {})
    lint = ruff.get("lint", ruff)
    if rules:
        codes = [r.split(":", 1)[1] for r in rules if r.startswith("ruff:")]
    else:
        codes = [*lint.get("select", []), *lint.get("extend-select", [])]
        codes = [c for c in codes if isinstance(c, str)] or list(DEFAULT_MINE_RULES)
    quoted = ", ".join(f'"{c}"' for c in codes or ["E711"])
    length = ruff.get("line-length")
    line_length = f"line-length = {length}\n" if isinstance(length, int) and not isinstance(
        length, bool) and 1 <= length <= 320 else ""
    major, minor = project_target(root)
    return (f'[tool.ruff]\ntarget-version = "py{major}{minor}"\n{line_length}\n'
            f'[tool.ruff.lint]\nselect = [{quoted}]\n')


def _hunks(before: str, after: str) -> list[tuple[int, int, int, int]]:
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    hunks: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if hunks and i1 - hunks[-1][1] <= 2:  # one edit split by unchanged lines: `((` ... `))`
            hunks[-1] = (hunks[-1][0], i2, hunks[-1][2], j2)
        else:
            hunks.append((i1, i2, j1, j2))
    return hunks


def _apply_hunk(before: str, after: str, hunk: tuple[int, int, int, int]) -> str:
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    i1, i2, j1, j2 = hunk
    return "".join([*old[:i1], *new[j1:j2], *old[i2:]])


def mine_git(repo_root: Path, analyze: Analyze, since: str | None = None,
             max_commits: int = 200, revision: str = "HEAD", rules: Sequence[str] | None = None,
             analyzers: Sequence[str] = ("ruff", "native"), min_commits: int = 2,
             commits: Sequence[str] | None = None, grouped: bool = True) -> MineResult:
    """Walk `since..revision` (newest first, at most `max_commits`, or exactly `commits`), find
    the findings each commit removed inside a small hunk (`analyze` reads both versions of every
    changed file), generalise those edits, and group them: edits seen in at least
    `min_commits` commits are `patterns`, the rest `candidates`. `rules` (namespaced selectors
    such as ruff:E711 or heal:LOG109) narrows the analyzers; `grouped=False` only collects the
    fixes (`result.fixes`), without grouping them."""
    repo = gitops.open_repo(repo_root)
    root = gitops.root_of(repo)
    shas = list(commits) if commits is not None else gitops.commits_between(
        repo, revision, since, max_commits)
    result = MineResult()
    base_config = load_config(root)
    config = Config(analyzers=tuple(analyzers),
                    select=tuple(rules or ()), max_file_size=base_config.max_file_size,
                    exclude=())
    work = Path(tempfile.mkdtemp(prefix="heal-mine-"))
    try:
        (work / "pyproject.toml").write_text(_ruff_config(root, rules), encoding="utf-8")
        (work / ".heal").mkdir()
        pairs: list[tuple[str, str, str, str, str]] = []  # sha, path, before rel, after rel
        for index, sha in enumerate(shas):
            changes = gitops.changed_python_files(repo, sha)
            if not changes:
                continue
            result.commits += 1
            for path in changes:
                old = gitops.file_at_parent(repo, sha, path)
                new = gitops.file_at(repo, sha, path)
                if old is None or new is None or old == new:
                    continue
                rel_old = f"c{index}/a/{path}"
                rel_new = f"c{index}/b/{path}"
                for rel, data in ((rel_old, old), (rel_new, new)):
                    target = work / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                pairs.append((sha, path, rel_old, rel_new, ""))
                result.files += 1
        if not pairs:
            return result
        paths = [p for pair in pairs for p in (pair[2], pair[3])]
        found = discover(work, paths, config)
        findings = analyze(work, found.files, config)
        by_file: dict[str, list[Any]] = defaultdict(list)
        for finding in findings:
            by_file[finding.path].append(finding)
        texts = {f.path: f.text for f in found.files}
        for sha, path, rel_old, rel_new, _ in pairs:
            if rel_old not in texts or rel_new not in texts:
                result.skipped.append((f"{sha[:10]}:{path}", "does not parse or is not Python"))
                continue
            _mine_file(result, sha, path, texts[rel_old], texts[rel_new], by_file[rel_old],
                       by_file[rel_new])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if grouped:
        group(result, min_commits)
    return result


def _mine_file(result: MineResult, sha: str, path: str, before: str, after: str,
               old_findings: Sequence[Any], new_findings: Sequence[Any]) -> None:
    for hunk in _hunks(before, after):
        i1, i2, j1, j2 = hunk
        if i2 - i1 > MAX_HUNK_LINES or j2 - j1 > MAX_HUNK_LINES or i1 == i2:
            continue
        gone: dict[str, int] = defaultdict(int)
        spans: dict[str, Span] = {}
        for finding in old_findings:
            if i1 < finding.span.start.line <= i2:
                gone[finding.rule] += 1
                spans.setdefault(finding.rule, finding.span)
        for finding in new_findings:
            if j1 < finding.span.start.line <= j2 and finding.rule in gone:
                gone[finding.rule] -= 1
        rules = sorted(rule for rule, count in gone.items() if count > 0 and not _layout(rule))
        if not rules:
            continue
        partial = _apply_hunk(before, after, hunk)
        edit = generalise(before, partial, tuple(rules), origin=sha, path=path,
                          line=spans[rules[0]].start.line if len(rules) == 1 else None)
        for rule in rules:
            if isinstance(edit, str):
                result.fixes.append(MinedFix(sha, path, rule, before, partial, None, edit,
                                             spans[rule]))
            else:
                result.fixes.append(MinedFix(sha, path, rule, before, partial,
                                             replace(edit, triggers=(rule,)), span=spans[rule]))


# whitespace, indentation and line length: an edit that makes one go away is a reformatting
# (or a rewrite that happened to shorten a line), never the fix a pattern of that rule could be
LAYOUT_RULES = re.compile(r"^ruff:(E1\d\d|E2\d\d|E3\d\d|E501|W1\d\d|W2\d\d|W3\d\d|W5\d\d)$")


def _layout(rule: str) -> bool:
    return LAYOUT_RULES.match(rule) is not None


def group(result: MineResult, min_commits: int = 2, max_per_rule: int = 60) -> None:
    """Group mined edits by pattern, merge groups by anti-unification, split by support."""
    groups: dict[tuple[str, object], Edit] = {}
    for fix in result.fixes:
        if fix.edit is None:
            continue
        key = (fix.rule, fix.edit.key)
        held = groups.get(key)
        if held is None:
            groups[key] = fix.edit
        elif fix.edit.instances[0] not in held.instances:
            groups[key] = replace(held, instances=(*held.instances, *fix.edit.instances))
    by_rule: dict[str, list[Edit]] = defaultdict(list)
    for (rule, _), edit in groups.items():
        by_rule[rule].append(edit)
    for edits in by_rule.values():
        edits.sort(key=lambda e: -len(e.origins))
        merged = _merge_all(edits[:max_per_rule]) + edits[max_per_rule:]
        for edit in merged:
            if len(edit.origins) >= min_commits:
                result.patterns.append(edit)
            else:
                result.candidates.append(edit)
    result.patterns.sort(key=lambda e: (-len(e.origins), e.triggers, e.pattern))
    result.candidates.sort(key=lambda e: (e.triggers, e.pattern))


def _merge_all(edits: list[Edit]) -> list[Edit]:
    """Greedy pairwise anti-unification: merge two groups when the merge reproduces both."""
    pending = list(edits)
    changed = True
    while changed:
        changed = False
        for i, j in itertools.combinations(range(len(pending)), 2):
            merged = anti_unify(pending[i], pending[j])
            if merged is None:
                continue
            pending = [e for k, e in enumerate(pending) if k not in (i, j)] + [merged]
            changed = True
            break
    return pending


def save_mined(library: Library, result: MineResult) -> list[Pattern]:
    """Write mined patterns (provenance `mined` with their commits) that are new; a mined edit
    that an existing pattern already makes adds its commits to that pattern's evidence."""
    saved: list[Pattern] = []
    for edit in result.patterns:
        rule = edit.triggers[0]
        existing = next((p for p in library.all() if rule in p.triggers and template_key(
            p.pattern, p.fix, p.constraints, p.selector) == edit.key), None)
        if existing is not None:
            continue
        pattern = edit.as_pattern(
            new_id(rule, edit), _category_of(rule), Safety.REVIEW,
            Provenance("mined", commits=tuple(edit.origins)),
            message=f"mined from {len(edit.origins)} commits that fixed {rule}",
            why=f"seen in {len(edit.origins)} commits of this repository's history")
        saved.append(library.save(pattern))
    return saved


def _category_of(rule: str) -> Category:
    try:
        return rulebook.lookup(rule).category
    except Exception:
        return Category.STYLE

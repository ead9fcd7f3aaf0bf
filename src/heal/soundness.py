"""Is a fix sound? Its output parses, keeps every comment, and its fixer leaves it alone.

The checks the property test (`tests/test_properties.py`) and the corpus sweep
(`bench/sweep.py`) put every fix through, on top of the planner's own (a fix must re-parse and
stay in bounds):

- **parses**: libcst and the running Python's `ast` both accept the output;
- **keeps comments**: every comment of the input is still in the output, unless one of the
  fix's edits replaced the range that held it and the fix is unsafe or review (STYLE.md: a
  fixer that cannot keep a comment downgrades itself rather than lose it);
- **idempotent**: the output re-analyzed, the same fixer proposes no further change for the
  finding it fixed, nor for a new finding of the same rule in the lines it wrote.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence

import libcst as cst

from heal.analyze import with_fingerprints
from heal.config import Config
from heal.discover import SourceFile
from heal.edits import apply_fixes, edit_offsets, line_starts, non_overlapping, offset, unified_diff
from heal.errors import StoppedError
from heal.fixcheck import (
    drop_unparsable,
    in_bounds,
    lost_comments,
    parse_error,
    parses,
    written_lines,
)
from heal.fixer import Fixer, ModuleContext
from heal.healers import FIXERS, fixers_for
from heal.model import Declined, Finding, Fix, Position, Safety
from heal.plan import Planner

# what can be wrong with a fix
CRASH = "crash"  # the fixer raised
UNPARSABLE = "unparsable"  # its output does not parse (alone, or with the round's other fixes)
BOUNDS = "bounds"  # it edits outside the finding's statement and the import block
COMMENTS = "comments"  # it drops a comment and is not unsafe/review about it
IDEMPOTENCE = "idempotence"  # asked again on its output, it changes it again
KINDS = (CRASH, UNPARSABLE, BOUNDS, COMMENTS, IDEMPOTENCE)


@dataclasses.dataclass(frozen=True)
class Problem:
    kind: str
    path: str
    line: int
    source: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.source}: {self.kind}: {self.detail}"


def fixer_of(source: str) -> type[Fixer] | None:
    """The fixer class behind a fix's `source` (`fixer:NAME`)."""
    name = source.removeprefix("fixer:")
    return next((cls for cls in FIXERS.values() if name == cls.NAME), None)


def alternatives(finding: Finding, config: Config) -> list[type[Fixer]]:
    """Every fixer that would be asked for this finding, in the planner's order."""
    return [cls for cls in fixers_for(finding.rule)
            if cls.CATEGORY in config.categories or finding.category in config.categories]


def _moved_line(before: str, fix: Fix, position: Position) -> int:
    """The line `position` of `before` is on in the fix's output (edits above it move it)."""
    starts = line_starts(before)
    at = offset(starts, before, position)
    moved = position.line
    for start, end, content in dict.fromkeys(edit_offsets(before, fix.edits)):
        if end <= at and not (start == end == at):
            moved += content.count("\n") - before.count("\n", start, end)
    return moved


def _starts_in(finding: Finding, lines: Sequence[tuple[int, int]]) -> bool:
    """The finding starts in one of the line ranges (one that merely encloses them, such as a
    function around a fixed line, whose text and so fingerprint changed, does not count)."""
    return any(first <= finding.span.start.line <= last for first, last in lines)


def repeats(fix: Fix, before_text: str, before: Sequence[Finding], after_text: str,
            after: Sequence[Finding], config: Config,
            batch: Sequence[Fix] = ()) -> list[Fix]:
    """The fixes the same fixer proposes on the output of `fix` (re-analyzed as `after`) for
    the finding it fixed (its group did not shrink; of identical twins, the one in the lines it
    wrote), or for a new finding of the same rule that
    starts in the lines it wrote (not where a finding of that rule started before). Empty means
    idempotent. Findings are those of the fix's file only. `batch`: the fixes of the file
    applied together with it to give `after_text` (default: the fix alone)."""
    cls = fixer_of(fix.source)
    if cls is None:
        return []
    group_of = {f.fingerprint: f.group or f.fingerprint for f in before}
    mine = {group_of.get(fp, fp) for fp in fix.fingerprints}
    count_before = Counter(f.group or f.fingerprint for f in before)
    count_after = Counter(f.group or f.fingerprint for f in after)
    together = merged(batch) if batch else fix
    wrote = written_by(before_text, together, fix)
    # a finding that starts where one of the same rule started before is that finding, its
    # text changed by the fix inside it (ruff's UP007 on `Union[A, Union[B, C]]` fixes the
    # inner Union first): it was there before the fix, so it is not the fix's doing
    started = {(f.rule, f.span.start) for f in before}
    places = {_moved_line(before_text, together, f.span.start) for f in before
              if f.fingerprint in fix.fingerprints}
    again = []
    for finding in after:
        if not cls.handles(finding.rule):
            continue
        group = finding.group or finding.fingerprint
        # the finding it fixed is still there: at its place (moved by the edits above it) or
        # in the lines it wrote. Identical nodes share a group, so a twin elsewhere (the other
        # of two `import os`, reported once the first is gone) is the next fix, not a repeat
        same = group in mine and count_after[group] >= count_before[group] and (
            finding.span.start.line in places or _starts_in(finding, wrote))
        new = (group not in count_before and finding.rule == fix.rule
               and (finding.rule, finding.span.start) not in started
               and _starts_in(finding, wrote))
        if same or new:
            again.append(finding)
    if not again:
        return []
    fixer = cls()
    context = ModuleContext(fix.path, after_text, config)
    proposed = []
    for finding in again:
        result = fixer.fix(finding, context)
        if isinstance(result, Fix) and apply_fixes(after_text, [result]) != after_text:
            proposed.append(result)
    return proposed


def merged(fixes: Sequence[Fix]) -> Fix:
    """One fix with the edits of all (non-overlapping fixes of one file)."""
    return dataclasses.replace(fixes[0], edits=tuple(e for f in fixes for e in f.edits),
                               fingerprints=tuple(fp for f in fixes for fp in f.fingerprints))


def written_by(before: str, together: Fix, fix: Fix) -> list[tuple[int, int]]:
    """The lines of the output of `together` (1-based, inclusive) that `fix`'s own edits wrote."""
    if together is fix:
        return written_lines(before, fix)
    mine = set(edit_offsets(before, fix.edits))
    spans = [span for span, edit in zip(written_lines(before, together),
                                        dict.fromkeys(edit_offsets(before, together.edits)),
                                        strict=True) if edit in mine]
    return spans


def unstable(fixes: Sequence[Fix], before_text: str, before: Sequence[Finding],
             after_text: str, after: Sequence[Finding], config: Config) -> list[Fix]:
    """Of the fixes of one file applied together (giving `after_text`, re-analyzed as `after`),
    those whose own fixer, asked again on that output, changes what it wrote: not idempotent."""
    return [fix for fix in fixes
            if repeats(fix, before_text, before, after_text, after, config, batch=fixes)]


def relocate(findings: Iterable[Finding], source: SourceFile, path: str) -> list[Finding]:
    """Findings of a copy of a file (analyzed under another path) as if they were the file's
    own: same path, fingerprints and groups computed as the pipeline does."""
    moved = [dataclasses.replace(f, path=path) for f in findings]
    return with_fingerprints(moved, {path: dataclasses.replace(source, path=path)})


def diff_of(text: str, fixes: Sequence[Fix], path: str = "module.py") -> str:
    try:
        return unified_diff(path, text, apply_fixes(text, fixes)) or "(no change)"
    except ValueError as error:
        return str(error)


def _describe(fixes: Sequence[Fix]) -> str:
    return " + ".join(f"{f.source} ({f.rule}, line {f.line})" for f in fixes)


def propose_all(planner: Planner, findings: Sequence[Finding], texts: dict[str, str]
                ) -> tuple[list[Fix], list[Problem], int]:
    """Every fix the planner proposes for the findings (its batch, the colliding ones and the
    review ones) first, then what every other fixer of each rule proposes when asked directly;
    the crashes and bugs (unparsable, out of bounds) the planner and the fixers showed; and how
    many of the fixes are the planner's."""
    plan = planner.plan(findings, texts)
    problems = [Problem(UNPARSABLE if "parse" in why else BOUNDS if "outside" in why else CRASH,
                        fix.path, fix.line, fix.source, f"{why}\n{diff_of(texts[fix.path], [fix])}")
                for fix, why in plan.bugs]
    problems += [Problem(CRASH, d.path, d.line, d.source, d.reason) for d in plan.declined
                 if d.source == "planner" and d.reason.startswith("fixer crashed")]
    fixes = [*plan.fixes, *plan.waiting, *plan.review]
    planned = len(fixes)
    chosen = {(fix.fingerprints, fix.source) for fix in fixes}
    contexts: dict[str, ModuleContext] = {}
    for finding in findings:
        if finding.path not in texts:
            continue
        text = texts[finding.path]
        for cls in alternatives(finding, planner.config)[1:]:
            source = f"fixer:{cls.NAME}"
            if ((finding.fingerprint,), source) in chosen:
                continue
            context = contexts.setdefault(finding.path, ModuleContext(
                finding.path, text, planner.config, planner.root, planner.target))
            try:
                result = cls().fix(finding, context)
            except cst.ParserSyntaxError:
                continue  # the planner declines such files for every fixer
            except StoppedError:  # Ctrl-C or `heal stop` while the fixer ran: not its crash
                raise
            except Exception as error:
                problems.append(Problem(CRASH, finding.path, finding.span.start.line, source,
                                        f"on {finding.rule}: {type(error).__name__}: {error}"))
                continue
            if isinstance(result, Declined) or result is None:
                continue
            if result.safety is Safety.UNSAFE and not planner.config.unsafe_fixes:
                continue
            try:
                after = apply_fixes(text, [result])
            except ValueError:
                problems.append(Problem(CRASH, finding.path, result.line, source,
                                        "the fix's own edits overlap"))
                continue
            if after == text:
                continue
            if source != "fixer:ruff-edits" and parse_error(after) is None and not in_bounds(
                    text, finding, result):
                problems.append(Problem(BOUNDS, finding.path, result.line, source,
                                        f"edits outside the finding's statement\n"
                                        f"{diff_of(text, [result])}"))
                continue
            fixes.append(result)
    return fixes, problems, planned


def together(path: str, text: str, fixes: Sequence[Fix]) -> list[Fix]:
    """The fixes of one file that one round applies together, chosen as the planner does: no
    two overlap, and together they parse (the others wait for the next round)."""
    kept, _ = non_overlapping(text, [f for f in fixes if f.path == path])
    return drop_unparsable(kept, {path: text})[0]


def output_problems(path: str, before: str, fixes: Sequence[Fix], when: str = ""
                    ) -> list[Problem]:
    """The output of `fixes` (applied together) on `before` must parse and keep its comments."""
    line = fixes[0].line if fixes else 0
    source = fixes[0].source if len(fixes) == 1 else "together"
    after = apply_fixes(before, fixes)
    error = parse_error(after)
    if error and not parses(before):  # libcst never could: judged as the planner judges it
        error = parse_error(after, python_only=True)
    if error:
        return [Problem(UNPARSABLE, path, line, source,
                        f"{when}{_describe(fixes)}: {error}\n{diff_of(before, fixes)}")]
    lost = lost_comments(before, after, fixes)
    if lost:
        return [Problem(COMMENTS, path, line, source,
                        f"{when}{_describe(fixes)} drops {lost}\n{diff_of(before, fixes)}")]
    return []

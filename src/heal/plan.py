"""Step 3 of the pipeline: from findings to fixes, patterns first, then fixers.

For each finding the planner asks the pattern library (when one is loaded) and then every
fixer that heals the rule; the first fix wins. Fixes are then checked before anything is run:
a fix that does not re-parse, or that a heal fixer made outside the finding's statement and the
module's import block, is a fixer bug and is dropped (a rename may also swap one identifier for
another anywhere in the file). When the project formats its code (ruff format or black), the
lines a fix touched are reformatted with `ruff format --range` before the check, and nothing
else. Fixes that collide on one file wait for the next round; the rest form the round's batch,
all against the same text of each file.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import keyword
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from heal.config import Config
from heal.discover import python_syntax_error
from heal.edits import (
    apart,
    apply_edits,
    apply_fixes,
    diff_edits,
    edit_offsets,
    line_starts,
    non_overlapping,
    offset,
)
from heal.fixer import Fixer, ModuleContext, alias
from heal.healers import fixers_for
from heal.healers.style.format import format_lines, uses_formatter
from heal.model import Declined, Finding, Fix, Safety, TextEdit

PatternSource = Callable[[Finding, ModuleContext], Fix | Declined | None]


@dataclass
class Plan:
    fixes: list[Fix] = field(default_factory=list)  # this round's batch, non-overlapping
    review: list[Fix] = field(default_factory=list)  # need a human; verified but never landed
    waiting: list[Fix] = field(default_factory=list)  # collided; next round
    declined: list[Declined] = field(default_factory=list)
    bugs: list[tuple[Fix, str]] = field(default_factory=list)  # dropped: fixer bugs


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def still_parses(before: str, after: str) -> bool:
    """The fixed text parses: with libcst, or with Python's own parser when libcst could not
    parse the file to begin with (valid syntax it does not support, such as `((x)): int = 1`)."""
    return parses(after) or (not parses(before) and python_syntax_error(after) is None)


@functools.lru_cache(maxsize=16)  # every fix of a file is checked against the same text
def _statement_lines(text: str) -> tuple[tuple[tuple[int, int], ...], int,
                                         tuple[tuple[int, int], ...]]:
    """Line ranges of every module-level statement, the last line of the import block at the
    top, and the line ranges of every run of consecutive module-level import statements (with
    the blank lines and comments before the run)."""
    module = cst.parse_module(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    ranges = []
    import_end = 0
    in_header = True
    runs: list[tuple[int, int]] = []
    for statement in wrapper.module.body:
        where = positions[statement]
        ranges.append((where.start.line, where.end.line))
        is_import = isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)
        if is_import:  # a run owns the blank lines before it: moving an import removes them
            first = where.start.line - len(statement.leading_lines)
            if runs and runs[-1][1] + 1 >= first:
                runs[-1] = (runs[-1][0], where.end.line)
            else:
                runs.append((first, where.end.line))
        header = is_import or (isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, cst.Expr) for s in statement.body))
        if in_header and (header or isinstance(statement, cst.If)):
            import_end = where.end.line
        elif not isinstance(statement, cst.SimpleStatementLine):
            in_header = False
    return tuple(ranges), import_end, tuple(runs)


_WORD = re.compile(r"(\w+)")


def identifier_swaps(before: str, after: str) -> set[tuple[str, str]] | None:
    """The (old, new) identifier pairs that turn `before` into `after` when nothing else
    differs; None when anything else does."""
    old, new = _WORD.split(before), _WORD.split(after)
    if len(old) != len(new):
        return None
    swaps = set()
    for index, (a, b) in enumerate(zip(old, new, strict=True)):
        if a == b:
            continue
        if index % 2 == 0 or not all(w.isidentifier() and not keyword.iskeyword(w)
                                     for w in (a, b)):
            return None
        swaps.add((a, b))
    return swaps


def renames_one_name(text: str, edits: Sequence[TextEdit]) -> bool:
    """Every edit only swaps one identifier for another, the same one everywhere."""
    starts = line_starts(text)
    swaps: set[tuple[str, str]] = set()
    for edit in edits:
        before = text[offset(starts, text, edit.span.start):offset(starts, text, edit.span.end)]
        found = identifier_swaps(before, edit.content)
        if found is None:
            return False
        swaps |= found
    return len(swaps) == 1


def in_bounds(text: str, finding: Finding, fix: Fix) -> bool:
    """Edits stay in the finding's module-level statement or the import block, or insert new
    module-level statements before the first definition (a hoisted constant); edits elsewhere
    are allowed when all of them rename one identifier (a rename reaches every use)."""
    ranges, import_end, import_runs = _statement_lines(text)
    line = finding.span.start.line
    home = next(((a, b) for a, b in ranges if a <= line <= b), (line, finding.span.end.line))
    first_def = next((a for a, _ in ranges if a > import_end), len(text.splitlines()) + 1)
    outside: list[TextEdit] = []
    for edit in fix.edits:
        start, end = edit.span.start.line, edit.span.end.line
        if edit.span.end.column == 0 and end > start:
            end -= 1  # a whole-line edit ends at column 0 of the next line
        inserting = edit.span.start == edit.span.end
        if home[0] <= start and end <= home[1]:
            continue
        if end <= import_end + 1:
            continue
        if any(a <= start and end <= b + 1 for a, b in import_runs):
            continue
        if inserting and start <= first_def:
            continue
        outside.append(edit)
    return not outside or renames_one_name(text, outside)


def touched_ranges(text: str, fix: Fix) -> list[tuple[int, int]]:
    """The line ranges (1-based, inclusive) the fix's edits cover in the fixed text, merged."""
    after_starts = line_starts(apply_fixes(text, [fix]))
    ranges: list[tuple[int, int]] = []
    shift = 0
    for start, end, content in dict.fromkeys(edit_offsets(text, fix.edits)):
        new_start = start + shift
        new_end = new_start + max(len(content) - (1 if content.endswith("\n") else 0), 0)
        shift += len(content) - (end - start)
        first = bisect.bisect_right(after_starts, new_start)
        last = max(bisect.bisect_right(after_starts, max(new_end - 1, new_start)), first)
        if ranges and first <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(last, ranges[-1][1]))
        else:
            ranges.append((first, last))
    return ranges


def _owns(cls: type[Fixer], rule: str) -> bool:
    """The fixer names the rule (not a generic one that handles every rule of a tool)."""
    return rule in cls.RULES or alias(rule) in cls.RULES


class Planner:
    def __init__(self, config: Config, patterns: PatternSource | None = None,
                 root: Path | None = None, target: tuple[int, int] = (3, 10),
                 blocked: Callable[[str], bool] | None = None) -> None:
        self.config = config
        self.patterns = patterns
        self.blocked = blocked or (lambda source: False)  # the circuit breaker
        self.root = root
        self.target = target
        self._fixers: dict[type[Fixer], Fixer] = {}
        self.formatter = uses_formatter(root) if root is not None else None  # "ruff" / "black"

    def _fixer(self, cls: type[Fixer]) -> Fixer:
        if cls not in self._fixers:
            self._fixers[cls] = cls()
        return self._fixers[cls]

    def propose(self, finding: Finding, context: ModuleContext) -> tuple[Fix | None, list[Declined],
                                                                            str | None]:
        """(fix, reasons others declined, crash message) for one finding.

        Patterns go first. A pattern confident enough (`auto-apply-confidence`) serves the
        finding on its own. A less confident one is checked against the fixers: when a fixer
        makes the very same change, the pattern serves it with the fixer's safety (and earns
        evidence); when none does, the pattern's fix goes to review. A fixer that names the
        rule and declines has the last word: no generic fixer and no pattern applies the fix
        anyway (a pattern cannot see why: an `__init__.py` re-export, a `try` import...).
        """
        declined: list[Declined] = []
        try:
            pattern_fix = self._pattern(finding, context, declined)
            if pattern_fix is not None and pattern_fix.safety is not Safety.REVIEW and \
                    not any(_owns(cls, finding.rule) for cls in fixers_for(finding.rule)):
                return pattern_fix, declined, None  # no fixer of its own could say no
            fixer_fix = self._from_fixers(finding, context, declined)
        except cst.ParserSyntaxError:
            declined.append(Declined(finding.fingerprint, finding.rule, finding.path,
                                     finding.span.start.line, "planner",
                                     "libcst cannot parse this file (valid Python it does "
                                     "not support); fix it by hand"))
            return None, declined, None
        except Exception as error:
            where = traceback.extract_tb(error.__traceback__)[-1]
            return None, declined, (f"{type(error).__name__}: {error} "
                                    f"({where.filename}:{where.lineno})")
        if isinstance(fixer_fix, Declined):
            return None, declined, None  # the fixer that knows this rule said no
        if pattern_fix is not None and pattern_fix.safety is not Safety.REVIEW:
            return pattern_fix, declined, None
        if pattern_fix is not None and fixer_fix is not None:
            if apply_fixes(context.text, [pattern_fix]) == apply_fixes(context.text, [fixer_fix]):
                # the fixer vouches for it: as trusted as the fixer's own fix would be
                return dataclasses.replace(pattern_fix, safety=fixer_fix.safety, rationale=(
                    fixer_fix.rationale), description=fixer_fix.description,
                    confidence=max(pattern_fix.confidence, fixer_fix.confidence)), declined, None
            return fixer_fix, declined, None
        return fixer_fix or pattern_fix, declined, None

    def _allowed(self, fix: Fix, finding: Finding, declined: list[Declined]) -> bool:
        if not self.blocked(fix.source):
            return True
        declined.append(Declined(
            finding.fingerprint, finding.rule, finding.path, finding.span.start.line, fix.source,
            "this source failed verification too often in a row and is disabled until a human "
            "re-enables it (heal report lists it)"))
        return False

    def _pattern(self, finding: Finding, context: ModuleContext,
                 declined: list[Declined]) -> Fix | None:
        if self.patterns is None:
            return None
        result = self.patterns(finding, context)
        if isinstance(result, Declined):
            declined.append(result)
            return None
        if isinstance(result, Fix) and self._allowed(result, finding, declined):
            return result
        return None

    def _from_fixers(self, finding: Finding, context: ModuleContext,
                     declined: list[Declined]) -> Fix | Declined | None:
        """The first fixer's fix; the Declined of a fixer that names the rule and says no."""
        for cls in fixers_for(finding.rule):
            if cls.CATEGORY not in self.config.categories and finding.category not in \
                    self.config.categories:
                continue
            result = self._fixer(cls).fix(finding, context)
            if isinstance(result, Fix):
                if self._allowed(result, finding, declined):
                    return result
                continue
            if isinstance(result, Declined):
                declined.append(result)
                if _owns(cls, finding.rule):
                    return result  # the fixer that knows this rule said no: that stands
        return None

    def plan(self, findings: Iterable[Finding], texts: Mapping[str, str],
             skip: set[str] | None = None) -> Plan:
        """One round: propose, validate, and split into batch / review / waiting."""
        plan = Plan()
        skip = skip or set()
        by_path: dict[str, list[Fix]] = {}
        contexts: dict[str, ModuleContext] = {}
        for finding in findings:
            if finding.fingerprint in skip or finding.path not in texts:
                continue
            context = contexts.setdefault(
                finding.path, ModuleContext(finding.path, texts[finding.path], self.config,
                                            self.root, self.target, others=texts))
            fix, declined, crash = self.propose(finding, context)
            plan.declined += declined
            if crash is not None:
                plan.declined.append(Declined(finding.fingerprint, finding.rule, finding.path,
                                              finding.span.start.line, "planner",
                                              f"fixer crashed: {crash}"))
                continue
            if fix is None:
                continue
            if fix.safety is Safety.UNSAFE and not self.config.unsafe_fixes:
                plan.declined.append(Declined(finding.fingerprint, finding.rule, finding.path,
                                              finding.span.start.line, fix.source,
                                              "unsafe fix; pass --unsafe-fixes to try it"))
                continue
            fix = self._formatted(fix, finding, texts[finding.path])
            problem = self._check(fix, finding, texts[finding.path]) or _check_others(fix, texts)
            if problem:
                plan.bugs.append((fix, problem))
                continue
            by_path.setdefault(fix.path, []).append(fix)
        for path, fixes in sorted(by_path.items()):
            auto = [f for f in fixes if f.safety is not Safety.REVIEW]
            review = [f for f in fixes if f.safety is Safety.REVIEW]
            kept, waiting = non_overlapping(texts[path], auto)
            plan.fixes += kept
            plan.waiting += waiting
            plan.review += review
        plan.fixes, crossing = apart(plan.fixes)
        plan.waiting += crossing
        plan.fixes, clashing = drop_unparsable(plan.fixes, texts)
        plan.waiting += clashing
        return plan

    def _formatted(self, fix: Fix, finding: Finding, text: str) -> Fix:
        """The fix with the lines it touched reformatted the project's way (`ruff format
        --range`, nothing else), when the project uses a formatter and the formatted fix still
        passes the checks; else the fix as it was."""
        if self.formatter is None or self.root is None:
            return fix
        try:
            after = apply_fixes(text, [fix])
        except ValueError:
            return fix
        formatted = after
        for lines in reversed(touched_ranges(text, fix)):  # bottom up: line numbers above stay
            formatted = format_lines(formatted, fix.path, lines, self.root, self.formatter)
        if formatted in (after, text):
            return fix
        candidate = dataclasses.replace(fix, edits=diff_edits(text, formatted))
        if self._check(candidate, finding, text) is not None:
            return fix
        return candidate

    def _check(self, fix: Fix, finding: Finding, text: str) -> str | None:
        try:
            after = apply_fixes(text, [fix])
        except ValueError:
            return "the fix's own edits overlap"
        if after == text:
            return "the fix changes nothing"
        if not still_parses(text, after):
            return "the fixed file does not parse"
        if fix.source != "fixer:ruff-edits" and not in_bounds(text, finding, fix):
            return "the fix edits code outside the finding's statement and the import block"
        return None


def _check_others(fix: Fix, texts: Mapping[str, str]) -> str | None:
    """A fix's edits to other files: to files of this run, which still parse after them; and
    never a fix for review (the queue lands one file's fixes at a time)."""
    if fix.also and fix.safety is Safety.REVIEW:
        return "a fix for review edits other files"
    for other in fix.also:
        if other.path not in texts or other.path == fix.path:
            return f"the fix edits {other.path}, which is not a file of this run"
        try:
            after = apply_edits(texts[other.path], other.edits)
        except ValueError:
            return f"the fix's own edits to {other.path} overlap"
        if not still_parses(texts[other.path], after):
            return f"{other.path} does not parse after the fix"
    return None


def drop_unparsable(fixes: Sequence[Fix], texts: Mapping[str, str]) -> tuple[list[Fix], list[Fix]]:
    """Fixes that parse alone can still break a file together (two unused names of one
    `from m import (a, b)`, each removed as a line, leave `from m import ()`): keep those that
    parse together, in order, and return the others to wait for the next round, when they are
    asked again on the file the kept ones made."""
    kept: list[Fix] = []
    clashing: list[Fix] = []
    by_path: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_path.setdefault(fix.path, []).append(fix)
    for path, group in by_path.items():
        if still_parses(texts[path], apply_fixes(texts[path], group)):
            kept += group
            continue
        good: list[Fix] = []
        for fix in group:
            if still_parses(texts[path], apply_fixes(texts[path], [*good, fix])):
                good.append(fix)
            else:
                clashing.append(fix)
        kept += good
    return kept, clashing

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

import dataclasses
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from heal.config import Config
from heal.discover import text_hash
from heal.edits import (
    apart,
    apply_edits,
    apply_fixes,
    diff_edits,
    non_overlapping,
)
from heal.errors import StoppedError
from heal.fixcheck import (
    drop_unparsable,
    dropped_comment,
    in_bounds,
    still_parses,
    touched_ranges,
)
from heal.fixer import Fixer, ModuleContext, alias
from heal.healers import fixers_for
from heal.healers.style.format import format_lines, uses_formatter
from heal.model import Declined, Finding, Fix, Safety

PatternSource = Callable[[Finding, ModuleContext], Fix | Declined | None]


@dataclass
class Plan:
    fixes: list[Fix] = field(default_factory=list)  # this round's batch, non-overlapping
    review: list[Fix] = field(default_factory=list)  # need a human; verified but never landed
    waiting: list[Fix] = field(default_factory=list)  # collided; next round
    declined: list[Declined] = field(default_factory=list)
    bugs: list[tuple[Fix, str]] = field(default_factory=list)  # dropped: fixer bugs


@dataclass(frozen=True)
class _Planned:
    fix: Fix | None
    declined: tuple[Declined, ...]
    problem: str | None  # a fixer bug: the fix is dropped
    alone: bool  # decided by the finding and its file's text alone (no other file read)


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
        # (finding, its file's text) -> what planning it gave: a run plans the same finding
        # on the same text again and again (each round, the look-ahead, the re-check of new
        # findings, the review pass), and the answer depends on nothing else
        self._memo: dict[tuple[Finding, str], _Planned] = {}
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
        except StoppedError:  # Ctrl-C or `heal stop` while a fixer ran: not the fixer's bug
            raise
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
        hashes: dict[str, str] = {}
        for finding in findings:
            if finding.fingerprint in skip or finding.path not in texts:
                continue
            if finding.path not in hashes:
                hashes[finding.path] = text_hash(texts[finding.path])
            key = (finding, hashes[finding.path])
            planned = self._memo.get(key)
            if planned is None:
                context = contexts.setdefault(
                    finding.path, ModuleContext(finding.path, texts[finding.path], self.config,
                                                self.root, self.target, others=texts))
                planned = self._plan_one(finding, context, texts)
                if planned.alone:
                    self._memo[key] = planned
            plan.declined += planned.declined
            if planned.fix is None:
                continue
            if planned.problem:
                plan.bugs.append((planned.fix, planned.problem))
                continue
            by_path.setdefault(planned.fix.path, []).append(planned.fix)
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

    def _plan_one(self, finding: Finding, context: ModuleContext, texts: Mapping[str, str]
                  ) -> _Planned:
        """One finding: its fix (formatted) and the problem that makes it a fixer bug, or why
        it has none; `alone` when that depended on its own file's text only."""
        alone = not any(cls.READS_OTHER_FILES for cls in fixers_for(finding.rule))
        fix, declined, crash = self.propose(finding, context)
        if crash is not None:
            declined.append(Declined(finding.fingerprint, finding.rule, finding.path,
                                     finding.span.start.line, "planner",
                                     f"fixer crashed: {crash}"))
            return _Planned(None, tuple(declined), None, alone)
        if fix is None:
            return _Planned(None, tuple(declined), None, alone)
        if fix.safety is Safety.UNSAFE and not self.config.unsafe_fixes:
            declined.append(Declined(finding.fingerprint, finding.rule, finding.path,
                                     finding.span.start.line, fix.source,
                                     "unsafe fix; pass --unsafe-fixes to try it"))
            return _Planned(None, tuple(declined), None, alone)
        fix = self._formatted(fix, finding, context.text)
        problem = self._check(fix, finding, context.text) or _check_others(fix, texts)
        return _Planned(fix, tuple(declined), problem, alone and not fix.also)

    def _formatted(self, fix: Fix, finding: Finding, text: str) -> Fix:
        """The fix with the lines it touched reformatted the project's way (`ruff format
        --range`, nothing else), when the project uses a formatter and the formatted fix still
        passes the checks; else the fix as it was."""
        if self.formatter is None or self.root is None:
            return fix
        try:
            after = apply_fixes(text, [fix], tidy=False)  # touched_ranges are of this text
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

    def vet(self, fix: Fix, finding: Finding, text: str) -> tuple[Fix, str | None]:
        """A fix made outside the planner (a model's answer) through the planner's own checks,
        reformatted the project's way first: (the fix, what is wrong with it or None)."""
        fix = self._formatted(fix, finding, text)
        return fix, self._check(fix, finding, text)

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
        lost = dropped_comment(text, after, fix)
        if lost is not None:
            return f"the fix drops the comment `{lost}` and calls itself safe"
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

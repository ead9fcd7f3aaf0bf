"""Learning from a run: outcomes of pattern-made fixes, and new patterns from verified fixes.

What the pipeline calls (through `PatternLibrary.learn` and `.reviewed`, see library.py):
  - `learn_records(library, run_id, records) -> LearnReport`: pattern-made fixes count
    their outcome (VERIFIED / NEEDS_REVIEW -> applied + verified; REJECTED -> applied +
    rejected; UNVERIFIED -> applied); a verified fixer-made fix whose edit an active pattern
    makes where the fix is gets that pattern `verified` (evidence) without being generalised
    (most fixes of a run repeat a shape an earlier one taught); the others are generalised
    (generalise.py): an active pattern that reproduces the generalised edit gets `verified`,
    else an equivalent pattern is looked up, else a learned pattern of the same rule is
    anti-unified with it (anti_unify.py), else a new `learned` pattern is written to
    `.heal/patterns/`;
  - `learn_review(library, fix, approved, base)`: a human's decision on a queued fix;
  - `record_outcome(library, pattern_id, outcome) -> Pattern`.

Learning reads and writes patterns through `Library`, the part of `PatternLibrary` it needs:
library.py calls into this module, never the other way round. Mining git history for patterns
is mine.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

import libcst as cst

from heal.cst import parsed
from heal.edits import apply_fixes, changed_region, line_starts, position_at
from heal.fixer import ModuleContext
from heal.model import Fix, Span, Verdict
from heal.patterns.anti_unify import anti_unify
from heal.patterns.edit import Edit, apply_at, new_id, rewrite_in_cut, template_key
from heal.patterns.generalise import generalise
from heal.patterns.locate import candidates
from heal.patterns.model import Constraint, Example, Pattern, Provenance, Stats, pattern_id_of
from heal.patterns.region import Narrowed, across_statements, narrow
from heal.patterns.rewrite import apply_to_text
from heal.patterns.template import Template, TemplateError


class RecordLike(Protocol):
    """What `learn` reads from a pipeline.FixRecord."""

    @property
    def fix(self) -> Fix: ...

    @property
    def verdict(self) -> Verdict: ...

    @property
    def base(self) -> str | None:
        """The text the fix's edits apply to (None: nothing to learn it on)."""


@dataclass
class LearnReport:
    """What `learn` did, for the run's messages and history events."""

    created: list[str] = field(default_factory=list)  # new pattern ids
    reinforced: list[str] = field(default_factory=list)  # existing patterns a fixer confirmed
    generalised: list[str] = field(default_factory=list)  # patterns a new fix made more general
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (pattern id, outcome)
    retired: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (fix id, why not learned)
    unlearned: int = 0  # verified fixes left when the learning budget was spent


# verdict of a pattern-made fix -> the outcomes it counts as
VERDICT_OUTCOMES: dict[Verdict, tuple[str, ...]] = {
    Verdict.VERIFIED: ("applied", "verified"),
    Verdict.NEEDS_REVIEW: ("applied", "verified"),
    Verdict.UNVERIFIED: ("applied",),
    Verdict.REJECTED: ("applied", "rejected"),
    Verdict.SKIPPED: (),
}


class Library(Protocol):
    """What learning reads and writes of the pattern library (`library.PatternLibrary`, which
    calls into this module for `learn` and `reviewed`)."""

    def ids(self) -> list[str]: ...

    def get(self, pattern_id: str) -> Pattern: ...

    def all(self) -> list[Pattern]: ...

    def index(self) -> dict[str, list[tuple[str, str]]]: ...

    def get_compiled(self, pattern_id: str) -> tuple[Pattern, Template]: ...

    def record(self, pattern_id: str, outcome: str, count: int = 1) -> Pattern: ...

    def save(self, pattern: Pattern) -> Pattern: ...

    def retire(self, pattern_id: str, why: str) -> Pattern: ...


def record_outcome(library: Library, pattern_id: str, outcome: str) -> Pattern:
    """Count one outcome (applied, verified, rejected, approved, declined_by_review); a pattern
    failing `config.circuit_breaker` times in a row is retired, with the reason in history."""
    return library.record(pattern_id, outcome)


def learn_records(library: Library, run_id: str, records: Iterable[RecordLike],
                  budget: float | None = None) -> LearnReport:
    """Each record carries the text its fix was made on (`base`): one finding can be fixed,
    and recorded, in two rounds on two versions of its file, and a map by fix id once gave
    both records the later one (a UP045 fix of `path: Optional[str]` applied where `version:
    str = None` had grown by ` | None` taught `str | NoneNone`). `budget`: seconds to spend on
    generalising new fixes; the fixes left when it is spent are counted in `report.unlearned`
    (pattern outcomes are always counted: they cost nothing)."""
    report = LearnReport()
    known = set(library.ids())
    deadline = None if budget is None else time.perf_counter() + budget
    for record in records:
        owner = pattern_id_of(record.fix.source)
        if owner is not None:
            if owner[0] not in known:
                continue
            pattern = library.get(owner[0])
            for outcome in _outcomes(record.verdict):
                pattern = library.record(owner[0], outcome)
                report.outcomes.append((owner[0], outcome))
            if pattern.status == "retired" and owner[0] not in report.retired and \
                    record.verdict is Verdict.REJECTED:
                report.retired.append(owner[0])
            continue
        if record.verdict is not Verdict.VERIFIED or not record.fix.source.startswith("fixer:"):
            continue
        if record.fix.also:  # a rename across files: a pattern matches one file's code
            report.skipped.append((record.fix.id, "the fix edits several files"))
            continue
        if record.base is None:
            report.skipped.append((record.fix.id, "no base text given"))
            continue
        if deadline is not None and time.perf_counter() > deadline:
            report.unlearned += 1
            continue
        learn_fix(library, run_id, record.fix, record.base, report)
    return report


def _outcomes(verdict: Verdict) -> tuple[str, ...]:
    return VERDICT_OUTCOMES.get(verdict, ())


def learn_fix(library: Library, run_id: str, fix: Fix, base: str,
              report: LearnReport) -> Pattern | None:
    """Generalise one verified fixer fix: reinforce a pattern that reproduces it, else write a
    new learned pattern (unless an equivalent one exists but is retired or disabled)."""
    try:
        after = apply_fixes(base, [fix], tidy=False)  # the fix itself, to generalise
    except ValueError:
        report.skipped.append((fix.id, "the fix's edits do not apply to the base text"))
        return None
    known = _covering_pattern(library, fix, base, after)
    if known is not None:  # a shape a pattern covers: counted for it, not generalised again
        report.reinforced.append(known)
        return library.record(known, "verified")
    edit = generalise(base, after, (fix.rule,), origin=run_id, path=fix.path, line=fix.line)
    if isinstance(edit, str):
        report.skipped.append((fix.id, edit))
        return None
    instance = edit.instances[0]
    for pattern_id, _ in library.index().get(fix.rule, []):
        pattern = library.get(pattern_id)
        if apply_at(pattern.pattern, pattern.fix, pattern.constraints, instance.before,
                    instance.span, pattern.selector) == instance.after:
            report.reinforced.append(pattern_id)
            return library.record(pattern_id, "verified")
    for pattern in library.all():
        if fix.rule in pattern.triggers and template_key(
                pattern.pattern, pattern.fix, pattern.constraints, pattern.selector) == edit.key:
            report.skipped.append((fix.id, f"equivalent to pattern {pattern.id}, which is "
                                           f"{pattern.status}"))
            return None
    general = _generalise_with(library, run_id, fix, edit, report)
    if general is not None:
        return general
    pattern = edit.as_pattern(
        new_id(fix.rule, edit), fix.category, fix.safety,
        Provenance("learned", run=run_id, source=fix.source),
        message=f"learned from {fix.source}: {fix.description}",
        stats=Stats(applied=1, verified=1), why=f"generalised from a verified fix in run {run_id}")
    saved = library.save(pattern)
    report.created.append(saved.id)
    return saved


def _covering_pattern(library: Library, fix: Fix, base: str, after: str) -> str | None:
    """The active pattern of the fix's rule that makes exactly the fix's edit, applied where
    the fix changes the statement that holds it (cut out, as `generalise` cuts it): found
    without generalising the fix, since most fixes of a run repeat a shape an earlier one
    taught."""
    entries = library.index().get(fix.rule)
    if not entries or not fix.edits:
        return None
    cut = narrow(base, after)
    if all(root not in ("*", "Module") for _, root in entries) and \
            across_statements(cut.before, cut.after):
        return None  # a pattern rewrites one node: none below the module makes this edit
    span = _changed_span(cut) or cut.span(Span(min(e.span.start for e in fix.edits),
                                               max(e.span.end for e in fix.edits)))
    if span.start.line < 1:
        return None
    # kept among the run's parses (learning comes last): `generalise` parses the same statement
    context = ModuleContext("candidate.py", cut.before, _parsed=parsed(cut.before))
    try:
        nodes = candidates(context, span)
    except (cst.ParserSyntaxError, RecursionError):
        return None
    kinds = {type(node).__name__ for node in nodes}
    for pattern_id, root_type in entries:
        if root_type != "*" and root_type not in kinds:
            continue
        try:
            compiled = library.get_compiled(pattern_id)
        except (TemplateError, cst.ParserSyntaxError, RecursionError):
            continue
        done = rewrite_in_cut([compiled], context, nodes, span)
        if done is not None and done.text == cut.after:
            return pattern_id
    return None


def _changed_span(cut: Narrowed) -> Span | None:
    """Where a pure deletion is, its layout trimmed (`AnyStr, ` of `import AnyStr, cast` is
    `AnyStr`, where the finding of the unused import points); None for any other edit."""
    start, end, end_after = changed_region(cut.before, cut.after)
    if end_after != start:
        return None
    text = cut.before
    while start < end and text[start] in _LAYOUT:
        start += 1
    while end > start and text[end - 1] in _LAYOUT:
        end -= 1
    if start == end:
        return None
    starts = line_starts(text)
    return Span(position_at(starts, start), position_at(starts, end))


_LAYOUT = frozenset(" \t\n\r\\,;()")


def learn_review(library: Library, fix: Fix, approved: bool, base: str | None = None,
                 run_id: str = "review") -> LearnReport:
    """A human decided on a queued fix: a pattern's gets approved / declined_by_review; an
    approved fixer or LLM fix is learned from like a verified one (pass its base text)."""
    report = LearnReport()
    owner = pattern_id_of(fix.source)
    if owner is not None:
        outcome = "approved" if approved else "declined_by_review"
        if owner[0] in library.ids():
            pattern = library.record(owner[0], outcome)
            report.outcomes.append((owner[0], outcome))
            if pattern.status == "retired":
                report.retired.append(owner[0])
        return report
    if approved and base is not None and fix.source.startswith(("fixer:", "llm:")):
        learn_fix(library, run_id, fix, base, report)
    return report


MAX_EXAMPLES = 5  # a generalised pattern keeps its first examples and the newest ones


def _generalise_with(library: Library, run_id: str, fix: Fix, edit: Edit,
                     report: LearnReport) -> Pattern | None:
    """Getafix's step: anti-unify the new edit with a learned pattern of the same rule, so that
    `super(Parser, self)` -> `super()` and `super(Lexer, self)` -> `super()` become one pattern
    `super($A, self)` -> `super()` that serves the next class too. The pattern changes in place
    (new version, a history entry saying why) only when the merged template reproduces the new
    fix and every example the pattern already had; learned patterns it now covers are retired
    as subsumed. None when no pattern generalises."""
    for pattern_id, _ in library.index().get(fix.rule, []):
        pattern = library.get(pattern_id)
        if pattern.provenance.kind != "learned" or not pattern.active or not pattern.examples:
            continue
        known = Edit(pattern.pattern, pattern.fix, pattern.constraints, pattern.triggers, (),
                     pattern.examples[0], pattern.selector)
        merged = anti_unify(known, edit)
        if merged is None or merged.key == known.key:
            continue
        candidate = replace(pattern, pattern=merged.pattern, fix=merged.fix,
                            constraints=dict(merged.constraints))
        if not all(_shows(candidate, example) for example in pattern.examples):
            continue
        examples = (*pattern.examples, edit.example)
        if len(examples) > MAX_EXAMPLES:
            examples = (*examples[:MAX_EXAMPLES - 1], examples[-1])
        what = f"`{_one_line(pattern.pattern)}` became `{_one_line(merged.pattern)}`" \
            if merged.pattern != pattern.pattern else \
            f"constraints {_constraints(pattern.constraints)} became {_constraints(merged.constraints)}"
        updated = candidate.changed(
            "generalised",
            f"anti-unified with a verified fix in run {run_id} ({fix.path}:{fix.line}): {what}",
            examples=examples, stats=pattern.stats.record("verified"))
        saved = library.save(updated)
        report.generalised.append(saved.id)
        _retire_subsumed(library, saved, run_id, report)
        return saved
    return None


def _shows(pattern: Pattern, example: Example) -> bool:
    """The pattern turns the example's before into its after."""
    try:
        return apply_to_text(pattern, example.before, whole=False) == example.after
    except (TemplateError, cst.ParserSyntaxError, RecursionError):
        return False


def _retire_subsumed(library: Library, general: Pattern, run_id: str,
                     report: LearnReport) -> None:
    """Learned patterns of the same rule whose every example the general one reproduces."""
    for rule in general.triggers:
        for pattern_id, _ in library.index().get(rule, []):
            other = library.get(pattern_id)
            if other.id == general.id or other.provenance.kind != "learned" or \
                    not other.active or not other.examples:
                continue
            if all(_shows(general, example) for example in other.examples):
                library.retire(other.id, f"subsumed by {general.id}, generalised in run {run_id}")
                report.retired.append(other.id)


def _constraints(constraints: Mapping[str, Constraint]) -> str:
    return "{" + ", ".join(f"{name}: {c.regex or ''}{' not ' + c.not_regex if c.not_regex else ''}"
                           for name, c in sorted(constraints.items())) + "}"


def _one_line(text: str) -> str:
    return " ".join(text.split())

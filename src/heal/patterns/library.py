"""The planner's view of patterns: look up, match, propose a fix; take outcomes; learn.

    library = PatternLibrary(root, config)          # root: the target repo (None: built-ins only)
    fix = library.propose(finding, context)         # Fix | Declined | None (a plan.PatternSource)
    library.record(pattern_id, "verified")          # outcomes: see model.OUTCOMES
    report = library.learn(run_id, records)  # after a run: stats + new learned files

`propose` tries the active patterns whose `triggers` include `finding.rule` (from the index, by
trigger and root node type, so only a handful are even read), at the nodes the finding's span
points at (`locate.candidates`; a metavariable the fix drops must bind the node the span
points at, e.g. the unused name, or, in a pattern without `$$$`, one inside it), most confident
first, and returns the first pattern's fix:
`Fix.source` is `pattern:ID@VERSION`, `Fix.confidence` the pattern's confidence, and
`Fix.safety` the pattern's declared safety when its confidence is at least
`config.auto_apply_confidence`, else `Safety.REVIEW` with the rationale "pattern confidence
0.62 is below auto-apply-confidence 0.9". A pattern that matches but cannot build a valid fix
gives a `Declined` with the reason (when no other pattern fixes it).

Two halves of `propose`, with the same signature, for a planner that wants fixers to go
between them: `confident(finding, context)` (only patterns at or above the threshold; use it
before the fixers) and `fallback(finding, context)` (only the ones below, as review fixes; use
it when no fixer fixed the finding). Used that way, a new learned pattern never takes a finding
away from a fixer that fixes it; the fixer's verified fixes count as evidence for the
equivalent pattern (see `learn`), until the pattern is trusted enough to go first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from heal.config import Config
from heal.errors import UsageError
from heal.fixer import ModuleContext
from heal.model import Declined, Finding, Fix, Safety
from heal.patterns.learn import LearnReport, RecordLike, learn_records, learn_review
from heal.patterns.locate import candidates
from heal.patterns.model import OUTCOMES, Pattern
from heal.patterns.rewrite import Rewrite, first_rewrite
from heal.patterns.store import (
    PatternStore,
    builtin_dir,
    cache_dir,
    compiled,
    learned_dir,
)
from heal.patterns.template import Template
from heal.patterns.usage import FILE as USAGE_FILE
from heal.patterns.usage import Usage
from heal.state import state_dir


class PatternLibrary:
    """Built-in patterns plus a repository's learned ones, indexed by trigger rule."""

    def __init__(self, root: Path | None, config: Config | None = None, *,
                 builtin: Path | bool | None = True, folder: Path | None = None,
                 cache: Path | None = None) -> None:
        """`root`: the target repository (learned patterns in root/.heal/patterns, index cache
        in root/.heal/cache); `builtin`: True for heal's library, False for none, or a folder;
        `folder`/`cache`: other places for learned patterns and the index cache (tests, bench).
        Opening validates every changed file: a bad one is a ConfigError naming it."""
        self.root = root
        self.config = config or Config()
        stores: list[PatternStore] = []
        if builtin is not False:
            where = builtin if isinstance(builtin, Path) else builtin_dir()
            self.builtin: PatternStore | None = PatternStore(where, "builtin")
            stores.append(self.builtin)
        else:
            self.builtin = None
        local = folder or (learned_dir(root) if root is not None else None)
        if local is not None:
            index_cache = cache or (cache_dir(root) if root is not None else None)
            self.learned: PatternStore | None = PatternStore(local, "learned", index_cache)
            stores.append(self.learned)
        else:
            self.learned = None
        self._memory: dict[str, Pattern] = {}  # changes kept in memory when nothing is writable
        # outcomes between versions: in heal's state, so the committed files stay as they are
        self.usage = Usage(state_dir(root) / USAGE_FILE if root is not None else None)
        self._index: dict[str, list[tuple[str, str]]] | None = None

    # -- lookup ------------------------------------------------------------------------------
    def _owner(self, pattern_id: str) -> PatternStore | None:
        """The store whose copy of `pattern_id` is in force (see store.py on shadowing)."""
        local = self.learned.entries().get(pattern_id) if self.learned else None
        shipped = self.builtin.entries().get(pattern_id) if self.builtin else None
        if local is not None and (shipped is None or local.version >= shipped.version):
            return self.learned
        if shipped is not None:
            return self.builtin
        return None

    def ids(self) -> list[str]:
        found: set[str] = set(self._memory)
        for store in (self.builtin, self.learned):
            if store is not None:
                found.update(store.entries())
        return sorted(found)

    def get(self, pattern_id: str) -> Pattern:
        return self.get_compiled(pattern_id)[0]

    def get_compiled(self, pattern_id: str) -> tuple[Pattern, Template]:
        if pattern_id in self._memory:
            pattern = self._memory[pattern_id]
            return self.usage.apply(pattern), compiled(pattern)
        owner = self._owner(pattern_id)
        if owner is None:
            raise UsageError(f"no pattern {pattern_id}; `heal patterns list` shows the ids")
        pattern, template = owner.get_compiled(pattern_id)
        return self.usage.apply(pattern), template

    def all(self) -> list[Pattern]:
        return [self.get(pattern_id) for pattern_id in self.ids()]

    def index(self) -> dict[str, list[tuple[str, str]]]:
        """rule -> [(pattern id, root node type)] of active patterns."""
        if self._index is None:
            index: dict[str, list[tuple[str, str]]] = {}
            for pattern_id in self.ids():
                if pattern_id in self._memory:
                    pattern = self._memory[pattern_id]
                    status, triggers = pattern.status, pattern.triggers
                    root_type = compiled(pattern).root_type
                else:
                    owner = self._owner(pattern_id)
                    assert owner is not None
                    entry = owner.entries()[pattern_id]
                    status, triggers, root_type = entry.status, entry.triggers, entry.root_type
                if status != "active":
                    continue
                for trigger in triggers:
                    index.setdefault(trigger, []).append((pattern_id, root_type))
            self._index = index
        return self._index

    def patterns_for(self, rule: str, node_types: Iterable[str] | None = None
                     ) -> list[tuple[Pattern, Template]]:
        """Active patterns triggered by `rule` (and rooted at one of `node_types`), most
        confident first."""
        wanted = set(node_types) if node_types is not None else None
        chosen = [pattern_id for pattern_id, root_type in self.index().get(rule, ())
                  if wanted is None or root_type == "*" or root_type in wanted]
        loaded = [self.get_compiled(pattern_id) for pattern_id in chosen]
        return sorted(loaded, key=lambda item: (-item[0].confidence, item[0].id))

    # -- proposing ---------------------------------------------------------------------------
    def propose(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        """Every matching pattern, most confident first (a plan.PatternSource)."""
        return self._propose(finding, context, None)

    def confident(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        """Only patterns at or above auto-apply-confidence (to try before the fixers)."""
        return self._propose(finding, context, True)

    def fallback(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        """Only patterns below auto-apply-confidence, as review fixes (after the fixers)."""
        return self._propose(finding, context, False)

    def _propose(self, finding: Finding, context: ModuleContext, trusted: bool | None
                 ) -> Fix | Declined | None:
        if finding.rule not in self.index():
            return None
        nodes = candidates(context, finding.span)
        loaded = self.patterns_for(finding.rule, {type(n).__name__ for n in nodes})
        threshold = self.config.auto_apply_confidence
        if trusted is not None:
            loaded = [(p, t) for p, t in loaded if (p.confidence >= threshold) == trusted]
        if not loaded:
            return None
        result = first_rewrite(loaded, context, nodes, finding.span)
        if result is None:
            return None
        if isinstance(result, str):
            return Declined(fingerprint=finding.fingerprint, rule=finding.rule,
                            path=finding.path, line=finding.span.start.line, source="patterns",
                            reason=result)
        pattern, rewrite = result
        return self.make_fix(pattern, rewrite, finding)

    def make_fix(self, pattern: Pattern, rewrite: Rewrite, finding: Finding) -> Fix:
        threshold = self.config.auto_apply_confidence
        confidence = pattern.confidence
        if confidence >= threshold:
            safety, rationale = pattern.safety, ""
            if safety is Safety.REVIEW:
                rationale = f"pattern {pattern.id} is review-level"
        else:
            safety = Safety.REVIEW
            rationale = (f"pattern confidence {confidence:.2f} is below auto-apply-confidence "
                         f"{threshold:g}")
        description = pattern.message or f"apply pattern {pattern.id}"
        return Fix(fingerprints=(finding.fingerprint,), rule=finding.rule,
                   category=finding.category, path=finding.path, edits=(rewrite.edit,),
                   source=pattern.source, safety=safety, description=description,
                   confidence=confidence, priority=finding.priority,
                   line=finding.span.start.line, rationale=rationale)

    # -- changing patterns -------------------------------------------------------------------
    def save(self, pattern: Pattern) -> Pattern:
        """Write a pattern into the learned folder (or keep it in memory without one): a new
        pattern or a new version, with its counts as they are now (see usage.py)."""
        self._index = None
        if self.learned is None:
            saved = replace(pattern, origin="learned")
            self._memory[pattern.id] = saved
        else:
            saved = self.learned.save(pattern)
        self.usage.put(saved)
        return saved

    def record(self, pattern_id: str, outcome: str, count: int = 1) -> Pattern:
        """Count an outcome (model.OUTCOMES) for a pattern in heal's state, not its file;
        retire it when it keeps failing (`circuit-breaker` rejections or review declines in a
        row): a new version, written to the file with the counts."""
        if outcome not in OUTCOMES:
            raise UsageError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
        pattern = self.get(pattern_id)
        updated = replace(pattern, stats=pattern.stats.record(outcome, count))
        limit = self.config.circuit_breaker
        if updated.active and updated.stats.rejected_in_a_row >= limit:
            updated = updated.changed(
                "retired (was active)",
                f"failed {updated.stats.rejected_in_a_row} times in a row (rejected by "
                f"verification or declined in review; circuit-breaker is {limit})",
                status="retired")
            return self.save(updated)
        self.usage.put(updated)
        return updated

    def set_status(self, pattern_id: str, status: str, why: str) -> Pattern:
        pattern = self.get(pattern_id)
        if pattern.status == status:
            return pattern
        verb = {"retired": "retired", "disabled": "disabled", "active": "enabled"}[status]
        return self.save(pattern.changed(f"{verb} (was {pattern.status})", why, status=status))

    def retire(self, pattern_id: str, why: str) -> Pattern:
        return self.set_status(pattern_id, "retired", why)

    def disable(self, pattern_id: str, why: str = "disabled by hand") -> Pattern:
        return self.set_status(pattern_id, "disabled", why)

    def enable(self, pattern_id: str, why: str = "enabled by hand") -> Pattern:
        return self.set_status(pattern_id, "active", why)

    # -- learning ----------------------------------------------------------------------------
    def learn(self, run_id: str, records: Iterable[RecordLike],
              budget: float | None = None) -> LearnReport:
        """After a run: outcomes of pattern-made fixes, and new or reinforced patterns from
        verified fixer-made ones, each learned on its record's `base` (the file as it was in
        the round that proposed the fix); `budget` bounds the seconds spent generalising."""
        return learn_records(self, run_id, records, budget)

    def reviewed(self, fix: Fix, approved: bool, base: str | None = None,
                 run_id: str = "review") -> LearnReport:
        """A human decided on a queued fix: a pattern's gets approved / declined_by_review; an
        approved fixer or LLM fix is learned from like a verified one (pass its base text)."""
        return learn_review(self, fix, approved, base, run_id)

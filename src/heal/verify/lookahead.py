"""The look-ahead's later rounds, planned on top of a round with the analyzers alone
(`Engine.lookahead` then runs the tests once for all of them).

Each step plans fixes on the findings the step before left and re-checks them: every fix must
remove its finding and bring nothing new heal cannot fix, or the chain ends before the step.
Most steps are ruff's (an unused import removed, an import block sorted, `List` made `list`,
each making the next possible), and ruff re-checks a file in a tenth of the time all the
analyzers take. So while ruff is one of several analyzers, a step is re-checked by ruff alone,
and the others re-check every file such steps changed once, when the chain would end
(`Chain.settle`): the fixes of those steps must have removed the other analyzers' findings
they fix and brought none heal cannot fix. Until then the other analyzers' findings in those
files are not planned on (their lines may have moved); once they are re-checked, the chain
goes on with them. Should the re-check find anything, those steps are planned again from
where they began, each re-checked by every analyzer: what the chain would have been without
the shortcut.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from heal import catalog, failures
from heal.discover import text_hash
from heal.edits import apply_fixes, texts_after
from heal.model import Finding, Fix
from heal.verify.recheck import paths_of

if TYPE_CHECKING:
    from heal.verify.engine import Engine

RUFF = ("ruff",)

Step = tuple[dict[str, str], list[Fix]]  # the texts a step was planned on, its fixes


@dataclass
class Mark:
    """Where the steps re-checked by ruff alone began: what to go back to."""

    steps: int
    state: dict[str, str]
    now: list[Finding]
    dirty: set[str] = field(default_factory=set)  # files those steps changed


@dataclass
class Chain:
    engine: Engine
    round_no: int
    steps: list[Step]
    state: dict[str, str]  # every step's fixes applied: the texts the next step plans on
    now: list[Finding]  # the findings of `state` (in `mark.dirty`, ruff's only are current)
    mark: Mark | None = None
    ruff_alone: int = 0  # steps re-checked by ruff alone that stood

    def __post_init__(self) -> None:
        analyzers = self.engine.config.analyzers
        # ruff alone re-checks a step only while other analyzers would (and then settle)
        self.fast = "ruff" in analyzers and len(analyzers) > 1
        self.bandit = "bandit" in analyzers

    def ruff_owns(self, rule: str) -> bool:
        """ruff's re-check alone tells about findings of this rule: ruff's, but not a rule
        bandit also reports (a scan keeps bandit's finding and drops ruff's twin)."""
        tool, _, code = rule.partition(":")
        return tool == "ruff" and not (self.bandit and catalog.ruff_to_bandit(code))

    def ruff_view(self, findings: Sequence[Finding]) -> list[Finding]:
        return [f for f in findings if self.ruff_owns(f.rule)]

    def visible(self) -> list[Finding]:
        """The findings to plan on: in files the steps since the mark changed, ruff's only."""
        if self.mark is None:
            return self.now
        dirty = self.mark.dirty
        return [f for f in self.now if f.path not in dirty or self.ruff_owns(f.rule)
                or f.tool in failures.TOOLS]

    def plan(self) -> None:
        """Add steps until no fix is left to plan or the next one does not pass its re-check;
        settle what ruff alone re-checked (going on with what that shows, or back to where it
        began when it fails)."""
        budget = self.engine.config.max_iterations - self.round_no
        while True:
            if len(self.steps) - 1 < budget and self.step():
                continue
            if self.mark is None:
                return
            if not self.settle():
                self.back()

    def step(self) -> bool:
        """Plan and re-check the next step; whether it passed and was added (not when no fix
        is left, a fixer bug showed, or it did not pass)."""
        engine = self.engine
        texts = {p: self.state.get(p, s.text) for p, s in engine.originals.items()}
        more, bugs = engine.candidates(self.round_no, self.visible(), texts, record=False)
        more = [f for f in more if text_hash(apply_fixes(texts[f.path], [
            g for g in more if g.path == f.path])) not in engine.seen[f.path]]
        with self._as_the_runs():
            more = engine.defer_uncovered(more, texts)
            if not more or bugs:
                return False
            touched = paths_of(more)
            more_texts = engine.texts(more)
            if self.fast:  # ruff's fixes, on ruff's findings; the rest wait for `settle`
                before = self.ruff_view(self.now)
                rescanned = self.ruff_view(engine.recheck.rescan_from(
                    before, engine.current, more_texts, touched, tools=RUFF))
                mine = [fix for fix in more if self.ruff_owns(fix.rule)]
            else:
                before, mine = self.now, more
                rescanned = engine.recheck.rescan_from(before, engine.current, more_texts,
                                                       touched)
            if not self._passes(mine, before, rescanned, engine.current, more_texts, touched):
                return False
        if self.fast and self.mark is None:
            self.mark = Mark(len(self.steps), self.state, self.now)
        self.ruff_alone += self.fast
        self.steps.append((self.state, more))
        carried = engine.carried(self.now, more, texts, more_texts)
        if self.mark is not None:
            self.mark.dirty |= touched
            self.now = [f for f in self.now if f.path not in touched or not (
                self.ruff_owns(f.rule) or f.tool in failures.TOOLS)] + rescanned + carried
        else:
            self.now = [f for f in self.now if f.path not in touched] + rescanned + carried
        self.state = {**self.state, **texts_after(more, texts.__getitem__)}
        return True

    @contextlib.contextmanager
    def _as_the_runs(self) -> Iterator[None]:
        """The engine's checks inside see the look-ahead's texts as the run's own."""
        base_state, self.engine.state = self.engine.state, self.state
        try:
            yield
        finally:
            self.engine.state = base_state

    def _passes(self, fixes: Sequence[Fix], before: Sequence[Finding], after: Sequence[Finding],
                old: Callable[[str], str], texts: Mapping[str, str], paths: set[str]) -> bool:
        """The fixes removed their findings, and brought none heal cannot fix."""
        recheck = self.engine.recheck
        return not recheck.ineffective(fixes, before, after) and not recheck.brought(
            before, after, old, texts, paths, self.engine.everything(texts),
            self.engine.ledger.given_up)

    def settle(self) -> bool:
        """Every analyzer re-checks the files changed since the mark: the steps' fixes of other
        analyzers' findings removed them, and no fix brought a finding heal cannot fix.
        Whether they passed (the findings of those files are then current)."""
        engine = self.engine
        mark = self.mark
        assert mark is not None
        dirty = mark.dirty
        old = {p: mark.state.get(p, s.text) for p, s in engine.originals.items()}
        texts = {p: self.state.get(p, s.text) for p, s in engine.originals.items()}
        before = [f for f in mark.now if f.path in dirty]
        after = engine.recheck.rescan_from(before, old.__getitem__, texts, dirty)
        others = [fix for _, fixes in self.steps[mark.steps:] for fix in fixes
                  if not self.ruff_owns(fix.rule)]
        with self._as_the_runs():
            passed = self._passes(others, before, after, old.__getitem__, texts, set(dirty))
        if passed:
            self.now = [f for f in self.now if f.path not in dirty
                        or f.tool in failures.TOOLS] + after
            self.mark = None
        return passed

    def back(self) -> None:
        """To the mark, re-checking every step with every analyzer from there on."""
        assert self.mark is not None
        self.ruff_alone -= len(self.steps) - self.mark.steps
        self.steps = self.steps[:self.mark.steps]
        self.state, self.now = self.mark.state, self.mark.now
        self.mark = None
        self.fast = False

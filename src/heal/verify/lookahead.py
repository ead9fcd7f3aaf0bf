"""The fast path of a round: plan the later rounds on top of it with the analyzers alone, then
run the tests once for all of them.

An unused import removed in round 1 makes an import block unsorted for round 2; rather than
testing each round, the rounds that follow are planned and re-checked against the analyzers
only, and one full run tests them all. When that run passes every round is verified by it (and
it is the final check); when it fails nothing of the look-ahead is kept and the engine bisects
the first round as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from heal.edits import apply_fixes, texts_after
from heal.model import Finding, Fix, Verdict
from heal.verify.recheck import paths_of
from heal.verify.select import text_hash

if TYPE_CHECKING:  # the engine passes itself in; it imports this module, not the other way
    from heal.verify.engine import Engine


def lookahead(engine: Engine, round_no: int, first: list[Fix], findings: list[Finding],
              after: list[Finding]) -> bool:
    """Whether the later rounds, planned on top of `first`, were verified with it in one run."""
    base_state = dict(engine.state)
    steps: list[tuple[dict[str, str], list[Fix]]] = [(base_state, first)]
    state = engine.texts(first)
    now = [f for f in findings if f.path not in paths_of(first)] + after
    for _ in range(engine.config.max_iterations - round_no):
        texts = {p: state.get(p, s.text) for p, s in engine.originals.items()}
        more, bugs = engine.candidates(round_no, now, texts, record=False)
        more = [f for f in more if text_hash(apply_fixes(texts[f.path], [
            g for g in more if g.path == f.path])) not in engine.seen[f.path]]
        engine.state = state  # the checks below see the look-ahead's texts as the run's own
        try:
            more = engine.defer_uncovered(more, texts)
            if not more or bugs:
                break
            touched = paths_of(more)
            more_texts = engine.texts(more)
            rescanned = engine.recheck.rescan(more_texts, touched)
            gone = not engine.recheck.ineffective(more, now, rescanned)
            clean = not engine.recheck.new_unfixable(now, rescanned, touched,
                                                     engine.everything(more_texts),
                                                     engine.ledger.given_up)
        finally:
            engine.state = base_state
        if not (gone and clean):
            break
        steps.append((state, more))
        state = {**state, **texts_after(more, texts.__getitem__)}
        now = [f for f in now if f.path not in touched] + rescanned
    if len(steps) == 1:
        return False
    run = engine.suite.run_all_rounds(state)
    if not run.passed:
        engine.history.event(engine.run_id, "lookahead", "failed", tool="tests",
                             parameters={"rounds": len(steps)})
        return False
    for offset, (step_state, fixes) in enumerate(steps):
        engine.state = step_state
        for fix in fixes:
            engine.record(fix, Verdict.VERIFIED, "tests pass", round_no + offset)
        for path in paths_of(fixes):
            engine.seen[path].add(text_hash(step_state.get(path, engine.originals[path].text)))
    engine.state = state
    engine.suite.last_passed = state
    engine.lookahead_findings = now
    engine.history.event(engine.run_id, "lookahead", "passed", tool="tests",
                         parameters={"rounds": len(steps), "fixes": sum(len(f) for _, f in steps)})
    return True

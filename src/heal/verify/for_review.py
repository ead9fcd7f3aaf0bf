"""The last part of step 4: fixes verified for a human, on top of the final state of the rounds.

The fixers' review fixes (`review`) and, when `[tool.heal.llm]` is on, the model's answers for
what nothing else fixed (`ask_llm`) pass the same checks as every fix and then wait in the
review queue; nothing here lands.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from heal.discover import text_hash
from heal.edits import independent
from heal.llm.fixer import LLMFixer
from heal.model import Declined, Finding, Fix, Safety, Verdict
from heal.verify.engine import Engine
from heal.verify.recheck import paths_of
from heal.verify.records import STILL_THERE


def review(engine: Engine, findings: list[Finding], round_no: int,
       decided: Callable[[Fix, str], bool]) -> None:
    """Fixes that need a human: verified on top of the final state, queued, never landed.
    `decided(fix, hash of its base text)` says whether the review queue settled it already
    (a reviewer rejected it, or it waits there for this very text): not verified again."""
    texts = {p: engine.current(p) for p in engine.originals}
    with engine.clock.phase("plan"):
        plan = engine.planner.plan(findings, texts, skip=engine.ledger.settled)
    engine.ledger.note_declined(plan.declined)
    deferred = engine.ledger.deferred
    waiting = [dataclasses.replace(fix, safety=Safety.REVIEW,
                                   rationale=deferred[fix.fingerprints[0]])
               for fix in [*plan.fixes, *plan.waiting]
               if fix.fingerprints and fix.fingerprints[0] in deferred]
    review = [dataclasses.replace(fix, rationale=f"{deferred[fix.fingerprints[0]]}. "
                                                 f"{fix.rationale}")
              if fix.fingerprints and fix.fingerprints[0] in deferred else fix
              for fix in plan.review]  # a review fix no test covers says so first
    fresh = [fix for fix in [*review, *waiting]
             if not decided(fix, text_hash(texts[fix.path]))]
    kept, _ = independent(fresh, texts)
    _verify_for_review(engine, kept, findings, round_no)


def _verify_for_review(engine: Engine, fixes: list[Fix], findings: list[Finding],
                       round_no: int) -> None:
    if not fixes:
        return
    # a review fix must still remove its finding; what else it brings in (bandit's LOW
    # B603 after a shell=True rewrite, say) is for the reviewer to weigh, not a veto
    after = engine.recheck.rescan(engine.texts(fixes), paths_of(fixes))
    for fix in engine.recheck.ineffective(fixes, findings, after):
        engine.record(fix, Verdict.REJECTED, STILL_THERE, round_no)
        fixes.remove(fix)
    if not fixes:
        return
    if engine.no_verify:
        for fix in fixes:
            engine.record(fix, Verdict.SKIPPED, "needs review, and --no-verify cannot verify it",
                        round_no)
        return
    kept, _ = engine.test_batch(fixes, round_no)
    for fix in kept:
        engine.record(fix, Verdict.NEEDS_REVIEW, fix.rationale or "needs a human's approval",
                    round_no)


def ask_llm(engine: Engine, findings: list[Finding], round_no: int,
        decided: Callable[[Fix, str], bool], llm: LLMFixer) -> None:
    """The findings no pattern and no fixer fixed, asked of the model; each answer passes
    the planner's checks (parses, stays in the statement), the analyzers' (removes its
    finding, brings nothing new, idempotent) and the tests like any fix, and then waits
    for review. A finding whose model fix the queue settled already is not asked again."""
    if engine.no_verify:
        engine.messages.append("the LLM fixer needs the tests to verify its answers; it is off "
                             "with --no-verify")
        return
    if engine.planner.blocked(llm.source):
        engine.messages.append(f"the LLM fixer ({llm.source}) is off: the circuit breaker "
                             "tripped after repeated failures; `heal rule "
                             f"{llm.source} --enable` turns it on")
        return
    fixed = {fp for r in engine.ledger.records if r.verdict is not Verdict.REJECTED
             for fp in r.fix.fingerprints}
    texts = {p: engine.current(p) for p in engine.originals}
    offered = [f for f in findings if f.fingerprint not in fixed and f.path in texts
               and not decided(llm.placeholder(f), text_hash(texts[f.path]))]
    if not offered:
        return
    engine.progress("plan", "llm", f"asking {llm.config.model} about {len(offered)} findings")
    by_key = {f.fingerprint: f for f in offered}
    fixes: list[Fix] = []
    with engine.clock.phase("llm"):
        answers = llm.propose(offered, texts, engine.secrets)
    for answer in answers:
        if isinstance(answer, Declined):
            engine.ledger.note_declined([answer])
            continue
        finding = by_key[answer.fingerprints[0]]
        fix, problem = engine.planner.vet(answer, finding, texts[answer.path])
        if problem is None:
            fixes.append(fix)
        else:
            engine.ledger.decline(fix, f"unusable answer: {problem}")
    while fixes:  # answers for one file that overlap wait for the next batch
        batch, fixes = independent(fixes, texts)
        kept, _, _ = engine.analyzer_check(batch, findings, round_no)
        kept, _ = engine.test_batch(kept, round_no)
        for fix in kept:
            engine.record(fix, Verdict.NEEDS_REVIEW, fix.rationale, round_no)

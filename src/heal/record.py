"""Steps 6 and 7 of the flow: what the run did goes into history and the audit log, and the
verified fixes become patterns.

Every judged fix is a row in `.heal/history.db` and a line in `.heal/audit/<run>.jsonl`, with its
verdict, reason, diff (secrets redacted) and test evidence; `landed` says whether its file was
written. Learning takes the fixes that were verified and landed (and every pattern fix, whose
outcome moves its pattern's confidence).
"""

from __future__ import annotations

from collections.abc import Sequence

from heal.audit import AuditLog
from heal.history import History
from heal.land import Landed
from heal.model import Verdict, counted
from heal.patterns.library import PatternLibrary
from heal.patterns.model import pattern_id_of
from heal.redact import redact
from heal.verify.records import FixRecord

LEARN_BUDGET = 60.0  # seconds a run spends generalising its verified fixes into patterns


def record_fixes(history: History, audit: AuditLog, run_id: str, records: Sequence[FixRecord],
                 landed: Landed, secrets: set[str]) -> None:
    written = set(landed.written)
    for entry in records:
        history.record_fix(run_id, {
            "id": entry.fix.id, "fingerprints": entry.fix.fingerprints, "rule": entry.fix.rule,
            "category": entry.fix.category.value, "priority": entry.fix.priority.value,
            "path": entry.fix.path, "line": entry.fix.line, "source": entry.fix.source,
            "safety": entry.fix.safety.value, "verdict": entry.verdict.value,
            "reason": redact(entry.reason, secrets), "diff": entry.diff,
            "failing_tests": entry.failing_tests, "output": entry.output,
            "evidence": entry.evidence, "covering_tests": entry.covering_tests,
            "round": entry.round,
            "landed": int(entry.landable and entry.fix.path in written),
        })
        audit.write("fix", id=entry.fix.id, rule=entry.fix.rule, path=entry.fix.path,
                    line=entry.fix.line, source=entry.fix.source, safety=entry.fix.safety.value,
                    verdict=entry.verdict.value, reason=entry.reason, diff=entry.diff,
                    failing_tests=list(entry.failing_tests))
    if landed.written:
        audit.write("land", files=landed.written, commit=landed.commit, branch=landed.branch,
                    skipped=[list(s) for s in landed.skipped])
        history.event(run_id, "land", "ok", parameters={"files": landed.written,
                                                        "commit": landed.commit})


def learn_patterns(history: History, library: PatternLibrary, run_id: str,
                   records: Sequence[FixRecord], landed: Sequence[str],
                   budget: float = LEARN_BUDGET) -> list[str]:
    """Every verified, landed fixer fix teaches a pattern (for `budget` seconds at most);
    every pattern fix moves its confidence. Recorded in history as pattern events; returns
    the messages for the user."""
    written = set(landed)
    kept = [r for r in records if r.verdict is not Verdict.VERIFIED or r.fix.path in written]
    report = library.learn(run_id, kept, budget)  # each record carries its base
    for record in kept:
        owner = pattern_id_of(record.fix.source)
        if owner is not None:
            history.event(run_id, "pattern_reuse", record.verdict.value,
                          tool=record.fix.source, parameters={"pattern": owner[0],
                                                              "rule": record.fix.rule,
                                                              "path": record.fix.path})
    for pattern_id in report.created:
        history.event(run_id, "pattern_learned", "created", tool=f"pattern:{pattern_id}")
    for pattern_id in report.retired:
        history.event(run_id, "pattern_retired", "retired", tool=f"pattern:{pattern_id}")
    messages = []
    if report.created:
        messages.append(f"learned {counted(len(report.created), 'new pattern')} in .heal/patterns/ "
                        "(commit them with your code)")
    if report.unlearned:
        messages.append(f"learning stops after {budget:.0f}s a run: {report.unlearned} verified "
                        "fixes were not generalised into patterns this time")
        history.event(run_id, "learning_budget", "spent", tool="patterns",
                      parameters={"unlearned": report.unlearned, "budget_s": budget})
    return messages

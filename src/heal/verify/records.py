"""The verdicts of one run: a record per judged fix, and what the engine will not try again."""

from __future__ import annotations

from dataclasses import dataclass, field

from heal.model import Declined, Fix, Safety, Verdict

# reasons of the analyzer check, which `Engine.retry_rejected` gives one more chance
NEW_FINDINGS = "the fix brings new findings"
STILL_THERE = "the finding is still there after the fix"


@dataclass
class FixRecord:
    fix: Fix
    verdict: Verdict
    reason: str
    diff: str
    round: int
    failing_tests: tuple[str, ...] = ()
    output: str = ""
    evidence: str = ""
    covering_tests: tuple[str, ...] = ()
    base: str | None = field(default=None, repr=False)  # the text the fix's edits apply to

    @property
    def landable(self) -> bool:
        """A fix that lands when its file can be written: verified, or safe and labelled
        unverified (--no-verify). Whether it did is the landing's answer (`HealResult`)."""
        return self.verdict is Verdict.VERIFIED or (self.verdict is Verdict.UNVERIFIED
                                                    and self.fix.safety is Safety.SAFE)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.fix.id, "fingerprints": list(self.fix.fingerprints), "rule": self.fix.rule,
            "category": self.fix.category.value, "priority": self.fix.priority.value,
            "path": self.fix.path, "line": self.fix.line, "source": self.fix.source,
            "safety": self.fix.safety.value, "verdict": self.verdict.value,
            "reason": self.reason, "diff": self.diff, "failing_tests": list(self.failing_tests),
            "evidence": self.evidence, "covering_tests": list(self.covering_tests),
        }


@dataclass
class Ledger:
    """Every record of a run, with the fingerprints the engine gave up on, those it judged a
    second time, those it sends to review instead of landing, and the fixes it declined."""

    records: list[FixRecord] = field(default_factory=list)
    declined: dict[str, Declined] = field(default_factory=dict)
    given_up: set[str] = field(default_factory=set)
    retried: set[str] = field(default_factory=set)  # judged again once, by retry_rejected
    deferred: dict[str, str] = field(default_factory=dict)  # fingerprint -> why review instead
    left: set[str] = field(default_factory=set)  # not this run's: the hook's unchanged lines

    @property
    def settled(self) -> set[str]:
        """The fingerprints the planner is not asked about again: given up on, or not this
        run's (`left`)."""
        return self.given_up | self.left

    def add(self, entry: FixRecord) -> None:
        fingerprints = set(entry.fix.fingerprints)
        if self.retried & fingerprints:  # judged again: the new verdict stands
            self.records = [r for r in self.records if not (
                r.verdict is Verdict.REJECTED and set(r.fix.fingerprints) & fingerprints)]
        self.records.append(entry)
        if entry.verdict is Verdict.REJECTED:
            self.given_up.update(entry.fix.fingerprints)

    def decline(self, fix: Fix, reason: str) -> None:
        """The engine, not the fixer, says no: shown with the fixers' reasons, asked no more."""
        for key in fix.fingerprints:
            self.declined.setdefault(key, Declined(key, fix.rule, fix.path, fix.line,
                                                   fix.source, reason))
        self.given_up.update(fix.fingerprints)

    def note_declined(self, declined: list[Declined]) -> None:
        for entry in declined:
            self.declined.setdefault(entry.fingerprint, entry)

    def by_verdict(self, verdict: Verdict) -> list[FixRecord]:
        return [r for r in self.records if r.verdict is verdict]

    def retry_candidates(self) -> set[str]:
        """Fingerprints the analyzers turned down before a later fix was verified: their verdict
        depended on the rest of their batch (see `Engine.retry_rejected`)."""
        again: set[str] = set()
        later_change = False
        for entry in reversed(self.records):
            if entry.verdict in (Verdict.VERIFIED, Verdict.UNVERIFIED):
                later_change = True
            elif later_change and entry.verdict is Verdict.REJECTED and \
                    entry.reason.startswith((NEW_FINDINGS, STILL_THERE)):
                again.update(fp for fp in entry.fix.fingerprints if fp not in self.retried)
        return again

    def restart(self) -> None:
        """Forget every verdict but the fixer bugs (verification starts again from scratch)."""
        self.records = [r for r in self.records if r.verdict is Verdict.REJECTED
                        and r.reason.startswith("fixer bug")]
        self.given_up = {fp for r in self.records for fp in r.fix.fingerprints}
        self.retried.clear()
        self.deferred.clear()

"""The analyzers' re-check of a batch: each fix must remove its finding and bring nothing new
that heal cannot fix.

The analyzers run again in the primary worktree on the files the batch touched. A fix whose
finding is still there is turned down; findings that appear and that no fixer of the next round
would mend are attributed to their fixes by bisection, with the analyzers as the check.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from heal.analyze import analyze, merge
from heal.clock import Clock
from heal.config import Config
from heal.discover import discover
from heal.model import Finding, Fix
from heal.plan import Planner
from heal.soundness import unstable
from heal.verify import bisect
from heal.verify.suite import Suite

Keys = set[tuple[str, str]]
NOT_IDEMPOTENT = "not idempotent: asked again on its own output, the fixer changes it again"


def keys(findings: Iterable[Finding]) -> Keys:
    return {(f.rule, f.fingerprint) for f in findings}


def paths_of(fixes: Iterable[Fix]) -> set[str]:
    """Every file the fixes edit: their own, and the other files a project-wide rename edits."""
    return {path for fix in fixes for path in fix.paths}


def fixable(finding: Finding, config: Config) -> bool:
    return finding.fixable == "safe" or (finding.fixable == "unsafe" and config.unsafe_fixes)


class Recheck:
    def __init__(self, suite: Suite, config: Config, state_dir: Path, python: str,
                 planner: Planner, secrets: set[str], clock: Clock) -> None:
        self.suite = suite
        self.config = config
        self.state_dir = state_dir
        self.python = python
        self.planner = planner
        self.secrets = secrets  # what the analyzers flag as secrets: grows with each re-check
        self.clock = clock

    def rescan(self, texts: Mapping[str, str], paths: Iterable[str]) -> list[Finding]:
        with self.clock.phase("recheck"):
            return self._rescan(texts, paths)

    def _rescan(self, texts: Mapping[str, str], paths: Iterable[str]) -> list[Finding]:
        tree = self.suite.materialized(texts)
        found = discover(tree.path, sorted(set(paths)), self.config)
        results, _ = analyze(tree.path, found.files, self.config, self.state_dir, self.python)
        for result in results:
            self.secrets |= result.secrets
        return merge(results, found, self.config)

    @staticmethod
    def ineffective(fixes: Sequence[Fix], before: Sequence[Finding],
                    after: Sequence[Finding]) -> list[Fix]:
        """Fixes whose finding is still there. Identical nodes in one file share a group, and
        fixing one of two renumbers the other, so groups are counted, not fingerprints matched."""
        group_of = {f.fingerprint: f.group or f.fingerprint for f in before}
        touched = {fix.path for fix in fixes}
        count_before = Counter(f.group or f.fingerprint for f in before if f.path in touched)
        count_after = Counter(f.group or f.fingerprint for f in after if f.path in touched)
        by_group: dict[str, list[Fix]] = defaultdict(list)
        for fix in fixes:
            for fp in fix.fingerprints:
                by_group[group_of.get(fp, fp)].append(fix)
        stuck: list[Fix] = []
        for group, group_fixes in by_group.items():
            if count_after[group] >= count_before[group]:
                stuck += [f for f in group_fixes if f not in stuck]
        return stuck

    def new_unfixable(self, before: Sequence[Finding], after: Sequence[Finding],
                      paths: set[str], everything: Mapping[str, str], skip: set[str]) -> Keys:
        """Findings the fixes (giving the texts `everything`) brought that heal cannot fix. A
        finding whose node the fix edited has a new fingerprint but is no new problem (bandit's
        B101 on an `assert` a rename passed through): per file, rule and message, only a rise in
        the count is new."""
        known = keys(before)
        had = Counter((f.path, f.rule, f.message) for f in before if f.path in paths)
        has = Counter((f.path, f.rule, f.message) for f in after if f.path in paths)
        new = [f for f in after
               if f.path in paths and (f.rule, f.fingerprint) not in known
               and has[(f.path, f.rule, f.message)] > had[(f.path, f.rule, f.message)]]
        return keys(self.unfixable(new, everything, skip))

    def unfixable(self, findings: list[Finding], everything: Mapping[str, str],
                  skip: set[str]) -> list[Finding]:
        """Of findings a fix brought, those the next round would not fix: no fixer of their
        rule lands on its own, or one does and declines this case (`x: int = None` made
        `x: int | None = None` can bring an [assignment] error on another line that the
        implicit-Optional fixer does not mend). Left in, the run would end with more findings
        than it started with."""
        maybe = [f for f in findings if fixable(f, self.config)]
        if not maybe:
            return findings
        with self.clock.phase("plan"):
            plan = self.planner.plan(maybe, everything, skip=skip)
        fixed = {fp for fix in [*plan.fixes, *plan.waiting] for fp in fix.fingerprints}
        return [f for f in findings if f.fingerprint not in fixed]

    def attribute(self, fixes: list[Fix], bad_keys: Keys,
                  texts: Callable[[Sequence[Fix]], dict[str, str]]) -> list[Fix]:
        """Which fixes bring in the new findings: bisect with the analyzers as the check."""
        def check(candidates: Sequence[tuple[Sequence[Fix], Sequence[Fix]]]) -> list[bool]:
            answers = []
            for base, subset in candidates:
                group = [*base, *subset]
                paths = paths_of(group)
                after = self.rescan(texts(group), paths) if paths else []
                answers.append(not (keys(after) & bad_keys))
            return answers
        return bisect.verify(fixes, check).culprits

    def unstable(self, kept: Sequence[Fix], batch: Sequence[Fix], before: Sequence[Finding],
                 after: Sequence[Finding], texts: Mapping[str, str],
                 current: Callable[[str], str]) -> list[Fix]:
        """Of the kept fixes, those whose fixer, asked again on the batch's output, changes what
        it wrote (the batch's fixes of each file were applied together to give `texts`). Only a
        file the batch edits with one fix can tell: with two, a finding the other one brought
        (UP006 turning `List` into `list` leaves `from typing import List` unused) would be
        blamed on the fix whose lines it starts in."""
        with self.clock.phase("plan"):  # fixers asked again on their output: fix checks
            return self._unstable(kept, batch, before, after, texts, current)

    def _unstable(self, kept: Sequence[Fix], batch: Sequence[Fix], before: Sequence[Finding],
                  after: Sequence[Finding], texts: Mapping[str, str],
                  current: Callable[[str], str]) -> list[Fix]:
        found: list[Fix] = []
        for path in sorted({fix.path for fix in kept if not fix.also}):
            together = [f for f in batch if path in f.paths]
            if len(together) != 1 or together[0] not in kept:  # with two, what the other one
                continue  # did would count as this one's doing
            found += unstable(together, current(path), [f for f in before if f.path == path],
                              texts[path], [f for f in after if f.path == path], self.config)
        return found


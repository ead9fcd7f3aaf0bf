"""The analyzers' re-check of a batch: each fix must remove its finding and bring nothing new
that heal cannot fix.

The analyzers run again in the primary worktree on the files the batch touched. A fix whose
finding is still there is turned down. Findings that match none from before (`attribute.py`)
and that no fixer of the next round would mend are blamed on the fix whose lines they lie on,
or else on the suspects that bring them when re-checked apart (bisection, with the analyzers as
the check); the other fixes of the batch are not blamed for them.
"""

from __future__ import annotations

import dataclasses
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
from heal.verify import attribute, bisect
from heal.verify.suite import Suite

NOT_IDEMPOTENT = "not idempotent: asked again on its own output, the fixer changes it again"


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
        self.count = 0  # re-checks made: the run's summary reports them

    def rescan(self, texts: Mapping[str, str], paths: Iterable[str],
               tools: tuple[str, ...] | None = None) -> list[Finding]:
        """The findings of `paths` in `texts`: every analyzer's, or these `tools`' only."""
        with self.clock.phase("recheck"):
            return self._rescan(texts, paths, tools)

    def rescan_from(self, before: Sequence[Finding], old: Callable[[str], str],
                    texts: Mapping[str, str], paths: Iterable[str],
                    tools: tuple[str, ...] | None = None) -> list[Finding]:
        """The findings of `paths` in `texts`, made from the old texts `old(path)` that gave
        `before`: a finding that is one of those, moved, keeps its fingerprint
        (`attribute.keep_identity`), so a round remembers a finding as the one before it did."""
        paths = sorted(set(paths))
        after = self.rescan(texts, paths, tools)
        return attribute.keep_identity(
            before, after, attribute.line_maps({p: old(p) for p in paths}, texts, paths))

    def _rescan(self, texts: Mapping[str, str], paths: Iterable[str],
                tools: tuple[str, ...] | None) -> list[Finding]:
        self.count += 1
        config = self.config if tools is None else dataclasses.replace(self.config,
                                                                       analyzers=tools)
        tree = self.suite.materialized(texts)
        found = discover(tree.path, sorted(set(paths)), config)
        results, _ = analyze(tree.path, found.files, config, self.state_dir, self.python)
        for result in results:
            self.secrets |= result.secrets
        return merge(results, found, config)

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

    def brought(self, before: Sequence[Finding], after: Sequence[Finding],
                old: Callable[[str], str], texts: Mapping[str, str], paths: set[str],
                everything: Mapping[str, str], skip: set[str]) -> list[Finding]:
        """Findings the fixes (giving `texts` from the old texts `old(path)`) brought that heal
        cannot fix: those that match no finding from before (`attribute.new_findings`)."""
        maps = attribute.line_maps({p: old(p) for p in paths}, texts, paths)
        return self.unfixable(attribute.new_findings(before, after, maps), everything, skip)

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

    def blame(self, fixes: Sequence[Fix], brought: Sequence[Finding],
              before: Sequence[Finding], old: Callable[[str], str],
              texts: Callable[[Sequence[Fix]], dict[str, str]]) -> dict[Fix, list[Finding]]:
        """Which fix brought each finding in `brought` (the batch `fixes` gave `texts(fixes)`):
        the one whose lines it lies on, or else the suspects that bring it when re-checked
        apart from the rest of the batch, bisected with the analyzers as the check; the fixes
        that edit the signature of the function a finding lies in are each re-checked alone
        first, all at once, when that makes three groups or more (`attribute.in_bodies`)."""
        whole = texts(fixes)
        olds = {p: old(p) for p in paths_of(fixes)}
        maps = attribute.line_maps(olds, whole, paths_of(fixes))
        blamed, rest = attribute.by_location(brought, fixes, maps)
        if not rest:
            return blamed
        owners = set(attribute.in_bodies(rest, fixes, olds, maps))
        targets = {attribute.shape(f) for f in rest}
        suspects = [fix for fix in fixes
                    if any(fix in attribute.suspects(f, fixes) for f in rest)]
        seen: dict[Fix, list[Finding]] = {}

        def check(candidates: Sequence[tuple[Sequence[Fix], Sequence[Fix]]]) -> list[bool]:
            answers = []
            for base, subset in candidates:
                group = [*base, *subset]
                paths = paths_of(group)
                group_texts = texts(group)
                after = self.rescan(group_texts, paths) if paths else []
                maps = attribute.line_maps({p: old(p) for p in paths}, group_texts, paths)
                found = [f for f in attribute.new_findings(before, after, maps)
                         if attribute.shape(f) in targets]
                if len(subset) == 1:
                    seen[subset[0]] = found
                answers.append(not found)
            return answers

        def groups(base: Sequence[Fix], failing: Sequence[Fix]) -> list[list[Fix]]:
            """Each fix whose function's body holds a finding on its own, the rest together
            (`bisect.Groups`): a culprit in each of k functions costs about k re-checks."""
            parts = [[fix] for fix in failing if fix in owners]
            others = [fix for fix in failing if fix not in owners]
            parts += [others] if others else []
            return parts if len(parts) >= 3 else []

        culprits = bisect.verify(suspects, check, groups=groups).culprits
        if not culprits and len(suspects) < len(fixes):  # brought by fixes of other files
            culprits = bisect.verify(fixes, check, groups=groups).culprits
        for fix in culprits:
            mine = seen.get(fix) or [f for f in rest if f.path in fix.paths] or list(rest)
            blamed = {**blamed, fix: [*blamed.get(fix, []), *mine]}
        return blamed

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


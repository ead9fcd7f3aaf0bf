"""Which findings a batch brought, and which fix brought each.

A finding after the batch is old when it matches one from before: by its fingerprint (the same
rule on the same node text), or else by its rule and message (numbers aside: `Line too long
(92 > 88)` is the same complaint at another length) on a line that the edit's line map traces
back to the old finding's line. A statement the fix reformatted keeps the findings it carried.

A new finding is blamed by location first: it lies on lines one fix wrote. The rest are left to
the caller, which re-checks the suspects apart (`recheck.Recheck.blame`), each fix that edits
the header of the function whose body holds one of them on its own first (`in_bodies`).
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from heal.model import Finding, Fix, fingerprint

NUMBER = re.compile(r"\d+")
SHOWN = 3  # findings named in one rejection's reason

Shape = tuple[str, str, str]  # path, rule, message with its numbers masked


def shape(finding: Finding) -> Shape:
    return finding.path, finding.rule, NUMBER.sub("#", finding.message)


@dataclass(frozen=True)
class Hunk:
    """Old lines `old_start..old_end` (1-based, inclusive; empty when old_end < old_start: an
    insertion after line old_end) became new lines `new_start..new_end`."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int

    def touches(self, first: int, last: int) -> bool:
        """Whether an edit of old lines first..last wrote this hunk."""
        low, high = (self.old_end, self.old_end + 1) if self.old_end < self.old_start else (
            self.old_start, self.old_end)
        return first <= high and last >= low


class LineMap:
    """How the lines of one file's old text became its new text."""

    def __init__(self, old: str, new: str) -> None:
        matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(),
                                          autojunk=False)
        self.hunks: list[Hunk] = []
        self.same: dict[int, int] = {}  # new line -> old line, for lines left as they were
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                for offset in range(b2 - b1):
                    self.same[b1 + offset + 1] = a1 + offset + 1
            else:
                self.hunks.append(Hunk(a1 + 1, a2, b1 + 1, b2))

    def written(self, line: int) -> Hunk | None:
        """The hunk that wrote new line `line`, or None when the line was left as it was."""
        return next((h for h in self.hunks if h.new_start <= line <= h.new_end), None)

    def origin(self, line: int) -> range:
        """The old lines new line `line` comes from: itself moved, or the lines it rewrote."""
        if line in self.same:
            return range(self.same[line], self.same[line] + 1)
        hunk = self.written(line)
        if hunk is None or hunk.old_end < hunk.old_start:
            return range(0)
        return range(hunk.old_start, hunk.old_end + 1)


def line_maps(old: Mapping[str, str], new: Mapping[str, str], paths: Iterable[str]
              ) -> dict[str, LineMap]:
    return {path: line_map(old[path], new[path]) for path in paths if path in new}


@functools.lru_cache(maxsize=256)
def line_map(old: str, new: str) -> LineMap:
    """One diff per pair of texts: the re-check that finds a batch's new findings and the blame
    that follows it ask about the same pairs."""
    return LineMap(old, new)


def new_findings(before: Sequence[Finding], after: Sequence[Finding],
                 maps: Mapping[str, LineMap]) -> list[Finding]:
    """The findings of `after` in the mapped files that match none of `before`."""
    new: list[Finding] = []
    for path, line_map in maps.items():
        new += _new_in_file([f for f in before if f.path == path],
                            [f for f in after if f.path == path], line_map)
    return new


def _new_in_file(before: list[Finding], after: list[Finding], line_map: LineMap
                 ) -> list[Finding]:
    by_print: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in before:
        by_print[(finding.rule, finding.fingerprint)].append(finding)
    unmatched: list[Finding] = []
    for finding in after:
        same = by_print.get((finding.rule, finding.fingerprint))
        if same:
            same.pop(0)
        else:
            unmatched.append(finding)
    left = [finding for group in by_print.values() for finding in group]
    new: list[Finding] = []
    for finding in unmatched:
        origin = line_map.origin(finding.span.start.line)
        match = next((old for old in left
                      if shape(old) == shape(finding) and old.span.start.line in origin), None)
        if match is None:
            new.append(finding)
        else:
            left.remove(match)
    # a finding whose node the fix edited but whose lines moved out of the map's reach (bandit's
    # B101 on an `assert` a rename passed through): per rule and message, only a rise is new
    spare = Counter(shape(old) for old in left)
    rising: list[Finding] = []
    for finding in new:
        if spare[shape(finding)] > 0:
            spare[shape(finding)] -= 1
        else:
            rising.append(finding)
    return rising


def keep_identity(before: Sequence[Finding], after: Sequence[Finding],
                  maps: Mapping[str, LineMap]) -> list[Finding]:
    """`after`, where each finding of a mapped file that is one of `before` moved by the edits
    (the same rule and node text, on a line the map traces back to the old one's line; else,
    moved out of the map's reach, the nearest such old finding not matched yet) keeps the old
    one's fingerprint, and a finding left over (one more of its node than before) gets one no
    finding of `before` has. A fingerprint counts identical nodes of a file in order, so once
    the first of three `request: Request = make()` is fixed, a fresh count would give the third
    the second's fingerprint, and what the run remembers by fingerprint (a fix turned down, a
    finding declined or sent to review) would pass to another finding."""
    def node(finding: Finding) -> tuple[str, str, str]:
        return finding.path, finding.rule, finding.group or finding.fingerprint

    olds: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)  # not matched yet
    for finding in before:
        if finding.path in maps:
            olds[node(finding)].append(finding)
    kept: dict[int, Finding] = {}
    unmatched: list[int] = []
    for index, finding in enumerate(after):
        if finding.path not in maps:
            continue
        origin = maps[finding.path].origin(finding.span.start.line)
        candidates = [old for old in olds[node(finding)] if old.span.start.line in origin]
        if not candidates:
            unmatched.append(index)
            continue
        match = min(candidates, key=lambda old: (
            old.span.start.column != finding.span.start.column, old.span.start.line))
        olds[node(finding)].remove(match)
        kept[index] = replace(finding, fingerprint=match.fingerprint)
    left: list[int] = []
    for index in unmatched:  # moved out of the map's reach (an import block sorted): the
        finding = after[index]  # same node's nearest old finding not matched yet
        line = finding.span.start.line
        nearest = min(olds[node(finding)], key=lambda old: abs(old.span.start.line - line),
                      default=None)
        if nearest is None:
            left.append(index)
            continue
        olds[node(finding)].remove(nearest)
        kept[index] = replace(finding, fingerprint=nearest.fingerprint)
    old_prints = {f.fingerprint for f in before if f.path in maps}  # matched or not
    taken = old_prints | {f.fingerprint for f in after if f.path in maps}
    for index in left:  # one more of its node than before: a fingerprint of its own
        finding = after[index]
        if finding.fingerprint not in old_prints:
            continue
        count = 1
        while (fresh := fingerprint(finding.rule, finding.path,
                                    f"{finding.group or finding.fingerprint} {count}")) in taken:
            count += 1
        taken.add(fresh)
        kept[index] = replace(finding, fingerprint=fresh)
    return [kept.get(index, finding) for index, finding in enumerate(after)]


def edited_lines(fix: Fix, path: str) -> tuple[int, int] | None:
    """The first and last old line the fix's edits of `path` touch."""
    edits = fix.edits_for(path)
    if not edits:
        return None
    first = min(edit.span.start.line for edit in edits)
    last = max(edit.span.end.line if edit.span.end.column or edit.span.end.line == edit.span.start.line
               else edit.span.end.line - 1 for edit in edits)
    return first, max(first, last)


def by_location(new: Sequence[Finding], fixes: Sequence[Fix], maps: Mapping[str, LineMap]
                ) -> tuple[dict[Fix, list[Finding]], list[Finding]]:
    """Blame each new finding that lies on lines exactly one fix wrote; (blamed, the rest)."""
    blamed: dict[Fix, list[Finding]] = defaultdict(list)
    rest: list[Finding] = []
    for finding in new:
        line_map = maps.get(finding.path)
        hunk = line_map.written(finding.span.start.line) if line_map else None
        owners = [] if hunk is None else [fix for fix in fixes if _wrote(fix, finding.path, hunk)]
        if len(owners) == 1:
            blamed[owners[0]].append(finding)
        else:
            rest.append(finding)
    return dict(blamed), rest


def _wrote(fix: Fix, path: str, hunk: Hunk) -> bool:
    lines = edited_lines(fix, path)
    return lines is not None and hunk.touches(*lines)


@functools.lru_cache(maxsize=64)
def definitions(text: str) -> tuple[tuple[int, int, int, int], ...]:
    """(first header line, last header line, first body line, last body line) of each function
    of `text` whose body starts below its `def` line; none when `ast` cannot parse it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno:
            first = node.body[0]
            body = min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))])
            if body > node.lineno:
                found.append((node.lineno, body - 1, body, node.end_lineno))
    return tuple(found)


def in_bodies(findings: Sequence[Finding], fixes: Sequence[Fix], old: Mapping[str, str],
              maps: Mapping[str, LineMap]) -> list[Fix]:
    """The fixes that edit the header (the `def` line to its body) of the innermost function
    whose body holds one of the findings, by the old text's lines: a signature made typed has
    mypy check a body it skipped before (`-> None` on a test brings [attr-defined] errors five
    lines down), and a parameter's new type is read all through the body. Suspects to re-check
    first, not culprits: the caller's re-check decides."""
    owners: dict[Fix, None] = {}  # in the order found
    for finding in findings:
        line_map = maps.get(finding.path)
        origin = line_map.origin(finding.span.start.line) if line_map else range(0)
        if not origin or finding.path not in old:
            continue
        around = [d for d in definitions(old[finding.path])
                  if d[2] <= origin[0] and origin[-1] <= d[3]]
        if not around:
            continue
        header_first, header_last, _, _ = min(around, key=lambda d: d[3] - d[2])
        for fix in fixes:
            lines = edited_lines(fix, finding.path)
            if lines is not None and lines[0] <= header_last and lines[1] >= header_first:
                owners.setdefault(fix)
    return list(owners)


def suspects(finding: Finding, fixes: Sequence[Fix]) -> list[Fix]:
    """The fixes that may have brought a finding no fix's lines hold: those editing its file."""
    return [fix for fix in fixes if finding.path in fix.paths] or list(fixes)


def describe(findings: Sequence[Finding]) -> str:
    """`ruff:E501 at pkg/words.py:3 (Line too long (92 > 88))`, for a rejection's reason."""
    named = [f"{f.rule} at {f.path}:{f.span.start.line} ({f.message})"
             for f in sorted(findings, key=lambda f: (f.path, f.span.start.line, f.rule))[:SHOWN]]
    more = len(findings) - SHOWN
    return "; ".join(named) + (f"; and {more} more" if more > 0 else "")

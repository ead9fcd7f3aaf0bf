"""Where an edit is: the region two texts differ in, and the nodes that hold it.

Steps 1 and 2 of generalising an edit (generalise.py):
  1. the changed region is what lies between the common prefix and suffix of the two texts;
  2. the edit's root is the smallest expression or statement of `before` that covers the region
     and has a counterpart of the same kind at the same place in `after` (a bare name,
     attribute or literal is widened to its parent: one level of unchanged context): `edit_roots`.

A root that is a bare name, or whose code is still there whole inside what replaced it (`str`
-> `Optional[str]`: a wrap), widens to its parent: for an annotation or a default, that is the
parameter, learned with ast-grep's `{context, selector}` (template.py), so an implicit-Optional
fix serves every signature rather than one shape of `def`.

`narrow(before, after)` first cuts the innermost statement that holds the whole change out of
both texts; `LineChange` is an edit's one change of whole lines, where a deleted statement or
comment is looked for.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst

from heal.cst import children, parsed
from heal.edits import changed_region, line_starts
from heal.model import Position, Span
from heal.patterns.locate import own_range
from heal.patterns.template import selector_of, walk
from heal.patterns.unify import shape

LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
            cst.FormattedString, cst.Ellipsis)
ATOMIC = (cst.Name, cst.Attribute, *LITERALS)


@dataclass
class Parsed:
    text: str
    module: cst.Module
    positions: Mapping[cst.CSTNode, Any]
    starts: tuple[int, ...]

    @classmethod
    def of(cls, text: str, keep: bool = True) -> Parsed:
        """`keep=False`: a text parsed for this alone (a fix's statement, cut out), not worth a
        place among the run's shared parses."""
        shared = parsed(text, keep=keep)
        return cls(text, shared.module, shared.positions, line_starts(text))

    def offsets(self, node: cst.CSTNode) -> tuple[int, int]:
        span = self.span(node)
        return (self.starts[span.start.line - 1] + span.start.column,
                self.starts[span.end.line - 1] + span.end.column)

    def span(self, node: cst.CSTNode) -> Span:
        """The node's range; a `Param`'s runs from its name over its annotation and default."""
        where = own_range(self.positions, node)
        return Span(Position(where.start.line, where.start.column),
                    Position(where.end.line, where.end.column))


def template_kind(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Param):
        return "parameter" if selector_of(node) is not None else None
    if isinstance(node, cst.BaseExpression):
        return "expression"
    if isinstance(node, cst.BaseSmallStatement):
        return "small"
    if isinstance(node, cst.BaseCompoundStatement):
        return "statement"
    return None


@dataclass(frozen=True)
class Narrowed:
    before: str
    after: str
    lines: int  # lines cut above the snippet
    indent: int  # columns cut on the left

    def span(self, span: Span) -> Span:
        """A span of the whole file in the snippet's coordinates."""
        return Span(Position(span.start.line - self.lines, max(0, span.start.column - self.indent)),
                    Position(span.end.line - self.lines, max(0, span.end.column - self.indent)))


@functools.lru_cache(maxsize=16)  # every fix of a file is learned from the same base text
def _statements(text: str) -> tuple[tuple[int, int, int, int, int], ...] | None:
    """(start offset, end offset, first line with decorators, last line, column) of every
    statement, in ast's walk order; None when `text` does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    starts = line_starts(text)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.end_lineno is None or \
                node.end_col_offset is None:
            continue
        first = _first_line(node)
        found.append((starts[node.lineno - 1] + node.col_offset,
                      starts[node.end_lineno - 1] + node.end_col_offset, first, node.end_lineno,
                      node.col_offset))
    return tuple(found)


@dataclass(frozen=True)
class _Slide:
    """Every offset in `before` a change can be placed at (it slides over what repeats on both
    sides: deleting one of two equal lines is either), how much of `before` it replaces and
    how much it adds, and the text's top-level statements (`_top_level`)."""

    offsets: range
    removed: int
    added: int
    body: tuple[tuple[int, int], ...]


@functools.lru_cache(maxsize=4)  # narrow, the covering-pattern check and generalise ask it
def _slide(before: str, after: str) -> _Slide | None:
    """The change from `before` to `after` placed (`_Slide`); None when `before` does not
    parse or the change slides over too much to look at."""
    body = _top_level(before)
    start, end, end_after = changed_region(before, after)
    removed, added = end - start, end_after - start
    first = start  # slid left as far as both texts allow
    while first > 0 and before[first - 1] == before[first - 1 + removed] and \
            after[first - 1] == after[first - 1 + added]:
        first -= 1
    last = start  # and right
    limit = min(len(before) - removed, len(after) - added)
    while last < limit and before[last] == before[last + removed] and \
            after[last] == after[last + added]:
        last += 1
    if body is None or last - first > 10_000:
        return None
    return _Slide(range(first, last + 1), removed, added, body)


@functools.lru_cache(maxsize=4)  # the covering-pattern check and generalise ask of one text
def _top_level(text: str) -> tuple[tuple[int, int], ...] | None:
    """(offset of its first line, decorators included; offset where its code ends) of every
    top-level statement; None when `text` does not parse."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError):
        return None
    starts = line_starts(text)
    return tuple((starts[_first_line(node) - 1],
                  starts[(node.end_lineno or node.lineno) - 1] + (node.end_col_offset or 0))
                 for node in body)


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def across_statements(before: str, after: str) -> bool:
    """True when no placement of the change from `before` to `after` lies within one top-level
    statement's lines (from its first line, decorators included, to the next statement's first
    line) or within the lines above the first statement: then no node but the module holds it
    (a statement's node holds its own code, a comment its line), and no rewrite of one node,
    nor the deletion of one statement's line, makes it (an import block sorted, a compiled
    regex hoisted to the top of the module). Told by `ast`, without libcst's parse and
    positions of the whole file."""
    slide = _slide(before, after)
    if slide is None:
        return False
    bounds = sorted({0, len(before), *(first for first, _ in slide.body)})
    for at in slide.offsets:
        cell = bisect.bisect_right(bounds, at) - 1  # the cell `at` is in (or starts)
        if at + slide.removed <= bounds[min(cell + 1, len(bounds) - 1)]:
            return False
    return True


def between_statements(before: str, after: str) -> bool:
    """True when no placement of the change lies within one top-level statement's code (from
    its first line to where its code ends: a statement's libcst node ends there, before a
    trailing comment and the newline): no statement's node holds it, so `edit_roots` finds no root (a
    blank line removed between two import groups)."""
    slide = _slide(before, after)
    return slide is not None and not any(lo <= at and at + slide.removed <= hi
                                         for at in slide.offsets for lo, hi in slide.body)


@functools.lru_cache(maxsize=4)  # learning asks about a fix before it generalises it
def narrow(before: str, after: str) -> Narrowed:
    """The innermost statement that holds the whole change, cut out of both texts and
    dedented (parsing a 3,000-line file with positions for a one-line edit costs seconds);
    the whole texts when no statement can be cut out cleanly."""
    whole = Narrowed(before, after, 0, 0)
    start, end_before, end_after = changed_region(before, after)
    statements = _statements(before)
    if statements is None:
        return whole
    best: tuple[int, int, int, int] | None = None  # (size, first line, last line, column)
    for lo, hi, first, last, column in statements:
        if lo <= start and end_before <= hi and (best is None or hi - lo < best[0]):
            best = (hi - lo, first, last, column)
    if best is None:
        return _around_deletion(before, after) or whole
    _, first, last, column = best
    old_lines = before.splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    extra = len(new_lines) - len(old_lines)
    if old_lines[:first - 1] != new_lines[:first - 1] or \
            old_lines[last:] != new_lines[last + extra:]:
        return whole
    chunks = []
    prefix = old_lines[first - 1][:column] if first - 1 < len(old_lines) else ""
    if prefix.strip():
        return whole
    for lines in (old_lines[first - 1:last], new_lines[first - 1:last + extra]):
        if any(line.strip() and not line.startswith(prefix) for line in lines):
            return whole
        chunks.append("".join(line[column:] if line.strip() else line.lstrip(" \t")
                              for line in lines))
    del end_after
    return Narrowed(chunks[0], chunks[1], first - 1, column)


def _around_deletion(before: str, after: str) -> Narrowed | None:
    """A deletion no statement holds (a top-level import removed, line and all): the top-level
    statements every place it can slide to lies in, and one more on each side, cut out of both
    texts. No node but one of theirs, or their module, holds it, so what is learned from the
    cut is what is learned from the file, at the cost of parsing a few statements rather than
    the whole file with positions. None for any other change, or a text `ast` cannot parse."""
    slide = _slide(before, after)
    if slide is None or slide.added or not slide.removed or not slide.body:
        return None
    offsets, removed = slide.offsets, slide.removed
    bounds = [first for first, _ in slide.body]  # each one's first line, decorators included
    first_cell = bisect.bisect_right(bounds, offsets[0]) - 1  # -1: above the first statement
    last_cell = bisect.bisect_right(bounds, offsets[-1] + removed - 1) - 1
    lo = bounds[first_cell - 1] if first_cell >= 1 else 0
    hi = bounds[last_cell + 2] if last_cell + 2 < len(bounds) else len(before)
    if before[:lo] != after[:lo] or before[hi:] != after[hi - removed:]:
        return None
    return Narrowed(before[lo:hi], after[lo:hi - removed], before.count("\n", 0, lo), 0)


def _path_to(parsed: Parsed, start: int, end: int) -> list[cst.CSTNode]:
    path: list[cst.CSTNode] = []
    node: cst.CSTNode = parsed.module
    while True:
        path.append(node)
        inner = None
        for child in children(node):
            if child not in parsed.positions:
                continue
            lo, hi = parsed.offsets(child)  # a Param's reaches over its annotation and default
            if lo <= start and end <= hi:
                inner = child
                break
        if inner is None:
            return path
        node = inner


def edit_roots(before: Parsed, after: Parsed) -> tuple[cst.CSTNode, cst.CSTNode] | None:
    start, end_before, end_after = changed_region(before.text, after.text)
    if start == end_before == end_after:
        return None
    delta = len(after.text) - len(before.text)
    by_range: dict[tuple[int, int], list[cst.CSTNode]] = defaultdict(list)
    for node in after.positions:
        if template_kind(node) is not None:
            by_range[after.offsets(node)].append(node)
    path = _path_to(before, start, end_before)
    for index in range(len(path) - 1, -1, -1):
        node = path[index]
        kind = template_kind(node)
        if kind is None or isinstance(node, cst.Module):
            continue
        if kind == "parameter" and not isinstance(path[index - 2], cst.FunctionDef):
            continue  # a lambda's: no `def` context selects it
        lo, hi = before.offsets(node)
        if hi + delta < end_after or lo > start:
            continue
        twins = [n for n in by_range.get((lo, hi + delta), []) if template_kind(n) == kind]
        if not twins:
            continue
        same = [n for n in twins if type(n) is type(node)]
        twin = (same or twins)[0]
        if (isinstance(node, ATOMIC) or _wraps(twin, node)) and \
                _parent_unit(path, node) is not None:
            # widen to the parent: one level of unchanged context (what was there is still
            # there, wrapped: `str` -> `Optional[str]` says nothing without `x: ... = None`)
            continue
        return node, twin
    return None


def _wraps(after: cst.CSTNode, before: cst.CSTNode) -> bool:
    """True when `after` holds all of `before`, unchanged, below its top (`f(x)` in `g(f(x))`)."""
    key = shape(before)
    return any(shape(node) == key for node in walk(after) if node is not after)


def _parent_unit(path: list[cst.CSTNode], node: cst.CSTNode) -> cst.CSTNode | None:
    index = next(i for i, n in enumerate(path) if n is node)
    for parent in reversed(path[:index]):
        if isinstance(parent, cst.Module):
            return None
        if template_kind(parent) is not None:
            return parent
    return None


@dataclass(frozen=True)
class LineChange:
    """The lines of an edit's two texts and difflib's one opcode between them (None when more
    than one part changed): where a deleted statement or comment is looked for."""

    after: str
    old: list[str]
    new: list[str]
    change: tuple[str, int, int, int, int] | None

    @classmethod
    def of(cls, before: str, after: str) -> LineChange:
        old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
        changes = [op for op in difflib.SequenceMatcher(a=old, b=new, autojunk=False)
                   .get_opcodes() if op[0] != "equal"]
        return cls(after, old, new, changes[0] if len(changes) == 1 else None)

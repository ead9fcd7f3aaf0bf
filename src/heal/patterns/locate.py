"""Where a finding points: the nodes a pattern is tried at.

`candidates(context, span)`: the innermost node covering the span when it is exactly the span,
the nodes inside the span (outermost first), then the covering nodes from the innermost out to
the enclosing statement (included), then the comments the span touches (`comments_at`: a
`# noqa` a finding points at). A finding inside a function's body also offers the function
itself, last (mypy's annotation-unchecked note points at a statement; its fix annotates the
`def`).

`own_range(positions, node)` is a node's range as patterns see it (a `Param` reaches over its
annotation and default); `parent_of(context, node)` reads the parents `candidates` saw on its
way down before it asks libcst.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange

from heal.cst import children
from heal.fixer import ModuleContext
from heal.model import Span


def line_column(position: Any) -> tuple[int, int]:
    return (position.line, position.column)


_BODIES: dict[int, tuple[cst.Module, list[tuple[int, int]]]] = {}
_PARENTS: dict[int, dict[int, cst.CSTNode]] = {}  # context -> node -> parent, seen by candidates


def _kids(context: ModuleContext, node: cst.CSTNode, start: tuple[int, int]
          ) -> Sequence[cst.CSTNode]:
    """The children that may cover `start`; for a module, found by bisection (libcst's
    `children` of a module walks the whole file)."""
    if isinstance(node, cst.Module):
        held = _BODIES.get(id(context))
        if held is None or held[0] is not node:
            keys = [line_column(context.positions[s].start) if s in context.positions else (0, 0)
                    for s in node.body]
            if len(_BODIES) > 64:
                _BODIES.clear()
            held = (node, keys)
            _BODIES[id(context)] = held
        index = bisect.bisect_right(held[1], start) - 1
        return node.body[max(index, 0):index + 1] if index >= 0 else ()
    if isinstance(node, cst.IndentedBlock):
        return node.body
    return children(node)


def own_range(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode) -> CodeRange:
    """A node's range: its position, or for a `Param` (which libcst places at its name only)
    its name through its annotation and default, not the comma after it."""
    where = positions[node]
    if not isinstance(node, cst.Param):
        return where
    parts = [positions[part] for part in (node.annotation, node.default) if part is not None]
    end = max((part.end for part in parts), key=line_column, default=where.end)
    return CodeRange(where.start, end)


def extent_of(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode
              ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """`own_range` as ((line, column), (line, column)); None for a node without a position."""
    if node not in positions:
        return None
    where = own_range(positions, node)
    return line_column(where.start), line_column(where.end)


def candidates(context: ModuleContext, span: Span, limit: int = 64) -> list[cst.CSTNode]:
    """Nodes to try for a finding: the innermost node covering the span when it is exactly the
    span, the nodes inside the span (outermost first), then the covering nodes from the
    innermost out to the enclosing statement (included)."""
    positions = context.positions
    start, end = (span.start.line, span.start.column), (span.end.line, span.end.column)
    path: list[cst.CSTNode] = []
    node: cst.CSTNode = context.module
    while True:
        path.append(node)
        inner = None
        for child in _kids(context, node, start):
            extent = extent_of(context.positions, child)
            if extent is None:
                continue
            if extent[0] <= start and end <= extent[1]:
                inner = child
                break
        if inner is None:
            break
        node = inner
    parents = _PARENTS.setdefault(id(context), {})
    if len(_PARENTS) > 64:
        _PARENTS.clear()
        parents = _PARENTS.setdefault(id(context), {})
    for outer, inner_node in itertools.pairwise(path):
        parents[id(inner_node)] = outer
    chain: list[cst.CSTNode] = []
    for covering in reversed(path):
        if isinstance(covering, cst.Module):
            break
        chain.append(covering)
        if isinstance(covering, cst.BaseStatement):
            break
    # a finding in a function's body may be about the function (mypy's annotation-unchecked
    # note points at a statement; its fix is `-> None` on the `def`): that `def` comes last
    function = next((n for n in reversed(path) if isinstance(n, cst.FunctionDef)), None)
    if function is not None and all(n is not function for n in chain):
        chain.append(function)
    inside: list[cst.CSTNode] = []
    if start < end and path:
        queue = list(children(path[-1]))
        for child in queue:
            parents[id(child)] = path[-1]
        while queue and len(inside) < limit:
            child = queue.pop(0)
            extent = extent_of(context.positions, child)
            if extent is None:
                continue
            if start <= extent[0] and extent[1] <= end:
                inside.append(child)
            if extent[0] < end and start < extent[1]:
                grandchildren = children(child)
                for grandchild in grandchildren:
                    parents[id(grandchild)] = child
                queue.extend(grandchildren)
    exact = [n for n in chain[:1] if (line_column(positions[n].start), line_column(positions[n].end))
             == (start, end)]
    ordered: list[cst.CSTNode] = []
    seen: set[int] = set()
    for candidate in [*exact, *inside, *chain, *comments_at(context, span)]:
        if id(candidate) not in seen:
            seen.add(id(candidate))
            ordered.append(candidate)
    return ordered


def comments_at(context: ModuleContext, span: Span) -> list[cst.Comment]:
    """The comments on the span's first line that the span touches (a `# noqa` a finding
    points at)."""
    start, end = (span.start.line, span.start.column), (span.end.line, span.end.column)
    return [comment for comment in context.comments_on(span.start.line)
            if (extent := extent_of(context.positions, comment)) is not None
            and extent[0] <= end and start <= extent[1]]


def parent_of(context: ModuleContext, node: cst.CSTNode) -> cst.CSTNode | None:
    """A node's parent: from the paths `candidates` walked down, else libcst's metadata."""
    parent = _PARENTS.get(id(context), {}).get(id(node))
    return parent if parent is not None else context.parent(node)

"""Node positions the way libcst's `PositionProvider` gives them, at about the cost of printing
the module once.

libcst's provider counts lines in every token it prints and builds two `CodePosition`s and a
`CodeRange` for every node of the module, which costs ten times the printing itself. Here the
printer only adds up token lengths; a node's start and end are recorded as character offsets,
for every node or only for the nodes asked about (and the children their syntactic range is
taken from), and turned into lines and columns when read. The ranges are the provider's own:
the same syntactic start and end, the same hoisting from a child (`start_node`, `end_node`),
the same columns after a newline (tests/test_positions.py compares every node of a sample of
heal's own files and of odd snippets).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")  # what libcst counts as a line break


@dataclass
class _Printer(CodegenState):
    """A codegen state that adds up offsets; `wanted` None records every node."""

    wanted: set[cst.CSTNode] | None = None
    offset: int = 0
    found: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.starts.pop()
        if (self.wanted is None or node in self.wanted) and node not in self.found:
            self.found[node] = (start, self.offset)

    def pop_trailing_newline(self) -> None:
        """Kept: offsets are read against everything printed, as libcst's provider counts."""

    @contextmanager
    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> Iterator[None]:
        if self.wanted is not None:
            if node not in self.wanted:
                yield
                return
            # the range is taken from these children: they are printed inside this block
            self.wanted.update(n for n in (start_node, end_node) if n is not None)
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.found[start_node][0]
            if end_node is not None:
                end = self.found[end_node][1]
            self.found[node] = (start, end)


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """Node -> `CodeRange`, made on reading from the recorded offsets."""

    def __init__(self, found: dict[cst.CSTNode, tuple[int, int]], printed: str) -> None:
        self._found = found
        self._lines = [0, *(match.end() for match in _NEWLINE.finditer(printed))]
        self._points: dict[int, CodePosition] = {}  # nested nodes share their offsets
        self._ranges: dict[cst.CSTNode, CodeRange] = {}

    def _position(self, offset: int) -> CodePosition:
        point = self._points.get(offset)
        if point is None:
            index = bisect_right(self._lines, offset) - 1
            point = self._points[offset] = CodePosition(index + 1, offset - self._lines[index])
        return point

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        found = self._ranges.get(node)
        if found is None:
            start, end = self._found[node]
            found = self._ranges[node] = CodeRange(self._position(start), self._position(end))
        return found

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._found)

    def ranges(self) -> Iterator[tuple[cst.CSTNode, tuple[int, int, int, int]]]:
        """(node, (start line, column, end line, column)) of every node, in the order they
        were recorded: what `items()` gives, without a `CodeRange` made for each node."""
        lines = self._lines
        for node, (start, end) in self._found.items():
            first, last = bisect_right(lines, start), bisect_right(lines, end)
            yield node, (first, start - lines[first - 1], last, end - lines[last - 1])

    def __len__(self) -> int:
        return len(self._found)


def positions(module: cst.Module, nodes: Collection[cst.CSTNode] | None = None) -> Positions:
    """The range of every node of `module` (`nodes` None), or of these nodes only."""
    printer = _Printer(default_indent=module.default_indent,
                       default_newline=module.default_newline,
                       wanted=None if nodes is None else set(nodes))
    module._codegen(printer)
    return Positions(printer.found, "".join(printer.tokens))

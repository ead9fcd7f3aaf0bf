"""The shape of a native detector: one libcst visitor per rule, batched over each module.

A detector declares its `CODE` (PERF1xx performance, LOG1xx logic), `NAME`, `CATEGORY`,
`PRIORITY`, a default `MESSAGE`, and `VALID` / `INVALID` cases; its docstring carries the
headings What it does / Why is this bad? / Example / Fix safety. It visits with
`libcst.BatchableCSTVisitor` so every detector shares one traversal of each file, and calls
`self.report(node)` for each problem. Helpers here answer the questions most rules ask:
am I inside a loop, which function am I in, what source text is this node.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst
from libcst.metadata import ParentNodeProvider, PositionProvider, ProviderT

from heal.cases import Invalid, Valid
from heal.model import Category, Priority, Span

LOOPS = (cst.For, cst.While)
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)

_EMPTY_MODULE = cst.Module(body=[])


@dataclass(frozen=True)
class Report:
    code: str
    span: Span
    message: str


class Detector(cst.BatchableCSTVisitor):
    CODE: ClassVar[str]
    NAME: ClassVar[str]
    CATEGORY: ClassVar[Category]
    PRIORITY: ClassVar[Priority] = Priority.P2
    MESSAGE: ClassVar[str]
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []
    METADATA_DEPENDENCIES: ClassVar[tuple[ProviderT, ...]] = (PositionProvider, ParentNodeProvider)

    def __init__(self, module: cst.Module) -> None:
        super().__init__()
        self.module = module
        self.reports: list[Report] = []

    # -- reporting ---------------------------------------------------------------------------
    def report(self, node: cst.CSTNode, message: str | None = None) -> None:
        where = self.get_metadata(PositionProvider, node)
        span = Span.of(where.start.line, where.start.column, where.end.line, where.end.column)
        self.reports.append(Report(self.CODE, span, message or self.MESSAGE))

    # -- questions rules ask -----------------------------------------------------------------
    def code_of(self, node: cst.CSTNode) -> str:
        """Source text of a node (as written, comments and all)."""
        return self.module.code_for_node(node)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        try:
            return self.get_metadata(ParentNodeProvider, node)
        except KeyError:
            return None

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def enclosing_loop(self, node: cst.CSTNode, comprehensions: bool = False) -> cst.CSTNode | None:
        """The nearest loop around `node` within its function (a loop's iterable and a `for`
        target are evaluated once, so they do not count as inside it)."""
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, SCOPES):
                return None
            if isinstance(ancestor, cst.For) and child is ancestor.body:
                return ancestor
            if isinstance(ancestor, cst.While) and child in (ancestor.body, ancestor.test):
                return ancestor
            if comprehensions and isinstance(ancestor, COMPREHENSIONS):
                return ancestor
            child = ancestor
        return None

    def enclosing_scope(self, node: cst.CSTNode) -> cst.CSTNode:
        """The function, lambda or class around `node`, else the module."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, SCOPES):
                return ancestor
        return self.module


def same_code(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """True when two nodes are written the same way, whitespace and comments aside."""
    return a.deep_equals(b) or _normalised(a) == _normalised(b)


def _normalised(node: cst.CSTNode) -> str:
    return " ".join(_EMPTY_MODULE.code_for_node(node).split())


def dotted_name(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for Name/Attribute chains, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted_name(node.value)
        return f"{inner}.{node.attr.value}" if inner else None
    return None


def call_name(node: cst.Call) -> str | None:
    return dotted_name(node.func)

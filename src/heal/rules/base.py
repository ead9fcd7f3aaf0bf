"""The shape of one of heal's own rules: a detector, and the fixer beside it when it has one.

A detector declares its `CODE` (PERF1xx performance, LOG1xx logic), `NAME`, `CATEGORY`,
`PRIORITY`, a default `MESSAGE`, and `VALID` / `INVALID` cases; its docstring carries the
headings What it does / Why is this bad? / Example / Fix safety, the fix included. It visits
with `libcst.BatchableCSTVisitor` so every detector shares one traversal of each file, and
calls `self.report(node)` for each problem. Helpers here answer the questions most rules ask:
am I inside a loop, which function am I in, what source text is this node.

A rule's fixer (`NativeFixer`) lives in the same file and takes the rule's code, category,
docstring and cases: a user sees one rule under one code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, ParentNodeProvider

from heal.cases import Invalid, Valid
from heal.cst import children, dotted_name
from heal.fixer import Fixer
from heal.model import Category, Priority, Span
from heal.positions import positions

LOOPS = (cst.For, cst.While)
COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)

_EMPTY_MODULE = cst.Module(body=[])


@dataclass(frozen=True)
class Report:
    code: str
    span: Span
    message: str


class ModuleIndex:
    """Parents and positions of one module's nodes, computed as cheaply as the rules allow.

    libcst's metadata providers walk the whole tree before any rule runs, which costs more than
    the rules themselves. Here parents are recorded during the one shared traversal (a node's
    parent is known as soon as the node is visited), and the full parent map and the positions
    are resolved only for a module where some rule asks for them: most modules report nothing.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.stack: list[cst.CSTNode] = []
        self._full: Mapping[cst.CSTNode, cst.CSTNode] | None = None
        self._filled: set[cst.CSTNode] = set()
        self._positions: Mapping[cst.CSTNode, CodeRange] | None = None

    def before_visit(self, node: cst.CSTNode) -> None:
        if self.stack:
            self.parents[node] = self.stack[-1]
        self.stack.append(node)

    def after_leave(self, node: cst.CSTNode) -> None:
        self.stack.pop()

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        found = self.parents.get(node)
        if found is not None or node is self.module:
            return found
        # a node the traversal has not reached yet: usually inside the node being visited, so
        # record the parents of that subtree; failing that, of the whole module
        for root in reversed(self.stack):
            if root not in self._filled:
                self._fill(root)
            found = self.parents.get(node)
            if found is not None:
                return found
        if self._full is None:
            self._full = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(
                ParentNodeProvider)
        return self._full.get(node)

    def _fill(self, root: cst.CSTNode) -> None:
        pending = [root]
        while pending:
            current = pending.pop()
            self._filled.add(current)
            for child in children(current):
                self.parents[child] = current
                pending.append(child)

    def position(self, node: cst.CSTNode) -> CodeRange:
        if self._positions is None:
            self._positions = positions(self.module)
        return self._positions[node]


class Detector(cst.BatchableCSTVisitor):
    CODE: ClassVar[str]
    NAME: ClassVar[str]
    CATEGORY: ClassVar[Category]
    PRIORITY: ClassVar[Priority] = Priority.P2
    MESSAGE: ClassVar[str]
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__()
        self.module = module
        self.index = index or ModuleIndex(module)
        self.found: list[tuple[cst.CSTNode, str]] = []

    # -- reporting ---------------------------------------------------------------------------
    def report(self, node: cst.CSTNode, message: str | None = None) -> None:
        self.found.append((node, message or self.MESSAGE))

    @property
    def reports(self) -> list[Report]:
        """The reports with their spans (positions are resolved only when there are any)."""
        out = []
        for node, message in self.found:
            where = self.index.position(node)
            span = Span.of(where.start.line, where.start.column, where.end.line, where.end.column)
            out.append(Report(self.CODE, span, message))
        return out

    def position(self, node: cst.CSTNode) -> CodeRange:
        return self.index.position(node)

    # -- questions rules ask -----------------------------------------------------------------
    def code_of(self, node: cst.CSTNode) -> str:
        """Source text of a node (as written, comments and all)."""
        return self.module.code_for_node(node)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.index.parent(node)

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

    def stored(self, node: cst.CSTNode) -> bool:
        """True when `node` is (part of) an assignment, `del` or loop target."""
        child = node
        for parent in self.ancestors(node):
            if isinstance(parent, (cst.Tuple, cst.List, cst.Element, cst.StarredElement)):
                child = parent
                continue
            if isinstance(parent, (cst.AssignTarget, cst.Del, cst.AsName)):
                return True
            if isinstance(parent, (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor)):
                return parent.target is child
            if isinstance(parent, cst.NamedExpr):
                return parent.target is child
            return False
        return False

    def enclosing_scope(self, node: cst.CSTNode) -> cst.CSTNode:
        """The function, lambda or class around `node`, else the module."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, SCOPES):
                return ancestor
        return self.module


class NativeFixer(Fixer):
    """The fixer of one of heal's rules, written beside its detector (`RULE`).

    Its code, category, docstring and cases are the rule's, so `heal rule`, the generated docs
    and the case tests see one rule: an INVALID case the detector reports is also a case of the
    fix (`expected`, or none when the fixer declines). A subclass sets its own `NAME` (the fix
    source `fixer:NAME` that history, patterns and the circuit breaker know), `SAFETY`, and in
    `ALSO` the rules of other tools it heals as well (ruff's twin of the rule).
    """

    RULE: ClassVar[type[Detector]]
    ALSO: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        rule = cls.RULE
        cls.CODE, cls.CATEGORY = rule.CODE, rule.CATEGORY
        cls.RULES = (f"heal:{rule.CODE}", *cls.ALSO)
        cls.VALID, cls.INVALID = rule.VALID, rule.INVALID
        cls.__doc__ = rule.__doc__


def same_code(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """True when two nodes are written the same way, whitespace and comments aside."""
    return a.deep_equals(b) or _normalised(a) == _normalised(b)


def _normalised(node: cst.CSTNode) -> str:
    return " ".join(_EMPTY_MODULE.code_for_node(node).split())


def call_name(node: cst.Call) -> str | None:
    return dotted_name(node.func)


_HANDLERS: dict[type, list[tuple[str, str, str]]] = {}


def _handlers(cls: type) -> list[tuple[str, str, str]]:
    """(visit|leave, node class name, method name) of a detector class, found once per class
    (libcst's own batching inspects every visitor instance for every module, which costs more
    than the rules)."""
    if cls not in _HANDLERS:
        found = []
        for name in dir(cls):
            kind, _, node = name.partition("_")
            # libcst's visitor base defines a no-op for every node type: only a rule's own count
            if kind in ("visit", "leave") and node[:1].isupper() and "_" not in node and \
                    getattr(cls, name) is not getattr(cst.BatchableCSTVisitor, name, None):
                found.append((kind, node, name))
        _HANDLERS[cls] = found
    return _HANDLERS[cls]


class Batch(cst.CSTVisitor):
    """One traversal of a module for many detectors, recording parents as it goes."""

    def __init__(self, detectors: list[Detector], index: ModuleIndex) -> None:
        super().__init__()
        self.index = index
        self.on_visit_table: dict[str, list[Callable[[cst.CSTNode], object]]] = {}
        self.on_leave_table: dict[str, list[Callable[[cst.CSTNode], object]]] = {}
        for detector in detectors:
            for kind, node, method in _handlers(type(detector)):
                table = self.on_visit_table if kind == "visit" else self.on_leave_table
                table.setdefault(node, []).append(getattr(detector, method))

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.index.before_visit(node)
        for handler in self.on_visit_table.get(type(node).__name__, ()):
            handler(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for handler in self.on_leave_table.get(type(original_node).__name__, ()):
            handler(original_node)
        self.index.after_leave(original_node)


def run_detectors(module: cst.Module, detectors: list[type[Detector]]) -> list[Detector]:
    index = ModuleIndex(module)
    instances = [cls(module, index) for cls in detectors]
    walk_tree(module, Batch(instances, index))
    return instances


_LEAVE = object()  # on the traversal's stack: leave the node below it

# nodes that hold only layout (whitespace, comments, punctuation), two thirds of a module's
# nodes: a traversal whose detectors visit none of them does not walk them (a parent asked of
# one is still found, by ModuleIndex.parent)
LAYOUT: frozenset[type[cst.CSTNode]] = frozenset({
    cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.Newline, cst.TrailingWhitespace,
    cst.EmptyLine, cst.Comment, cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual,
    cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace,
})


def walk_tree(root: cst.CSTNode, visitor: Batch) -> None:
    """`visitor.on_visit` / `on_leave` over every node but layout, depth first, in source
    order: what `root.visit()` does, without libcst's rebuilding of every node on the way back
    up (a detector never changes the tree), and with the parent bookkeeping and the handler
    dispatch of `Batch` inlined (a module has 100,000 nodes)."""
    visits, leaves = visitor.on_visit_table, visitor.on_leave_table
    parents, stack = visitor.index.parents, visitor.index.stack
    handled = {*visits, *leaves}
    skip = frozenset() if any(kind.__name__ in handled for kind in LAYOUT) else LAYOUT
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if node is _LEAVE:
            node = pending.pop()
            handlers = leaves.get(type(node).__name__)
            if handlers is not None:
                for handler in handlers:
                    handler(node)
            stack.pop()
            continue
        if stack:
            parents[node] = stack[-1]
        stack.append(node)
        handlers = visits.get(type(node).__name__)
        if handlers is not None:
            for handler in handlers:
                handler(node)
        pending.append(node)
        pending.append(_LEAVE)
        found = children(node)  # a new list
        if skip:
            found = [child for child in found if type(child) not in skip]
        found.reverse()
        pending.extend(found)

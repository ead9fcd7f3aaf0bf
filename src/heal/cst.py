"""The libcst helpers every rule and fixer shares: names as they are written, a node's children,
and the parse of each file version, made once per run (`parsed`)."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import inspect
import sys
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, cast

import libcst as cst
from libcst.metadata import MetadataWrapper

from heal.positions import Positions, positions

T = TypeVar("T")


def dotted_name(node: cst.CSTNode) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None (a call, a subscript...)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        inner = dotted_name(node.value)
        return f"{inner}.{node.attr.value}" if inner else None
    return None


def target_names(target: cst.CSTNode) -> Iterator[cst.Name]:
    """The names an assignment or loop target binds (`a`, `a, (b, *c)`; not `a.b`, `a[0]`)."""
    if isinstance(target, cst.Name):
        yield target
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


# node type -> its child fields, each with whether libcst calls the attribute hooks even when
# the field is None (`visit_optional` does; `format_spec` of an f-string is visited only if set)
_CHILD_FIELDS: dict[type[cst.CSTNode], tuple[tuple[str, bool], ...]] = {}


def _visits(tree: ast.AST) -> list[tuple[int, int, str]]:
    return [(node.lineno, node.col_offset, str(node.args[1].value)) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id.startswith("visit_") and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)]


def _child_fields(kind: type[cst.CSTNode]) -> tuple[tuple[str, bool], ...]:
    """The fields a node type's children come from, in the order libcst visits them: the
    order of the `visit_*(self, "field", ...)` calls in its `_visit_and_replace_children`,
    which is the order of the source (not always the order the fields are declared in)."""
    found = _CHILD_FIELDS.get(kind)
    if found is None:
        tree = ast.parse(textwrap.dedent(inspect.getsource(kind._visit_and_replace_children)))
        only_if_set = set()  # `visit_x(...) if self.x is not None else None`
        for node in ast.walk(tree):
            if isinstance(node, ast.IfExp):
                body, orelse = {v[2] for v in _visits(node.body)}, {v[2] for v in _visits(node.orelse)}
                only_if_set |= body ^ orelse
        names = dict.fromkeys(name for _, _, name in sorted(_visits(tree)))
        found = _CHILD_FIELDS[kind] = tuple((name, name not in only_if_set) for name in names)
    return found


_IS_NODE: dict[type, bool] = {}  # isinstance() against libcst's abstract CSTNode is slow


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children`, in the same order, without libcst's way of finding them: it rebuilds
    the node through a visitor, which cost more than the rules that asked."""
    out: list[cst.CSTNode] = []
    fields = _CHILD_FIELDS.get(type(node))
    for name, _ in fields if fields is not None else _child_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is list or kind is tuple:
            out.extend(value)  # sequences of nodes only
            continue
        is_node = _IS_NODE.get(kind)
        if is_node is None:
            is_node = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
        if is_node:
            out.append(value)
    return out


def parents_of(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    """Each node's parent, as libcst's `ParentNodeProvider` has it (every child of every node
    maps to the node), by a walk over `children` instead of a metadata visit; tests/test_cst.py
    compares the two."""
    found: dict[cst.CSTNode, cst.CSTNode] = {}
    pending: list[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        for child in children(node):
            found[child] = node
            pending.append(child)
    return found


def _read_only_visit(node: cst.CSTNode, visitor: cst.CSTVisitor, hooks: bool) -> None:
    """What `node.visit(visitor)` does for a visitor (not a transformer): the same calls of
    `on_visit`, `on_visit_attribute`, `on_leave_attribute` and `on_leave`, in the same order,
    for the same nodes (tests/test_cst.py compares every call on a sample of heal's own
    files). `hooks` False: the visitor's attribute calls are known to do nothing
    (`_attribute_hooks`), and are left out."""
    if visitor.on_visit(node):
        fields = _CHILD_FIELDS.get(type(node))
        for name, always in fields if fields is not None else _child_fields(type(node)):
            value = getattr(node, name)
            if value is None and not always:
                continue
            if hooks:
                visitor.on_visit_attribute(node, name)
            kind = type(value)
            if kind is list or kind is tuple:
                for child in value:
                    _read_only_visit(child, visitor, hooks)
            else:
                is_node = _IS_NODE.get(kind)
                if is_node is None:
                    is_node = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
                if is_node:
                    _read_only_visit(value, visitor, hooks)
            if hooks:
                visitor.on_leave_attribute(node, name)
    visitor.on_leave(node)


_HOOKS: dict[type, bool] = {}


def _attribute_hooks(visitor: cst.CSTVisitor) -> bool:
    """Whether the visitor's `on_visit_attribute` / `on_leave_attribute` may do anything: they
    are libcst's own (which call `visit_<Node>_<field>` methods, or the batched visitor's list
    of them) and no such method exists but libcst's no-op stubs, else True."""
    from libcst._batched_visitor import _BatchedCSTVisitor

    if type(visitor) is _BatchedCSTVisitor:
        return any(name.count("_") > 1 for name in visitor.visitor_methods)
    kind = type(visitor)
    found = _HOOKS.get(kind)
    if found is None:
        # libcst.matchers takes half a second to import: a visitor can only derive from its
        # visitor if something imported it already (a native detector's visit in a cold
        # `heal --scan` does not)
        matchers = sys.modules.get("libcst.matchers")
        own: set[type[cst.CSTVisitor]] = {cst.CSTVisitor}
        if matchers is not None:
            own.add(matchers.MatcherDecoratableVisitor)
        plain = kind.on_visit_attribute in {c.on_visit_attribute for c in own} and \
            kind.on_leave_attribute in {c.on_leave_attribute for c in own}
        methods = [name for name in dir(kind) if name.startswith(("visit_", "leave_"))
                   and name.count("_") > 1 and not name.endswith("_")]
        custom = any(not getattr(getattr(kind, name), "_is_no_op", False) for name in methods)
        found = _HOOKS[kind] = not plain or custom
    return found


_LIBCST_VISIT = cst.CSTNode.visit
_LIBCST_CHILDREN = cst.CSTNode.children


def _visit(self: cst.CSTNode, visitor: Any) -> Any:
    if isinstance(visitor, cst.CSTVisitor):
        _read_only_visit(self, visitor, _attribute_hooks(visitor))
        return self  # what libcst returns to a visitor: the node itself
    return _LIBCST_VISIT(self, visitor)


def speed_up_libcst(on: bool = True) -> None:
    """libcst visits a tree by rebuilding every node on the way back up, even for a visitor
    that changes nothing and whose result is thrown away, and finds a node's `children` the
    same way: for a visitor, most of the cost of its own metadata (scopes, parents), of its
    codemod visitors (unused imports) and of `children` is building nodes no one keeps. heal
    replaces both, for visitors only (a transformer still gets libcst's own `visit`), with a
    walk that makes the same calls on the same nodes in the same order and builds nothing.
    `on=False` puts libcst's own back (the tests compare the two)."""
    cst.CSTNode.visit = _visit if on else _LIBCST_VISIT  # type: ignore[method-assign]
    cst.CSTNode.children = property(children) if on else _LIBCST_CHILDREN  # type: ignore[method-assign,assignment]


speed_up_libcst()


class Parsed:
    """One version of one file's text, parsed once for the whole run: the module, its node
    positions and parents, and what fixers compute over them (`memo`). Shared by every
    fixer, pattern, fix check and the learner that asks about this very text (`parsed()`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._module: cst.Module | None = None
        self._wrapper: MetadataWrapper | None = None
        self._positions: Positions | None = None
        self._parents: Mapping[cst.CSTNode, cst.CSTNode] | None = None
        self._memo: dict[str, object] = {}

    @property
    def module(self) -> cst.Module:
        if self._module is None:
            self._module = cst.parse_module(self.text)
        return self._module

    @property
    def wrapper(self) -> MetadataWrapper:
        """The one metadata wrapper of this text: each provider (positions, parents, scopes,
        qualified names...) is resolved once, whoever asks first."""
        if self._wrapper is None:
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        return self._wrapper

    @property
    def positions(self) -> Positions:
        """libcst's `PositionProvider` ranges, at a tenth of its cost (`heal.positions`)."""
        if self._positions is None:
            self._positions = positions(self.module)
        return self._positions

    @property
    def parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        """libcst's `ParentNodeProvider` mapping (`parents_of`)."""
        if self._parents is None:
            self._parents = parents_of(self.module)
        return self._parents

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per text: an analysis every finding of the file shares (which
        imports are unused, the names the module binds...)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    @property
    def spans(self) -> dict[tuple[int, int, int, int], list[cst.CSTNode]]:
        """Nodes by their exact range (start line, column, end line, column), in the order the
        positions were recorded."""
        def index() -> dict[tuple[int, int, int, int], list[cst.CSTNode]]:
            found: dict[tuple[int, int, int, int], list[cst.CSTNode]] = {}
            for node, key in self.positions.ranges():
                found.setdefault(key, []).append(node)
            return found

        return self.memo("spans", index)

    def on_line(self, line: int) -> list[cst.CSTNode]:
        """The nodes whose range includes the line, in the order the positions were recorded."""
        def index() -> dict[int, list[cst.CSTNode]]:
            found: dict[int, list[cst.CSTNode]] = {}
            for node, (first, _, last, _) in self.positions.ranges():
                for number in range(first, last + 1):
                    found.setdefault(number, []).append(node)
            return found

        return self.memo("lines", index).get(line, [])


_PARSED: OrderedDict[tuple[int, str], Parsed] = OrderedDict()
_LOCK = threading.Lock()
PARSED_KEPT = 48  # file versions kept; about 10 MB each for a 1,000-line module


def parsed(text: str, keep: bool = True) -> Parsed:
    """The one `Parsed` of this text (by its content: an edited file is a new entry, never
    the old parse). `keep=False` for a text asked about once: made if missing, not kept."""
    key = (len(text), hashlib.sha1(text.encode("utf-8", "surrogatepass"),
                                   usedforsecurity=False).hexdigest())
    with _LOCK:
        found = _PARSED.get(key)
        if found is not None:
            _PARSED.move_to_end(key)
            return found
        found = Parsed(text)
        if not keep:
            return found
        _PARSED[key] = found
        if len(_PARSED) > PARSED_KEPT:
            _PARSED.popitem(last=False)
        return found


def along_path(old: cst.CSTNode, new: cst.CSTNode,
               parent_of: Callable[[cst.CSTNode], cst.CSTNode | None]) -> cst.Module | None:
    """The module with `old` replaced by `new`, rebuilding only `old`'s ancestors (the same
    tree `Module.deep_replace` makes by visiting every node, in a fraction of its time), or
    None where that cannot be done this way (a node not found in its parent's fields)."""
    child: cst.CSTNode = old
    replacement: cst.CSTNode = new
    while (parent := parent_of(child)) is not None:
        changes = _with_child(parent, child, replacement)
        if changes is None:
            return None
        child, replacement = parent, parent.with_changes(**changes)
    return replacement if isinstance(replacement, cst.Module) else None


def _with_child(parent: cst.CSTNode, child: cst.CSTNode, replacement: cst.CSTNode
                ) -> dict[str, object] | None:
    for name in (f.name for f in dataclasses.fields(parent)):
        value = getattr(parent, name)
        if value is child:
            return {name: replacement}
        if isinstance(value, (tuple, list)) and any(item is child for item in value):
            return {name: type(value)(replacement if item is child else item for item in value)}
    return None

"""What several rules ask about a function or module body: its nodes, and how names are bound.

Shared by the detectors (and the fixers built on them) so that a rule's idea of "bound in this
scope" or "inside this loop" is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from heal.cst import children
from heal.cst import target_names as target_nodes
from heal.rules.base import SCOPES


def walk(node: cst.CSTNode, *, into_scopes: bool = True) -> Iterator[cst.CSTNode]:
    """Every node under `node` (not `node` itself), in source order; with `into_scopes=False`,
    nested functions, lambdas and classes are yielded but not entered."""
    stack = list(reversed(children(node)))
    while stack:
        child = stack.pop()
        yield child
        if into_scopes or not isinstance(child, SCOPES):
            stack.extend(reversed(children(child)))


def parameters(params: cst.Parameters) -> list[cst.Param]:
    """Every parameter of a signature: positional-only, plain, keyword-only, `*args`, `**kw`."""
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    found += [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
    return found


def target_names(target: cst.CSTNode) -> set[str]:
    """The names an assignment or loop target binds (`a`, `a, (b, *c)`; not `a.b`, `a[0]`)."""
    return {name.value for name in target_nodes(target)}


def bindings(scope: cst.CSTNode) -> dict[str, list[cst.CSTNode]]:
    """Name -> how it is bound directly in `scope`: the assigned value for a plain
    `name = value`, else the binding node itself (loop, import, parameter, `global`, ...)."""
    found: dict[str, list[cst.CSTNode]] = {}

    def bind(target: cst.CSTNode, how: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            found.setdefault(target.value, []).append(how)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                bind(element.value, how)
        elif isinstance(target, cst.StarredElement):
            bind(target.value, how)

    for node in walk(scope, into_scopes=False):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                plain = isinstance(target.target, cst.Name)
                bind(target.target, node.value if plain else node)
        elif isinstance(node, (cst.AnnAssign, cst.NamedExpr)):
            if node.value is not None:  # `x: int` alone binds nothing
                bind(node.target, node.value)
        elif isinstance(node, (cst.AugAssign, cst.For, cst.Del)):  # not CompFor: its own scope
            bind(node.target, node)
        elif isinstance(node, (cst.AsName, cst.Param, cst.FunctionDef, cst.ClassDef)):
            bind(node.name, node)
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            root: cst.BaseExpression = node.name
            while isinstance(root, cst.Attribute):
                root = root.value
            bind(root, node)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            for item in node.names:
                bind(item.name, node)
    return found


def list_value(node: cst.CSTNode) -> bool:
    """A list display, a list comprehension or a `list(...)` call."""
    if isinstance(node, (cst.List, cst.ListComp)):
        return True
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Name)
            and node.func.value == "list")


def range_len_arg(expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """`x` for `range(len(x))`, else None."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name)
            and expr.func.value == "range" and len(expr.args) == 1):
        return None
    arg = expr.args[0]
    inner = arg.value
    if arg.keyword is not None or arg.star or not isinstance(inner, cst.Call):
        return None
    if not (isinstance(inner.func, cst.Name) and inner.func.value == "len"
            and len(inner.args) == 1):
        return None
    only = inner.args[0]
    if only.keyword is not None or only.star:
        return None
    return only.value

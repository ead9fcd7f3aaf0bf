"""The libcst helpers every rule and fixer shares: names as they are written."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst


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

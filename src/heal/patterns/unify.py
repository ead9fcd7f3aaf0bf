"""Unification: bind a template's metavariables to the nodes of the code it matches.

Matching is structural and exact, except for formatting: whitespace, comments, redundant
parentheses, trailing commas and the quoting of string literals are ignored (`'a'` matches
`"a"`; `0x10` matches `16`). A metavariable that occurs twice must bind equal code (equal by the
same rule). Parentheses written around a metavariable are the one exception: as in ast-grep,
`print(($A))` matches only an argument wrapped in (at least) one pair of parentheses, and `$A`
binds what is inside them (so the fix `print($A)` drops them; without the parentheses in the
pattern, `$A` binds the argument with its own).

`$$$B` alone in a `def`'s parentheses binds the whole list (`*` and `/` included, as ast-grep's
flat parameter list) with its layout and comments. In `from $A import ...`, `$A` also binds a
relative module with its dots (`.m`, `..pkg.m`, `.`), which tree-sitter parses as one node; a
pattern that spells dots (`from .$A import ...`) wants them.

Entry points: `match(template, node, focus)` -> bindings or None (`focus` may refuse a binding:
see rewrite.py); `equal(a, b)` and `shape(node)`, the same comparison as a predicate and as a
hashable key; `matches_text(template, code)` -> every match in a file (tests and tools).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, Union

import libcst as cst

from heal.patterns.template import (
    MANY,
    ONE,
    PLACEHOLDER,
    PREFIX,
    Template,
    name_of,
    placeholder,
    unwrap,
)

Binding = Union[cst.CSTNode, tuple[cst.CSTNode, ...]]  # noqa: UP007 - a runtime alias on 3.10
Bindings = Mapping[str, Binding]

IGNORED_FIELDS = frozenset({
    "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header",
    "footer", "trailing_whitespace", "newline", "indent", "equal", "default_indent",
    "default_newline", "has_trailing_newline", "encoding",
})


# a wrapper in the pattern matches any node of its family in the target
_FAMILIES: tuple[tuple[type[cst.CSTNode], type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]], ...] = (
    (cst.Arg, cst.Arg),
    (cst.Element, cst.BaseElement),
    (cst.SubscriptElement, cst.SubscriptElement),
    (cst.Param, cst.Param),
    (cst.SimpleStatementLine, cst.BaseStatement),
    (cst.Expr, cst.BaseSmallStatement),
    (cst.WithItem, cst.WithItem),
    (cst.ImportAlias, cst.ImportAlias),
    (cst.Decorator, cst.Decorator),
)


def _family(node: cst.CSTNode) -> type[cst.CSTNode] | tuple[type[cst.CSTNode], ...] | None:
    for kind, family in _FAMILIES:
        if type(node) is kind:
            return family
    return None


@functools.cache
def node_fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    names = []
    for item in dataclasses.fields(kind):
        if item.name in IGNORED_FIELDS or item.name.startswith("whitespace"):
            continue
        if kind is cst.FormattedString and item.name in ("start", "end"):
            continue
        names.append(item.name)
    return tuple(names)


def _literal_key(node: cst.CSTNode) -> object:
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix.lower()
        try:
            return ("str", "b" in prefix, node.evaluated_value)
        except Exception:  # an escape libcst cannot evaluate: compare the text
            return ("str-raw", node.value)
    if isinstance(node, cst.Integer):
        try:
            return ("int", node.evaluated_value)
        except ValueError:
            return ("int-raw", node.value)
    if isinstance(node, cst.Float):
        try:
            return ("float", node.evaluated_value)
        except ValueError:
            return ("float-raw", node.value)
    if isinstance(node, cst.FormattedString):
        return ("f", "".join(sorted(c for c in node.start.lower() if c.isalpha())))
    return None


Focus = Callable[[str, Binding], bool]  # may metavariable NAME bind this value here?


def _bind(bindings: Bindings, name: str, value: Binding, focus: Focus | None = None
          ) -> Bindings | None:
    key = name_of(name)
    if key.startswith("_"):
        return bindings  # anonymous: not captured, not compared
    if key in bindings:
        return bindings if equal(bindings[key], value) else None
    if focus is not None and not focus(key, value):
        return None
    return {**bindings, key: value}


def parens_of(node: cst.CSTNode | None) -> int:
    """How many pairs of parentheses an expression has of its own."""
    return len(node.lpar) if isinstance(node, cst.BaseExpression) else 0


def equal(a: Binding, b: Binding) -> bool:
    """Same code, formatting aside."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return False
        return all(_node(x, y, {}) is not None for x, y in zip(a, b, strict=True))
    return _node(a, b, {}) is not None


def match(template: Template, node: cst.CSTNode, focus: Focus | None = None
          ) -> dict[str, Binding] | None:
    """Bindings of the template's metavariables when `node` matches it, else None. `focus`
    vets each new binding (see rewrite.py)."""
    found = _node(template.root, node, {}, focus)
    return None if found is None else dict(found)


def _node(p: cst.CSTNode, t: cst.CSTNode, b: Bindings, focus: Focus | None = None
          ) -> Bindings | None:
    name = placeholder(p)
    if name is not None:
        if isinstance(p, cst.Name):
            return _bind(b, name, t, focus) if parens_of(t) >= parens_of(p) else None
        family = _family(p)
        if family is not None and name.startswith(ONE) and isinstance(t, family):
            inner = unwrap(t)
            plain = inner is not None and type(t) is type(p)
            value = inner if plain and inner is not None else t
            if parens_of(value) < parens_of(unwrap(p)):
                return None  # `f(($A))` wants an argument in parentheses
            return _bind(b, name, value, focus)
        if family is not None and name.startswith(MANY) and isinstance(t, family):
            return _bind(b, name, (t,), focus)
    if type(p) is not type(t):
        return None
    if isinstance(p, cst.Parameters):
        whole = _only_many(p)
        if whole is not None:  # `def $A($$$B)`: the whole list, `*` and `/` included
            return _bind(b, whole, t, focus)
    if isinstance(p, cst.ImportFrom) and isinstance(t, cst.ImportFrom) and t.relative:
        return _relative_import(p, t, b, focus)
    if isinstance(p, cst.SimpleString) and PREFIX in p.value:  # a fix's `"$K"`, filled in
        return b if isinstance(t, cst.SimpleString) and _filled(p.value, t.value) else None
    literal = _literal_key(p)
    if literal is not None and not isinstance(p, cst.FormattedString):
        return b if literal == _literal_key(t) else None
    if literal is not None and literal != _literal_key(t):
        return None
    current: Bindings | None = b
    for field_name in node_fields(type(p)):
        current = _value(getattr(p, field_name), getattr(t, field_name), current,
                         strict_comma=False, focus=focus)
        if current is None:
            return None
    if isinstance(p, cst.SubscriptElement) and isinstance(p.comma, cst.Comma) != isinstance(
            t.comma, cst.Comma):  # type: ignore[attr-defined]
        return None
    return current


def _filled(template: str, text: str) -> bool:
    """True when a string literal's source is the template's (a fix's `"$K"`) with some text
    in place of each metavariable."""
    parts = PLACEHOLDER.split(template)[::3]  # the split also returns the two groups
    return re.fullmatch(".+?".join(re.escape(part) for part in parts), text, re.S) is not None


def _relative_import(p: cst.ImportFrom, t: cst.ImportFrom, b: Bindings,
                     focus: Focus | None) -> Bindings | None:
    """`from $A import ...` against `from .m import ...`: `$A` binds the module with its
    dots (`.m`, `..`), the one node tree-sitter makes of it (`relative_import`), as ast-grep
    matches it; a pattern that spells its dots matches them as written."""
    name = placeholder(p.module) if p.module is not None and not p.relative else None
    if name is not None and name.startswith(ONE):
        module = (*t.relative, t.module) if t.module is not None else tuple(t.relative)
        bound = _bind(b, name, module, focus)
    else:
        bound = _value(p.relative, t.relative, b, strict_comma=False, focus=focus)
        bound = _value(p.module, t.module, bound, strict_comma=False, focus=focus)
    return _value(p.names, t.names, bound, strict_comma=False, focus=focus)


def _only_many(parameters: cst.Parameters) -> str | None:
    """The `$$$` placeholder a parameter list is made of alone (as ast-grep reads a `def`'s
    parameters: one list, whatever its `*` and `/` split), else None."""
    if len(parameters.params) != 1 or parameters.posonly_params or parameters.kwonly_params or \
            not isinstance(parameters.star_arg, cst.MaybeSentinel) or \
            parameters.star_kwarg is not None:
        return None
    name = placeholder(parameters.params[0])
    return name if name is not None and name.startswith(MANY) else None


def _value(p: Any, t: Any, b: Bindings | None, strict_comma: bool,
           focus: Focus | None = None) -> Bindings | None:
    if b is None:
        return None
    if isinstance(p, cst.CSTNode):
        if not isinstance(t, cst.CSTNode):
            return None
        return _node(p, t, b, focus)
    if isinstance(p, (list, tuple)):
        if not isinstance(t, (list, tuple)):
            return None
        return _sequence(tuple(p), tuple(t), b, focus)
    if isinstance(t, cst.CSTNode):
        return None
    return b if p == t else None


def _sequence(ps: tuple[Any, ...], ts: tuple[Any, ...], b: Bindings,
              focus: Focus | None = None) -> Bindings | None:
    if not ps:
        return b if not ts else None
    first = ps[0]
    name = placeholder(first) if isinstance(first, cst.CSTNode) else None
    if name is not None and name.startswith(MANY):
        for count in range(len(ts) + 1):
            bound = _bind(b, name, tuple(ts[:count]), focus)
            if bound is None:
                continue
            rest = _sequence(ps[1:], ts[count:], bound, focus)
            if rest is not None:
                return rest
        return None
    if not ts:
        return None
    head = _value(first, ts[0], b, strict_comma=False, focus=focus)
    if head is None:
        return None
    return _sequence(ps[1:], ts[1:], head, focus)


def shape(node: Binding) -> object:
    """A hashable key that two nodes share exactly when `equal` says they match (formatting
    aside); placeholders are compared by name."""
    if isinstance(node, tuple):
        return ("seq", tuple(shape(n) for n in node))
    literal = _literal_key(node)
    if literal is not None and not isinstance(node, cst.FormattedString):
        return literal
    parts: list[object] = [type(node).__name__]
    if literal is not None:
        parts.append(literal)
    if parens_of(node) and placeholder(node) is not None:
        parts.append(("parens", parens_of(node)))  # `($A)` is not `$A` (see the docstring)
    for field_name in node_fields(type(node)):
        value = getattr(node, field_name)
        if isinstance(value, cst.CSTNode):
            parts.append(shape(value))
        elif isinstance(value, (list, tuple)):
            parts.append(tuple(shape(v) for v in value))
        else:
            parts.append(value if isinstance(value, (str, int, bool, type(None))) else repr(value))
    if isinstance(node, cst.SubscriptElement):
        parts.append(isinstance(node.comma, cst.Comma))
    return tuple(parts)


def matches_text(template: Template, code: str) -> list[dict[str, Binding]]:
    """Every match of the template anywhere in `code` (for tests and tools)."""
    module = cst.parse_module(code)
    found: list[dict[str, Binding]] = []

    class Visitor(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            bindings = match(template, node)
            if bindings is not None:
                found.append(bindings)
            return True

    module.visit(Visitor())
    return found

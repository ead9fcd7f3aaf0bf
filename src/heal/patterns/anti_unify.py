"""Anti-unification: the least general pattern that covers two edits.

`anti_unify(a, b)` merges two edits where they differ: parts that vary between the instances
become metavariables (literals of one kind get a `regex` constraint of that kind), argument
lists of different lengths become `$$$`; the merge is kept only if every metavariable of the fix
is bound by the pattern and it reproduces every instance exactly (edit.py). Two comment rules
merge their regexes instead (comments.py).

Learning merges a verified fix with a learned pattern of the same rule (learn.py), and mining
merges the edits of many commits (mine.py).
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import libcst as cst

from heal.patterns.abstract import (
    canonical,
    has_concrete,
    is_constant,
    name_position,
    statement_code,
)
from heal.patterns.comments import anti_unify_comments
from heal.patterns.edit import Edit, reproduced, settle
from heal.patterns.model import COMMENT, Constraint
from heal.patterns.region import LITERALS
from heal.patterns.template import MANY, ONE, TemplateError, compile_template, placeholder
from heal.patterns.unify import node_fields, shape

KIND_REGEX = {
    "int": r"^-?[0-9][0-9_]*$",
    "float": r"^-?[0-9][0-9_]*\.[0-9_]*([eE][-+]?[0-9]+)?$",
    "str": r"""^[rRbBuU]{0,2}['"]""",
}


class _AntiUnifier:
    def __init__(self) -> None:
        self.pairs: dict[tuple[object, object], str] = {}
        self.kinds: dict[str, str | None] = {}
        self.counter = itertools.count()
        self.frozen = False  # True while unifying the fixes: no new variables
        self.failed = False

    def var(self, left: object, right: object, kind: str | None, many: bool) -> str | None:
        key = (left, right)
        if key not in self.pairs:
            if self.frozen:
                return None
            self.pairs[key] = ("M" if many else "V") + str(next(self.counter))
            self.kinds[self.pairs[key]] = kind
        return self.pairs[key]

    def node(self, a: cst.CSTNode, b: cst.CSTNode, parent: cst.CSTNode | None,
             field_name: str) -> cst.CSTNode | None:
        ph_a, ph_b = placeholder(a), placeholder(b)
        if ph_a is None and ph_b is None and shape(a) == shape(b):
            return a
        if parent is not None and name_position(parent, field_name):
            return None
        if isinstance(a, cst.Name) and isinstance(b, cst.Name) and ph_a and ph_b \
                and ph_a.startswith(ONE) and ph_b.startswith(ONE):
            if len(a.lpar) != len(b.lpar):
                return None  # `($A)` (wrapped in parentheses) and `$A` are different patterns
            name = self.var(ph_a, ph_b, None, False)
            return None if name is None else cst.Name(ONE + name, lpar=a.lpar, rpar=a.rpar)
        if isinstance(a, cst.BaseExpression) and isinstance(b, cst.BaseExpression) and (
                type(a) is not type(b) or isinstance(a, (*LITERALS, cst.Name))):
            if is_constant(a) and is_constant(b) and _literal_kind(a) is None:
                return None
            kind = _literal_kind(a) if _literal_kind(a) == _literal_kind(b) else None
            name = self.var(shape(a), shape(b), kind, False)
            return None if name is None else cst.Name(ONE + name)
        if type(a) is not type(b):
            return None
        changes: dict[str, Any] = {}

        for field_item in node_fields(type(a)):
            left, right = getattr(a, field_item), getattr(b, field_item)
            if isinstance(left, cst.CSTNode) and isinstance(right, cst.CSTNode):
                merged = self.node(left, right, a, field_item)
                if merged is None:
                    return None
                if merged is not left:
                    changes[field_item] = merged
            elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
                merged_seq = self.sequence(tuple(left), tuple(right), a, field_item)
                if merged_seq is None:
                    return None
                changes[field_item] = merged_seq
            elif left != right and not (isinstance(left, cst.MaybeSentinel)
                                        and isinstance(right, cst.MaybeSentinel)):
                if isinstance(left, cst.CSTNode) or isinstance(right, cst.CSTNode):
                    return None
                if field_item in {f.name for f in dataclasses.fields(a)}:
                    return None
        try:
            return a.with_changes(**changes) if changes else a
        except (cst.CSTValidationError, ValueError):  # e.g. a `$$$` after a keyword argument
            return None

    def sequence(self, left: tuple[Any, ...], right: tuple[Any, ...], parent: cst.CSTNode,
                 field_name: str) -> list[Any] | None:
        if len(left) == len(right) and not any(
                placeholder(x) and str(placeholder(x)).startswith(MANY) for x in (*left, *right)
                if isinstance(x, cst.CSTNode)):
            out = []
            for x, y in zip(left, right, strict=True):
                merged = self.node(x, y, parent, field_name)
                if merged is None:
                    return None
                out.append(merged)
            return out
        if not isinstance(parent, (cst.Call, cst.List, cst.Tuple, cst.Set, cst.IndentedBlock)):
            return None
        head = 0
        while head < min(len(left), len(right)) and shape(left[head]) == shape(right[head]) \
                and placeholder(left[head]) is None:
            head += 1
        tail = 0
        while tail < min(len(left), len(right)) - head and \
                shape(left[-1 - tail]) == shape(right[-1 - tail]) and \
                placeholder(left[-1 - tail]) is None:
            tail += 1
        middle_left = left[head:len(left) - tail]
        middle_right = right[head:len(right) - tail]
        name = self.var(("seq", tuple(shape(x) for x in middle_left)),
                        ("seq", tuple(shape(x) for x in middle_right)), None, True)
        if name is None:
            return None
        if isinstance(parent, cst.IndentedBlock):
            element: Any = cst.SimpleStatementLine([cst.Expr(cst.Name(MANY + name))])
        elif isinstance(parent, cst.Call):
            element = cst.Arg(cst.Name(MANY + name))
        else:
            element = cst.Element(cst.Name(MANY + name))
        return [*left[:head], element, *left[len(left) - tail:]]


def _literal_kind(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, cst.SimpleString):
        return "str"
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return _literal_kind(node.expression)
    return None


def anti_unify(a: Edit, b: Edit) -> Edit | None:
    """The least general pattern that covers both edits and reproduces all their instances."""
    if COMMENT in (a.selector, b.selector):
        return anti_unify_comments(a, b)
    try:
        if a.selector != b.selector:
            return None
        before_a, before_b = compile_template(a.pattern, a.selector), compile_template(
            b.pattern, b.selector)
        after_a, after_b = compile_template(a.fix, a.selector), compile_template(b.fix, b.selector)
    except TemplateError:
        return None
    if before_a.kind != before_b.kind or after_a.kind != after_b.kind:
        return None
    unifier = _AntiUnifier()
    pattern_node = unifier.node(before_a.root, before_b.root, None, "")
    if pattern_node is None:
        return None
    unifier.frozen = True
    fix_node = unifier.node(after_a.root, after_b.root, None, "")
    if fix_node is None:
        return None
    constraints = {name: Constraint(regex=KIND_REGEX[kind])
                   for name, kind in unifier.kinds.items() if kind in KIND_REGEX}
    pattern_text, fix_text, renamed = canonical(statement_code(pattern_node),
                                                 statement_code(fix_node), constraints)
    merged = Edit(pattern_text, fix_text, renamed,
                  tuple(dict.fromkeys((*a.triggers, *b.triggers))),
                  (*a.instances, *b.instances), a.example, a.selector)
    try:
        merged_template = compile_template(pattern_text, a.selector)
    except TemplateError:
        return None
    if merged_template.root_type == "*" or (not has_concrete(merged_template.root)
                                            and not renamed):
        return None  # only operators and no constraint left: `$A == $B` is no fix pattern
    done = reproduced(merged)
    if done is None:
        return None
    settled = settle(merged, done)
    return settled if isinstance(settled, Edit) else None

"""PERF110: a list built with `acc = acc + [...]` inside a loop."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, ModuleIndex
from heal.rules.scope import bindings, list_value


def _operands(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """`a + b + c` -> [a, b, c]; anything else -> [expr]."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return [*_operands(expr.left), expr.right]
    return [expr]


def _self_concat(name: str, value: cst.CSTNode) -> bool:
    """`name + <list> + ...`: the value `name = ...` gets in the pattern itself."""
    if not isinstance(value, cst.BaseExpression):
        return False
    operands = _operands(value)
    first = operands[0]
    return (len(operands) > 1 and isinstance(first, cst.Name) and first.value == name
            and any(list_value(operand) for operand in operands[1:]))


class ListConcatInLoop(Detector):
    """List built with `acc = acc + [...]` inside a loop.

    ## What it does
    Flags `acc = acc + [...]` (also `+ [... for ...]` or `+ list(...)`) inside a `for` /
    `while` loop when `acc` is a list: its scope binds it to a list display, list
    comprehension or `list(...)` call, and to nothing else but such concatenations.

    ## Why is this bad?
    `acc + [...]` builds a brand-new list and copies every item collected so far into it, so
    building a list of n items this way costs O(n²). `acc.append(x)` / `acc.extend(xs)` (or
    `acc += xs`) grow the list in place in amortised O(1) per item.

    ## Example
    ```python
    result = []
    for row in rows:
        result = result + [row.id]
    ```
    Use instead:
    ```python
    result = []
    for row in rows:
        result.append(row.id)
    ```

    ## Fix safety
    A fix would be review-level: `append` / `extend` mutate the list in place, so another
    reference to the old list (taken before or during the loop) would now see the new items,
    where `acc = acc + ...` left it untouched.
    """

    CODE = "PERF110"
    NAME = "list-concat-in-loop"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("list built with `acc = acc + [...]` in a loop copies it every time (quadratic); "
               "use acc.append(...) / acc.extend(...)")
    VALID = [
        Valid("""
            result = []
            for row in rows:
                result.append(row.id)
        """),
        Valid("""
            result = []
            result = result + [1]
        """),
        Valid("""
            import numpy as np
            point = np.zeros(2)
            for step in steps:
                point = point + [step.dx, step.dy]
        """),
        Valid("""
            def shift(point, steps):
                for step in steps:
                    point = point + [step]
                return point
        """),
        Valid("""
            result = []
            for row in rows:
                result = [row] + result
        """),
    ]
    INVALID = [
        Invalid("""
            result = []
            for row in rows:
                result = result + [row.id]
        """, line=3),
        Invalid("""
            def flatten(groups):
                out = list()
                for group in groups:
                    out = out + [x for x in group] + [None]
                return out
        """, line=4),
        Invalid("""
            names = []
            while more():
                names = names + list(fetch())
        """, line=3),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self._scopes: dict[int, dict[str, list[cst.CSTNode]]] = {}

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0].target
        if not isinstance(target, cst.Name) or not _self_concat(target.value, node.value):
            return
        if self.enclosing_loop(node) is not None and self._is_list(target.value, node):
            self.report(node)

    def _is_list(self, name: str, where: cst.CSTNode) -> bool:
        scope = self.enclosing_scope(where)
        if id(scope) not in self._scopes:
            self._scopes[id(scope)] = bindings(scope)
        bound = [how for how in self._scopes[id(scope)].get(name, [])
                 if not isinstance(how, cst.AugAssign) and not _self_concat(name, how)]
        return bool(bound) and all(list_value(how) for how in bound)

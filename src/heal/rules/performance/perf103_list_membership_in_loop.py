"""PERF103: `in` / `not in` against a list inside a loop or comprehension."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, ModuleIndex
from heal.rules.scope import bindings, list_value


class ListMembershipInLoop(Detector):
    """Membership test against a list inside a loop.

    ## What it does
    Flags `x in <list>` / `x not in <list>` inside a `for` / `while` loop or a comprehension
    when the right side is a list display, a list comprehension, or a name that its scope only
    ever binds to a list display, list comprehension or `list(...)` call (`+=` aside). A name
    whose list is rebuilt on every pass of that same loop is left alone: it is scanned once
    per build.

    ## Why is this bad?
    Membership in a list is a linear scan, so testing it once per iteration makes the loop
    O(n·m). A `set` (or `frozenset`) answers in O(1) on average. For a small literal of
    constants a tuple or set literal also reads as "a fixed group of values".

    ## Example
    ```python
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    ```
    Use instead:
    ```python
    seen = set()
    for item in items:
        if item not in seen:
            seen.add(item)
    ```

    ## Fix safety
    A fix would be review-level: a set needs hashable elements, loses order and duplicates,
    and code that indexes, sorts or appends to the list must change with it. Turning a literal
    `[...]` on the right of `in` into a tuple is safe.
    """

    CODE = "PERF103"
    NAME = "list-membership-in-loop"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("membership test against a list in a loop scans the list each time; "
               "use a set (or a tuple for a small literal)")
    VALID = [
        Valid("""
            allowed = {"a", "b"}
            for x in xs:
                if x in allowed:
                    pass
        """),
        Valid("""
            if x in [1, 2, 3]:
                pass
        """),
        Valid("""
            names = get_names()
            for x in xs:
                if x in names:
                    pass
        """),
        Valid("""
            names = []
            names = load()
            for x in xs:
                if x in names:
                    pass
        """),
        Valid("""
            for x in xs:
                if x in (1, 2, 3):
                    pass
        """),
        Valid("""
            for name in names:
                allowed = list(DEFAULTS)
                if name not in allowed:
                    pass
        """),
    ]
    INVALID = [
        Invalid("""
            for x in xs:
                if x in [1, 2, 3]:
                    pass
        """, line=2),
        Invalid("""
            def dedupe(items):
                seen = []
                for item in items:
                    if item not in seen:
                        seen.append(item)
                return seen
        """, line=4),
        Invalid("""
            keep = [k for k in keys if k]
            picked = [v for v in values if v in keep]
        """, line=2),
        Invalid("""
            while queue:
                ok = queue.pop() in list(done)
        """, line=2),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self._scopes: dict[int, dict[str, list[cst.CSTNode]]] = {}

    def visit_Comparison(self, node: cst.Comparison) -> None:
        loop = self.enclosing_loop(node, comprehensions=True)
        if loop is None:
            return
        for target in node.comparisons:
            if (isinstance(target.operator, (cst.In, cst.NotIn))
                    and self._is_list(target.comparator, node, loop)):
                self.report(node)
                return

    def _is_list(self, expr: cst.BaseExpression, where: cst.CSTNode, loop: cst.CSTNode) -> bool:
        if list_value(expr):
            return True
        if not isinstance(expr, cst.Name):
            return False
        scope = self.enclosing_scope(where)
        if id(scope) not in self._scopes:
            self._scopes[id(scope)] = bindings(scope)
        bound = self._scopes[id(scope)].get(expr.value, [])
        values = [how for how in bound if not isinstance(how, cst.AugAssign)]
        if not values or not all(list_value(how) for how in values):
            return False
        # a list rebuilt on every pass of this very loop is tested once per build
        return any(all(ancestor is not loop for ancestor in self.ancestors(how))
                   for how in values)

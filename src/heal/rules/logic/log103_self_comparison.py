"""LOG103: a value compared with itself (`x == x`, `a.b < a.b`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.model import Category, Priority
from heal.rules.base import Detector, call_name

# `x in x` can be meaningful (a string contains itself), so membership is left out
COMPARISONS = (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot, cst.LessThan, cst.LessThanEqual,
               cst.GreaterThan, cst.GreaterThanEqual)
NAN_CHECKS = (cst.Equal, cst.NotEqual)


class SelfComparison(Detector):
    """Value compared with itself.

    ## What it does
    Flags a comparison whose two sides are the same name or the same dotted attribute chain:
    `x == x`, `x != x`, `x is x`, `self.a < self.a`. Sides with calls or subscripts are not
    compared, since they may differ between evaluations. Comparisons inside `assert` (or an
    `assert*()` call) are skipped: tests compare an object with itself to check `__eq__`.

    ## Why is this bad?
    The result is fixed (`x is x` is always true, `x < x` is false for any sane type), so the
    comparison is almost always a typo for comparing with a different variable. The one
    deliberate use, `x != x` to detect a float NaN, is obscure: `math.isnan(x)` says it plainly.

    ## Example
    ```python
    if other.width == other.width:
        ...
    ```
    Use instead:
    ```python
    if self.width == other.width:
        ...
    ```

    ## Fix safety
    There is no automatic fix: the intended operand is unknown. For the NaN idiom a reviewer may
    replace `x != x` with `math.isnan(x)` (which, unlike `!=`, rejects non-numbers).
    """

    CODE = "LOG103"
    NAME = "self-comparison"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P1
    MESSAGE = "comparison of a value with itself always gives the same result"
    NAN_MESSAGE = ("comparison of a value with itself: if this is a NaN check, "
                   "use math.isnan(x) instead")
    VALID = [
        Valid("""
            if self.width == other.width:
                pass
        """),
        Valid("""
            same = f() == f()
            first = xs[0] == xs[0]
            inside = s in s
        """),
        Valid("""
            def test_eq():
                assert obj == obj
                self.assertTrue(obj == obj)
        """),
    ]
    INVALID = [
        Invalid("""
            if x == x:
                pass
        """, line=1),
        Invalid("""
            def is_nan(value):
                return value != value
        """, line=2),
        Invalid("""
            ok = 0 < self.size < self.size
        """, line=1),
    ]

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self._in_assertion(node):
            return
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, COMPARISONS):
                name = dotted_name(left)
                if name is not None and name == dotted_name(right):
                    nan = isinstance(target.operator, NAN_CHECKS)
                    self.report(node, self.NAN_MESSAGE if nan else None)
                    return
            left = right

    def _in_assertion(self, node: cst.CSTNode) -> bool:
        """`assert x == x` / `self.assertTrue(x == x)`: a test of `__eq__` itself."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.Assert):
                return True
            if isinstance(ancestor, cst.Call):
                name = call_name(ancestor) or ""
                return name.rpartition(".")[2].startswith("assert")
            if isinstance(ancestor, (cst.BaseStatement, cst.BaseSmallStatement)):
                return False
        return False

"""LOG109: `is` / `is not` against a literal (`x is "a"`, `n is 1`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector

SCALARS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
           cst.Integer, cst.Float, cst.Imaginary)
DISPLAYS = (cst.List, cst.Dict, cst.Set, cst.Tuple,
            cst.ListComp, cst.DictComp, cst.SetComp)


def _literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return isinstance(node.expression, (cst.Integer, cst.Float, cst.Imaginary))
    return isinstance(node, (*SCALARS, *DISPLAYS))


class IsLiteral(Detector):
    """Identity comparison with a literal.

    ## What it does
    Flags `x is <literal>` and `x is not <literal>` where the literal is a string, bytes or
    number, or a list, dict, set or tuple display. `None`, `True`, `False` and `...` are
    singletons and are fine.

    ## Why is this bad?
    `is` tests object identity, not equality. Whether two equal strings or numbers are the same
    object is a CPython implementation detail (small-int caching, string interning) that changes
    between versions and builds; a display builds a new object, so `is` against it is always
    false. CPython itself warns: "SyntaxWarning: 'is' with a literal".

    ## Example
    ```python
    if status is "done":
        ...
    ```
    Use instead:
    ```python
    if status == "done":
        ...
    ```

    ## Fix safety
    The suggested fix replaces `is` with `==` (and `is not` with `!=`). It is review-level: `==`
    calls the operand's `__eq__`, which may behave differently from the identity test on
    unusual types.
    """

    CODE = "LOG109"
    NAME = "is-literal"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P1
    MESSAGE = "`is` compares identity, not value; use == / != to compare with a literal"
    VALID = [
        Valid("""
            if status == "done" or value is None or flag is not True:
                pass
        """),
        Valid("""
            if rest is ... or x is SENTINEL or x in (1, 2):
                pass
        """),
    ]
    INVALID = [
        Invalid("""
            if status is "done":
                pass
        """, line=1),
        Invalid("""
            def f(n):
                return n is not -1
        """, line=2),
        Invalid("""
            empty = 1 is 1 and items is []
        """, line=1),
    ]

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, (cst.Is, cst.IsNot)) and (
                    _literal(left) or _literal(right)):
                self.report(node)
                return
            left = right

"""LOG109: `is` / `is not` against a literal (`x is "a"`, `n is 1`); the fix compares with
`==` / `!=` (review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import Detector, NativeFixer

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

    The fix rewrites `is` to `==` and `is not` to `!=` in the comparison; comments and
    formatting around it stay.

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
    Use instead (what the fix writes):
    ```python
    if status == "done":
        ...
    ```

    ## Fix safety
    Review: `==` calls the operand's `__eq__`, which a class may define differently from
    identity, so a human confirms the value semantics were meant.
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
        """, line=1, expected="""
            if status == "done":
                pass
        """),
        Invalid("""
            def f(n):
                return n is not -1
        """, line=2, expected="""
            def f(n):
                return n != -1
        """),
        Invalid("""
            empty = 1 is 1 and items is []
        """, line=1, expected="""
            empty = 1 == 1 and items == []
        """),
        Invalid("def f(code):\n    return code is 200  # status\n",
                expected="def f(code):\n    return code == 200  # status\n"),
        Invalid("def f(name):\n    return name is not 'x'\n",
                expected="def f(name):\n    return name != 'x'\n"),
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


class IsLiteralToEquality(NativeFixer):
    RULE = IsLiteral
    NAME = "is-literal-to-equality"
    SAFETY = Safety.REVIEW

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        comparisons = context.nodes_covering(finding.span, (cst.Comparison,))
        if not comparisons:
            return self.decline(finding, "no comparison at the reported position")
        node = comparisons[0]
        assert isinstance(node, cst.Comparison)
        targets = []
        for target in node.comparisons:
            if isinstance(target.operator, cst.Is):
                op: cst.BaseCompOp = cst.Equal(whitespace_before=target.operator.whitespace_before,
                                               whitespace_after=target.operator.whitespace_after)
            elif isinstance(target.operator, cst.IsNot):
                op = cst.NotEqual(whitespace_before=target.operator.whitespace_before,
                                  whitespace_after=target.operator.whitespace_after)
            else:
                targets.append(target)
                continue
            targets.append(target.with_changes(operator=op))
        new = node.with_changes(comparisons=targets)
        return self.fix_from_text(finding, context, context.replace(node, new),
                                  "compare with == instead of is",
                                  rationale="`==` calls __eq__; confirm value equality is meant")

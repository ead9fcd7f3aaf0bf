"""LGC109: `x is <literal>` becomes `x == <literal>` (review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.model import Category, Declined, Finding, Fix, Safety


class IsLiteral(Fixer):
    """Compare with a literal by value, not identity.

    ## What it does
    Rewrites `x is 200` to `x == 200` and `x is not "a"` to `x != "a"` where the native
    detector LOG109 found an identity comparison with a str, bytes, number or container literal.

    ## Why is this bad?
    `is` compares object identity. Whether two equal literals are the same object is an
    accident of the interpreter (small-int and string interning), so the comparison can be true
    on one Python and false on another, or change with the value. CPython warns about it.

    ## Example
    ```python
    if code is 200:
        ...
    ```
    becomes
    ```python
    if code == 200:
        ...
    ```

    ## Fix safety
    Review: `==` calls `__eq__`, which a class may define differently from identity, so a human
    confirms the value semantics were meant. Comments and formatting around the comparison stay.
    """

    CODE = "LGC109"
    NAME = "is-literal-to-equality"
    CATEGORY = Category.LOGIC
    RULES = ("heal:LOG109",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("if code is None:\n    pass\n")]
    INVALID = [
        Invalid("def f(code):\n    return code is 200  # status\n",
                expected="def f(code):\n    return code == 200  # status\n"),
        Invalid("def f(name):\n    return name is not 'x'\n",
                expected="def f(name):\n    return name != 'x'\n"),
    ]

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

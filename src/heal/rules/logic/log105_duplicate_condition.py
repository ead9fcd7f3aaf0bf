"""LOG105: the same test twice in one if/elif chain."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, same_code


class DuplicateCondition(Detector):
    """Same condition repeated in an `if`/`elif` chain.

    ## What it does
    Flags an `elif` whose test is written exactly like the test of an earlier branch of the
    same `if`/`elif` chain (whitespace and comments aside).

    ## Why is this bad?
    The later branch can only run if the earlier one did not, so with the same test it is
    dead code (unless the test has side effects). It is usually a copy-paste slip: the second
    test was meant to check something else.

    ## Example
    ```python
    if kind == "a":
        parse_a()
    elif kind == "a":
        parse_b()
    ```
    Use instead:
    ```python
    if kind == "a":
        parse_a()
    elif kind == "b":
        parse_b()
    ```

    ## Fix safety
    There is no automatic fix: the intended condition is unknown. Removing the dead branch
    is only correct if it was never meant to run, which a reviewer must decide.
    """

    CODE = "LOG105"
    NAME = "duplicate-condition"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P1
    MESSAGE = "this condition repeats an earlier one in the same if/elif chain, so it never runs"
    VALID = [
        Valid("""
            if kind == "a":
                parse_a()
            elif kind == "b":
                parse_b()
        """),
        Valid("""
            if x:
                one()
            else:
                if x:
                    two()
        """),
    ]
    INVALID = [
        Invalid("""
            if kind == "a":
                parse_a()
            elif kind == "a":
                parse_b()
        """, line=3),
        Invalid("""
            if isinstance(x, int):
                pass
            elif isinstance(x, str):
                pass
            elif isinstance(x,  int):
                pass
        """, line=5),
    ]

    def visit_If(self, node: cst.If) -> None:
        parent = self.parent(node)
        if isinstance(parent, cst.If) and parent.orelse is node:
            return  # an `elif`: checked with the head of its chain
        seen: list[cst.BaseExpression] = []
        branch: cst.If | cst.Else | None = node
        while isinstance(branch, cst.If):
            if any(same_code(branch.test, earlier) for earlier in seen):
                self.report(branch.test)
            seen.append(branch.test)
            branch = branch.orelse

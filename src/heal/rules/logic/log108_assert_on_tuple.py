"""LOG108: `assert (condition, "message")`, which can never fail."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector


class AssertOnTuple(Detector):
    """`assert` on a non-empty tuple.

    ## What it does
    Flags `assert (condition, "message")` and any other `assert` whose test is a non-empty
    tuple display.

    ## Why is this bad?
    A non-empty tuple is always true, so the assertion can never fail: the check it was meant to
    make is silently switched off. The parentheses usually come from wrapping a long assert
    over several lines.

    ## Example
    ```python
    assert (
        user.active,
        "user must be active",
    )
    ```
    Use instead:
    ```python
    assert user.active, (
        "user must be active"
    )
    ```

    ## Fix safety
    The suggested fix rewrites `assert (cond, msg)` as `assert cond, msg`. It is review-level:
    the assertion starts failing wherever the condition was false all along.
    """

    CODE = "LOG108"
    NAME = "assert-on-tuple"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P1
    MESSAGE = "assert on a non-empty tuple is always true; write `assert cond, message`"
    VALID = [
        Valid("""
            assert user.active, "user must be active"
        """),
        Valid("""
            assert (user.active), ("user must be active")
            assert ()
            assert pair == (1, 2)
        """),
    ]
    INVALID = [
        Invalid("""
            assert (user.active, "user must be active")
        """, line=1),
        Invalid("""
            def check(x):
                assert (
                    x > 0,
                    "x must be positive",
                )
        """, line=2),
    ]

    def visit_Assert(self, node: cst.Assert) -> None:
        if isinstance(node.test, cst.Tuple) and node.test.elements:
            self.report(node)

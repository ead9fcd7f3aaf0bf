"""LOG108: `assert (condition, "message")`, which can never fail; the fix asserts the condition
(review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import Detector, NativeFixer
from heal.rules.rewrite import comments_in, parenthesized


class AssertOnTuple(Detector):
    """`assert` on a non-empty tuple.

    ## What it does
    Flags `assert (condition, "message")` and any other `assert` whose test is a non-empty
    tuple display.

    The fix (which also heals ruff's twin F631) rewrites `assert (condition, message)` as
    `assert condition, message`; a one-element `assert (condition,)` becomes
    `assert condition`. When the tuple spanned several lines, its parentheses stay around the
    message (`assert condition, (` ... `)`), so the layout and the comments in it survive. The
    fix is declined for tuples of three or more elements (which one is the message?), for
    starred elements, and for an assert that already has a message.

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
    Use instead (what the fix writes):
    ```python
    assert user.active, (
        "user must be active"
    )
    ```

    ## Fix safety
    Review: the assertion starts failing wherever the condition was false all along, which is
    the point, but may break code (or tests) that silently relied on it passing.
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
        """, line=1, expected="""
            assert user.active, "user must be active"
        """),
        Invalid("""
            def check(x):
                assert (
                    x > 0,
                    "x must be positive",
                )
        """, line=2, expected="""
            def check(x):
                assert x > 0, (
                    "x must be positive"
                )
        """),
        Invalid("""
            def check(price):
                assert (price >= 0, "price must not be negative")  # sanity
        """, expected="""
            def check(price):
                assert price >= 0, "price must not be negative"  # sanity
        """),
        Invalid("""
            def check(x):
                assert (
                    x > 0,  # positive
                    "x must be positive",
                )
        """, expected="""
            def check(x):
                assert x > 0, (  # positive
                    "x must be positive"
                )
        """),
        Invalid("""
            def check(x):
                assert (x >
                        0,)
        """, expected="""
            def check(x):
                assert (x >
                        0)
        """),
        Invalid("""
            def check(x, y):
                assert (x, y, "both")
        """),
        Invalid("""
            def check(x, y):
                assert (x, y), "both"
        """),
    ]

    def visit_Assert(self, node: cst.Assert) -> None:
        if isinstance(node.test, cst.Tuple) and node.test.elements:
            self.report(node)


def _bare(node: cst.BaseExpression, code: str) -> cst.BaseExpression:
    """The expression, parenthesized when it spans lines outside any bracket of its own."""
    if "\n" in code and not node.lpar:
        return parenthesized(node)
    return node


class AssertTupleToCondition(NativeFixer):
    RULE = AssertOnTuple
    NAME = "assert-tuple-to-condition"
    SAFETY = Safety.REVIEW
    ALSO = ("ruff:F631",)

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        asserts = context.nodes_at(finding.span, (cst.Assert,))
        if not asserts:
            return self.decline(finding, "no assert at the reported position")
        node = asserts[0]
        assert isinstance(node, cst.Assert)
        test = node.test
        if not isinstance(test, cst.Tuple) or not test.elements:
            return self.decline(finding, "the assert's test is not a non-empty tuple")
        if node.msg is not None:
            return self.decline(finding, "the assert already has a message; which part of the "
                                         "tuple is the condition is unclear")
        elements = test.elements
        if len(elements) > 2 or any(isinstance(e, cst.StarredElement) for e in elements):
            return self.decline(finding, "the tuple has more than a condition and a message")
        condition = elements[0].value
        if len(test.lpar) != 1:
            return self.decline(finding, "the tuple has no parentheses of its own")
        opening, closing = test.lpar[0], test.rpar[0]
        multiline = "\n" in context.code_of(test)
        new_test = _bare(condition, context.code_of(condition))
        if len(elements) == 1:
            if multiline:  # keep the tuple's parentheses (and the lines) around the condition
                comma = elements[0].comma
                inner = (comma.whitespace_after if isinstance(comma, cst.Comma) and isinstance(
                    comma.whitespace_after, cst.ParenthesizedWhitespace)
                    else closing.whitespace_before)
                new_test = condition.with_changes(
                    lpar=[opening, *condition.lpar],
                    rpar=[*condition.rpar, closing.with_changes(whitespace_before=inner)])
            new = node.with_changes(test=new_test, msg=None, comma=cst.MaybeSentinel.DEFAULT)
        else:
            message = elements[1].value
            first_comma = elements[0].comma
            assert isinstance(first_comma, cst.Comma)
            if multiline:
                last_comma = elements[1].comma
                before_close = (last_comma.whitespace_after
                                if isinstance(last_comma, cst.Comma) and isinstance(
                                    last_comma.whitespace_after, cst.ParenthesizedWhitespace)
                                else closing.whitespace_before)
                new_message: cst.BaseExpression = message.with_changes(
                    lpar=[cst.LeftParen(whitespace_after=first_comma.whitespace_after),
                          *message.lpar],
                    rpar=[*message.rpar, cst.RightParen(whitespace_before=before_close)])
                if comments_in(opening):
                    return self.decline(finding, "a comment right after the opening "
                                                 "parenthesis has nowhere to go")
            else:
                new_message = message
            new = node.with_changes(test=new_test, msg=new_message, comma=cst.Comma(
                whitespace_after=cst.SimpleWhitespace(" ")))
        if sorted(comments_in(new)) != sorted(comments_in(node)):
            return self.decline(finding, "the rewrite would lose a comment")
        return self.fix_from_text(finding, context, context.replace(node, new),
                                  "assert the condition instead of a tuple",
                                  rationale="the assertion can fail now; check it should")

"""TYP109: a value a failing test found None gets a guard that returns None early."""

from __future__ import annotations

import libcst as cst

from heal import failures
from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.fixer import Fixer, ModuleContext
from heal.healers.types.annotations import enclosing_function
from heal.healers.types.none_guard import guardable_statement, with_guard
from heal.model import Category, Declined, Finding, Fix, Safety


def _reads(context: ModuleContext, finding: Finding, attribute: str) -> list[cst.Attribute]:
    """The `.attribute` reads the failure points at: the expression Python recorded, else
    every one on the failing line."""
    exact = [n for n in context.nodes_at(finding.span, (cst.Attribute,))
             if isinstance(n, cst.Attribute) and n.attr.value == attribute]
    if exact:
        return exact
    line = finding.span.start.line
    return [n for n in context.parsed.on_line(line)
            if isinstance(n, cst.Attribute) and n.attr.value == attribute
            and context.positions[n].start.line == line]


class NoneEarlyReturn(Fixer):
    """Return None early where a test found a value None and read an attribute of it.

    ## What it does
    Where a test fails with `AttributeError: 'NoneType' object has no attribute 'y'`
    (`pytest:attribute-none`, from `heal --from-tests`, or a logged traceback with
    `heal --from-log`) at `x.y` inside a function, and `x` is a name or a dotted name
    (`user.profile`), inserts `if x is None: return None` right before the statement that
    failed. Where the value is a call's result, several values on the line read the attribute,
    the use runs only sometimes (the right of `and` / `or`, a conditional branch, a
    comprehension, an `elif` or `while` test) or the code is not in a function, it declines and
    says why.

    ## Why is this bad?
    The function is called with a value missing (a user without a profile, a lookup that found
    nothing) and crashes instead of answering. Often the right answer is "nothing": the caller
    already handles None.

    ## Example
    ```python
    def display_name(user):
        return user.profile.name
    ```
    becomes
    ```python
    def display_name(user):
        if user.profile is None:
            return None
        return user.profile.name
    ```

    ## Fix safety
    Review: the function now returns None where it raised, which changes what it does. heal
    verifies that the failing test passes with the guard and that no other test breaks, and
    queues the fix with the failure before and the outcome after; a human decides whether None
    is the right answer or the value should never have been None.
    """

    CODE = "TYP109"
    NAME = "none-early-return"
    CATEGORY = Category.TYPE
    RULES = ("pytest:attribute-none",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        def display_name(user):
            if user.profile is None:
                return None
            return user.profile.name


        class User:
            profile = None


        print(display_name(User()))
    """)]
    INVALID = [
        Invalid("""
            class User:
                profile = None


            def display_name(user):
                # the name shown on the page
                return user.profile.name


            print(display_name(User()))
        """, expected="""
            class User:
                profile = None


            def display_name(user):
                # the name shown on the page
                if user.profile is None:
                    return None
                return user.profile.name


            print(display_name(User()))
        """),
        Invalid("""
            def find(key):
                return None


            print(find("a").upper())
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        attribute = failures.none_attribute(finding.message)
        if attribute is None:
            return None
        reads = _reads(context, finding, attribute)
        values = {dotted_name(n.value) for n in reads}
        if not reads or None in values:
            return self.decline(finding, f"the value whose `.{attribute}` failed is not a name or "
                                         "a dotted name (a call's result?); guard it by hand")
        if len(values) > 1:
            return self.decline(finding, f"{', '.join(sorted(str(v) for v in values))} all read "
                                         f"`.{attribute}` on that line: which one was None "
                                         "cannot be told; guard it by hand")
        found = guardable_statement(context, reads[0])
        if isinstance(found, str):
            return self.decline(finding, found)
        statement, block = found
        if enclosing_function(context, statement) is None:
            return self.decline(finding, "not inside a function: there is nothing to return "
                                         "from; guard it by hand")
        expression = values.pop()
        check = cst.parse_statement(f"if {expression} is None:\n    return None\n")
        return self.fix_from_text(
            finding, context, with_guard(context, block, statement, check),
            f"return None early when `{expression}` is None, before `.{attribute}`",
            rationale=f"{failures.before_after(finding)}. The function now returns None where "
                      f"it raised; check that None is the right answer, or that "
                      f"`{expression}` should never be None")

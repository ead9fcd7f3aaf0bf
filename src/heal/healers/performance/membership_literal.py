"""PRF103: `x in [literal, ...]` in a loop tests against a set (or tuple) literal instead."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.model import Category, Declined, Finding, Fix, Safety

NUMBERS = (cst.Integer, cst.Float, cst.Imaginary)
STRINGS = (cst.SimpleString, cst.ConcatenatedString)


def hashable_literal(node: cst.BaseExpression) -> bool:
    """A str/bytes/number/bool/None literal, or a tuple of them."""
    if isinstance(node, (*STRINGS, *NUMBERS)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, (cst.Minus, cst.Plus)) and isinstance(
            node.expression, NUMBERS)
    if isinstance(node, cst.Tuple):
        return all(isinstance(element, cst.Element) and hashable_literal(element.value)
                   for element in node.elements)
    return False


def _as_tuple(node: cst.List) -> cst.Tuple:
    elements = list(node.elements)
    if len(elements) == 1 and not isinstance(elements[0].comma, cst.Comma):
        elements[0] = elements[0].with_changes(comma=cst.Comma())
    return cst.Tuple(
        elements=elements,
        lpar=[*node.lpar, cst.LeftParen(whitespace_after=node.lbracket.whitespace_after)],
        rpar=[cst.RightParen(whitespace_before=node.rbracket.whitespace_before), *node.rpar])


def _as_set(node: cst.List) -> cst.Set:
    return cst.Set(
        elements=node.elements,
        lbrace=cst.LeftCurlyBrace(whitespace_after=node.lbracket.whitespace_after),
        rbrace=cst.RightCurlyBrace(whitespace_before=node.rbracket.whitespace_before),
        lpar=node.lpar, rpar=node.rpar)


class MembershipLiteral(Fixer):
    """Test membership against a set or tuple literal, not a list literal.

    ## What it does
    Where the native detector PERF103 found `x in [...]` / `x not in [...]` with a list
    *literal* inside a loop, rewrites the list literal: to a set literal (`{...}`) when every
    element is a hashable literal (str, bytes, int, float, complex, bool, None, or tuples of
    those) and no two are spelled alike, and `--unsafe-fixes` is on; otherwise to a tuple
    literal (`(...)`). A membership test against a list *variable*, a `list(...)` call or a
    list comprehension is declined: turning those into sets changes the code that builds them.

    ## Why is this bad?
    `in` on a list compares the needle with every element in turn, on every pass of the loop.
    A set literal of constants is compiled once into a `frozenset` and answers in O(1); a tuple
    literal is at least a constant built once, and states that the collection never changes.

    ## Example
    ```python
    for name in names:
        if name in ["apple", "pear", "plum"]:
            keep(name)
    ```
    becomes (with `--unsafe-fixes`)
    ```python
    for name in names:
        if name in {"apple", "pear", "plum"}:
            keep(name)
    ```
    and otherwise `if name in ("apple", "pear", "plum"):`.

    ## Fix safety
    The tuple rewrite is safe: `in` on a tuple compares exactly as on a list. The set rewrite
    is unsafe: a set hashes the needle first, so an unhashable needle (a list, a dict) that used
    to give False now raises TypeError, and a type whose `__hash__` disagrees with its `__eq__`
    may compare differently. Comments inside the brackets stay.
    """

    CODE = "PRF103"
    NAME = "membership-literal"
    CATEGORY = Category.PERFORMANCE
    RULES = ("heal:PERF103",)
    SAFETY = Safety.SAFE
    VALID = [
        Valid("""
            for x in xs:
                if x in {1, 2, 3}:
                    pass
        """),
        Valid("""
            if x in [1, 2, 3]:
                pass
        """),
    ]
    INVALID = [
        Invalid("""
            def pick(names):
                for name in names:
                    if name in ["apple", "pear"]:  # fruit
                        yield name
        """, expected="""
            def pick(names):
                for name in names:
                    if name in {"apple", "pear"}:  # fruit
                        yield name
        """),
        Invalid("""
            def pick(rows, a, b):
                return [r for r in rows if r.key not in [
                    a,  # first
                    b,
                ]]
        """, expected="""
            def pick(rows, a, b):
                return [r for r in rows if r.key not in (
                    a,  # first
                    b,
                )]
        """),
        Invalid("""
            for x in xs:
                if x in [(1, "a"), -2, None, [3]]:
                    pass
        """, expected="""
            for x in xs:
                if x in ((1, "a"), -2, None, [3]):
                    pass
        """),
        Invalid("""
            for x in xs:
                ok = x in [y]
        """, expected="""
            for x in xs:
                ok = x in (y,)
        """),
        Invalid("""
            def dedupe(items):
                seen = []
                for item in items:
                    if item not in seen:
                        seen.append(item)
                return seen
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        comparisons = context.nodes_at(finding.span, (cst.Comparison,))
        if not comparisons:
            return self.decline(finding, "no comparison at the reported position")
        node = comparisons[0]
        assert isinstance(node, cst.Comparison)
        unsafe = context.config.unsafe_fixes
        targets: list[cst.ComparisonTarget] = []
        changed, to_set = False, False
        for target in node.comparisons:
            comparator = target.comparator
            if isinstance(target.operator, (cst.In, cst.NotIn)) and isinstance(comparator,
                                                                              cst.List):
                elements = comparator.elements
                spelled = [context.code_of(element.value) for element in elements]
                settable = (unsafe and bool(elements) and len(set(spelled)) == len(spelled)
                            and all(isinstance(element, cst.Element)
                                    and hashable_literal(element.value)
                                    for element in elements))
                to_set = to_set or settable
                new: cst.BaseExpression = (_as_set(comparator) if settable
                                           else _as_tuple(comparator))
                targets.append(target.with_changes(comparator=new))
                changed = True
            else:
                targets.append(target)
        if not changed:
            return self.decline(finding, "the list is not a literal (a variable, call or "
                                         "comprehension): making it a set changes the code "
                                         "that builds it")
        new_text = context.replace(node, node.with_changes(comparisons=targets))
        if to_set:
            return self.fix_from_text(
                finding, context, new_text, "test membership against a set literal",
                safety=Safety.UNSAFE,
                rationale="a set hashes the needle: an unhashable one now raises TypeError")
        return self.fix_from_text(finding, context, new_text,
                                  "test membership against a tuple literal")

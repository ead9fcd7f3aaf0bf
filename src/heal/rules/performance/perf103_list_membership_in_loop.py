"""PERF103: `in` / `not in` against a list inside a loop or comprehension; the fix tests a
list literal as a set or tuple literal instead."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import Detector, ModuleIndex, NativeFixer
from heal.rules.scope import bindings, list_value


class ListMembershipInLoop(Detector):
    """Membership test against a list inside a loop.

    ## What it does
    Flags `x in <list>` / `x not in <list>` inside a `for` / `while` loop or a comprehension
    when the right side is a list display, a list comprehension, or a name that its scope only
    ever binds to a list display, list comprehension or `list(...)` call (`+=` aside). A name
    whose list is rebuilt on every pass of that same loop is left alone: it is scanned once
    per build.

    The fix rewrites a list *literal* on the right of `in`: to a set literal (`{...}`) when
    every element is a hashable literal (str, bytes, int, float, complex, bool, None, or
    tuples of those) and no two are spelled alike, and `--unsafe-fixes` is on; otherwise to a
    tuple literal (`(...)`). Comments inside the brackets stay. A membership test against a
    list *variable*, a `list(...)` call or a list comprehension is declined: turning those into
    sets changes the code that builds them.

    ## Why is this bad?
    Membership in a list is a linear scan, so testing it once per iteration makes the loop
    O(n·m). A `set` (or `frozenset`) answers in O(1) on average; a set literal of constants is
    compiled once into a `frozenset`. For a small literal of constants a tuple or set literal
    also reads as "a fixed group of values".

    ## Example
    ```python
    for name in names:
        if name in ["apple", "pear", "plum"]:
            keep(name)
    ```
    Use instead (what the fix writes with `--unsafe-fixes`; otherwise
    `if name in ("apple", "pear", "plum"):`):
    ```python
    for name in names:
        if name in {"apple", "pear", "plum"}:
            keep(name)
    ```
    For a list that grows as the loop runs (`seen = []` ... `seen.append(item)`), use a
    `set()` and `add()`: heal leaves that change to you.

    ## Fix safety
    The tuple rewrite is safe: `in` on a tuple compares exactly as on a list. The set rewrite
    is unsafe: a set hashes the needle first, so an unhashable needle (a list, a dict) that used
    to give False now raises TypeError, and a type whose `__hash__` disagrees with its `__eq__`
    may compare differently.
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
        Valid("""
            for x in xs:
                if x in {1, 2, 3}:
                    pass
        """),
    ]
    INVALID = [
        Invalid("""
            for x in xs:
                if x in [1, 2, 3]:
                    pass
        """, line=2, expected="""
            for x in xs:
                if x in {1, 2, 3}:
                    pass
        """),
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


class MembershipLiteral(NativeFixer):
    RULE = ListMembershipInLoop
    NAME = "membership-literal"
    SAFETY = Safety.SAFE

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

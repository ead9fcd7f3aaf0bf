"""LGC104: an assignment of a value to itself (`x = x`) is removed (review)."""

from __future__ import annotations

import builtins

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.performance._common import (
    bindings,
    block_of,
    comment_lines,
    drop_trailing_semicolon,
    enclosing_scope,
    leading_lines,
    rewrite,
    uses_of,
    walk,
)
from heal.model import Category, Declined, Finding, Fix, Safety

BUILTIN_NAMES = frozenset(dir(builtins))


def _params(function: cst.FunctionDef) -> set[str]:
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [star for star in (params.star_arg, params.star_kwarg) if isinstance(star, cst.Param)]
    return {param.name.value for param in every}


def _plain_names(target: cst.BaseExpression) -> set[str] | None:
    """The names of `x` / `a, b` targets; None when an attribute or subscript is among them."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        found: set[str] = set()
        for element in target.elements:
            inner = _plain_names(element.value)
            if inner is None:
                return None
            found |= inner
        return found
    return None


class SelfAssignment(Fixer):
    """Remove an assignment that assigns a value to itself.

    ## What it does
    Where the native detector LOG104 (or ruff's twin PLW0127) found `x = x`, `self.a = self.a`
    or `a, b = a, b`, removes the statement. When it is the only statement of its block it
    becomes `pass`; when it shares a line with other statements (`x = x; y = 1`) only it goes.
    Comments on the removed line (above it or after it) move to the next statement of the block
    (or the end of the block). Declined when, in a function, the assignment is the only thing
    that makes a name local: removing it would make every other read of that name a global
    lookup.

    ## Why is this bad?
    The assignment does nothing. Usually it is a mistake for something else: a parameter
    meant to be stored (`self.a = a`), or a swap written the wrong way round (`a, b = b, a`).

    ## Example
    ```python
    def __init__(self, name):
        self.name = self.name
        self.size = 0
    ```
    becomes
    ```python
    def __init__(self, name):
        self.size = 0
    ```

    ## Fix safety
    Review: the statement may be a typo for an assignment that was meant (`self.name = name`),
    which removing it does not fix; and assigning an attribute to itself runs a property setter
    or `__setattr__`, which might have been the point.
    """

    CODE = "LGC104"
    NAME = "remove-self-assignment"
    CATEGORY = Category.LOGIC
    RULES = ("heal:LOG104", "ruff:PLW0127")
    SAFETY = Safety.REVIEW
    VALID = [Valid("a, b = b, a\n")]
    INVALID = [
        Invalid("""
            class C:
                def __init__(self, name):
                    # keep the name
                    self.name = self.name  # really?
                    self.size = 0
        """, expected="""
            class C:
                def __init__(self, name):
                    # keep the name
                    # really?
                    self.size = 0
        """),
        Invalid("""
            def f(x):
                if x:
                    x = x
                y = 1; x = x
                for i in x: x = x
                return y
        """, expected="""
            def f(x):
                if x:
                    pass
                y = 1
                for i in x: pass
                return y
        """),
        Invalid("""
            def f(x):
                a, b = a, b
                return x
        """, expected="""
            def f(x):
                return x
        """),
        Invalid("""
            def f():
                print(total)
                total = total
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        # heal's LOG104 reports the assignment, ruff's PLW0127 the target name in it
        assigns = (context.nodes_at(finding.span, (cst.Assign,))
                   or context.nodes_covering(finding.span, (cst.Assign,)))
        if not assigns:
            return self.decline(finding, "no assignment at the reported position")
        node = assigns[0]
        assert isinstance(node, cst.Assign)
        scope = enclosing_scope(context, node)
        if isinstance(scope, cst.ClassDef):
            return self.decline(finding, "in a class body `x = x` copies an outer name into the "
                                         "class namespace")
        if (isinstance(scope, cst.Module) and isinstance(node.value, cst.Name)
                and node.value.value in BUILTIN_NAMES):
            return self.decline(finding, "a module-level `x = x` of a builtin makes it an "
                                         "attribute of the module")
        if isinstance(scope, cst.FunctionDef):
            for target in node.targets:
                names = _plain_names(target.target) or set()
                lonely = {name for name in names - bindings(scope.body, skip=[node])
                          - _params(scope) if self._read_elsewhere(context, scope, node, name)}
                if lonely:
                    name = sorted(lonely)[0]
                    return self.decline(finding, f"this is the only assignment of `{name}` in "
                                                 f"the function: without it `{name}` would be "
                                                 "read as a global")
        line = context.parent(node)
        if isinstance(line, cst.SimpleStatementSuite) and len(line.body) == 1:
            return self._done(finding, context, rewrite(context, {
                line: line.with_changes(body=[cst.Pass()])}))
        if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return self.decline(finding, "the assignment is not a statement of its own")
        if len(line.body) > 1:
            body = drop_trailing_semicolon([small for small in line.body if small is not node])
            return self._done(finding, context, rewrite(context, {line: line.with_changes(
                body=body)}))
        assert isinstance(line, cst.SimpleStatementLine)
        where = block_of(context, line)
        if where is None:
            return self.decline(finding, "the statement is not in a block")
        block, index = where
        if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
            return self._done(finding, context, rewrite(context, {
                line: line.with_changes(body=[cst.Pass()])}))
        kept = list(line.leading_lines) if comment_lines(line.leading_lines) else []
        if line.trailing_whitespace.comment is not None:
            kept.append(cst.EmptyLine(comment=line.trailing_whitespace.comment))

        def drop(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, (cst.IndentedBlock, cst.Module))
            statements = list(updated.body)
            del statements[index]
            if index < len(statements):
                following = statements[index]
                statements[index] = following.with_changes(
                    leading_lines=[*kept, *leading_lines(following)])
                return updated.with_changes(body=statements)
            return updated.with_changes(body=statements, footer=[*kept, *updated.footer])

        return self._done(finding, context, rewrite(context, edit={block: drop}))

    @staticmethod
    def _read_elsewhere(context: ModuleContext, scope: cst.FunctionDef, node: cst.Assign,
                        name: str) -> bool:
        inside = {id(child) for child in walk(node)}
        return any(id(use) not in inside for use in uses_of(context, scope.body, name))

    def _done(self, finding: Finding, context: ModuleContext, text: str) -> Fix | None:
        return self.fix_from_text(finding, context, text, "remove the self-assignment",
                                  rationale="it may be a typo for an assignment that was meant")


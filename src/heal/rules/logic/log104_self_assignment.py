"""LOG104: a name or attribute assigned to itself (`x = x`, `self.a = self.a`); the fix removes
the assignment (review)."""

from __future__ import annotations

import builtins

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import Detector, NativeFixer
from heal.rules.rewrite import (
    bindings,
    block_of,
    comment_lines,
    drop_trailing_semicolon,
    enclosing_scope,
    leading_lines,
    rewrite,
    uses_of,
)
from heal.rules.scope import parameters, walk

BUILTIN_NAMES = frozenset(dir(builtins))


def _same_target(target: cst.BaseExpression, value: cst.BaseExpression) -> bool:
    """`x`/`x`, `a.b`/`a.b`, or tuples/lists of those, element by element."""
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
        if not target.elements or len(target.elements) != len(value.elements):
            return False
        return all(
            not isinstance(t, cst.StarredElement) and not isinstance(v, cst.StarredElement)
            and _same_target(t.value, v.value)
            for t, v in zip(target.elements, value.elements, strict=True))
    name = dotted_name(target)
    return name is not None and name == dotted_name(value)


def _class_names(cls: cst.ClassDef) -> set[str]:
    """Names a class body binds directly (`x = ...`, `x: T = ...`)."""
    names: set[str] = set()
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else [cls.body]
    for line in body:
        if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            continue
        for small in line.body:
            if isinstance(small, cst.Assign):
                names |= {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                names.add(small.target.value)
    return names


class SelfAssignment(Detector):
    """Variable or attribute assigned to itself.

    ## What it does
    Flags an assignment whose target and value are the same name, the same dotted attribute
    chain, or the same tuple of them: `x = x`, `self.a = self.a`, `a, b = a, b`. Class bodies are
    skipped, where `x = x` deliberately copies an outer name into the class namespace, and so is
    `self.a = self.a` in a method when the class body itself sets `a`: that copies the class
    attribute into the instance. A module-level `x = x` of a builtin name (`TimeoutError =
    TimeoutError`) is skipped too: it makes the builtin an attribute of the module.

    The fix removes the statement (it also heals ruff's twin PLW0127). When it is the only
    statement of its block it becomes `pass`; when it shares a line with other statements
    (`x = x; y = 1`) only it goes. Comments on the removed line (above it or after it) move to
    the next statement of the block (or the end of the block). The fix is declined when, in a
    function, the assignment is the only thing that makes a name local: removing it would make
    every other read of that name a global lookup.

    ## Why is this bad?
    The assignment does nothing, so it is usually a mistake for something else: a parameter
    meant to be stored (`self.a = a`), or a swap written the wrong way round (`a, b = b, a`).

    ## Example
    ```python
    def __init__(self, name):
        self.name = self.name
        self.size = 0
    ```
    The fix removes the assignment:
    ```python
    def __init__(self, name):
        self.size = 0
    ```
    If a parameter was meant to be stored, write that instead: `self.name = name`.

    ## Fix safety
    Review: the statement may be a typo for an assignment that was meant (`self.name = name`),
    which removing it does not fix; and assigning an attribute to itself runs a property setter
    or `__setattr__`, which might have been the point.
    """

    CODE = "LOG104"
    NAME = "self-assignment"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "assignment of a value to itself has no effect"
    VALID = [
        Valid("""
            class Config:
                debug = debug
        """),
        Valid("""
            class Grant:
                response_types = ["code"]

                def __init__(self):
                    self.response_types = self.response_types
        """),
        Valid("""
            TimeoutError = TimeoutError
            dict = dict
        """),
        Valid("""
            a, b = b, a
            self.name = name
            x = x.strip()
        """),
    ]
    INVALID = [
        Invalid("""
            def f(x):
                x = x
        """, line=2, expected="""
            def f(x):
                pass
        """),
        Invalid("""
            class C:
                def __init__(self, name):
                    self.name = self.name
        """, line=3, expected="""
            class C:
                def __init__(self, name):
                    pass
        """),
        Invalid("""
            a, b = a, b
            print(a, b)
        """, line=1, expected="""
            print(a, b)
        """),
        Invalid("""
            class C:
                def __init__(self, name):
                    # keep the name
                    self.name = self.name  # really?
                    self.size = 0
        """, line=4, expected="""
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
        """, line=2, expected="""
            def f(x):
                return x
        """),
        Invalid("""
            def f():
                print(total)
                total = total
        """, line=3),
    ]

    def visit_Assign(self, node: cst.Assign) -> None:
        scope = self.enclosing_scope(node)
        if isinstance(scope, cst.ClassDef):
            return
        if not any(_same_target(target.target, node.value) for target in node.targets):
            return
        if self._copies_class_attribute(node.value, scope):
            return
        if (scope is self.module and isinstance(node.value, cst.Name)
                and node.value.value in BUILTIN_NAMES):
            return  # `TimeoutError = TimeoutError`: re-exports a builtin as a module attribute
        self.report(node)

    def _copies_class_attribute(self, value: cst.BaseExpression, scope: cst.CSTNode) -> bool:
        """`self.x = self.x` in a method of a class whose body sets `x`: that copies the class
        attribute into the instance (so mutating it no longer touches the shared value)."""
        if not (isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name)
                and isinstance(scope, cst.FunctionDef)):
            return False
        params = scope.params.posonly_params or scope.params.params
        if not params or params[0].name.value != value.value.value:
            return False
        owner = self.parent(scope)
        owner = self.parent(owner) if isinstance(owner, cst.IndentedBlock) else None
        if not isinstance(owner, cst.ClassDef):
            return False
        return value.attr.value in _class_names(owner)


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


class RemoveSelfAssignment(NativeFixer):
    RULE = SelfAssignment
    NAME = "remove-self-assignment"
    SAFETY = Safety.REVIEW
    ALSO = ("ruff:PLW0127",)

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
            params = {param.name.value for param in parameters(scope.params)}
            for target in node.targets:
                names = _plain_names(target.target) or set()
                lonely = {name for name in names - bindings(scope.body, skip=[node]) - params
                          if self._read_elsewhere(context, scope, node, name)}
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


"""LOG104: a name or attribute assigned to itself (`x = x`, `self.a = self.a`)."""

from __future__ import annotations

import builtins

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, dotted_name

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

    ## Why is this bad?
    The assignment does nothing, so it is usually a mistake for something else: a parameter
    meant to be stored (`self.a = a`), or a swap written the wrong way round (`a, b = b, a`).

    ## Example
    ```python
    def __init__(self, name):
        self.name = self.name
    ```
    Use instead:
    ```python
    def __init__(self, name):
        self.name = name
    ```

    ## Fix safety
    The suggested fix removes the assignment. It is review-level: an attribute assignment can
    run a property setter, and the statement may hide a typo that should be fixed instead.
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
        """, line=2),
        Invalid("""
            class C:
                def __init__(self, name):
                    self.name = self.name
        """, line=3),
        Invalid("""
            a, b = a, b
        """, line=1),
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

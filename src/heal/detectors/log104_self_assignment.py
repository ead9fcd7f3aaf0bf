"""LOG104: a name or attribute assigned to itself (`x = x`, `self.a = self.a`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.detectors.base import Detector, dotted_name
from heal.model import Category, Priority


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


class SelfAssignment(Detector):
    """Variable or attribute assigned to itself.

    ## What it does
    Flags an assignment whose target and value are the same name, the same dotted attribute
    chain, or the same tuple of them: `x = x`, `self.a = self.a`, `a, b = a, b`. Class bodies are
    skipped, where `x = x` deliberately copies an outer name into the class namespace.

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
        if isinstance(self.enclosing_scope(node), cst.ClassDef):
            return
        if any(_same_target(target.target, node.value) for target in node.targets):
            self.report(node)

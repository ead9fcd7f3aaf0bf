"""LOG111: a `lambda` or nested `def` in a loop that reads the loop variable late."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.detectors.base import COMPREHENSIONS, SCOPES, Detector
from heal.model import Category, Priority


def _bound(target: cst.BaseExpression) -> set[str]:
    """Names an assignment target binds (`a`, `a, (b, *c)`); attributes and items bind none."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        names: set[str] = set()
        for element in target.elements:
            names |= _bound(element.value)
        return names
    return set()


class _Names(cst.CSTVisitor):
    """Names a function body reads, and names it binds (its own locals, approximately)."""

    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.stores: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.loads.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # `.attr` is not a variable
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # `keyword=` is not a variable
        return False

    def visit_Param(self, node: cst.Param) -> None:
        self.stores.add(node.name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.stores |= _bound(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.stores |= _bound(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.stores |= _bound(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.stores |= _bound(node.target)

    def visit_For(self, node: cst.For) -> None:
        self.stores |= _bound(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.stores |= _bound(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self.stores |= _bound(node.name)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        if node.asname is None and isinstance(node.name, cst.Name):
            self.stores.add(node.name.value)
        elif node.asname is None and isinstance(node.name, cst.Attribute):
            top = node.name
            while isinstance(top, cst.Attribute):
                top = top.value  # type: ignore[assignment]
            self.stores |= _bound(top)
        return node.asname is not None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stores.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stores.add(node.name.value)


def _free_names(node: cst.Lambda | cst.FunctionDef) -> set[str]:
    names = _Names()
    for param in _params(node.params):
        names.stores.add(param.name.value)
    node.body.visit(names)  # defaults, annotations and decorators run at definition time
    return names.loads - names.stores


def _params(params: cst.Parameters) -> list[cst.Param]:
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            found.append(star)
    return found


class LoopVariableClosure(Detector):
    """Function defined in a loop that uses the loop variable.

    ## What it does
    Flags a `lambda` or nested `def` written inside a `for` loop body (or a comprehension) that
    reads the loop variable as a free variable: not one of its own parameters, and not bound as
    a default (`lambda x=x: ...`). A lambda that is called on the spot is not reported.

    ## Why is this bad?
    Closures capture variables, not values. Every function made in the loop sees the loop
    variable as it is when the function *runs*, which after the loop is its last value: all the
    callbacks act on the final item.

    ## Example
    ```python
    buttons = []
    for name in names:
        buttons.append(Button(on_click=lambda: open_file(name)))
    ```
    Use instead:
    ```python
    buttons = []
    for name in names:
        buttons.append(Button(on_click=lambda name=name: open_file(name)))
    ```

    ## Fix safety
    The suggested fix binds the variable as a default (`lambda name=name: ...`) or uses
    `functools.partial`. It is review-level: the function gains a parameter a caller could
    override, and a closure that is only used within its iteration was correct already.
    """

    CODE = "LOG111"
    NAME = "loop-variable-closure"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = ("closure reads loop variable {names!r} when called, not when defined; "
               "bind it as a default (x=x) or use functools.partial")
    VALID = [
        Valid("""
            for name in names:
                buttons.append(Button(on_click=lambda name=name: open_file(name)))
        """),
        Valid("""
            for row in rows:
                key = lambda row: row.id
                total += (lambda: row.size)()
                def show(item, row=row):
                    return item.row
        """),
    ]
    INVALID = [
        Invalid("""
            for name in names:
                buttons.append(Button(on_click=lambda: open_file(name)))
        """, line=2),
        Invalid("""
            def make(handlers):
                for i, event in enumerate(events):
                    def handler(payload):
                        return dispatch(event, payload)
                    handlers.append(handler)
        """, line=3),
        Invalid("""
            callbacks = [lambda: print(i) for i in range(3)]
        """, line=1),
    ]

    def visit_Lambda(self, node: cst.Lambda) -> None:
        parent = self.parent(node)
        if isinstance(parent, cst.Call) and parent.func is node:
            return  # (lambda: ...)() runs at once
        self._check(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._check(node)

    def _check(self, node: cst.Lambda | cst.FunctionDef) -> None:
        loop_names = self._loop_names(node)
        if not loop_names:
            return
        captured = loop_names & _free_names(node)
        if captured:
            self.report(node, self.MESSAGE.format(names=", ".join(sorted(captured))))

    def _loop_names(self, node: cst.CSTNode) -> set[str]:
        """Variables of the loops (and comprehensions) that run `node` once per iteration."""
        names: set[str] = set()
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, SCOPES):
                break
            if isinstance(ancestor, cst.For) and child is ancestor.body:
                names |= _bound(ancestor.target)
            elif isinstance(ancestor, COMPREHENSIONS) and child is not ancestor.for_in:
                comp: cst.CompFor | None = ancestor.for_in
                while comp is not None:
                    names |= _bound(comp.target)
                    comp = comp.inner_for_in
            child = ancestor
        return names

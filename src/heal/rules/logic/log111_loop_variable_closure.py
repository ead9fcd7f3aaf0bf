"""LOG111: a `lambda` or nested `def` in a loop that reads the loop variable late."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import COMPREHENSIONS, SCOPES, Detector
from heal.rules.scope import parameters


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
            top: cst.BaseExpression = node.name
            while isinstance(top, cst.Attribute):
                top = top.value
            self.stores |= _bound(top)
        return node.asname is not None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stores.add(node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stores.add(node.name.value)


def _free_names(node: cst.Lambda | cst.FunctionDef) -> set[str]:
    names = _Names()
    for param in parameters(node.params):
        names.stores.add(param.name.value)
    node.body.visit(names)  # defaults, annotations and decorators run at definition time
    return names.loads - names.stores


EAGER = frozenset({"sorted", "sort", "min", "max", "reduce", "nsmallest", "nlargest",
                   "sub", "subn"})


def _eager(call: cst.CSTNode | None) -> bool:
    """Calls that use a function argument before returning and keep no reference to it."""
    if not isinstance(call, cst.Call):
        return False
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in EAGER
    return isinstance(func, cst.Name) and func.value in EAGER


class _Uses(cst.CSTVisitor):
    """Where a name is read in a region, outside one node (the closure itself)."""

    def __init__(self, name: str, skip: cst.CSTNode) -> None:
        self.name = name
        self.skip = skip
        self.found: list[cst.Name] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.skip:
            return False
        if isinstance(node, cst.Attribute):
            node.value.visit(self)
            return False
        if isinstance(node, cst.Arg):
            node.value.visit(self)
            return False
        if isinstance(node, cst.Name) and node.value == self.name:
            self.found.append(node)
        return True


class LoopVariableClosure(Detector):
    """Function defined in a loop that uses the loop variable.

    ## What it does
    Flags a `lambda` or nested `def` written inside a `for` loop body (or a comprehension) that
    reads the loop variable as a free variable: not one of its own parameters, and not bound as
    a default (`lambda x=x: ...`), and only when the closure may outlive its iteration. Not
    reported: a lambda called on the spot or passed to `sorted`/`min`/`max`/`.sort` and the
    like, and a named function (or lambda assigned to a name) that the loop only ever calls.
    Decorated functions always count as escaping, since a decorator may register them.

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
    MESSAGE = ("closure reads the loop variable when called, not when defined; "
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
        Valid("""
            for req in requests:
                def setup():
                    return connect(req)
                conn = setup()
                ranked = sorted(items, key=lambda item: item.score[req])
                pick = lambda: choose(req)
                pick()
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
        Invalid("""
            for path in paths:
                @app.route(path)
                def view():
                    return render(path)
        """, line=3),
        Invalid("""
            for n in range(3):
                show = lambda: print(n)
                later.append(show)
        """, line=2),
    ]

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._check(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._check(node)

    def _check(self, node: cst.Lambda | cst.FunctionDef) -> None:
        loop_names, region = self._loops(node)
        if region is None:
            return
        captured = loop_names & _free_names(node)
        if captured and self._escapes(node, region):
            names = ", ".join(f"`{name}`" for name in sorted(captured))
            self.report(node, f"closure reads loop variable {names} when called, not when "
                              "defined; bind it as a default (x=x) or use functools.partial")

    def _loops(self, node: cst.CSTNode) -> tuple[set[str], cst.CSTNode | None]:
        """Variables of the loops (and comprehensions) that run `node` once per iteration,
        and the outermost of those loops."""
        names: set[str] = set()
        region: cst.CSTNode | None = None
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, SCOPES):
                break
            if isinstance(ancestor, cst.For) and child is ancestor.body:
                names |= _bound(ancestor.target)
                region = ancestor
            elif isinstance(ancestor, COMPREHENSIONS) and child is not ancestor.for_in:
                comp: cst.CompFor | None = ancestor.for_in
                while comp is not None:
                    names |= _bound(comp.target)
                    comp = comp.inner_for_in
                region = ancestor
            child = ancestor
        return names, region

    def _escapes(self, node: cst.Lambda | cst.FunctionDef, region: cst.CSTNode) -> bool:
        """Whether the closure may outlive its iteration: it is stored, passed on or returned
        rather than only called (a decorator may register it, so decorated defs escape)."""
        name: str | None = None
        skip: cst.CSTNode = node
        if isinstance(node, cst.FunctionDef):
            if node.decorators:
                return True
            name = node.name.value
        else:
            parent = self.parent(node)
            if isinstance(parent, cst.Call) and parent.func is node:
                return False  # (lambda: ...)() runs at once
            if isinstance(parent, cst.Arg) and _eager(self.parent(parent)):
                return False  # sorted(xs, key=lambda ...) is done with it on return
            if (isinstance(parent, cst.Assign) and len(parent.targets) == 1
                    and isinstance(parent.targets[0].target, cst.Name)):
                name = parent.targets[0].target.value
                skip = parent
        if name is None:
            return True
        uses = _Uses(name, skip)
        region.visit(uses)
        return any(not self._called(use) for use in uses.found)

    def _called(self, use: cst.Name) -> bool:
        parent = self.parent(use)
        return isinstance(parent, cst.Call) and parent.func is use

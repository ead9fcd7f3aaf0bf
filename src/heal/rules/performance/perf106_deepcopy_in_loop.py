"""PERF106: `copy.deepcopy` called inside a loop."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.model import Category, Priority
from heal.rules.base import Detector, ModuleIndex


class DeepcopyInLoop(Detector):
    """`copy.deepcopy` called inside a loop.

    ## What it does
    Flags `copy.deepcopy(...)` (through `import copy` / `import copy as c`) and a bare
    `deepcopy(...)` imported with `from copy import deepcopy` inside a `for` / `while` loop.
    Calls that pass a shared `memo` and calls inside a `__deepcopy__` method are left alone:
    they copy one object graph piece by piece on purpose.

    ## Why is this bad?
    `deepcopy` is one of the slowest operations in the standard library: it walks the whole
    object graph in Python code, keeps a memo dictionary of everything it has seen and
    dispatches on each object's type. Doing it once per iteration multiplies that cost by the
    number of items, and it is often not needed: copying once before the loop, a shallow
    copy (`dict(d)`, `list(xs)`, `copy.copy`), or building fresh objects is usually enough.

    ## Example
    ```python
    import copy

    for user in users:
        settings = copy.deepcopy(DEFAULTS)
        settings["name"] = user.name
        save(settings)
    ```
    Use instead:
    ```python
    for user in users:
        settings = {**DEFAULTS, "name": user.name}  # when DEFAULTS is flat
        save(settings)
    ```

    ## Fix safety
    No automatic fix: whether a shallow copy or a single copy before the loop is enough depends
    on whether the loop mutates nested objects or keeps the copies, which needs a review.
    """

    CODE = "PERF106"
    NAME = "deepcopy-in-loop"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("copy.deepcopy inside a loop is slow; copy once before the loop, use a shallow "
               "copy, or build fresh objects")
    VALID = [
        Valid("""
            import copy
            base = copy.deepcopy(DEFAULTS)
            for user in users:
                save(base, user)
        """),
        Valid("""
            import copy
            for user in users:
                save(copy.copy(user))
        """),
        Valid("""
            for user in users:
                save(deepcopy(user))
        """),
        Valid("""
            import copy
            def clone(x):
                return copy.deepcopy(x)
            for user in users:
                save(clone(user))
        """),
        Valid("""
            from copy import deepcopy
            class Model:
                def __deepcopy__(self, memo):
                    new = type(self)()
                    for key, value in self.__dict__.items():
                        new.__dict__[key] = deepcopy(value, memo)
                    return new
        """),
    ]
    INVALID = [
        Invalid("""
            import copy
            for user in users:
                settings = copy.deepcopy(DEFAULTS)
        """, line=3),
        Invalid("""
            from copy import deepcopy as dc
            def run(states):
                while states:
                    snapshot = dc(states.pop())
        """, line=4),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self.modules: set[str] = set()  # local names of the `copy` module
        self.functions: set[str] = set()  # local names of `copy.deepcopy`

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if dotted_name(alias.name) == "copy":
                self.modules.add(alias.evaluated_alias or "copy")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or dotted_name(node.module) != "copy":
            return
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if alias.evaluated_name == "deepcopy":
                self.functions.add(alias.evaluated_alias or "deepcopy")

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            deep = (isinstance(func.value, cst.Name) and func.value.value in self.modules
                    and func.attr.value == "deepcopy")
        else:
            deep = isinstance(func, cst.Name) and func.value in self.functions
        if not deep or len(node.args) > 1 or self.enclosing_loop(node) is None:
            return  # with a shared `memo`, the graph is deliberately copied piece by piece
        scope = self.enclosing_scope(node)
        if isinstance(scope, cst.FunctionDef) and scope.name.value == "__deepcopy__":
            return
        self.report(node)

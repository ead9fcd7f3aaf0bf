"""LOG110: a mutable value (`[]`, `{}`, `set()`, ...) as a parameter default."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, call_name

DISPLAYS = (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)
FACTORIES = frozenset({
    "list", "dict", "set", "bytearray",
    "defaultdict", "collections.defaultdict", "OrderedDict", "collections.OrderedDict",
    "deque", "collections.deque", "Counter", "collections.Counter",
})


class MutableDefault(Detector):
    """Mutable value used as a parameter default.

    ## What it does
    Flags a parameter of a `def`, `async def` or `lambda` whose default is a list, dict or set
    display or comprehension, or a call to `list()`, `dict()`, `set()`, `bytearray()` or one of
    the `collections` containers (`defaultdict`, `OrderedDict`, `deque`, `Counter`).

    ## Why is this bad?
    A default is evaluated once, when the function is defined, and the same object is shared by
    every call. Mutating it (appending to a default list, say) leaks state from one call into
    the next, a classic source of bugs that only show up on the second call.

    ## Example
    ```python
    def add(item, items=[]):
        items.append(item)
        return items
    ```
    Use instead:
    ```python
    def add(item, items=None):
        if items is None:
            items = []
        items.append(item)
        return items
    ```

    ## Fix safety
    The suggested fix makes the default `None` and creates the value at the top of the body. It
    is review-level: callers that pass `None` explicitly change meaning, and code that relied on
    the shared object (a deliberate cache) breaks.
    """

    CODE = "LOG110"
    NAME = "mutable-default"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "mutable default is shared between calls; default to None and create it in the body"
    VALID = [
        Valid("""
            def add(item, items=None, tags=(), name="", frozen=frozenset()):
                pass
        """),
        Valid("""
            def f(data=tuple([1, 2]), limit=len([])):
                pass
        """),
    ]
    INVALID = [
        Invalid("""
            def add(item, items=[]):
                items.append(item)
        """, line=1),
        Invalid("""
            async def fetch(url, *, headers={}):
                pass
        """, line=1),
        Invalid("""
            key = lambda x, seen=set(): x in seen
        """, line=1),
        Invalid("""
            def count(
                words,
                counts=collections.defaultdict(int),
            ):
                pass
        """, line=3),
    ]

    def visit_Param(self, node: cst.Param) -> None:
        default = node.default
        if default is None:
            return
        if isinstance(default, DISPLAYS) or (
                isinstance(default, cst.Call) and call_name(default) in FACTORIES):
            self.report(default)

"""PERF109: `x.pop(0)` / `x.insert(0, v)` inside a loop (a list used as a queue)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, ModuleIndex, dotted_name
from heal.rules.scope import walk

# values that make a receiver something other than a list: `pop(0)` / `insert(0, v)` on
# them is either cheap (deque) or means something else (a dict key)
NOT_A_LIST = frozenset({
    "deque", "collections.deque", "dict", "OrderedDict", "collections.OrderedDict",
    "defaultdict", "collections.defaultdict", "Counter", "collections.Counter",
})




def _zero(arg: cst.Arg) -> bool:
    return (arg.keyword is None and not arg.star and isinstance(arg.value, cst.Integer)
            and arg.value.value == "0")


def _not_a_list(value: cst.BaseExpression) -> bool:
    if isinstance(value, (cst.Dict, cst.DictComp)):
        return True
    return isinstance(value, cst.Call) and dotted_name(value.func) in NOT_A_LIST


class ListPopFront(Detector):
    """`pop(0)` / `insert(0, v)` on a list inside a loop.

    ## What it does
    Flags `x.pop(0)` and `x.insert(0, v)` (with the literal `0`) inside a `for` / `while` loop,
    unless the module binds `x` to a `deque`, a dict or another mapping. `sys.path` is left
    alone: it must stay a list, and it is short.

    ## Why is this bad?
    A list stores its items contiguously, so removing or inserting at the front shifts every
    other item: each call is O(n), and a loop that drains or fills a list from the front is
    O(n²). `collections.deque` does `popleft()` / `appendleft()` in O(1).

    ## Example
    ```python
    queue = [start]
    while queue:
        node = queue.pop(0)
        queue.extend(node.children)
    ```
    Use instead:
    ```python
    from collections import deque

    queue = deque([start])
    while queue:
        node = queue.popleft()
        queue.extend(node.children)
    ```

    ## Fix safety
    A fix would be review-level: it changes the container's type, and a deque does not
    support slicing, `sort()`, or cheap indexing in the middle, and compares unequal to a list,
    so every other use of the variable has to be checked.
    """

    CODE = "PERF109"
    NAME = "list-pop-front"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("pop(0) / insert(0, ...) on a list in a loop is O(n) per call; use "
               "collections.deque with popleft() / appendleft()")
    VALID = [
        Valid("""
            while stack:
                node = stack.pop()
        """),
        Valid("""
            from collections import deque
            queue = deque([start])
            while queue:
                queue.insert(0, queue.pop())
        """),
        Valid("""
            first = items.pop(0)
            items.insert(0, first)
        """),
        Valid("""
            for i in range(3):
                items.pop(i)
                items.insert(1, i)
        """),
        Valid("""
            import sys
            for path in extra:
                sys.path.insert(0, path)
        """),
        Valid("""
            counts = {0: "zero"}
            for x in xs:
                counts.pop(0)
        """),
    ]
    INVALID = [
        Invalid("""
            queue = [start]
            while queue:
                node = queue.pop(0)
                queue.extend(node.children)
        """, line=3),
        Invalid("""
            class History:
                def add_all(self, entries):
                    for entry in entries:
                        self.entries.insert(0, entry)
        """, line=4),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self._others: set[str] | None = None

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        args = node.args
        front = ((func.attr.value == "pop" and len(args) == 1 and _zero(args[0]))
                 or (func.attr.value == "insert" and len(args) == 2 and _zero(args[0])
                     and args[1].keyword is None and not args[1].star))
        if not front:
            return
        receiver = dotted_name(func.value)
        if receiver is None or receiver == "sys.path" or receiver in self._not_lists():
            return
        if self.enclosing_loop(node) is not None:
            self.report(node)

    def _not_lists(self) -> set[str]:
        """Dotted names the module ever binds to a deque, dict or other mapping."""
        if self._others is None:
            self._others = set()
            for node in walk(self.module):
                pairs: list[tuple[cst.BaseExpression, cst.BaseExpression | None]] = []
                if isinstance(node, cst.Assign):
                    pairs = [(target.target, node.value) for target in node.targets]
                elif isinstance(node, (cst.AnnAssign, cst.NamedExpr)):
                    pairs = [(node.target, node.value)]
                for target, value in pairs:
                    name = dotted_name(target)
                    if name is not None and value is not None and _not_a_list(value):
                        self._others.add(name)
        return self._others

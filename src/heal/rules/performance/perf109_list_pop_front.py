"""PERF109: `x.pop(0)` / `x.insert(0, v)` inside a loop (a list used as a queue); the fix makes
a local list a `collections.deque` (review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.fixer import ModuleContext, with_imports
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import SCOPES, Detector, ModuleIndex, NativeFixer
from heal.rules.rewrite import comments_in, declared_global, enclosing_scope, rewrite, uses_of
from heal.rules.scope import parameters, walk

# values that make a receiver something other than a list: `pop(0)` / `insert(0, v)` on
# them is either cheap (deque) or means something else (a dict key)
NOT_A_LIST = frozenset({
    "deque", "collections.deque", "dict", "OrderedDict", "collections.OrderedDict",
    "defaultdict", "collections.defaultdict", "Counter", "collections.Counter",
})
# methods a deque has with the same meaning as on a list
SAME = frozenset({"append", "extend", "clear", "appendleft", "popleft"})


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

    The fix applies where `x` is a local variable of the function, created once there from a
    list display or `list(...)`, and otherwise only used with `append`, `extend`, `clear`,
    `pop()`, `len(x)` and truth tests: it creates it as a `deque` instead (`deque([...])`,
    `deque(...)`, adding `from collections import deque`) and calls `popleft()` /
    `appendleft(v)`. An annotation `list[T]` becomes `deque[T]`. The fix is declined for
    attributes, parameters and globals (other code shares the list), for any other use
    (indexing, slicing, iteration, returning it, passing it on), and for an unannotated empty
    list in a type-checked function (mypy cannot infer the element type of `deque()` as it
    does for `[]`).

    ## Why is this bad?
    A list stores its items contiguously, so removing or inserting at the front shifts every
    other item: each call is O(n), and a loop that drains or fills a list from the front is
    O(n²). `collections.deque` does `popleft()` / `appendleft()` in O(1).

    ## Example
    ```python
    def walk(start):
        queue = [start]
        while queue:
            node = queue.pop(0)
            queue.extend(node.children)
    ```
    Use instead (what the fix writes):
    ```python
    from collections import deque


    def walk(start):
        queue = deque([start])
        while queue:
            node = queue.popleft()
            queue.extend(node.children)
    ```

    ## Fix safety
    Review: the variable changes type. Every use in the function is checked, but a deque still
    differs from a list for code heal cannot see (a debugger, `locals()`), and `repr` and
    equality with lists change.
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
        Invalid("""
            def walk(start):
                queue = [start]  # to visit
                seen = 0
                while queue:
                    node = queue.pop(0)
                    seen += len(queue)
                    queue.extend(node.children)
                return seen
        """, expected="""
            from collections import deque

            def walk(start):
                queue = deque([start])  # to visit
                seen = 0
                while queue:
                    node = queue.popleft()
                    seen += len(queue)
                    queue.extend(node.children)
                return seen
        """),
        Invalid("""
            import os


            def recent(entries) -> int:
                history: list[str] = list()
                for entry in entries:
                    history.insert(0, entry)
                    if len(history) > 10 and not history:
                        history.pop()
                return len(history)
        """, expected="""
            import os
            from collections import deque


            def recent(entries) -> int:
                history: deque[str] = deque()
                for entry in entries:
                    history.appendleft(entry)
                    if len(history) > 10 and not history:
                        history.pop()
                return len(history)
        """),
        Invalid("""
            def first_three(start):
                queue = [start]
                while queue:
                    queue.pop(0)
                return queue[:3]
        """),
        Invalid("""
            def drain(queue: list) -> list:
                done = []
                while queue:
                    done.append(queue.pop(0))
                return done
        """),
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


def _truth_tested(context: ModuleContext, node: cst.CSTNode) -> bool:
    """`node` is only tested for truth: `while q:`, `if not q:`, `q and x` in a condition."""
    parent = context.parent(node)
    if isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert)):
        return parent.test is node
    if isinstance(parent, cst.UnaryOperation):
        return isinstance(parent.operator, cst.Not)
    if isinstance(parent, cst.BooleanOperation):
        return _truth_tested(context, parent)
    if isinstance(parent, cst.Arg) and parent.keyword is None and not parent.star:
        call = context.parent(parent)
        return (isinstance(call, cst.Call) and isinstance(call.func, cst.Name)
                and call.func.value == "bool" and len(call.args) == 1)
    return False


def _len_of(context: ModuleContext, node: cst.CSTNode) -> bool:
    parent = context.parent(node)
    call = context.parent(parent) if isinstance(parent, cst.Arg) else None
    return (isinstance(parent, cst.Arg) and parent.keyword is None and not parent.star
            and isinstance(call, cst.Call) and isinstance(call.func, cst.Name)
            and call.func.value == "len" and len(call.args) == 1)


def _deque_annotation(annotation: cst.BaseExpression) -> cst.BaseExpression | None:
    """`list[T]` / `List[T]` / `list` -> `deque[T]` / `deque`; None for anything else."""
    if isinstance(annotation, cst.Name) and annotation.value in ("list", "List"):
        return annotation.with_changes(value="deque")
    if isinstance(annotation, cst.Subscript):
        inner = _deque_annotation(annotation.value)
        return None if inner is None else annotation.with_changes(value=inner)
    if isinstance(annotation, cst.Attribute) and annotation.attr.value == "List" and isinstance(
            annotation.value, cst.Name) and annotation.value.value == "typing":
        return cst.Name("deque")
    return None


def _has_annotations(function: cst.FunctionDef) -> bool:
    return function.returns is not None or any(
        p.annotation is not None for p in parameters(function.params))


class ListQueueToDeque(NativeFixer):
    RULE = ListPopFront
    NAME = "list-queue-to-deque"
    SAFETY = Safety.REVIEW

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        calls = context.nodes_at(finding.span, (cst.Call,))
        if not calls or not isinstance(calls[0], cst.Call) or not isinstance(
                calls[0].func, cst.Attribute):
            return self.decline(finding, "no `.pop(0)` / `.insert(0, ...)` call at the position")
        receiver = calls[0].func.value
        if not isinstance(receiver, cst.Name):
            return self.decline(finding, "the list is not a local variable (other code may "
                                         "share it)")
        name = receiver.value
        function = enclosing_scope(context, calls[0])
        if not isinstance(function, cst.FunctionDef):
            return self.decline(finding, "only a list local to a function is rewritten")
        if declared_global(function, name):
            return self.decline(finding, f"`{name}` is global or nonlocal")
        creation: cst.Assign | cst.AnnAssign | None = None
        replacements: dict[cst.CSTNode, cst.CSTNode] = {}
        for use in uses_of(context, function, name):
            parent = context.parent(use)
            if any(isinstance(a, SCOPES) and a is not function
                   for a in self._up_to(context, use, function)):
                return self.decline(finding, f"`{name}` is used in a nested function")
            if isinstance(parent, cst.Param):
                return self.decline(finding, f"`{name}` is a parameter: the caller's list")
            if isinstance(parent, cst.AssignTarget) or (
                    isinstance(parent, cst.AnnAssign) and parent.target is use):
                owner = context.parent(parent) if isinstance(parent, cst.AssignTarget) else parent
                if creation is not None or not isinstance(owner, (cst.Assign, cst.AnnAssign)) \
                        or (isinstance(owner, cst.Assign) and len(owner.targets) != 1):
                    return self.decline(finding, f"`{name}` is assigned more than once")
                creation = owner
                continue
            problem = self._use(context, use, name, replacements)
            if problem:
                return self.decline(finding, problem)
        if creation is None or creation.value is None:
            return self.decline(finding, f"`{name}` is not created in this function")
        new_value = self._created(creation.value)
        if new_value is None:
            return self.decline(finding, f"`{name}` is not created from a list display or "
                                         "`list(...)`")
        if not new_value.args and isinstance(creation, cst.Assign) and _has_annotations(
                function):
            return self.decline(finding, f"mypy cannot infer the items of an empty deque; "
                                         f"annotate `{name}` (`{name}: list[T] = []`) first")
        replacements[creation.value] = new_value
        if isinstance(creation, cst.AnnAssign):
            annotation = _deque_annotation(creation.annotation.annotation)
            if annotation is None:
                return self.decline(finding, f"`{name}` is annotated as something else than a "
                                             "list")
            replacements[creation.annotation.annotation] = annotation
        if any(sorted(comments_in(old)) != sorted(comments_in(new))
               for old, new in replacements.items()):
            return self.decline(finding, "a comment inside a rewritten call would be lost")
        module = context.module
        if uses_of(context, module, "deque") and not self._imports_deque(module):
            return self.decline(finding, "the name `deque` is already used in this module")
        text = with_imports(rewrite(context, replacements), add=[("collections", "deque")])
        return self.fix_from_text(finding, context, text, f"make {name} a collections.deque",
                                  rationale=f"`{name}` changes type from list to deque")

    @staticmethod
    def _up_to(context: ModuleContext, node: cst.CSTNode, stop: cst.CSTNode
               ) -> list[cst.CSTNode]:
        found = []
        for ancestor in context.ancestors(node):
            if ancestor is stop:
                break
            found.append(ancestor)
        return found

    def _use(self, context: ModuleContext, use: cst.Name, name: str,
             replacements: dict[cst.CSTNode, cst.CSTNode]) -> str | None:
        """Why this use of the list does not fit a deque (None when it does); records the
        rewrite `pop(0)` and `insert(0, v)` need."""
        parent = context.parent(use)
        if _len_of(context, use) or _truth_tested(context, use):
            return None
        call = context.parent(parent) if isinstance(parent, cst.Attribute) else None
        if not (isinstance(parent, cst.Attribute) and parent.value is use
                and isinstance(call, cst.Call) and call.func is parent):
            return f"`{name}` is used as a list here (indexed, iterated or passed on)"
        method, args = parent.attr.value, call.args
        if method in SAME or (method == "pop" and not args):
            return None
        if method == "pop" and len(args) == 1 and _zero(args[0]):
            replacements[call] = call.with_changes(
                func=parent.with_changes(attr=cst.Name("popleft")), args=[])
            return None
        if method == "insert" and len(args) == 2 and _zero(args[0]) and (
                args[1].keyword is None and not args[1].star):
            replacements[call] = call.with_changes(
                func=parent.with_changes(attr=cst.Name("appendleft")),
                args=[args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
            return None
        return f"`{name}.{method}(...)` has no deque equivalent here"

    @staticmethod
    def _created(value: cst.BaseExpression) -> cst.Call | None:
        if isinstance(value, cst.List):
            args = [cst.Arg(value.with_changes(lpar=[], rpar=[]))] if value.elements else []
            return cst.Call(cst.Name("deque"), args, lpar=value.lpar, rpar=value.rpar)
        if (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
                and value.func.value == "list" and len(value.args) <= 1
                and all(arg.keyword is None and not arg.star for arg in value.args)):
            return value.with_changes(func=value.func.with_changes(value="deque"))
        return None

    @staticmethod
    def _imports_deque(module: cst.Module) -> bool:
        for node in walk(module):
            if (isinstance(node, cst.ImportFrom) and isinstance(node.module, cst.Name)
                    and node.module.value == "collections"
                    and not isinstance(node.names, cst.ImportStar)
                    and any(alias.evaluated_name == "deque" and alias.asname is None
                            for alias in node.names)):
                return True
        return False

"""LOG102: a `while True:` loop with no way out."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, call_name

EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit", "os.abort"})
NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# return/raise leave the loop; yield/await hand control to a caller that may close or cancel it
LEAVES = (cst.Return, cst.Raise, cst.Yield, cst.Await)


def _always_true(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.evaluated_value != 0
    return False


def _raises_name(call: cst.Call) -> bool:
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    return name == "raises" or str(name).startswith("assertRaises")


class _Exits(cst.CSTVisitor):
    """Looks through one loop body for anything that leaves (or suspends) that loop."""

    def __init__(self) -> None:
        self.found = False
        self.depth = 0  # nested loops: a `break` in their bodies is theirs

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.found or isinstance(node, NESTED_SCOPES):
            return False
        if isinstance(node, (cst.For, cst.While)):
            head = node.iter if isinstance(node, cst.For) else node.test
            head.visit(self)
            self.depth += 1
            node.body.visit(self)
            self.depth -= 1
            if node.orelse is not None:
                node.orelse.visit(self)
            return False
        self.found = (
            isinstance(node, LEAVES)
            or (isinstance(node, cst.Break) and self.depth == 0)
            or (isinstance(node, cst.Call) and call_name(node) in EXIT_CALLS))
        return not self.found


class InfiniteLoop(Detector):
    """`while True:` loop that can never end.

    ## What it does
    Flags `while True:` (or `while 1:`) whose body has no `break` of its own, no `return`, no
    `raise` and no call to `sys.exit()`, `os._exit()`, `exit()` or `quit()`. Nested functions and
    classes do not count, nor does a `break` that belongs to a nested loop. Loops that `yield`
    or `await` are skipped: a generator or coroutine loop is ended by its consumer closing or
    cancelling it. So are loops in the body of a `try:` that has `except` handlers, or of
    `with pytest.raises(...)` / `self.assertRaises(...)`: those are meant to end with an
    exception raised by a call (`while True: stack.pop()` until `IndexError`).

    ## Why is this bad?
    Nothing in the loop can stop it, so the program hangs (or runs until killed). Intentional
    forever-loops exist (servers, workers), but they usually end on an exception or signal that
    is better made explicit; an unintended one is a hang that is hard to diagnose.

    ## Example
    ```python
    while True:
        line = stream.readline()
        if line:
            handle(line)
    ```
    Use instead:
    ```python
    while True:
        line = stream.readline()
        if not line:
            break
        handle(line)
    ```

    ## Fix safety
    There is no automatic fix: where the loop should stop is the author's decision. A reviewer
    either adds an exit condition or marks the loop as intentional with `# heal: ignore[LOG102]`.
    """

    CODE = "LOG102"
    NAME = "infinite-loop"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P1
    MESSAGE = "infinite loop: `while True` with no break, return, raise or exit call"
    VALID = [
        Valid("""
            while True:
                line = read()
                if not line:
                    break
        """),
        Valid("""
            def numbers():
                n = 0
                while True:
                    yield n
                    n += 1
        """),
        Valid("""
            def serve():
                while True:
                    for job in jobs():
                        pass
                    else:
                        return
        """),
        Valid("""
            while True:
                if done():
                    sys.exit(0)
        """),
        Valid("""
            try:
                while True:
                    stack.pop()
            except IndexError:
                pass
        """),
        Valid("""
            def test_overflow():
                with pytest.raises(OverflowError):
                    while True:
                        buffer.grow()
        """),
    ]
    INVALID = [
        Invalid("""
            while True:
                tick()
        """, line=1),
        Invalid("""
            def poll():
                while 1:
                    for item in queue:
                        if item:
                            break
        """, line=2),
        Invalid("""
            while True:
                def stop():
                    return
                stop()
        """, line=1),
        Invalid("""
            try:
                pass
            except OSError:
                while True:
                    retry()
        """, line=4),
    ]

    def visit_While(self, node: cst.While) -> None:
        if not _always_true(node.test) or self._expects_raise(node):
            return
        exits = _Exits()
        node.body.visit(exits)
        if not exits.found:
            self.report(node)

    def _expects_raise(self, node: cst.CSTNode) -> bool:
        """Inside the body of a `try:` with `except` handlers, or of `with pytest.raises(...)`
        / `self.assertRaises(...)`: the loop is meant to end with an exception."""
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, NESTED_SCOPES):
                return False
            if (isinstance(ancestor, (cst.Try, cst.TryStar)) and ancestor.handlers
                    and child is ancestor.body):
                return True
            if isinstance(ancestor, cst.With) and any(
                    isinstance(item.item, cst.Call) and _raises_name(item.item)
                    for item in ancestor.items):
                return True
            child = ancestor
        return False

"""LOG107: `return`, `break` or `continue` directly in a `finally:` block."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import SCOPES, Detector


class ReturnInFinally(Detector):
    """`return`, `break` or `continue` inside `finally:`.

    ## What it does
    Flags a `return`, `break` or `continue` whose nearest enclosing block that it jumps out of
    is a `finally:` clause. Jumps inside a function defined in the `finally:`, and `break` /
    `continue` of a loop that is itself inside the `finally:`, are not reported.

    ## Why is this bad?
    Leaving a `finally:` block with a jump silently discards any exception in flight, including
    `KeyboardInterrupt` and `SystemExit`, and a `return` there overrides the `try` block's own
    return value. The error disappears without a trace. Python 3.14 warns about it (PEP 765).

    ## Example
    ```python
    def read(path):
        try:
            return parse(path)
        finally:
            return None
    ```
    Use instead:
    ```python
    def read(path):
        try:
            return parse(path)
        except ParseError:
            return None
    ```

    ## Fix safety
    There is no automatic fix: moving the jump out of the `finally:` changes which exceptions
    propagate, which is exactly the behaviour a reviewer must decide on.
    """

    CODE = "LOG107"
    NAME = "return-in-finally"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P1
    MESSAGE = "jump out of a finally block swallows any exception being raised"
    VALID = [
        Valid("""
            def f():
                try:
                    return work()
                finally:
                    cleanup()
        """),
        Valid("""
            def f():
                try:
                    work()
                finally:
                    for x in xs:
                        if x:
                            break
                    def inner():
                        return 1
        """),
    ]
    INVALID = [
        Invalid("""
            def f():
                try:
                    return work()
                finally:
                    return None
        """, line=5),
        Invalid("""
            for x in xs:
                try:
                    work(x)
                finally:
                    if x:
                        continue
        """, line=6),
        Invalid("""
            while True:
                try:
                    work()
                finally:
                    for y in ys:
                        pass
                    else:
                        break
        """, line=8),
    ]

    def visit_Return(self, node: cst.Return) -> None:
        self._check(node, loops_stop=False)

    def visit_Break(self, node: cst.Break) -> None:
        self._check(node, loops_stop=True)

    def visit_Continue(self, node: cst.Continue) -> None:
        self._check(node, loops_stop=True)

    def _check(self, node: cst.CSTNode, loops_stop: bool) -> None:
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, SCOPES):
                return
            if loops_stop and isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
                return
            if isinstance(ancestor, cst.Finally):
                self.report(node)
                return
            child = ancestor

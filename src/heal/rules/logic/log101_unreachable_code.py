"""LOG101: statements after `return`, `raise`, `break` or `continue` in the same block."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector

TERMINATORS = (cst.Return, cst.Raise, cst.Break, cst.Continue)


def _is_bare_yield(statement: cst.CSTNode) -> bool:
    """`yield` / `yield from ()` on its own: the idiom that makes a function a generator."""
    if isinstance(statement, cst.SimpleStatementLine):
        return all(_is_bare_yield(small) for small in statement.body)
    return isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Yield)


class UnreachableCode(Detector):
    """Code after `return`, `raise`, `break` or `continue`.

    ## What it does
    Flags the first statement that follows a `return`, `raise`, `break` or `continue` in the
    same block (once per block). A lone `yield` after the jump is not reported: `return` then
    `yield` is the idiom for an empty generator.

    ## Why is this bad?
    The statement can never run. Usually it is a leftover from editing, or the jump was indented
    one level too far, so code the author expected to run is silently skipped.

    ## Example
    ```python
    def total(xs):
        return sum(xs)
        print("done")
    ```
    Use instead:
    ```python
    def total(xs):
        print("done")
        return sum(xs)
    ```

    ## Fix safety
    The suggested fix removes the unreachable statements. It is review-level: the dead code is
    often a sign that the jump itself is misplaced, which only a human can tell.
    """

    CODE = "LOG101"
    NAME = "unreachable-code"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "unreachable code: this statement follows a return/raise/break/continue"
    VALID = [
        Valid("""
            def f(x):
                if x:
                    return 1
                return 2
        """),
        Valid("""
            for x in xs:
                if x:
                    continue
                print(x)
        """),
        Valid("""
            def empty():
                return
                yield
        """),
    ]
    INVALID = [
        Invalid("""
            def f(x):
                return x
                print(x)
        """, line=3),
        Invalid("""
            for x in xs:
                if x:
                    break
                    x += 1
                    x += 2
        """, line=4),
        Invalid("""
            def f():
                raise ValueError("no"); cleanup()
        """, line=2),
    ]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._check(node.body)

    def visit_Module(self, node: cst.Module) -> None:
        self._check(node.body)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._check_small(node.body)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._check_small(node.body)

    def _check(self, body: Sequence[cst.BaseStatement]) -> None:
        for index, statement in enumerate(body[:-1]):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            smalls = statement.body
            jumps = [i for i, small in enumerate(smalls) if isinstance(small, TERMINATORS)]
            if jumps:
                if all(_is_bare_yield(small) for small in smalls[jumps[0] + 1:]):
                    self._report_rest(body[index + 1:])  # else reported on the line itself
                return

    def _check_small(self, body: Sequence[cst.BaseSmallStatement]) -> None:
        for index, small in enumerate(body[:-1]):
            if isinstance(small, TERMINATORS):
                self._report_rest(body[index + 1:])
                return

    def _report_rest(self, rest: Sequence[cst.CSTNode]) -> None:
        if rest and not all(_is_bare_yield(statement) for statement in rest):
            self.report(rest[0])

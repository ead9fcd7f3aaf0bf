"""LOG106: `if`/`else` (or `a if c else b`) whose two branches are the same code."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, same_code


def _smalls(suite: cst.BaseSuite) -> list[cst.CSTNode]:
    """The statements of a block, `x; y` lines split into their small statements."""
    out: list[cst.CSTNode] = []
    lines: Sequence[cst.CSTNode] = (
        suite.body if isinstance(suite, cst.IndentedBlock) else [suite])
    for line in lines:
        if isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            out.extend(line.body)
        else:
            out.append(line)
    return out


def _statements(suite: cst.BaseSuite, other: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    """What to compare of a block: its lines (comments and all) when both branches are
    indented blocks, else its small statements (`if c: x = 1` against an indented `x = 1`)."""
    if isinstance(suite, cst.IndentedBlock) and isinstance(other, cst.IndentedBlock):
        return suite.body
    return _smalls(suite)


def _trivial(suite: cst.BaseSuite) -> bool:
    return all(
        isinstance(s, cst.Pass)
        or (isinstance(s, cst.Expr) and isinstance(s.value, (cst.Ellipsis, cst.SimpleString)))
        for s in _smalls(suite))


class IdenticalBranches(Detector):
    """`if` and `else` branches that do the same thing.

    ## What it does
    Flags an `if ...: A else: B` where A and B are the same code, comments included (only
    whitespace may differ), and a conditional expression `a if c else a`. Branches that are
    only `pass` or `...` are not reported, nor are branches whose comments differ: those
    usually document two cases on purpose. An `elif` whose body matches the final `else` is
    reported too: the `elif` test then makes no difference.

    ## Why is this bad?
    The condition has no effect, which is seldom what the author meant: usually one branch was
    copied and never edited. If the duplication is intended, the condition is noise (and still
    evaluated, with any side effects).

    ## Example
    ```python
    if user.is_admin:
        limit = 100
    else:
        limit = 100
    ```
    Use instead:
    ```python
    limit = 100 if user.is_admin else 10
    ```

    ## Fix safety
    There is no automatic fix: which branch was meant to differ is unknown. Collapsing the
    branches into one is only safe when the condition has no side effects.
    """

    CODE = "LOG106"
    NAME = "identical-branches"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "both branches of this conditional are identical, so the condition has no effect"
    VALID = [
        Valid("""
            if user.is_admin:
                limit = 100
            else:
                limit = 10
        """),
        Valid("""
            if ready:
                pass
            else:
                pass
            x = a if c else b
        """),
        Valid("""
            if shell == "ipython":
                return False  # terminal IPython
            else:
                return False  # something else
        """),
    ]
    INVALID = [
        Invalid("""
            if user.is_admin:
                limit = 100
                # the cap
                notify(user,  limit)
            else:
                limit  =  100
                # the cap
                notify(user, limit)
        """, line=1),
        Invalid("""
            value = compute(x) if flag else compute(x)
        """, line=1),
        Invalid("""
            if a:
                one()
            elif b:
                two()
            else:
                two()
        """, line=3),
    ]

    def visit_If(self, node: cst.If) -> None:
        if not isinstance(node.orelse, cst.Else):
            return
        body = _statements(node.body, node.orelse.body)
        other = _statements(node.orelse.body, node.body)
        if len(body) != len(other) or _trivial(node.body):
            return
        if all(same_code(a, b) for a, b in zip(body, other, strict=True)):
            self.report(node)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        if same_code(node.body, node.orelse):
            self.report(node)

"""PERF101: a string built with `+=` inside a loop."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, ModuleIndex

STRINGY = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)


class StringConcatInLoop(Detector):
    r"""String built with `+=` inside a loop.

    ## What it does
    Flags `s += <str>` (or `s = s + <str>`) inside a `for` or `while` loop when `s` holds a string:
    it was bound to a string literal or f-string in the same scope, or the added value is one.

    ## Why is this bad?
    Strings are immutable, so every `+=` copies everything built so far: building a string of
    n pieces costs O(n²) time. CPython sometimes optimises this in place, but not when another
    reference to the string exists, and never on other interpreters. Collecting the pieces in a
    list and joining them once is linear.

    ## Example
    ```python
    out = ""
    for line in lines:
        out += line + "\n"
    ```
    Use instead:
    ```python
    parts = []
    for line in lines:
        parts.append(line + "\n")
    out = "".join(parts)
    ```

    ## Fix safety
    The fix is review-level: it changes the variable's type inside the loop, so any read of the
    string inside the loop body would see a list.
    """

    CODE = "PERF101"
    NAME = "string-concat-in-loop"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = "string built with += in a loop is quadratic; collect parts in a list and ''.join them"
    VALID = [
        Valid("""
            total = 0
            for x in xs:
                total += x
        """),
        Valid("""
            parts = []
            for x in xs:
                parts.append(str(x))
            out = "".join(parts)
        """),
        Valid("""
            s = ""
            s += "once"
        """),
    ]
    INVALID = [
        Invalid("""
            out = ""
            for line in lines:
                out += line
        """, line=3),
        Invalid("""
            def render(items):
                html = "<ul>"
                for item in items:
                    html = html + f"<li>{item}</li>"
                return html
        """, line=4),
        Invalid("""
            while True:
                buf += "x"
        """, line=2),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self.string_names: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, STRINGY):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.string_names.add(target.target.value)
        elif isinstance(node.value, cst.BinaryOperation) and isinstance(node.value.operator, cst.Add):
            left, right = node.value.left, node.value.right
            for target in node.targets:
                name = target.target
                if (isinstance(name, cst.Name) and isinstance(left, cst.Name)
                        and left.value == name.value and self._stringy(name.value, right)
                        and self.enclosing_loop(node)):
                    self.report(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not isinstance(node.operator, cst.AddAssign) or not isinstance(node.target, cst.Name):
            return
        if self._stringy(node.target.value, node.value) and self.enclosing_loop(node):
            self.report(node)

    def _stringy(self, name: str, added: cst.BaseExpression) -> bool:
        if name in self.string_names or isinstance(added, STRINGY):
            return True
        return (isinstance(added, cst.BinaryOperation) and isinstance(added.operator, cst.Add)
                and (isinstance(added.left, STRINGY) or isinstance(added.right, STRINGY)))

r"""PERF104: a `re` function called with a literal pattern inside a loop."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, ModuleIndex, dotted_name

REGEX_FUNCTIONS = frozenset({
    "compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split",
})


def _literal_string(expr: cst.BaseExpression) -> bool:
    """A plain (non-f) string literal, possibly implicitly concatenated."""
    if isinstance(expr, cst.SimpleString):
        return True
    if isinstance(expr, cst.ConcatenatedString):
        return _literal_string(expr.left) and _literal_string(expr.right)
    return False


def _pattern(call: cst.Call) -> cst.BaseExpression | None:
    """The `pattern` argument of a `re` call: the first positional one, or `pattern=`."""
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None or arg.keyword.value == "pattern":
            return arg.value
    return None


class RegexInLoop(Detector):
    r"""Regular expression with a literal pattern used inside a loop.

    ## What it does
    Flags `re.compile`, `re.match`, `re.search`, `re.fullmatch`, `re.findall`, `re.finditer`,
    `re.sub`, `re.subn` and `re.split` called inside a `for` / `while` loop with a string
    literal as the pattern (through `import re`, `import re as r` or `from re import ...`).

    ## Why is this bad?
    The pattern never changes, yet every iteration asks `re` for it again: `re.compile` in a
    loop rebuilds (or at best looks up) the compiled pattern each time, and the module-level
    helpers go through `re`'s internal cache, which costs a type check, a dictionary lookup
    and, once more than a few hundred patterns are in use, a full recompilation. Compiling
    once into a module-level constant does the work once and names the pattern.

    ## Example
    ```python
    import re

    for line in lines:
        if re.match(r"\s*#", line):
            continue
    ```
    Use instead:
    ```python
    import re

    COMMENT = re.compile(r"\s*#")

    for line in lines:
        if COMMENT.match(line):
            continue
    ```

    ## Fix safety
    A fix would be safe: the compiled pattern behaves exactly like the module-level function
    given the same pattern and flags. It must carry over any `flags=` argument, and pick a
    constant name that does not clash with an existing one.
    """

    CODE = "PERF104"
    NAME = "regex-in-loop"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("regex with a literal pattern built inside a loop; compile it once into a "
               "module-level constant")
    VALID = [
        Valid(r"""
            import re
            COMMENT = re.compile(r"\s*#")
            for line in lines:
                if COMMENT.match(line):
                    pass
        """),
        Valid(r"""
            import re
            for line in lines:
                if re.match(pattern, line):
                    pass
        """),
        Valid(r"""
            import re
            if re.match(r"\d+", text):
                pass
        """),
        Valid(r"""
            for line in lines:
                if match(r"\d+", line):
                    pass
        """),
    ]
    INVALID = [
        Invalid(r"""
            import re
            for line in lines:
                if re.match(r"\s*#", line):
                    continue
        """, line=3),
        Invalid(r"""
            from re import sub as replace
            def clean(rows):
                out = []
                for row in rows:
                    out.append(replace("[ \t]+", " ", row))
                return out
        """, line=5),
        Invalid(r"""
            import re
            while True:
                word = re.compile("a" "b").search(read())
        """, line=3),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self.modules: set[str] = set()  # local names of the `re` module
        self.functions: set[str] = set()  # local names of functions imported from `re`

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if dotted_name(alias.name) == "re":
                self.modules.add(alias.evaluated_alias or "re")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or dotted_name(node.module) != "re":
            return
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if alias.evaluated_name in REGEX_FUNCTIONS:
                self.functions.add(alias.evaluated_alias or alias.evaluated_name)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            if not (isinstance(func.value, cst.Name) and func.value.value in self.modules
                    and func.attr.value in REGEX_FUNCTIONS):
                return
        elif not (isinstance(func, cst.Name) and func.value in self.functions):
            return
        pattern = _pattern(node)
        if pattern is not None and _literal_string(pattern) and self.enclosing_loop(node):
            self.report(node)

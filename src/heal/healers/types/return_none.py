"""TYP102: functions that return nothing get `-> None`."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.types.annotations import (
    MAGIC_RETURNS,
    RETURN_MISSING,
    STRICT_CASE_CONFIG,
    function_at,
    is_special,
    returns_nothing,
    unannotated_params,
    with_return,
)
from heal.model import Category, Declined, Finding, Fix, Safety


class ReturnNone(Fixer):
    """Annotate functions that return nothing with `-> None`.

    ## What it does
    Where mypy reports `Function is missing a return type annotation` (`no-untyped-def`, with
    the hint `Use "-> None" if function does not return a value`) or notes that the body of an
    untyped function is not checked (`annotation-unchecked`), adds `-> None` to a function that
    has no `return <value>` and no `yield`. Abstract methods, overloads, Protocol methods, stub
    files and placeholder bodies (`...`, `pass`, a docstring, `raise NotImplementedError`) are
    left alone: their bodies say nothing about what implementations return.

    ## Why is this bad?
    mypy skips the body of an unannotated function (unless `check_untyped_defs`), so type
    errors inside it go unseen, and callers get `Any` back. `-> None` is the annotation that
    costs nothing to get right.

    ## Example
    ```python
    def log(message: str):
        print(message)
    ```
    becomes
    ```python
    def log(message: str) -> None:
        print(message)
    ```

    ## Fix safety
    Safe: annotations do not change runtime behaviour. mypy now checks the function's body;
    if that brings new errors the fix is rejected by verification and left for a human.
    """

    CODE = "TYP102"
    NAME = "return-none"
    CATEGORY = Category.TYPE
    RULES = ("mypy:no-untyped-def", "mypy:annotation-unchecked")
    SAFETY = Safety.SAFE
    CASE_CONFIG = STRICT_CASE_CONFIG
    VALID = [Valid('def main() -> None:\n    print("hi")\n')]
    INVALID = [
        Invalid('def main():\n    print("hi")\n', expected='def main() -> None:\n    print("hi")\n'),
        Invalid('class Greeter:\n    async def greet(self, name: str):\n        """Say hello."""\n'
                "        print(name)\n        return None\n",
                expected='class Greeter:\n    async def greet(self, name: str) -> None:\n'
                '        """Say hello."""\n        print(name)\n        return None\n'),
        Invalid("def setup():\n    count: int = 0\n    print(count)\n",
                expected="def setup() -> None:\n    count: int = 0\n    print(count)\n"),
        Invalid("def answer():\n    return 42\n"),
        Invalid('import abc\n\n\nclass Base(abc.ABC):\n    @abc.abstractmethod\n'
                '    def run(self):\n        """Run it."""\n'),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        if finding.code == "annotation-unchecked":
            functions = context.nodes_covering(finding.span, (cst.FunctionDef,))
            function = functions[0] if functions else None
            assert function is None or isinstance(function, cst.FunctionDef)
            whole = True
        elif finding.message in RETURN_MISSING:
            function = function_at(context, finding)
            whole = finding.message == RETURN_MISSING[1]
        else:
            return None
        if function is None:
            return self.decline(finding, "no function at the reported position")
        if function.returns is not None or function.name.value in MAGIC_RETURNS:
            return None
        special = is_special(context, function) or returns_nothing(function)
        if special:
            return self.decline(finding, f"not annotated `-> None`: {special}")
        if whole and unannotated_params(context, function):
            return self.decline(finding, "its parameters are unannotated too; `-> None` alone "
                                         "would leave it half-typed")
        return self.fix_from_text(finding, context,
                                  context.replace(function, with_return(function, "None")),
                                  f"annotate `{function.name.value}` with `-> None`")

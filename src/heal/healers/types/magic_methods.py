"""TYP103: data-model methods get the return type the data model fixes."""

from __future__ import annotations

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.types.annotations import (
    MAGIC_RETURNS,
    RETURN_MISSING,
    STRICT_CASE_CONFIG,
    enclosing_class,
    function_at,
    unannotated_params,
    with_return,
)
from heal.model import Category, Declined, Finding, Fix, Safety


class MagicMethodReturn(Fixer):
    """Annotate data-model methods with the return type Python requires of them.

    ## What it does
    Where mypy reports a missing annotation (`no-untyped-def`) on `__str__` / `__repr__`
    (`-> str`), `__len__` / `__hash__` (`-> int`), `__bool__` (`-> bool`) or `__init__`
    (`-> None`) of a class, adds that return annotation. Methods whose other parameters are
    unannotated are declined: the return type alone would leave them half-typed.

    ## Why is this bad?
    These return types are not a choice: `str()` raises `TypeError` when `__str__` returns
    anything but a `str`, `len()` needs an `int`, `bool()` a `bool`. Leaving them unannotated
    makes mypy skip the body, so a wrong return goes unnoticed until runtime.

    ## Example
    ```python
    class Point:
        def __repr__(self):
            return f"Point({self.x}, {self.y})"
    ```
    becomes
    ```python
    class Point:
        def __repr__(self) -> str:
            return f"Point({self.x}, {self.y})"
    ```

    ## Fix safety
    Safe: the annotation states what the interpreter already demands and changes nothing at
    runtime; should the body return something else, mypy says so and verification rejects it.
    """

    CODE = "TYP103"
    NAME = "magic-method-return"
    CATEGORY = Category.TYPE
    RULES = ("mypy:no-untyped-def",)
    SAFETY = Safety.SAFE
    CASE_CONFIG = STRICT_CASE_CONFIG
    VALID = [Valid('class P:\n    def __repr__(self) -> str:\n        return "P()"\n')]
    INVALID = [
        Invalid('class P:\n    def __init__(self):\n        self.items: list[int] = []\n\n'
                '    def __repr__(self):\n        return "P()"\n\n'
                "    def __len__(self):  # size\n        return len(self.items)\n\n"
                "    def __bool__(self):\n        return bool(self.items)\n",
                expected='class P:\n    def __init__(self) -> None:\n        self.items: list[int] = []\n\n'
                '    def __repr__(self) -> str:\n        return "P()"\n\n'
                "    def __len__(self) -> int:  # size\n        return len(self.items)\n\n"
                "    def __bool__(self) -> bool:\n        return bool(self.items)\n"),
        Invalid("class P:\n    def __hash__(self):\n        return 1\n\n"
                "    def __str__(self):\n        return 'p'\n",
                expected="class P:\n    def __hash__(self) -> int:\n        return 1\n\n"
                "    def __str__(self) -> str:\n        return 'p'\n"),
        Invalid("class P:\n    def __init__(self, size):\n        self.size = size\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        if finding.message not in RETURN_MISSING:
            return None
        function = function_at(context, finding)
        if function is None or function.returns is not None:
            return None
        expected = MAGIC_RETURNS.get(function.name.value)
        if expected is None or enclosing_class(context, function) is None:
            return None
        if unannotated_params(context, function):
            return self.decline(finding, "its parameters are unannotated; annotate them first "
                                         "(mypy wants `__init__` typed by its parameters)")
        return self.fix_from_text(
            finding, context, context.replace(function, with_return(function, expected)),
            f"annotate `{function.name.value}` with `-> {expected}`")

"""TYP104: parameters with a literal default get the literal's type (`x=1` -> `x: int = 1`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.types.annotations import (
    STRICT_CASE_CONFIG,
    function_at,
    literal_type,
    unannotated_params,
)
from heal.model import Category, Declined, Finding, Fix, Safety

_MESSAGES = ("Function is missing a type annotation",
             "Function is missing a type annotation for one or more arguments",
             "Function is missing a type annotation for one or more parameters")
_SPACE = cst.SimpleWhitespace(" ")


class _Annotate(cst.CSTTransformer):
    def __init__(self, targets: dict[cst.Param, str]) -> None:
        super().__init__()
        self.targets = targets

    def leave_Param(self, original_node: cst.Param, updated_node: cst.Param) -> cst.Param:
        kind = self.targets.get(original_node)
        if kind is None:
            return updated_node
        return updated_node.with_changes(
            annotation=cst.Annotation(cst.Name(kind)),
            equal=cst.AssignEqual(whitespace_before=_SPACE, whitespace_after=_SPACE))


class LiteralDefaults(Fixer):
    """Annotate parameters whose default is a literal with the literal's type.

    ## What it does
    Where mypy reports `Function is missing a type annotation (for one or more parameters)`,
    annotates each unannotated parameter whose default is a `bool`, `int`, `float`, `complex`,
    `str` or `bytes` literal with that type: `retries=3` becomes `retries: int = 3`. Parameters
    without a default or with another default (`None`, a call, a name) are left for a human;
    when there are only such parameters the fixer declines.

    ## Why is this bad?
    An unannotated parameter is `Any` to mypy: nothing a caller passes is checked, and with
    `disallow_untyped_defs` / `disallow_incomplete_defs` the function is an error.

    ## Example
    ```python
    def fetch(url: str, retries=3, verbose=False) -> bytes: ...
    ```
    becomes
    ```python
    def fetch(url: str, retries: int = 3, verbose: bool = False) -> bytes: ...
    ```

    ## Fix safety
    Unsafe: the default's type is a guess at the parameter's type. A caller may pass a float
    for `retries=3` or `None` for `name=""`; mypy then reports the call and verification
    rejects the fix, but a wider intent is for a human to decide.
    """

    CODE = "TYP104"
    NAME = "literal-default-annotation"
    CATEGORY = Category.TYPE
    RULES = ("mypy:no-untyped-def",)
    SAFETY = Safety.UNSAFE
    CASE_CONFIG = STRICT_CASE_CONFIG
    VALID = [Valid("def f(retries: int = 3) -> None:\n    print(retries)\n")]
    INVALID = [
        Invalid("def fetch(url: str, retries=3, verbose=False, *, sep='-', ratio=-1.5) -> None:\n"
                "    print(url, retries, verbose, sep, ratio)\n",
                expected="def fetch(url: str, retries: int = 3, verbose: bool = False, *, "
                "sep: str = '-', ratio: float = -1.5) -> None:\n"
                "    print(url, retries, verbose, sep, ratio)\n"),
        Invalid("class C:\n    def m(self, data=b'', n = 0) -> None:\n        print(data, n)\n",
                expected="class C:\n    def m(self, data: bytes = b'', n: int = 0) -> None:\n"
                "        print(data, n)\n"),
        Invalid("def f(x, y=None) -> None:\n    print(x, y)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        if finding.message not in _MESSAGES:
            return None
        function = function_at(context, finding)
        if function is None:
            return self.decline(finding, "no function at the reported position")
        missing = unannotated_params(context, function)
        if not missing:
            return None
        targets = {p: kind for p in missing
                   if p.default is not None and (kind := literal_type(p.default)) is not None}
        if not targets:
            names = ", ".join(p.name.value for p in missing)
            return self.decline(finding, f"no literal default to infer a type from ({names})")
        new = function.with_changes(params=function.params.visit(_Annotate(targets)))
        names = ", ".join(f"{p.name.value}: {kind}" for p, kind in targets.items())
        return self.fix_from_text(finding, context, context.replace(function, new),
                                  f"annotate parameters from their defaults ({names})")

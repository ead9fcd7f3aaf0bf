"""TYP101: implicit Optional parameters (`x: int = None`) become explicit."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.types.annotations import typing_alias
from heal.model import Category, Declined, Finding, Fix, Safety

_MESSAGE = re.compile(r'Incompatible default for (?:argument|parameter) "(?P<name>[^"]+)" '
                      r'\(default has type "None"')


def optional_of(context: ModuleContext, annotation: cst.BaseExpression
                ) -> tuple[cst.BaseExpression, list[tuple[str, str | None]]]:
    """`annotation` made optional in the module's style, and the imports that needs."""
    if isinstance(annotation, cst.Subscript) and isinstance(annotation.value, (cst.Name, cst.Attribute)) \
            and _last(annotation.value) == "Union":
        elements = list(annotation.slice)
        last = elements[-1]
        elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        elements.append(cst.SubscriptElement(cst.Index(cst.Name("None"))))
        return annotation.with_changes(slice=elements), []
    alias = typing_alias(context, "Optional")
    if alias is None and isinstance(annotation, cst.SimpleString) and annotation.prefix == "":
        inner = annotation.evaluated_value
        if isinstance(inner, str) and context.target >= (3, 10) and "\n" not in inner:
            quote = annotation.quote
            return cst.SimpleString(f"{quote}{inner} | None{quote}"), []
    uses_pipe = isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator,
                                                                           cst.BitOr)
    if alias is None and (uses_pipe or context.target >= (3, 10)):
        return cst.BinaryOperation(left=annotation, operator=cst.BitOr(),
                                   right=cst.Name("None")), []
    imports: list[tuple[str, str | None]] = []
    if alias is None:
        alias = "Optional"
        imports.append(("typing", "Optional"))
    return cst.Subscript(value=cst.parse_expression(alias),
                         slice=[cst.SubscriptElement(cst.Index(annotation))]), imports


def _last(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


class ImplicitOptional(Fixer):
    """Make an implicit Optional parameter explicit.

    ## What it does
    Where mypy reports `Incompatible default for parameter "x" (default has type "None", ...)`,
    rewrites the annotation `x: int = None` to `x: int | None = None`. When the project supports
    Python older than 3.10, or the file already spells it `Optional`, it writes `Optional[int]`
    and adds `from typing import Optional` if needed.

    ## Why is this bad?
    PEP 484 no longer allows a `None` default to widen the declared type; mypy treats it as an
    error (`no_implicit_optional` is the default). Callers and readers are told the parameter
    is always an `int` while the function must handle `None`.

    ## Example
    ```python
    def connect(timeout: float = None) -> None: ...
    ```
    becomes
    ```python
    def connect(timeout: float | None = None) -> None: ...
    ```

    ## Fix safety
    Safe: annotations do not change what the code does at runtime, and the new annotation
    states exactly what the default already allowed.
    """

    CODE = "TYP101"
    NAME = "implicit-optional"
    CATEGORY = Category.TYPE
    RULES = ("mypy:assignment",)
    SAFETY = Safety.SAFE
    VALID = [Valid("def f(x: int | None = None) -> None:\n    print(x)\n"),
             Valid("def f(x: int = 0) -> None:\n    y: str = x\n    print(y)\n")]
    INVALID = [
        Invalid("def f(x: int = None) -> None:\n    print(x)\n",
                expected="def f(x: int | None = None) -> None:\n    print(x)\n"),
        Invalid("from typing import Optional, Union\n\n\n"
                "def f(a: Union[int, str] = None, *, b: 'str' = None) -> Optional[int]:\n"
                "    return None\n",
                expected="from typing import Optional, Union\n\n\n"
                "def f(a: Union[int, str, None] = None, *, b: Optional['str'] = None)"
                " -> Optional[int]:\n    return None\n"),
        Invalid("def f(x: str = 0) -> None:\n    print(x)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        if finding.message.startswith("Incompatible default for") and not _MESSAGE.match(
                finding.message):
            return self.decline(finding, "the default is not None; the annotation or the "
                                         "default is wrong, which only a human can tell")
        match = _MESSAGE.match(finding.message)
        if match is None:
            return None
        params = [p for p in (context.parent(d) for d in context.nodes_at(finding.span))
                  if isinstance(p, cst.Param) and p.name.value == match.group("name")]
        if not params:
            return self.decline(finding, "no parameter at the reported position")
        param = params[0]
        if param.annotation is None:
            return self.decline(finding, "the parameter has no annotation to widen")
        new_annotation, imports = optional_of(context, param.annotation.annotation)
        new_param = param.with_changes(annotation=param.annotation.with_changes(
            annotation=new_annotation))
        text = with_imports(context.replace(param, new_param), add=imports)
        return self.fix_from_text(finding, context, text,
                                  f"make the None default of `{param.name.value}` explicit")

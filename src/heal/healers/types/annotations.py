"""Helpers the type fixers share: find the function a mypy finding names, read its body, and
build annotations that fit the project's Python (builtin generics, `X | None`, typing names)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from heal.cst import children
from heal.fixer import ModuleContext
from heal.model import Finding

_PLACEHOLDER_DECORATORS = {"abstractmethod", "abstractproperty", "overload"}
_STATIC = {"staticmethod"}
_QUOTED = re.compile(r'"([^"]*)"')


def quoted(message: str) -> list[str]:
    """The "double-quoted" parts of a mypy message, in order."""
    return _QUOTED.findall(message)


def function_at(context: ModuleContext, finding: Finding) -> cst.FunctionDef | None:
    """The function whose `def` line mypy reported (mypy points at `def`, not a decorator)."""
    line = finding.span.start.line
    positions = context.positions
    for node in positions:  # a range is made only for the functions, not every node
        if isinstance(node, cst.FunctionDef):
            if positions[node.name].start.line == line:
                return node
            if positions[node].start.line == line and not node.decorators:
                return node
    return None


def enclosing_class(context: ModuleContext, function: cst.FunctionDef) -> cst.ClassDef | None:
    """The class whose body holds `function` directly."""
    block = context.parent(function)
    owner = context.parent(block) if block is not None else None
    return owner if isinstance(owner, cst.ClassDef) else None


def enclosing_function(context: ModuleContext, node: cst.CSTNode) -> cst.FunctionDef | None:
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
        if isinstance(ancestor, (cst.ClassDef, cst.Lambda)):
            return None
    return None


def decorator_names(function: cst.FunctionDef) -> set[str]:
    """The last dotted part of each decorator (`abc.abstractmethod` -> `abstractmethod`)."""
    names = set()
    for decorator in function.decorators:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        if isinstance(expr, cst.Attribute):
            names.add(expr.attr.value)
        elif isinstance(expr, cst.Name):
            names.add(expr.value)
    return names


def all_params(function: cst.FunctionDef) -> list[cst.Param]:
    params = function.params
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        found.append(params.star_arg)
    if params.star_kwarg is not None:
        found.append(params.star_kwarg)
    return found


def implicit_first(context: ModuleContext, function: cst.FunctionDef) -> cst.Param | None:
    """`self` / `cls`: the first parameter of a method that is not a staticmethod."""
    if enclosing_class(context, function) is None or decorator_names(function) & _STATIC:
        return None
    params = [*function.params.posonly_params, *function.params.params]
    return params[0] if params else None


def unannotated_params(context: ModuleContext, function: cst.FunctionDef) -> list[cst.Param]:
    first = implicit_first(context, function)
    return [p for p in all_params(function) if p.annotation is None and p is not first]


def is_protocol_class(cls: cst.ClassDef | None) -> bool:
    if cls is None:
        return False
    for base in cls.bases:
        value = base.value
        if isinstance(value, cst.Subscript):
            value = value.value
        name = value.attr.value if isinstance(value, cst.Attribute) else (
            value.value if isinstance(value, cst.Name) else "")
        if name in ("Protocol", "ABC"):
            return name == "Protocol"
    return False


def body_statements(function: cst.FunctionDef) -> list[cst.BaseSmallStatement | cst.BaseCompoundStatement]:
    """The function's statements without a leading docstring, small statements flattened."""
    body = function.body
    lines: list[cst.BaseStatement] = []
    if isinstance(body, cst.IndentedBlock):
        lines = list(body.body)
    elif isinstance(body, cst.SimpleStatementSuite):
        lines = [cst.SimpleStatementLine(body=list(body.body))]
    flat: list[cst.BaseSmallStatement | cst.BaseCompoundStatement] = []
    for line in lines:
        if isinstance(line, cst.SimpleStatementLine):
            flat += list(line.body)
        else:
            assert isinstance(line, cst.BaseCompoundStatement)
            flat.append(line)
    if flat and isinstance(flat[0], cst.Expr) and isinstance(
            flat[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        flat = flat[1:]
    return flat


def _raises_not_implemented(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.Raise) or statement.exc is None:
        return False
    exc = statement.exc
    if isinstance(exc, cst.Call):
        exc = exc.func
    return isinstance(exc, cst.Name) and exc.value in ("NotImplementedError", "NotImplemented")


def is_placeholder(function: cst.FunctionDef) -> bool:
    """A stub: the body is only a docstring, `...`, `pass`, or `raise NotImplementedError`."""
    statements = body_statements(function)
    if not statements:
        return True
    if all(isinstance(s, cst.Pass) or (isinstance(s, cst.Expr) and isinstance(s.value, cst.Ellipsis))
           for s in statements):
        return True
    return len(statements) == 1 and _raises_not_implemented(statements[0])


def is_special(context: ModuleContext, function: cst.FunctionDef) -> str | None:
    """Why a function's return type must not be guessed from its body, or None."""
    if context.path.endswith(".pyi"):
        return "a stub file"
    decorators = decorator_names(function)
    if decorators & _PLACEHOLDER_DECORATORS:
        return "an abstract method or overload: its body says nothing about the return type"
    if is_protocol_class(enclosing_class(context, function)):
        return "a Protocol method: its body says nothing about the return type"
    if is_placeholder(function):
        return "its body is a placeholder (`...`, `pass` or `raise NotImplementedError`)"
    return None


class _Returns(cst.CSTVisitor):
    """Return-with-value and yield in a function body, not in nested scopes."""

    def __init__(self) -> None:
        self.value = False
        self.generator = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None and not (isinstance(node.value, cst.Name)
                                           and node.value.value == "None"):
            self.value = True

    def visit_Yield(self, node: cst.Yield) -> None:
        self.generator = True


def returns_nothing(function: cst.FunctionDef) -> str | None:
    """None when the function never returns a value and is no generator; else why not."""
    visitor = _Returns()
    function.body.visit(visitor)
    if visitor.generator:
        return "it is a generator"
    if visitor.value:
        return "it returns a value"
    return None


def with_return(function: cst.FunctionDef, annotation: str) -> cst.FunctionDef:
    return function.with_changes(returns=cst.Annotation(cst.parse_expression(annotation)))


def literal_type(node: cst.BaseExpression) -> str | None:
    """`int`, `float`, `complex`, `str`, `bytes` or `bool` for a literal; else None."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        inner = literal_type(node.expression)
        return inner if inner in ("int", "float", "complex") else None
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, cst.Imaginary):
        return "complex"
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return "bool"
    if isinstance(node, cst.SimpleString):
        return "bytes" if "b" in node.prefix.lower() else "str"
    if isinstance(node, cst.ConcatenatedString):
        parts = [literal_type(node.left), literal_type(node.right)]
        return parts[0] if parts[0] == parts[1] and parts[0] in ("str", "bytes") else None
    return None


def names_in(node: cst.CSTNode) -> Iterator[str]:
    """Every plain name an expression mentions."""
    if isinstance(node, cst.Name):
        yield node.value
    for child in children(node):
        yield from names_in(child)


def typing_alias(context: ModuleContext, name: str) -> str | None:
    """How this module spells `typing.<name>` if it already imports it: `Optional`, `t.Optional`."""
    typing_modules: list[str] = []
    for statement in context.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and isinstance(small.module, cst.Name) \
                    and small.module.value in ("typing", "typing_extensions") \
                    and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == name:
                        return alias.evaluated_alias or name
            elif isinstance(small, cst.Import):
                typing_modules += [alias.evaluated_alias or "typing" for alias in small.names
                                   if isinstance(alias.name, cst.Name)
                                   and alias.name.value == "typing"]
    for module_name in typing_modules:
        if f"{module_name}.{name}" in context.text:
            return f"{module_name}.{name}"
    return None


# mypy settings for cases whose findings only appear when untyped functions are errors.
STRICT_CASE_CONFIG = """\
[tool.ruff]
target-version = "py310"

[tool.mypy]
python_version = "3.10"
disallow_untyped_defs = true
"""

# dunder methods whose return type is fixed by the data model (TYP103 owns them)
MAGIC_RETURNS = {
    "__init__": "None",
    "__str__": "str",
    "__repr__": "str",
    "__len__": "int",
    "__hash__": "int",
    "__bool__": "bool",
}
RETURN_MISSING = ("Function is missing a return type annotation",
                  "Function is missing a type annotation")

"""TYP106: attribute access on an Optional gets a narrowing guard before the statement."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.types.annotations import all_params, enclosing_function, implicit_first
from heal.model import Category, Declined, Finding, Fix, Safety

_MESSAGE = re.compile(r'Item "None" of "(?P<type>.+)" has no attribute "(?P<attr>[^"]+)"')
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_COMPOUND = (cst.If, cst.While, cst.For, cst.With, cst.Try, cst.TryStar, cst.Match)


class _Bindings(cst.CSTVisitor):
    """Names a function binds itself, and the ones it declares global or nonlocal."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.declared: set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.bound.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.bound.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Global(self, node: cst.Global) -> None:
        self.declared.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.declared.update(n.name.value for n in node.names)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def _targets(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            self.bound.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._targets(element.value)
        elif isinstance(node, cst.StarredElement):
            self._targets(node.value)


def guard(expression: str, style: str) -> cst.BaseStatement:
    if style == "assert":
        return cst.parse_statement(f"assert {expression} is not None\n")
    return cst.parse_statement(f'if {expression} is None:\n    raise ValueError("{expression} is None")\n')


def guardable_statement(context: ModuleContext, node: cst.CSTNode
                        ) -> tuple[cst.SimpleStatementLine | cst.BaseCompoundStatement,
                           cst.IndentedBlock] | str:
    """The statement in a block that evaluates `node` every time it runs, or why none."""
    child = node
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, cst.IndentedBlock):
            assert isinstance(child, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
            return child, ancestor
        if isinstance(ancestor, cst.BooleanOperation) and child is ancestor.right:
            return "used on the right of `and` / `or`: a guard would run when it does not"
        if isinstance(ancestor, cst.IfExp) and child is not ancestor.test:
            return "used in a branch of a conditional expression"
        if isinstance(ancestor, (cst.Lambda, *_COMPREHENSIONS)):
            return "used inside a lambda or comprehension"
        if isinstance(ancestor, cst.If) and isinstance(context.parent(ancestor), cst.If):
            return "used in an `elif` test"
        if isinstance(ancestor, cst.While) and child is ancestor.test:
            return "used in a `while` test"
        if isinstance(ancestor, (cst.Module, cst.ClassDef, cst.FunctionDef)) or (
                isinstance(ancestor, _COMPOUND) and isinstance(child, cst.BaseSuite)):
            return "not in a statement of its own block"
        child = ancestor
    return "not in a statement of its own block"


def with_guard(context: ModuleContext, block: cst.IndentedBlock,
               statement: cst.SimpleStatementLine | cst.BaseCompoundStatement,
               check: cst.BaseStatement) -> str:
    """The module's text with `check` inserted before `statement`, which gives it its leading
    comments and blank lines."""
    assert isinstance(check, (cst.If, cst.SimpleStatementLine))
    index = next(i for i, s in enumerate(block.body) if s is statement)
    body = [*block.body[:index], check.with_changes(leading_lines=statement.leading_lines),
            statement.with_changes(leading_lines=()), *block.body[index + 1:]]
    return context.replace(block, block.with_changes(body=body))


class NoneGuard(Fixer):
    """Guard an Optional value against None before its attribute is used.

    ## What it does
    Where mypy reports `Item "None" of "X | None" has no attribute "y"` (`union-attr`) on a
    local variable or `self.attr`, inserts a narrowing guard right before the statement that
    uses it: `if x is None: raise ValueError("x is None")`, or `assert x is not None` with
    `none-guard = "assert"` in `[tool.heal]`. Uses that only run sometimes (the right side of
    `and` / `or`, a branch of `a if c else b`, an `elif` or `while` test, a comprehension, a
    lambda, a one-line block) are declined: a guard in front would run every time.

    ## Why is this bad?
    When the value is `None`, the attribute access raises `AttributeError: 'NoneType' object
    has no attribute 'y'` far from where the `None` came from. An explicit guard fails early
    with a message naming the value, and tells mypy (and readers) the value is set from here on.

    ## Example
    ```python
    def shout(name: str | None) -> str:
        return name.upper()
    ```
    becomes
    ```python
    def shout(name: str | None) -> str:
        if name is None:
            raise ValueError("name is None")
        return name.upper()
    ```

    ## Fix safety
    Review in public functions and methods, unsafe in private ones (leading underscore): a
    `None` now raises `ValueError` (or `AssertionError`) instead of `AttributeError`, and the
    right answer may instead be to handle `None` or to tighten the declared type.
    """

    CODE = "TYP106"
    NAME = "none-guard"
    CATEGORY = Category.TYPE
    RULES = ("mypy:union-attr",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("def shout(name: str | None) -> str:\n    if name is None:\n"
                   "        return ''\n    return name.upper()\n")]
    INVALID = [
        Invalid("""
            def shout(name: str | None) -> str:
                print(name)
                # loud
                return name.upper()
        """, expected="""
            def shout(name: str | None) -> str:
                print(name)
                # loud
                if name is None:
                    raise ValueError("name is None")
                return name.upper()
        """),
        Invalid("""
            class Conn:
                sock: bytes | None = None

                def _size(self) -> int:
                    if self.sock.startswith(b"x"):  # header
                        return 1
                    return 0
        """, expected="""
            class Conn:
                sock: bytes | None = None

                def _size(self) -> int:
                    if self.sock is None:
                        raise ValueError("self.sock is None")
                    if self.sock.startswith(b"x"):  # header
                        return 1
                    return 0
        """),
        Invalid("""
            CONFIG: dict[str, str] | None = None


            def get(key: str) -> str | None:
                return CONFIG.get(key)
        """),
        Invalid("""
            def check(strict: bool, text: str | None) -> bool:
                return strict or text.isdigit()
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        match = _MESSAGE.match(finding.message)
        if match is None:
            return None
        attributes = [n for n in context.nodes_at(finding.span, (cst.Attribute,))
                      if isinstance(n, cst.Attribute) and n.attr.value == match.group("attr")]
        if not attributes:
            return self.decline(finding, "no attribute access at the reported position")
        value = attributes[0].value
        found = guardable_statement(context, attributes[0])
        if isinstance(found, str):
            return self.decline(finding, found)
        statement, block = found
        function = enclosing_function(context, statement)
        if function is None:
            return self.decline(finding, "not inside a function")
        expression = self._expression(context, function, value)
        if expression is None:
            return self.decline(finding, "the value is not a local variable or `self.attr`; "
                                         "narrow it by hand")
        check = guard(expression, context.config.none_guard)
        name = function.name.value
        public = not name.startswith("_") or (name.startswith("__") and name.endswith("__"))
        return self.fix_from_text(
            finding, context, with_guard(context, block, statement, check),
            f"guard `{expression}` against None before using `.{match.group('attr')}`",
            safety=Safety.REVIEW if public else Safety.UNSAFE,
            rationale=f"`{expression}` being None now raises "
                      f"{'AssertionError' if context.config.none_guard == 'assert' else 'ValueError'}"
                      "; check whether None should be handled instead")

    def _expression(self, context: ModuleContext, function: cst.FunctionDef,
                    value: cst.BaseExpression) -> str | None:
        first = implicit_first(context, function)
        if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name):
            if first is not None and value.value.value == first.name.value:
                return f"{first.name.value}.{value.attr.value}"
            return None
        if not isinstance(value, cst.Name):
            return None
        bindings = _Bindings()
        function.body.visit(bindings)
        params = {p.name.value for p in all_params(function)}
        if value.value in bindings.declared or value.value not in params | bindings.bound:
            return None
        return value.value

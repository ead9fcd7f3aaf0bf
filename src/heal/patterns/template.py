"""Templates: a pattern's or a fix's text with ast-grep metavariables, compiled for libcst.

A template is `rule.pattern` (or `fix`) with ast-grep's metavariables: `$X` stands for one node
(an expression, an argument, a statement...), `$$$ARGS` for zero or more nodes of a sequence
(call arguments, list elements, parameters, the statements of a body), `$_X` and `$$$` (no name)
for nodes that are not captured. Before parsing, every metavariable becomes a plain identifier
(`__heal_one_X`, `__heal_many_ARGS`), so the template is ordinary Python that libcst parses into
an expression, one small statement (`assert ...`, `x = ...`) or one compound statement
(`class ...:`, `if ...:`). A parameter is no Python on its own, so a pattern that is one
parameter is written as ast-grep writes it: `rule: {pattern: {context: 'def f($A: $B = None):
...', selector: typed_default_parameter}}` (model.SELECTORS: the parameter kinds heal knows);
heal keeps the selected parameter as the template (`parameter_in_context`, then
`compile_template(text, selector)`), and its fix is one parameter too. A `rule: {kind: comment,
regex: R}` pattern (selector model.COMMENT) compiles to its regex.

A fix may write a metavariable into a string literal (`dict($K=$A)` -> `{"$K": $A}`), as
ast-grep fills it in; a pattern may not (ast-grep would bind the string's text, heal matches a
literal whole): `in_strings` finds them, and loading such a file is an error that says so.

Entry points: `compile_template(text, selector)` -> `Template`; `placeholder(node)` -> the
placeholder a node stands for; `to_code` / `from_code` between `$X` and the placeholders.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from heal.cst import children
from heal.patterns.model import COMMENT, CONTEXT, METAVAR_RE, SELECTORS

ONE = "__heal_one_"
MANY = "__heal_many_"
PREFIX = "__heal_"
PLACEHOLDER = re.compile(r"(__heal_(?:one|many)_)([A-Za-z0-9_]+)")  # (prefix, name)


class TemplateError(ValueError):
    """A pattern or fix template that is not one Python expression or statement."""


@dataclass(frozen=True)
class Template:
    source: str  # the text with $ metavariables
    code: str  # the same with placeholders
    root: cst.CSTNode
    kind: str  # expression | small | statement | parameter

    @property
    def root_type(self) -> str:
        """The libcst type the matched node must have; '*' for a bare metavariable."""
        if self.kind == "parameter":
            return "Param"
        if self.kind == COMMENT:
            return "Comment"
        if placeholder(self.root) is not None and isinstance(self.root, cst.Name):
            return "*"
        if self.kind == "statement" and isinstance(self.root, cst.SimpleStatementLine):
            return "*"
        return type(self.root).__name__


def to_code(text: str) -> str:
    """Metavariables to placeholder identifiers; anonymous `$$$` get numbered names."""
    counter = itertools.count()

    def sub(match: re.Match[str]) -> str:
        if match.group(0).startswith("$$$"):
            return MANY + (match.group(1) or f"_{next(counter)}")
        return ONE + str(match.group(2))

    return METAVAR_RE.sub(sub, text)


def from_code(code: str) -> str:
    """Placeholder identifiers back to `$X` / `$$$X` (for learned templates)."""
    code = re.sub(re.escape(MANY) + r"([A-Za-z0-9_]+)", lambda m: "$$$" + m.group(1), code)
    return re.sub(re.escape(ONE) + r"([A-Za-z0-9_]+)", lambda m: "$" + m.group(1), code)


def selector_of(param: cst.Param) -> str | None:
    """The ast-grep selector a parameter pattern rooted at `param` needs (None for a bare name
    or a `*args`: a bare metavariable would match anything)."""
    if param.star not in ("", cst.MaybeSentinel.DEFAULT):
        return None
    has = (param.annotation is not None, param.default is not None)
    return next((kind for kind, shape_ in SELECTORS.items() if shape_ == has), None)


def parameter_code(param: cst.Param) -> str:
    """A parameter's own code: no comma after it, no whitespace around it."""
    bare = param.with_changes(comma=cst.MaybeSentinel.DEFAULT,
                              whitespace_after_star=cst.SimpleWhitespace(""),
                              whitespace_after_param=cst.SimpleWhitespace(""))
    return cst.Module([]).code_for_node(bare).strip()


def only_parameter(code: str) -> cst.Param | None:
    try:
        module = cst.parse_module(CONTEXT.format(code) + "\n")
    except (cst.ParserSyntaxError, RecursionError):
        return None
    function = module.body[0]
    assert isinstance(function, cst.FunctionDef)
    params = function.params
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    if len(found) != 1 or not isinstance(params.star_arg, cst.MaybeSentinel) or \
            params.star_kwarg is not None:
        return None
    return found[0]


def parameter_in_context(context: str, selector: str) -> str:
    """The parameter an ast-grep `{context, selector}` pattern selects (the first of its kind,
    as ast-grep takes it), as heal's template text; TemplateError when there is none."""
    try:
        module = cst.parse_module(to_code(_dedent(context.strip("\n"))) + "\n")
    except (cst.ParserSyntaxError, RecursionError):
        raise TemplateError("the context is not valid Python") from None
    for node in walk(module):
        if isinstance(node, cst.Param) and selector_of(node) == selector:
            return from_code(parameter_code(node))
    raise TemplateError(f"the context has no {selector}")


@functools.lru_cache(maxsize=8192)
def compile_template(text: str, selector: str = "") -> Template:
    """Parse a template; TemplateError when it is not one expression or one statement (or,
    with an ast-grep `selector`, one parameter: the pattern's is of the selector's kind, as
    its context selected it, and its fix may be of another)."""
    if selector == COMMENT:  # ast-grep's `kind: comment` + `regex`: the text is the regex
        try:
            re.compile(text)
        except re.error as error:
            raise TemplateError(f"is not a valid regular expression ({error})") from None
        return Template(text, text, cst.Comment("#"), COMMENT)
    stripped = text.strip("\n")
    if not stripped.strip():
        raise TemplateError("the template is empty")
    code = to_code(_dedent(stripped))
    if selector:
        param = only_parameter(code)
        if param is None or selector_of(param) is None:
            raise TemplateError("not one parameter (with an annotation or a default)")
        return Template(text, code, param, "parameter")
    try:
        return Template(text, code, cst.parse_expression(code), "expression")
    except (cst.ParserSyntaxError, RecursionError):
        pass
    try:
        module = cst.parse_module(code + "\n")
    except (cst.ParserSyntaxError, RecursionError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "syntax error"
        raise TemplateError(f"not valid Python ({first})") from None
    if len(module.body) != 1:
        raise TemplateError(f"must be one expression or one statement, not {len(module.body)} "
                            "statements")
    statement = module.body[0]
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return Template(text, code, statement.body[0], "small")
    return Template(text, code, statement, "statement")


def _dedent(text: str) -> str:
    lines = text.split("\n")
    widths = [len(line) - len(line.lstrip(" ")) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(line[cut:] for line in lines)


def placeholder(node: cst.CSTNode) -> str | None:
    """The placeholder a node stands for when it is nothing but a metavariable (or a wrapper
    around one: an argument, element, parameter, statement...)."""
    inner = unwrap(node)
    if isinstance(inner, cst.Name) and inner.value.startswith(PREFIX):
        return inner.value
    return None


def unwrap(node: cst.CSTNode) -> cst.CSTNode | None:
    """The expression a plain wrapper holds (an Arg without keyword or star, an Element, a
    one-expression statement...), or the node itself when it is an expression."""
    if isinstance(node, cst.BaseExpression):
        return node
    if isinstance(node, cst.Arg):
        return node.value if node.keyword is None and node.star == "" else None
    if isinstance(node, cst.Element):
        return node.value
    if isinstance(node, cst.SubscriptElement):
        index = node.slice
        return index.value if isinstance(index, cst.Index) and index.star is None else None
    if isinstance(node, cst.Param):
        plain = node.annotation is None and node.default is None and node.star in (
            "", cst.MaybeSentinel.DEFAULT)
        return node.name if plain else None
    if isinstance(node, cst.SimpleStatementLine):
        return unwrap(node.body[0]) if len(node.body) == 1 else None
    if isinstance(node, cst.Expr):
        return node.value
    if isinstance(node, cst.WithItem):
        return node.item if node.asname is None else None
    if isinstance(node, cst.ImportAlias):
        return node.name if node.asname is None else None
    if isinstance(node, cst.Decorator):
        return node.decorator
    return None


def name_of(placeholder_name: str) -> str:
    """`__heal_one_X` -> `X`, `__heal_many_ARGS` -> `ARGS`."""
    for prefix in (ONE, MANY):
        if placeholder_name.startswith(prefix):
            return placeholder_name[len(prefix):]
    return placeholder_name


def in_strings(template: Template) -> list[str]:
    """Metavariables written inside string literals of a template (`{"$K": $A}`)."""
    return [from_code(found.group(0)) for node in walk(template.root)
            if isinstance(node, cst.SimpleString) for found in PLACEHOLDER.finditer(node.value)]


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in children(node):
        yield from walk(child)

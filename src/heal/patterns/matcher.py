"""Template unification over libcst: match a pattern at a finding, and build its fix.

A template is `rule.pattern` with ast-grep's metavariables: `$X` stands for one node (an
expression, an argument, a statement...), `$$$ARGS` for zero or more nodes of a sequence (call
arguments, list elements, parameters, the statements of a body), `$_X` and `$$$` (no name) for
nodes that are not captured. Before parsing, every metavariable becomes a plain identifier
(`__heal_one_X`, `__heal_many_ARGS`), so the template is ordinary Python that libcst parses into
an expression, one small statement (`assert ...`, `x = ...`) or one compound statement
(`class ...:`, `if ...:`). A parameter is no Python on its own, so a pattern that is one
parameter is written as ast-grep writes it: `rule: {pattern: {context: 'def f($A: $B = None):
...', selector: typed_default_parameter}}` (SELECTORS: the parameter kinds heal knows); heal
keeps the selected parameter as the template (`compile_template(text, selector)`), and its fix
is one parameter too. `$$$B` alone in a `def`'s parentheses binds the whole list (`*` and `/`
included, as ast-grep's flat parameter list) with its layout and comments. In `from $A import
...`, `$A` also binds a relative module with its dots (`.m`, `..pkg.m`, `.`), which
tree-sitter parses as one node; a pattern that spells dots (`from .$A import ...`) wants them.

Matching is structural and exact, except for formatting: whitespace, comments, redundant
parentheses, trailing commas and the quoting of string literals are ignored (`'a'` matches
`"a"`; `0x10` matches `16`). A metavariable that occurs twice must bind equal code (equal by the
same rule). `constraints` filter bindings by a regular expression searched in the bound source
text (`regex`, or `not: {regex}`), as ast-grep does. Parentheses written around a metavariable
are the one exception: as in ast-grep, `print(($A))` matches only an argument wrapped in (at
least) one pair of parentheses, and `$A` binds what is inside them (so the fix `print($A)` drops
them; without the parentheses in the pattern, `$A` binds the argument with its own).

A fix may write a metavariable into a string literal (`dict($K=$A)` -> `{"$K": $A}`), as
ast-grep fills it in; a pattern may not (ast-grep would bind the string's text, heal matches a
literal whole): loading such a file is an error that says so.

A `rule: {kind: comment, regex: R}` pattern (selector COMMENT; its `pattern` is the regex)
matches a comment the finding's span touches whose text R matches (searched, as ast-grep does).
Its empty fix deletes the comment with the blanks before it, or its whole line when it stands
alone, as ruff deletes an unused `# noqa` (ast-grep deletes the comment's text only and leaves
the blanks); any other fix is the new comment.

A fix template laid out on several lines (a learned fix keeps its instance's layout: `{\n
"$A": $B,\n}`) is written on one line for a match on one line (`flat`), as ruff leaves it.

A fix that differs from its pattern only by fewer parentheses around metavariables removes just
those parentheses from the source, so the rest of the matched code keeps its layout.

Where the finding is: a metavariable the fix drops (`from $M import $$$A, $B, $$$C` ->
`from $M import $$$A, $$$C`) is the code the finding is about, so when a finding's span is given
it must bind the node the finding points at (the unused name, not the first name of the
statement). A pattern rooted at an import statement whose fix drops one name removes that name
from the matched statement the way the unused-import fixer does, keeping the statement's own
layout (parentheses, one name a line, comments) instead of re-rendering the fix template; a
statement left with no name goes with its line, as the fixer deletes it (under the rules of
an empty fix, below).

An empty fix deletes the matched statement with its line, as ast-grep's `fix: ''` does (`pass`
-> ``, `from $A import $B` -> ``): only a simple statement alone on its line, holding the
finding's span, in a block that keeps other statements; a comment at the end of the line stays
in its place, as ruff keeps it.

A fix may not write a name that neither the pattern nor the file has (`$A: Optional[$B] = None`
in a file with no `Optional` import or definition would be a NameError): the pattern declines
with that reason, so the fixer that owns the rule gets the finding.

The fix is the `fix` template with each metavariable replaced by the source text it bound
(formatting and comments inside a binding are kept; multi-line bindings are re-indented when
they move to another column, unless they contain a multi-line string, which is then declined).
The result must re-parse with libcst, must put every binding back as one subtree (if operator
precedence would regroup a binding, it is parenthesised, or the fix is declined), and the whole
file must still parse. The edit replaces exactly the matched node's range. Where the pattern and
the fix have the same `$$$` as the whole body of the same kind of compound statement
(`class $C(object):\n    $$$BODY` -> `class $C:\n    $$$BODY`), only the header is rewritten:
the comment after the `:` and blank lines before the first statement stay. A fix that would
drop a comment from the lines it touches is declined, with the comment in the reason.

Entry points: `compile_template(text)` -> `Template`; `match(template, node)` -> bindings or
None; `candidates(context, span)` -> the nodes a finding's span points at (exact node, nodes
inside the span, then the covering nodes up to the enclosing statement); `rewrite(pattern,
compiled, context, node, span)` -> `Rewrite | str | None` (the new text and its edit, a reason
the matched pattern cannot fix it, or None when it does not match). A finding inside a
function's body also offers the function itself, last (mypy's annotation-unchecked note points
at a statement; its fix annotates the `def`).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import libcst as cst
from libcst.metadata import CodeRange

from heal.edits import apply_edits
from heal.model import Position, Span, TextEdit
from heal.patterns.model import COMMENT, CONTEXT, METAVAR_RE, SELECTORS, Pattern

if TYPE_CHECKING:
    from heal.healers.base import ModuleContext

ONE = "__heal_one_"
MANY = "__heal_many_"
PREFIX = "__heal_"
PLACEHOLDER = re.compile(r"(__heal_(?:one|many)_)([A-Za-z0-9_]+)")  # (prefix, name)

Binding = Union[cst.CSTNode, tuple[cst.CSTNode, ...]]  # noqa: UP007 - a runtime alias on 3.10
Bindings = Mapping[str, Binding]

IGNORED_FIELDS = frozenset({
    "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header",
    "footer", "trailing_whitespace", "newline", "indent", "equal", "default_indent",
    "default_newline", "has_trailing_newline", "encoding",
})


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


def _only_parameter(code: str) -> cst.Param | None:
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
    for node in _walk(module):
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
        param = _only_parameter(code)
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


# --------------------------------------------------------------------------------------------
# structural matching
# --------------------------------------------------------------------------------------------

def placeholder(node: cst.CSTNode) -> str | None:
    """The placeholder a node stands for when it is nothing but a metavariable (or a wrapper
    around one: an argument, element, parameter, statement...)."""
    inner = _unwrap(node)
    if isinstance(inner, cst.Name) and inner.value.startswith(PREFIX):
        return inner.value
    return None


def _unwrap(node: cst.CSTNode) -> cst.CSTNode | None:
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
        return _unwrap(node.body[0]) if len(node.body) == 1 else None
    if isinstance(node, cst.Expr):
        return node.value
    if isinstance(node, cst.WithItem):
        return node.item if node.asname is None else None
    if isinstance(node, cst.ImportAlias):
        return node.name if node.asname is None else None
    if isinstance(node, cst.Decorator):
        return node.decorator
    return None


# a wrapper in the pattern matches any node of its family in the target
_FAMILIES: tuple[tuple[type[cst.CSTNode], type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]], ...] = (
    (cst.Arg, cst.Arg),
    (cst.Element, cst.BaseElement),
    (cst.SubscriptElement, cst.SubscriptElement),
    (cst.Param, cst.Param),
    (cst.SimpleStatementLine, cst.BaseStatement),
    (cst.Expr, cst.BaseSmallStatement),
    (cst.WithItem, cst.WithItem),
    (cst.ImportAlias, cst.ImportAlias),
    (cst.Decorator, cst.Decorator),
)


def _family(node: cst.CSTNode) -> type[cst.CSTNode] | tuple[type[cst.CSTNode], ...] | None:
    for kind, family in _FAMILIES:
        if type(node) is kind:
            return family
    return None


@functools.cache
def _fields(kind: type[cst.CSTNode]) -> tuple[str, ...]:
    names = []
    for item in dataclasses.fields(kind):
        if item.name in IGNORED_FIELDS or item.name.startswith("whitespace"):
            continue
        if kind is cst.FormattedString and item.name in ("start", "end"):
            continue
        names.append(item.name)
    return tuple(names)


def _literal_key(node: cst.CSTNode) -> object:
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix.lower()
        try:
            return ("str", "b" in prefix, node.evaluated_value)
        except Exception:  # an escape libcst cannot evaluate: compare the text
            return ("str-raw", node.value)
    if isinstance(node, cst.Integer):
        try:
            return ("int", node.evaluated_value)
        except ValueError:
            return ("int-raw", node.value)
    if isinstance(node, cst.Float):
        try:
            return ("float", node.evaluated_value)
        except ValueError:
            return ("float-raw", node.value)
    if isinstance(node, cst.FormattedString):
        return ("f", "".join(sorted(c for c in node.start.lower() if c.isalpha())))
    return None


Focus = Callable[[str, Binding], bool]  # may metavariable NAME bind this value here?


def _bind(bindings: Bindings, name: str, value: Binding, focus: Focus | None = None
          ) -> Bindings | None:
    key = name_of(name)
    if key.startswith("_"):
        return bindings  # anonymous: not captured, not compared
    if key in bindings:
        return bindings if equal(bindings[key], value) else None
    if focus is not None and not focus(key, value):
        return None
    return {**bindings, key: value}


def _parens(node: cst.CSTNode | None) -> int:
    """How many pairs of parentheses an expression has of its own."""
    return len(node.lpar) if isinstance(node, cst.BaseExpression) else 0


def name_of(placeholder_name: str) -> str:
    """`__heal_one_X` -> `X`, `__heal_many_ARGS` -> `ARGS`."""
    for prefix in (ONE, MANY):
        if placeholder_name.startswith(prefix):
            return placeholder_name[len(prefix):]
    return placeholder_name


def equal(a: Binding, b: Binding) -> bool:
    """Same code, formatting aside."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return False
        return all(_node(x, y, {}) is not None for x, y in zip(a, b, strict=True))
    return _node(a, b, {}) is not None


def match(template: Template, node: cst.CSTNode, focus: Focus | None = None
          ) -> dict[str, Binding] | None:
    """Bindings of the template's metavariables when `node` matches it, else None. `focus`
    vets each new binding (see `rewrite`)."""
    found = _node(template.root, node, {}, focus)
    return None if found is None else dict(found)


def _node(p: cst.CSTNode, t: cst.CSTNode, b: Bindings, focus: Focus | None = None
          ) -> Bindings | None:
    name = placeholder(p)
    if name is not None:
        if isinstance(p, cst.Name):
            return _bind(b, name, t, focus) if _parens(t) >= _parens(p) else None
        family = _family(p)
        if family is not None and name.startswith(ONE) and isinstance(t, family):
            inner = _unwrap(t)
            plain = inner is not None and type(t) is type(p)
            value = inner if plain and inner is not None else t
            if _parens(value) < _parens(_unwrap(p)):
                return None  # `f(($A))` wants an argument in parentheses
            return _bind(b, name, value, focus)
        if family is not None and name.startswith(MANY) and isinstance(t, family):
            return _bind(b, name, (t,), focus)
    if type(p) is not type(t):
        return None
    if isinstance(p, cst.Parameters):
        whole = _only_many(p)
        if whole is not None:  # `def $A($$$B)`: the whole list, `*` and `/` included
            return _bind(b, whole, t, focus)
    if isinstance(p, cst.ImportFrom) and isinstance(t, cst.ImportFrom) and t.relative:
        return _relative_import(p, t, b, focus)
    if isinstance(p, cst.SimpleString) and PREFIX in p.value:  # a fix's `"$K"`, filled in
        return b if isinstance(t, cst.SimpleString) and _filled(p.value, t.value) else None
    literal = _literal_key(p)
    if literal is not None and not isinstance(p, cst.FormattedString):
        return b if literal == _literal_key(t) else None
    if literal is not None and literal != _literal_key(t):
        return None
    current: Bindings | None = b
    for field_name in _fields(type(p)):
        current = _value(getattr(p, field_name), getattr(t, field_name), current,
                         strict_comma=False, focus=focus)
        if current is None:
            return None
    if isinstance(p, cst.SubscriptElement) and isinstance(p.comma, cst.Comma) != isinstance(
            t.comma, cst.Comma):  # type: ignore[attr-defined]
        return None
    return current


def _filled(template: str, text: str) -> bool:
    """True when a string literal's source is the template's (a fix's `"$K"`) with some text
    in place of each metavariable."""
    parts = PLACEHOLDER.split(template)[::3]  # the split also returns the two groups
    return re.fullmatch(".+?".join(re.escape(part) for part in parts), text, re.S) is not None


def in_strings(template: Template) -> list[str]:
    """Metavariables written inside string literals of a template (`{"$K": $A}`)."""
    return [from_code(found.group(0)) for node in _walk(template.root)
            if isinstance(node, cst.SimpleString) for found in PLACEHOLDER.finditer(node.value)]


def _relative_import(p: cst.ImportFrom, t: cst.ImportFrom, b: Bindings,
                     focus: Focus | None) -> Bindings | None:
    """`from $A import ...` against `from .m import ...`: `$A` binds the module with its
    dots (`.m`, `..`), the one node tree-sitter makes of it (`relative_import`), as ast-grep
    matches it; a pattern that spells its dots matches them as written."""
    name = placeholder(p.module) if p.module is not None and not p.relative else None
    if name is not None and name.startswith(ONE):
        module = (*t.relative, t.module) if t.module is not None else tuple(t.relative)
        bound = _bind(b, name, module, focus)
    else:
        bound = _value(p.relative, t.relative, b, strict_comma=False, focus=focus)
        bound = _value(p.module, t.module, bound, strict_comma=False, focus=focus)
    return _value(p.names, t.names, bound, strict_comma=False, focus=focus)


def _only_many(parameters: cst.Parameters) -> str | None:
    """The `$$$` placeholder a parameter list is made of alone (as ast-grep reads a `def`'s
    parameters: one list, whatever its `*` and `/` split), else None."""
    if len(parameters.params) != 1 or parameters.posonly_params or parameters.kwonly_params or \
            not isinstance(parameters.star_arg, cst.MaybeSentinel) or \
            parameters.star_kwarg is not None:
        return None
    name = placeholder(parameters.params[0])
    return name if name is not None and name.startswith(MANY) else None


def _value(p: Any, t: Any, b: Bindings | None, strict_comma: bool,
           focus: Focus | None = None) -> Bindings | None:
    if b is None:
        return None
    if isinstance(p, cst.CSTNode):
        if not isinstance(t, cst.CSTNode):
            return None
        return _node(p, t, b, focus)
    if isinstance(p, (list, tuple)):
        if not isinstance(t, (list, tuple)):
            return None
        return _sequence(tuple(p), tuple(t), b, focus)
    if isinstance(t, cst.CSTNode):
        return None
    return b if p == t else None


def _sequence(ps: tuple[Any, ...], ts: tuple[Any, ...], b: Bindings,
              focus: Focus | None = None) -> Bindings | None:
    if not ps:
        return b if not ts else None
    first = ps[0]
    name = placeholder(first) if isinstance(first, cst.CSTNode) else None
    if name is not None and name.startswith(MANY):
        for count in range(len(ts) + 1):
            bound = _bind(b, name, tuple(ts[:count]), focus)
            if bound is None:
                continue
            rest = _sequence(ps[1:], ts[count:], bound, focus)
            if rest is not None:
                return rest
        return None
    if not ts:
        return None
    head = _value(first, ts[0], b, strict_comma=False, focus=focus)
    if head is None:
        return None
    return _sequence(ps[1:], ts[1:], head, focus)


# --------------------------------------------------------------------------------------------
# where a finding points
# --------------------------------------------------------------------------------------------

def _key(position: Any) -> tuple[int, int]:
    return (position.line, position.column)


_BODIES: dict[int, tuple[cst.Module, list[tuple[int, int]]]] = {}
_PARENTS: dict[int, dict[int, cst.CSTNode]] = {}  # context -> node -> parent, seen by candidates


def _kids(context: ModuleContext, node: cst.CSTNode, start: tuple[int, int]
          ) -> Sequence[cst.CSTNode]:
    """The children that may cover `start`; for a module, found by bisection (libcst's
    `children` of a module walks the whole file)."""
    if isinstance(node, cst.Module):
        held = _BODIES.get(id(context))
        if held is None or held[0] is not node:
            keys = [_key(context.positions[s].start) if s in context.positions else (0, 0)
                    for s in node.body]
            if len(_BODIES) > 64:
                _BODIES.clear()
            held = (node, keys)
            _BODIES[id(context)] = held
        index = bisect.bisect_right(held[1], start) - 1
        return node.body[max(index, 0):index + 1] if index >= 0 else ()
    if isinstance(node, cst.IndentedBlock):
        return node.body
    return node.children


def own_range(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode) -> CodeRange:
    """A node's range: its position, or for a `Param` (which libcst places at its name only)
    its name through its annotation and default, not the comma after it."""
    where = positions[node]
    if not isinstance(node, cst.Param):
        return where
    parts = [positions[part] for part in (node.annotation, node.default) if part is not None]
    end = max((part.end for part in parts), key=_key, default=where.end)
    return CodeRange(where.start, end)


def extent_of(positions: Mapping[cst.CSTNode, CodeRange], node: cst.CSTNode
              ) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """`own_range` as ((line, column), (line, column)); None for a node without a position."""
    if node not in positions:
        return None
    where = own_range(positions, node)
    return _key(where.start), _key(where.end)


def candidates(context: ModuleContext, span: Span, limit: int = 64) -> list[cst.CSTNode]:
    """Nodes to try for a finding: the innermost node covering the span when it is exactly the
    span, the nodes inside the span (outermost first), then the covering nodes from the
    innermost out to the enclosing statement (included)."""
    positions = context.positions
    start, end = (span.start.line, span.start.column), (span.end.line, span.end.column)
    path: list[cst.CSTNode] = []
    node: cst.CSTNode = context.module
    while True:
        path.append(node)
        inner = None
        for child in _kids(context, node, start):
            extent = extent_of(context.positions, child)
            if extent is None:
                continue
            if extent[0] <= start and end <= extent[1]:
                inner = child
                break
        if inner is None:
            break
        node = inner
    parents = _PARENTS.setdefault(id(context), {})
    if len(_PARENTS) > 64:
        _PARENTS.clear()
        parents = _PARENTS.setdefault(id(context), {})
    for outer, inner_node in itertools.pairwise(path):
        parents[id(inner_node)] = outer
    chain: list[cst.CSTNode] = []
    for covering in reversed(path):
        if isinstance(covering, cst.Module):
            break
        chain.append(covering)
        if isinstance(covering, cst.BaseStatement):
            break
    # a finding in a function's body may be about the function (mypy's annotation-unchecked
    # note points at a statement; its fix is `-> None` on the `def`): that `def` comes last
    function = next((n for n in reversed(path) if isinstance(n, cst.FunctionDef)), None)
    if function is not None and all(n is not function for n in chain):
        chain.append(function)
    inside: list[cst.CSTNode] = []
    if start < end and path:
        queue = list(path[-1].children)
        for child in queue:
            parents[id(child)] = path[-1]
        while queue and len(inside) < limit:
            child = queue.pop(0)
            extent = extent_of(context.positions, child)
            if extent is None:
                continue
            if start <= extent[0] and extent[1] <= end:
                inside.append(child)
            if extent[0] < end and start < extent[1]:
                grandchildren = child.children
                for grandchild in grandchildren:
                    parents[id(grandchild)] = child
                queue.extend(grandchildren)
    exact = [n for n in chain[:1] if (_key(positions[n].start), _key(positions[n].end))
             == (start, end)]
    ordered: list[cst.CSTNode] = []
    seen: set[int] = set()
    for candidate in [*exact, *inside, *chain, *comments_at(context, span)]:
        if id(candidate) not in seen:
            seen.add(id(candidate))
            ordered.append(candidate)
    return ordered


def comments_at(context: ModuleContext, span: Span) -> list[cst.Comment]:
    """The comments on the span's first line that the span touches (a `# noqa` a finding
    points at)."""
    start, end = (span.start.line, span.start.column), (span.end.line, span.end.column)
    return [comment for comment in context.comments_on(span.start.line)
            if (extent := extent_of(context.positions, comment)) is not None
            and extent[0] <= end and start <= extent[1]]


def _comment_rewrite(pattern: Pattern, context: ModuleContext, node: cst.CSTNode
                     ) -> Rewrite | None:
    """A `kind: comment` rule at a comment: the regex searched in its text (ast-grep's
    `regex`); an empty fix deletes it with the blanks before it (its line, when it stands
    alone), as ruff deletes an unused `# noqa`; any other fix is the new comment."""
    if not isinstance(node, cst.Comment) or re.search(pattern.pattern, node.value) is None:
        return None
    where = context.positions[node]
    line, column = where.start.line, where.start.column
    end = Position(where.end.line, where.end.column)
    new = pattern.fix.strip()
    if not new:
        starts = _offsets(context)
        before = context.text[starts[line - 1]:starts[line - 1] + column]
        if before.strip():  # after code: the comment and the blanks before it go
            column = len(before.rstrip(" \t"))
        elif line < len(starts):  # a line of its own goes, line break and all
            column, end = 0, Position(line + 1, 0)
        else:
            column = 0
    elif new == node.value:
        return None
    edit = TextEdit(Span(Position(line, column), end), new)
    return Rewrite(edit, context.text, {})


# --------------------------------------------------------------------------------------------
# building the fix
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bound:
    text: str
    column: int  # column where the text starts in the original
    fragile: bool  # holds a multi-line string: cannot be re-indented
    prefix: str | None = None  # the whitespace before it on its line, when only whitespace


@dataclass(frozen=True)
class Rewrite:
    edit: TextEdit
    before: str  # the whole file before the edit
    bindings: Mapping[str, str]  # metavariable -> bound source text

    @property
    def text(self) -> str:
        """The whole file after the edit."""
        return apply_edits(self.before, [self.edit])


class CannotRenderError(Exception):
    pass


_STARTS: dict[int, tuple[str, list[int]]] = {}


def _offsets(context: ModuleContext) -> list[int]:
    """Offsets of line starts (cached for the context's text)."""
    held = _STARTS.get(id(context))
    if held is not None and held[0] is context.text:
        return held[1]
    starts = [0, *(m.end() for m in re.finditer("\n", context.text))]
    if len(_STARTS) > 64:
        _STARTS.clear()
    _STARTS[id(context)] = (context.text, starts)
    return starts


class _Source:
    """Source text of nodes, by their positions in the context's text."""

    def __init__(self, context: ModuleContext) -> None:
        self.context = context
        self.starts = _offsets(context)

    def offset(self, line: int, column: int) -> int:
        return min(self.starts[line - 1] + column, len(self.context.text))

    def range_of(self, node: cst.CSTNode, strip: int = 0) -> tuple[int, int, int]:
        """(start offset, end offset, start column) of a node, parentheses included (all but
        the `strip` outermost pairs)."""
        where = own_range(self.context.positions, node)  # a Param's reaches over its default
        start = self.offset(where.start.line, where.start.column)
        end = self.offset(where.end.line, where.end.column)
        column = where.start.column
        text = self.context.text
        if isinstance(node, cst.Parameters):  # all between the parentheses, layout and all
            before = text[:start].rstrip(" \t\n\r\\")
            start = len(before) if before.endswith("(") else text.rfind("(", 0, start) + 1
            column = start - text.rfind("\n", 0, start) - 1
        if isinstance(node, cst.BaseExpression):
            for _ in node.lpar[strip:]:
                found = text.rfind("(", 0, start)
                if found < 0:
                    break
                start = found
            for _ in node.rpar[strip:]:
                found = text.find(")", end)
                if found < 0:
                    break
                end = found + 1
            column = start - text.rfind("\n", 0, start) - 1
        lines: Sequence[cst.EmptyLine] = getattr(node, "leading_lines", None) or ()
        if isinstance(node, cst.BaseStatement) and lines:
            comments = [i for i, line in enumerate(lines) if line.comment is not None]
            if comments:
                first_line = where.start.line - (len(lines) - comments[0])
                line_text = text[self.starts[first_line - 1]:]
                start = self.starts[first_line - 1] + (len(line_text) - len(line_text.lstrip(" \t")))
        return start, end, column

    def bound(self, value: Binding, strip: int = 0) -> Bound:
        nodes = value if isinstance(value, tuple) else (value,)
        if not nodes:
            return Bound("", 0, False)
        first = self.range_of(nodes[0], strip)
        last = self.range_of(nodes[-1], strip)
        text = self.context.text[first[0]:last[1]]
        fragile = "\n" in text and any(
            "\n" in s.value for n in nodes for s in _strings(n))
        line_start = self.context.text.rfind("\n", 0, first[0]) + 1
        before = self.context.text[line_start:first[0]]
        return Bound(text, first[2], fragile, before if not before.strip() else None)


def _strings(node: cst.CSTNode) -> Iterator[cst.SimpleString | cst.FormattedStringText]:
    if isinstance(node, (cst.SimpleString, cst.FormattedStringText)):
        yield node
    for child in node.children:
        yield from _strings(child)


def _binds_tighter(context: ModuleContext, node: cst.CSTNode) -> bool:
    """True when the node's parent is an operator whose operands bind tighter than a
    comparison or boolean operation (so a looser fix needs parentheses there)."""
    parent = _PARENTS.get(id(context), {}).get(id(node))
    if parent is None:
        parent = context.parent(node)
    return isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation, cst.Attribute,
                               cst.Subscript, cst.Call, cst.ComparisonTarget, cst.Comparison,
                               cst.BooleanOperation, cst.Await)) and not (
        isinstance(parent, cst.Call) and parent.func is not node)


def _reindent(text: str, delta: int) -> str:
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line.strip():
            out.append(line)
        elif delta > 0:
            out.append(" " * delta + line)
        else:
            cut = min(-delta, len(line) - len(line.lstrip(" ")))
            out.append(line[cut:])
    return "\n".join(out)


def render(template: str, values: Mapping[str, Bound], indent: int,
           first_column: int | None = None, head: str | None = None) -> str:
    """The fix text: template lines after the first indented to the matched node's column,
    metavariables replaced by their bound text (re-indented to where they land).
    `indent` is the indentation of the matched node's line, `first_column` its own column."""
    start_column = indent if first_column is None else first_column
    lines = template.rstrip("\n").split("\n")
    widths = [len(line) - len(line.lstrip(" ")) for line in lines[1:] if line.strip()]
    unit = min([w for w in widths if w] or [4])
    levels = {number: (len(line) - len(line.lstrip(" "))) // unit
              for number, line in enumerate(lines)}
    text = "\n".join([lines[0], *[(" " * indent + line) if line.strip() else line
                                  for line in lines[1:]]])
    out: list[str] = []
    cursor = 0
    for found in METAVAR_RE.finditer(text):
        if found.start() < cursor:
            continue
        out.append(text[cursor:found.start()])
        cursor = found.end()
        name = found.group(1) or found.group(2)
        if name is None or name not in values:
            raise CannotRenderError(f"the fix uses {found.group(0)}, which the pattern does not bind")
        value = values[name]
        if not value.text and found.group(0).startswith("$$$"):
            after = re.match(r"\s*,[ \t]*", text[cursor:])
            if after:
                cursor += after.end()
            else:
                joined = "".join(out)
                trimmed = re.sub(r",\s*$", "", joined)
                out = [trimmed]
            continue
        piece = value.text
        joined_so_far = "".join(out)
        line_so_far = joined_so_far[joined_so_far.rfind("\n") + 1:]
        level = levels.get(joined_so_far.count("\n"), 0)
        if "\n" in piece and head is not None and value.prefix is not None and \
                not line_so_far.strip() and level and value.prefix.startswith(head) and \
                len(value.prefix) > len(head):
            # a statement-level binding: indent it in the source's own unit (tabs, 2 spaces)
            step = value.prefix[len(head):]
            target = head + step * level
            if value.fragile and target != value.prefix:
                raise CannotRenderError("a multi-line string would have to move to another "
                                        "column")
            rest = piece.split("\n")
            piece = "\n".join([rest[0], *[target + line[len(value.prefix):]
                                          if line.startswith(value.prefix) else line
                                          for line in rest[1:]]])
            out = [joined_so_far[:len(joined_so_far) - len(line_so_far)] + target]
        elif "\n" in piece:
            joined = "".join(out)
            newline = joined.rfind("\n")
            column = len(joined) - newline - 1 if newline >= 0 else start_column + len(joined)
            delta = column - value.column
            if delta:
                if value.fragile:
                    raise CannotRenderError("a multi-line string would have to move to another column")
                piece = _reindent(piece, delta)
        out.append(piece)
    out.append(text[cursor:])
    return "".join(out)


def _parse_as(kind: str, text: str, indent: int) -> cst.CSTNode | None:
    if kind == "parameter":
        return _only_parameter(text)
    try:
        if kind == "expression":
            return cst.parse_expression("(" + text + "\n)")
        lines = text.split("\n")
        body = "\n".join([lines[0], *[line[indent:] if line[:indent].strip() == "" else line
                                      for line in lines[1:]]])
        module = cst.parse_module(body + "\n")
    except (cst.ParserSyntaxError, RecursionError):
        return None
    if len(module.body) != 1:
        return module
    statement = module.body[0]
    if kind == "small" and isinstance(statement, cst.SimpleStatementLine) and len(
            statement.body) == 1:
        return statement.body[0]
    return statement


def _needs_parens(node: cst.CSTNode, stripped: int = 0) -> bool:
    atoms = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BaseString, cst.Integer,
             cst.Float, cst.Imaginary, cst.List, cst.Dict, cst.Set, cst.Tuple, cst.ListComp,
             cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Ellipsis)
    return isinstance(node, cst.BaseExpression) and not isinstance(node, atoms) and \
        len(node.lpar) <= stripped


def paren_counts(template: Template) -> dict[str, int]:
    """Metavariable -> the pairs of parentheses written around it in the template (`($A)`)."""
    counts: dict[str, int] = {}
    for node in _walk(template.root):
        name = placeholder(node)
        if name is not None and name.startswith(ONE) and isinstance(node, cst.Name):
            counts.setdefault(name_of(name), len(node.lpar))
    return {name: count for name, count in counts.items() if count}


class _Bare(cst.CSTTransformer):
    """Placeholders without the parentheses written around them."""

    def leave_Name(  # noqa: N802 - libcst's visitor naming
            self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if updated_node.value.startswith(PREFIX):
            return updated_node.with_changes(lpar=[], rpar=[])
        return updated_node


@functools.lru_cache(maxsize=1024)
def _fewer_parens(pattern_text: str, fix_text: str, selector: str = ""
                  ) -> tuple[tuple[str, int], ...]:
    """((metavariable, pairs of parentheses to remove), ...) when the fix is the pattern with
    fewer parentheses around metavariables that occur once in it, and nothing else changed."""
    try:
        pattern, fix = compile_template(pattern_text, selector), compile_template(fix_text, selector)
    except TemplateError:
        return ()
    before, after = paren_counts(pattern), paren_counts(fix)
    fewer = tuple((name, count - after.get(name, 0)) for name, count in sorted(before.items())
                  if count > after.get(name, 0))
    occurrences = re.findall(re.escape(ONE) + r"([A-Za-z0-9_]+)", pattern.code)
    if not fewer or any(occurrences.count(name) != 1 for name, _ in fewer):
        return ()
    bare_pattern, bare_fix = pattern.root.visit(_Bare()), fix.root.visit(_Bare())
    if not isinstance(bare_pattern, cst.CSTNode) or not isinstance(bare_fix, cst.CSTNode) or \
            shape(bare_pattern) != shape(bare_fix):
        return ()
    return fewer


def _unparenthesised(source: _Source, node: cst.CSTNode, bindings: Bindings,
                     fewer: tuple[tuple[str, int], ...]) -> str | None:
    """The matched node's text with only the parentheses `fewer` names taken away (its
    layout and comments stay), or None when they are not inside the node."""
    where = source.context.positions[node]
    start = source.offset(where.start.line, where.start.column)
    end = source.offset(where.end.line, where.end.column)
    cuts: list[tuple[int, int]] = []
    for name, count in fewer:
        value = bindings.get(name)
        if value is None or isinstance(value, tuple):
            return None
        outer, inner = source.range_of(value), source.range_of(value, count)
        cuts += [(outer[0], inner[0]), (inner[1], outer[1])]
    if any(a < start or b > end for a, b in cuts):
        return None
    text = source.context.text[start:end]
    for a, b in sorted(cuts, reverse=True):
        text = text[:a - start] + text[b - start:]
    return text


@dataclass(frozen=True)
class _FixPlan:
    """What a pattern/fix pair asks of `rewrite`, worked out once per pair of templates."""

    dropped: frozenset[str] = frozenset()  # metavariables the fix drops (see `_focus`)
    strip: Mapping[str, int] = dataclasses.field(default_factory=dict)  # `($A)`: pairs
    removed: str | None = None  # an import pattern's name to remove (see `_removed_name`)
    fewer: tuple[tuple[str, int], ...] = ()  # parentheses to remove (see `_fewer_parens`)
    sequences: bool = False  # the pattern has `$$$` metavariables (see `_focus`)
    introduces: tuple[str, ...] = ()  # names the fix writes that the pattern has not


@functools.lru_cache(maxsize=1024)
def _fix_plan(pattern_text: str, fix_text: str, selector: str = "") -> _FixPlan:
    try:
        pattern, fix = compile_template(pattern_text, selector), compile_template(fix_text, selector)
    except TemplateError:
        return _FixPlan()
    gone = dropped(pattern, fix)
    return _FixPlan(frozenset(gone), paren_counts(pattern), _removed_name(pattern, fix, gone),
                    _fewer_parens(pattern_text, fix_text, selector), MANY in pattern.code,
                    tuple(sorted(_read_names(fix.root) - _read_names(pattern.root))))


# fields whose names a statement binds rather than reads
_BINDING_FIELDS = {(cst.Attribute, "attr"), (cst.Arg, "keyword"), (cst.Param, "name"),
                   (cst.AssignTarget, "target"), (cst.AnnAssign, "target"),
                   (cst.AugAssign, "target"), (cst.For, "target"), (cst.CompFor, "target"),
                   (cst.AsName, "name"), (cst.ExceptHandler, "name"),
                   (cst.NamedExpr, "target"), (cst.FunctionDef, "name"),
                   (cst.ClassDef, "name"), (cst.ImportAlias, "name")}


def _read_names(root: cst.CSTNode) -> set[str]:
    """The plain names a template reads (not metavariables, attribute or keyword names, or
    names it binds itself)."""
    found: set[str] = set()

    def walk(node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            if not node.value.startswith(PREFIX):
                found.add(node.value)
            return
        for item in dataclasses.fields(node):
            if (type(node), item.name) in _BINDING_FIELDS:
                continue
            value = getattr(node, item.name)
            for child in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(child, cst.CSTNode):
                    walk(child)
    walk(root)
    return found


def _undefined(context: ModuleContext, plan: _FixPlan) -> str | None:
    """The first name the fix would introduce that the file neither imports nor defines."""
    return next((name for name in plan.introduces if name not in context.names), None)


def dropped(pattern: Template, fix: Template) -> set[str]:
    """Single-node metavariables of the pattern that the fix does not use."""
    def names(template: Template) -> set[str]:
        return {name_of(n) for n in re.findall(re.escape(ONE) + r"[A-Za-z0-9_]+", template.code)}
    return {name for name in names(pattern) - names(fix) if not name.startswith("_")}


def _focus(context: ModuleContext, span: Span, names: frozenset[str], inside: bool) -> Focus:
    """A dropped metavariable must bind the node the finding points at: its range holds the
    finding's span (F401's one unused name of an import). In a pattern without `$$$` it may
    also lie within the span (UP008's span is all of `super(Parser, self)`, which holds the
    dropped `Parser`): such a pattern binds each node one way only, while `from $M import $$$A,
    $B, $$$C` could drop any name of a whole-statement finding, which points at no one name."""
    want = ((span.start.line, span.start.column), (span.end.line, span.end.column))

    def allows(name: str, value: Binding) -> bool:
        if name not in names:
            return True
        if isinstance(value, tuple) or value not in context.positions:
            return False
        where = context.positions[value]
        start, end = _key(where.start), _key(where.end)
        return (start <= want[0] and want[1] <= end) or (
            inside and want[0] <= start and end <= want[1])
    return allows


def _removed_name(pattern: Template, fix: Template, names: set[str] | frozenset[str]
                  ) -> str | None:
    """The metavariable an import pattern's fix removes from the statement (`from $M import
    $$$A, $B, $$$C` -> `from $M import $$$A, $$$C`: B), else None."""
    before, after = pattern.root, fix.root
    if type(before) is not type(after) or not isinstance(before, (cst.Import, cst.ImportFrom)):
        return None
    assert isinstance(after, (cst.Import, cst.ImportFrom))
    if isinstance(before.names, cst.ImportStar) or isinstance(after.names, cst.ImportStar) or \
            len(before.names) != len(after.names) + 1:
        return None
    for index, alias in enumerate(before.names):
        name = placeholder(alias)
        if name is None or not name.startswith(ONE) or name_of(name) not in names:
            continue
        rest = [*before.names[:index], *before.names[index + 1:]]
        same_module = not isinstance(before, cst.ImportFrom) or (
            isinstance(after, cst.ImportFrom) and len(before.relative) == len(after.relative)
            and (before.module is None) == (after.module is None) and (
                before.module is None or after.module is None
                or shape(before.module) == shape(after.module)))
        if same_module and all(shape(x) == shape(y)
                               for x, y in zip(rest, after.names, strict=True)):
            return name_of(name)
    return None


def _remove_name(context: ModuleContext, node: cst.CSTNode, value: Binding
                 ) -> Rewrite | str | None:
    """The matched import statement without the name `value`; without its last name, the
    statement goes with its line, as the unused-import fixers do (`from m import` is no
    statement; see `_deleted` for when a line can go)."""
    from heal.healers.base import dropped_comments
    from heal.healers.imports.unused_imports import without

    if not isinstance(node, (cst.Import, cst.ImportFrom)) or isinstance(node.names, cst.ImportStar):
        return None
    alias = next((a for a in node.names if a is value or a.name is value), None)
    if alias is None:
        return None
    rest = without(node, alias)
    if isinstance(rest, cst.RemovalSentinel):
        return _delete_line(context, node, None, {})
    text = context.replace(node, rest)
    source = _Source(context)
    where = context.positions[node]
    start = source.offset(where.start.line, where.start.column)
    end = source.offset(where.end.line, where.end.column)
    new_end = end + len(text) - len(context.text)
    if text[:start] != context.text[:start] or text[new_end:] != context.text[end:]:
        return None
    lost = dropped_comments(context.text, text)
    if lost:  # the unused-import fixer makes such a fix unsafe; a pattern cannot say so
        return f"the comment `{lost[0]}` would go with the name"
    edit = TextEdit(Span(Position(where.start.line, where.start.column),
                         Position(where.end.line, where.end.column)), text[start:new_end])
    return Rewrite(edit, context.text, {})


_DIRECTIVE = re.compile(r"#\s*(type:|noqa|pragma|fmt:|isort:|pylint:|mypy:|pyright:)", re.I)


def _deleted(pattern: Pattern, template: Template, context: ModuleContext, node: cst.CSTNode,
             span: Span | None) -> Rewrite | str | None:
    """An empty fix deletes the matched statement, line and all (ast-grep's `fix: ''`): only a
    simple statement alone on its line(s), with the finding inside it, in a block that keeps
    other statements (one left empty would need a `pass`: not what the pattern shows). A
    comment at the end of its line stays, in its place (a directive such as `# type: ignore`
    would then apply to other code: declined)."""

    small = node if template.kind == "small" else context.parent(node)  # `foo` is `Expr(foo)`
    if template.kind == "statement" or not isinstance(small, cst.BaseSmallStatement) or (
            template.kind == "expression" and not (isinstance(small, cst.Expr)
                                                   and small.value is node)):
        return None
    bindings = match(template, node)
    if bindings is None:
        return None
    source = _Source(context)
    for name, constraint in pattern.constraints.items():
        if name in bindings and not constraint.allows(source.bound(bindings[name]).text):
            return None
    return _delete_line(context, small, span,
                        {n: source.bound(v).text for n, v in bindings.items()})


def _delete_line(context: ModuleContext, small: cst.BaseSmallStatement, span: Span | None,
                 bound: Mapping[str, str]) -> Rewrite | str | None:
    """A simple statement deleted with its line (see `_deleted`)."""
    from heal.healers.base import dropped_comments

    source = _Source(context)
    line = context.parent(small)
    block = context.parent(line) if line is not None else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or \
            not isinstance(block, (cst.Module, cst.IndentedBlock)) or len(block.body) < 2:
        return None
    where = context.positions[line]
    if span is not None and not (_key(where.start) <= (span.start.line, span.start.column)
                                 and (span.end.line, span.end.column) <= _key(where.end)):
        return None  # the finding is about something else
    start = source.starts[where.start.line - 1]
    indent = context.text[start:source.offset(where.start.line, where.start.column)]
    if indent.strip() or where.end.line >= len(source.starts):
        return None  # not alone on its line, or the file's last line has no newline
    end = source.starts[where.end.line]
    rest = context.text[source.offset(where.end.line, where.end.column):end].strip()
    if rest and not rest.startswith("#"):
        return None  # something else ends the line
    if _DIRECTIVE.match(rest):
        return f"the directive `{rest}` would apply to another line"
    kept = f"{indent}{rest}\n" if rest.startswith("#") else ""  # as ruff keeps it
    text = context.text[:start] + kept + context.text[end:]
    lost = dropped_comments(context.text, text)
    if lost:
        return f"the comment `{lost[0]}` would go with the statement"
    edit = TextEdit(Span(Position(where.start.line, 0), Position(where.end.line + 1, 0)), kept)
    return Rewrite(edit, context.text, bound)


def rewrite(pattern: Pattern, template: Template, context: ModuleContext,
            node: cst.CSTNode, span: Span | None = None, whole: bool = True
            ) -> Rewrite | str | None:
    """Match `template` at `node`, then build and check the fix; a reason when it cannot.
    `span`, the finding's, says which node a metavariable the fix drops must bind. A fix may
    not write a name the file neither imports nor defines (`Optional` where the file has no
    such import), unless the context is not the `whole` file (learning reproduces an edit on
    the statement cut out of its file)."""
    if template.kind == COMMENT:
        return _comment_rewrite(pattern, context, node)
    if not pattern.fix.strip():
        return _deleted(pattern, template, context, node, span)
    plan = _fix_plan(template.source, pattern.fix, pattern.selector)
    focus = _focus(context, span, plan.dropped, not plan.sequences) \
        if span is not None and plan.dropped else None
    bindings = match(template, node, focus)
    if bindings is None:
        return None
    try:
        fix_template = compile_template(pattern.fix, pattern.selector)
    except TemplateError as error:
        return f"the fix template is not valid: {error}"
    source = _Source(context)
    strip = plan.strip
    values = {name: source.bound(value, strip.get(name, 0)) for name, value in bindings.items()}
    for name, constraint in pattern.constraints.items():
        if name in values and not constraint.allows(values[name].text):
            return None
    missing = _undefined(context, plan) if whole else None
    if missing is not None:
        return f"the fix uses {missing}, which this file does not import or define"
    if plan.removed is not None and plan.removed in bindings:
        return _remove_name(context, node, bindings[plan.removed])
    where = own_range(context.positions, node)
    indent = where.start.column
    line_start = source.starts[where.start.line - 1]
    start_line = context.text[line_start:line_start + indent]
    if start_line.strip():
        indent = len(start_line) - len(start_line.lstrip(" "))
    line_text = context.text[line_start:context.text.find("\n", line_start) % (
        len(context.text) + 1)]
    head = line_text[:len(line_text) - len(line_text.lstrip(" \t"))]
    grouped = {n: v for n, v in bindings.items()
               if not isinstance(v, tuple) and _needs_parens(v, strip.get(n, 0))}
    plain = _unparenthesised(source, node, bindings, plan.fewer) if plan.fewer else None
    fix_text = pattern.fix
    if fix_template.kind in ("expression", "small") and "\n" in pattern.fix.strip() and \
            where.start.line == where.end.line:
        fix_text = flat(fix_template)  # code on one line stays on one line
    for attempt in (0, 1):
        shown = dict(values)
        if attempt:
            if not grouped:
                break
            shown.update({n: Bound(f"({values[n].text})", values[n].column - 1,
                                   values[n].fragile) for n in grouped})
        try:
            # a fix that only drops parentheses drops just them (see the module docstring)
            text = plain if plain is not None and not attempt else render(
                fix_text, shown, indent, where.start.column, head)
        except CannotRenderError as error:
            return str(error)
        parsed = _parse_as(fix_template.kind, text, indent)
        if parsed is None:
            return "the fix does not parse with these bindings"
        again = _node(fix_template.root, parsed, {})
        if again is not None and all(
                name not in again or equal(again[name], value)
                for name, value in bindings.items()):
            if isinstance(parsed, cst.BaseExpression) and _needs_parens(parsed) and \
                    not _needs_parens(node) and _binds_tighter(context, node):
                text = f"({text})"  # the fix groups looser than what it replaces
            original = context.text[source.offset(where.start.line, where.start.column):
                                    source.offset(where.end.line, where.end.column)]
            if _keeps_body(template, fix_template):
                text = _with_body_of(source, where, node, parsed, text)
            if original == text:
                return None
            lost = _lost_comment(context, source, where, text)
            if lost is not None:
                return f"the comment `{lost}` would go"
            edit = TextEdit(Span(Position(where.start.line, where.start.column),
                                 Position(where.end.line, where.end.column)), text)
            return Rewrite(edit, context.text, {n: v.text for n, v in values.items()})
    return "operator precedence would regroup a metavariable's code in the fix"


class _Flat(cst.CSTTransformer):
    """A template laid out on one line: line breaks inside brackets go, a comma keeps one
    space after it, a trailing comma before a closing bracket goes (not a one-tuple's)."""

    def leave_ParenthesizedWhitespace(  # noqa: N802 - libcst's visitor naming
            self, original_node: cst.ParenthesizedWhitespace,
            updated_node: cst.ParenthesizedWhitespace) -> cst.BaseParenthesizableWhitespace:
        return cst.SimpleWhitespace("")

    def leave_Comma(  # noqa: N802 - libcst's visitor naming
            self, original_node: cst.Comma, updated_node: cst.Comma) -> cst.Comma:
        if isinstance(original_node.whitespace_after, cst.ParenthesizedWhitespace):
            return updated_node.with_changes(whitespace_after=cst.SimpleWhitespace(" "))
        return updated_node

    def on_leave(self, original_node: cst.CSTNodeT, updated_node: cst.CSTNodeT
                 ) -> cst.CSTNodeT | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNodeT]:
        updated = super().on_leave(original_node, updated_node)
        if not isinstance(updated, cst.CSTNode):
            return updated
        for field_name in ("elements", "args", "params"):
            items = getattr(updated, field_name, None)
            if not isinstance(items, (list, tuple)) or not items or (
                    isinstance(updated, cst.Tuple) and len(items) == 1):
                continue
            last = items[-1]
            if isinstance(getattr(last, "comma", None), cst.Comma):
                changed = [*items[:-1], last.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
                return updated.with_changes(**{field_name: changed})
        return updated


@functools.lru_cache(maxsize=256)
def flat(template: Template) -> str:
    """A compiled multi-line fix template on one line (`{\n    "$A": $B,\n}` -> `{"$A": $B}`),
    for a match on one line: the layout a learned fix has is its instance's, not the code's.
    Its own text when it holds a comment or cannot be laid out on one line."""
    visited = template.root.visit(_Flat())
    flattened = cst.Module([]).code_for_node(visited).strip() \
        if isinstance(visited, cst.CSTNode) else "\n"
    return template.source if "#" in template.source or "\n" in flattened else \
        from_code(flattened)


def _lost_comment(context: ModuleContext, source: _Source, where: CodeRange, text: str
                  ) -> str | None:
    """A comment the lines of the matched node have and would not have with `text` in its
    place (whole lines, so that they tokenize whatever the node's indentation)."""
    from heal.healers.base import dropped_comments

    start = source.offset(where.start.line, where.start.column)
    end = source.offset(where.end.line, where.end.column)
    first = source.starts[where.start.line - 1]
    last = context.text.find("\n", end)
    last = len(context.text) if last < 0 else last
    before = context.text[first:last]
    lost = dropped_comments(before, before[:start - first] + text + before[end - first:])
    return lost[0] if lost else None


_SUITES_AFTER_BODY = ("orelse", "handlers", "finalbody")


def _kept_body(root: cst.CSTNode) -> str | None:
    """The `$$$` placeholder that is the whole body of a compound statement whose body is its
    last part (`class $C(object):\n    $$$BODY`), else None."""
    if not isinstance(root, cst.BaseCompoundStatement) or any(
            getattr(root, name, None) not in (None, (), []) for name in _SUITES_AFTER_BODY):
        return None
    body = root.body
    if not isinstance(body, cst.IndentedBlock) or len(body.body) != 1:
        return None
    name = placeholder(body.body[0])
    return name if name is not None and name.startswith(MANY) else None


def _keeps_body(pattern: Template, fix: Template) -> bool:
    """True when the pattern and the fix are the same kind of compound statement with the same
    `$$$` as their whole body: only the header changes."""
    kept = _kept_body(pattern.root)
    return kept is not None and type(pattern.root) is type(fix.root) and \
        kept == _kept_body(fix.root)


def _header(code: str, node: cst.CSTNode) -> str | None:
    """The text of a compound statement's code before its body (up to and with the `:`)."""
    body = cst.Module([]).code_for_node(node.body)  # type: ignore[attr-defined]
    return code[:len(code) - len(body)] if code.endswith(body) else None


def _with_body_of(source: _Source, where: CodeRange, node: cst.CSTNode, parsed: cst.CSTNode,
                  text: str) -> str:
    """The fix's header on the matched statement's own body, as the source has it: the comment
    after the `:` and the blank lines before the first statement stay where they are (the
    template's body would lay it out anew). `text` itself when the parts do not line up."""
    after_colon = source.context.positions[node.body.header].start  # type: ignore[attr-defined]
    cut = source.offset(after_colon.line, after_colon.column)
    end = source.offset(where.end.line, where.end.column)
    new = _header(cst.Module([]).code_for_node(parsed), parsed)
    if new is None or "\n" in new or not text.startswith(new) or \
            not source.offset(where.start.line, where.start.column) < cut <= end:
        return text
    return new + source.context.text[cut:end]


def matches_text(template: Template, code: str) -> list[dict[str, Binding]]:
    """Every match of the template anywhere in `code` (for tests and tools)."""
    module = cst.parse_module(code)
    found: list[dict[str, Binding]] = []

    class Visitor(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            bindings = match(template, node)
            if bindings is not None:
                found.append(bindings)
            return True

    module.visit(Visitor())
    return found


def apply_to_text(pattern: Pattern, code: str, limit: int = 100, whole: bool = True) -> str:
    """Apply the pattern everywhere it matches in `code`, innermost match last (examples,
    benchmarks): repeatedly rewrite the first match until nothing matches. `whole`: see
    `rewrite` (an example is a fragment of a file)."""
    from heal.healers.base import ModuleContext

    template = compile_template(pattern.pattern, pattern.selector)
    text = code
    for _ in range(limit):
        context = ModuleContext("example.py", text)
        done = False
        for node in _walk(context.module):
            if template.root_type not in ("*", type(node).__name__):
                continue
            result = rewrite(pattern, template, context, node, whole=whole)
            if isinstance(result, Rewrite):
                text = result.text
                done = True
                break
        if not done:
            return text
    return text


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def first_rewrite(patterns: Sequence[tuple[Pattern, Template]], context: ModuleContext,
                  nodes: Sequence[cst.CSTNode], span: Span | None = None, whole: bool = True
                  ) -> tuple[Pattern, Rewrite] | str | None:
    """The first pattern that rewrites one of `nodes` (in order); else the first reason a
    matching pattern gave, else None. `span` is the finding's, `whole` as in `rewrite`."""
    reason: str | None = None
    for node in nodes:
        kind = type(node).__name__
        for pattern, template in patterns:
            if template.root_type not in ("*", kind):
                continue
            result = rewrite(pattern, template, context, node, span, whole)
            if isinstance(result, Rewrite):
                return pattern, result
            if isinstance(result, str) and reason is None:
                reason = f"pattern {pattern.id}: {result}"
    return reason


def shape(node: Binding) -> object:
    """A hashable key that two nodes share exactly when `equal` says they match (formatting
    aside); placeholders are compared by name."""
    if isinstance(node, tuple):
        return ("seq", tuple(shape(n) for n in node))
    literal = _literal_key(node)
    if literal is not None and not isinstance(node, cst.FormattedString):
        return literal
    parts: list[object] = [type(node).__name__]
    if literal is not None:
        parts.append(literal)
    if _parens(node) and placeholder(node) is not None:
        parts.append(("parens", _parens(node)))  # `($A)` is not `$A` (see the docstring)
    for field_name in _fields(type(node)):
        value = getattr(node, field_name)
        if isinstance(value, cst.CSTNode):
            parts.append(shape(value))
        elif isinstance(value, (list, tuple)):
            parts.append(tuple(shape(v) for v in value))
        else:
            parts.append(value if isinstance(value, (str, int, bool, type(None))) else repr(value))
    if isinstance(node, cst.SubscriptElement):
        parts.append(isinstance(node.comma, cst.Comma))
    return tuple(parts)

"""Strings built at run time, taken apart: static text and the values put into it.

Not a fixer. `parse(expr)` reads an f-string, a `%`-formatted string, a `.format()` call or a
`+` chain of strings and values into items: `Text` (the run-time text, escapes decoded),
`Slot` (an expression and how it was converted to text) and `Break` (the whitespace between
two literals of an implicit concatenation, so a rewrite can keep the layout). `render` puts a
list of `Text`/`Break` items back into string literal(s).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

import libcst as cst

from heal.healers.security import _common as c


@dataclass(frozen=True)
class Text:
    value: str


@dataclass(frozen=True)
class Slot:
    expr: cst.BaseExpression
    conv: str  # "str": str() of it (f-string, %s, .format); "int": %d; "concat": `+` (a str)


@dataclass(frozen=True)
class Break:
    whitespace: cst.BaseParenthesizableWhitespace
    look: cst.SimpleString  # quote style of the literal that follows


Item = Text | Slot | Break


@dataclass(frozen=True)
class Template:
    items: list[Item]
    look: cst.SimpleString  # quote style of the first literal
    literal: cst.BaseExpression  # the (first) string literal itself, for its parentheses


class UnsupportedError(Exception):
    """The expression is not a string heal can take apart; the message says why."""


STRINGISH = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)


def _look(node: cst.SimpleString | cst.FormattedString) -> cst.SimpleString:
    prefix = "".join(ch for ch in node.prefix if ch.lower() in "ur")
    return cst.SimpleString(f"{prefix}{node.quote}{node.quote}")


def _decode(text: str, raw: bool) -> str:
    if raw:
        return text
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape")


def literal_items(node: cst.BaseExpression) -> tuple[list[Item], cst.SimpleString]:
    """Items of a string literal, an f-string or an implicit concatenation of them."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if not isinstance(value, str):
            raise UnsupportedError("a bytes literal")
        return [Text(value)], _look(node)
    if isinstance(node, cst.FormattedString):
        if "b" in node.prefix.lower():
            raise UnsupportedError("a bytes literal")
        raw = "r" in node.prefix.lower()
        items: list[Item] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                items.append(Text(_decode(part.value.replace("{{", "{").replace("}}", "}"), raw)))
            elif isinstance(part, cst.FormattedStringExpression):
                if part.conversion is not None or part.format_spec or part.equal is not None:
                    raise UnsupportedError("an f-string field with a conversion or format spec")
                items.append(Slot(part.expression, "str"))
        return items, _look(node)
    if isinstance(node, cst.ConcatenatedString):
        left, look = literal_items(node.left)
        right, right_look = literal_items(node.right)
        return [*left, Break(node.whitespace_between, right_look), *right], look
    raise UnsupportedError("not a string literal")


_HOLE = cst.Name("__heal_hole__")
_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[-#0 +]*)(?P<width>\*|\d+)?"
                      r"(?:\.(?P<precision>\*|\d+))?(?P<kind>.)", re.DOTALL)


def _percent(template: cst.BaseExpression, values: cst.BaseExpression) -> Template:
    items, look = literal_items(template)
    if any(isinstance(i, Slot) for i in items):
        raise UnsupportedError("an f-string formatted again with %")
    directives: list[tuple[str | None, str]] = []
    pieces: list[list[Item]] = []
    for item in items:
        if not isinstance(item, Text):
            pieces.append([item])
            continue
        out: list[Item] = []
        cursor = 0
        for match in _PERCENT.finditer(item.value):
            out.append(Text(item.value[cursor:match.start()]))
            cursor = match.end()
            kind = match.group("kind")
            if kind == "%" and match.group(0) == "%%":
                out.append(Text("%"))
                continue
            if match.group("flags") or match.group("width") or match.group("precision"):
                raise UnsupportedError("a % directive with flags, width or precision")
            if kind not in "sdi":
                raise UnsupportedError(f"a %{kind} directive")
            directives.append((match.group("key"), kind))
            out.append(Slot(_HOLE, "int" if kind in "di" else "str"))
        if item.value.count("%") != sum(m.group(0).count("%") for m in
                                        _PERCENT.finditer(item.value)):
            raise UnsupportedError("a dangling % in the template")
        out.append(Text(item.value[cursor:]))
        pieces.append(out)
    flat = [i for group in pieces for i in group]
    keys = [key for key, _ in directives]
    if not directives:
        raise UnsupportedError("no % directives")
    exprs: list[cst.BaseExpression]
    if all(key is not None for key in keys):
        if not isinstance(values, cst.Dict):
            raise UnsupportedError("named % directives filled from a mapping heal cannot see")
        mapping: dict[str, cst.BaseExpression] = {}
        for element in values.elements:
            if not isinstance(element, cst.DictElement):
                raise UnsupportedError("a ** in the % mapping")
            name = c.string_value(element.key)
            if name is None:
                raise UnsupportedError("a non-literal key in the % mapping")
            mapping[name] = element.value
        if set(mapping) != {k for k in keys if k is not None}:
            raise UnsupportedError("the % mapping and the directives do not match")
        exprs = [mapping[k] for k in keys if k is not None]
    elif any(key is not None for key in keys):
        raise UnsupportedError("named and positional % directives mixed")
    elif isinstance(values, cst.Tuple):
        if any(isinstance(e, cst.StarredElement) for e in values.elements):
            raise UnsupportedError("a starred value in the % tuple")
        exprs = [e.value for e in values.elements]
    elif len(directives) == 1:
        exprs = [values]
    else:
        raise UnsupportedError("several % directives filled from a tuple heal cannot see")
    if len(exprs) != len(directives):
        raise UnsupportedError("the number of % values does not match the directives")
    queue = iter(exprs)
    filled: list[Item] = [Slot(next(queue), item.conv)
                          if isinstance(item, Slot) and item.expr is _HOLE else item
                          for item in flat]
    return Template(merge(filled), look, template)


def _format(template: cst.BaseExpression, call: cst.Call) -> Template:
    items, look = literal_items(template)
    if any(isinstance(i, Slot) for i in items):
        raise UnsupportedError("an f-string formatted again with .format()")
    if any(a.star for a in call.args):
        raise UnsupportedError("*args/**kwargs in .format()")
    positional = [a.value for a in call.args if a.keyword is None]
    named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    used_positional: set[int] = set()
    used_named: set[str] = set()
    auto = 0
    manual = False
    out: list[Item] = []
    formatter = string.Formatter()
    for item in items:
        if not isinstance(item, Text):
            out.append(item)
            continue
        try:
            parsed = list(formatter.parse(item.value))
        except ValueError as error:
            raise UnsupportedError(f"a .format() template that does not parse ({error})") from None
        for literal, field, spec, conversion in parsed:
            out.append(Text(literal))
            if field is None:
                continue
            if spec or conversion:
                raise UnsupportedError("a .format() field with a conversion or format spec")
            if field == "":
                if manual:
                    raise UnsupportedError("automatic and manual .format() fields mixed")
                index = auto
                auto += 1
                expr = positional[index] if index < len(positional) else None
                used_positional.add(index)
            elif field.isdigit():
                manual = True
                index = int(field)
                expr = positional[index] if index < len(positional) else None
                used_positional.add(index)
            elif field.isidentifier():
                expr = named.get(field)
                used_named.add(field)
            else:
                raise UnsupportedError("a .format() field with attribute or index access")
            if expr is None:
                raise UnsupportedError("a .format() field without a value")
            out.append(Slot(expr, "str"))
    if used_positional != set(range(len(positional))) or used_named != set(named):
        raise UnsupportedError("a .format() argument that the template does not use")
    return Template(merge(out), look, template)


def _concat(node: cst.BinaryOperation) -> Template:
    operands: list[cst.BaseExpression] = []

    def walk(expr: cst.BaseExpression) -> None:
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add) and \
                not expr.lpar:
            walk(expr.left)
            walk(expr.right)
        else:
            operands.append(expr)

    walk(node.left)
    walk(node.right)
    items: list[Item] = []
    look: cst.SimpleString | None = None
    literal: cst.BaseExpression | None = None
    for operand in operands:
        if isinstance(operand, STRINGISH) or _is_formatting(operand):
            part = parse(operand)
            items += [i for i in part.items if not isinstance(i, Break)]
            if look is None:
                look, literal = part.look, part.literal
        else:
            items.append(Slot(operand, "concat"))
    if look is None or literal is None:
        raise UnsupportedError("a + of values without any string literal")
    return Template(merge(items), look, literal)


def _is_formatting(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        return isinstance(node.left, STRINGISH)
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
        node.func.attr.value == "format" and isinstance(node.func.value, STRINGISH)


def parse(node: cst.BaseExpression) -> Template:
    """The items of a string built from literals; raises UnsupportedError (with the reason)."""
    if isinstance(node, STRINGISH):
        items, look = literal_items(node)
        return Template(merge(items), look, node)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) and \
            isinstance(node.left, STRINGISH):
        return _percent(node.left, node.right)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _concat(node)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
            node.func.attr.value == "format" and isinstance(node.func.value, STRINGISH):
        return _format(node.func.value, node)
    raise UnsupportedError("not a string built from literals")


def merge(items: list[Item]) -> list[Item]:
    """Adjacent texts joined, empty texts dropped."""
    out: list[Item] = []
    for item in items:
        if isinstance(item, Text):
            if not item.value:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].value + item.value)
                continue
        out.append(item)
    return out


def render(items: list[Item], look: cst.SimpleString) -> cst.BaseExpression:
    """String literal(s) for `Text`/`Break` items, one literal per run between breaks."""
    runs: list[tuple[cst.SimpleString, str, cst.BaseParenthesizableWhitespace | None]] = []
    current: list[str] = []
    current_look, current_space = look, None
    for item in items:
        if isinstance(item, Break):
            runs.append((current_look, "".join(current), current_space))
            current, current_look, current_space = [], item.look, item.whitespace
        elif isinstance(item, Text):
            current.append(item.value)
        else:
            raise ValueError("render() takes texts and breaks only")
    runs.append((current_look, "".join(current), current_space))
    kept = [run for run in runs if run[1]] or runs[:1]
    if kept and kept[0] is not runs[0] and kept[0][2] is not None:
        kept[0] = (kept[0][0], kept[0][1], None)
    literals = [c.string_literal(text, style) for style, text, _ in kept]
    node: cst.BaseExpression = literals[-1]
    for index in range(len(kept) - 2, -1, -1):
        space = kept[index + 1][2]
        assert space is not None
        assert isinstance(node, (cst.SimpleString, cst.ConcatenatedString))
        node = cst.ConcatenatedString(left=literals[index], right=node, whitespace_between=space)
    return node

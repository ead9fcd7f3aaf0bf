"""Rendering: the fix template filled in with the source text its metavariables bound.

The fix is the `fix` template with each metavariable replaced by the source text it bound
(`Source.bound`: formatting and comments inside a binding are kept; multi-line bindings are
re-indented when they move to another column, unless they contain a multi-line string, which
is then declined with `CannotRenderError`). Template lines after the first are indented to the
matched node's column; a statement-level binding keeps the source's own indentation unit.

A fix template laid out on several lines (a learned fix keeps its instance's layout: `{\n
"$A": $B,\n}`) is written on one line for a match on one line (`flat`), as ruff leaves it.

`parse_as(kind, text)` parses a rendered fix as its template's kind, and `needs_parens(node)`
says when a binding or a fix must be parenthesised to keep its grouping (rewrite.py checks both).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from heal.cst import children
from heal.fixer import ModuleContext
from heal.patterns.locate import own_range
from heal.patterns.model import METAVAR_RE
from heal.patterns.template import Template, from_code, only_parameter
from heal.patterns.unify import Binding


@dataclass(frozen=True)
class Bound:
    text: str
    column: int  # column where the text starts in the original
    fragile: bool  # holds a multi-line string: cannot be re-indented
    prefix: str | None = None  # the whitespace before it on its line, when only whitespace


class CannotRenderError(Exception):
    pass


_STARTS: dict[int, tuple[str, list[int]]] = {}


def line_offsets(context: ModuleContext) -> list[int]:
    """Offsets of line starts (cached for the context's text)."""
    held = _STARTS.get(id(context))
    if held is not None and held[0] is context.text:
        return held[1]
    starts = [0, *(m.end() for m in re.finditer("\n", context.text))]
    if len(_STARTS) > 64:
        _STARTS.clear()
    _STARTS[id(context)] = (context.text, starts)
    return starts


class Source:
    """Source text of nodes, by their positions in the context's text."""

    def __init__(self, context: ModuleContext) -> None:
        self.context = context
        self.starts = line_offsets(context)

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
    for child in children(node):
        yield from _strings(child)


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


def parse_as(kind: str, text: str, indent: int) -> cst.CSTNode | None:
    if kind == "parameter":
        return only_parameter(text)
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


def needs_parens(node: cst.CSTNode, stripped: int = 0) -> bool:
    atoms = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BaseString, cst.Integer,
             cst.Float, cst.Imaginary, cst.List, cst.Dict, cst.Set, cst.Tuple, cst.ListComp,
             cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Ellipsis)
    return isinstance(node, cst.BaseExpression) and not isinstance(node, atoms) and \
        len(node.lpar) <= stripped


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

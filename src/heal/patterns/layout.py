"""Keeping the matched code's own layout where the fix template would lay it out anew.

A fix that differs from its pattern only by fewer parentheses around metavariables removes just
those parentheses from the source (`fewer_parens`, `unparenthesised`), so the rest of the
matched code keeps its layout. Where the pattern and the fix have the same `$$$` as the whole
body of the same kind of compound statement (`class $C(object):\n    $$$BODY` -> `class
$C:\n    $$$BODY`), only the header is rewritten (`keeps_body`, `with_body_of`): the comment
after the `:` and blank lines before the first statement stay. A fix that would drop a comment
from the lines it touches is declined, with the comment in the reason (`lost_comment`).
"""

from __future__ import annotations

import functools
import re

import libcst as cst
from libcst.metadata import CodeRange

from heal.fixer import ModuleContext, dropped_comments
from heal.patterns.render import Source
from heal.patterns.template import (
    MANY,
    ONE,
    PREFIX,
    Template,
    TemplateError,
    compile_template,
    name_of,
    placeholder,
    walk,
)
from heal.patterns.unify import Bindings, shape


def paren_counts(template: Template) -> dict[str, int]:
    """Metavariable -> the pairs of parentheses written around it in the template (`($A)`)."""
    counts: dict[str, int] = {}
    for node in walk(template.root):
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
def fewer_parens(pattern_text: str, fix_text: str, selector: str = ""
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


def unparenthesised(source: Source, node: cst.CSTNode, bindings: Bindings,
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


def lost_comment(context: ModuleContext, source: Source, where: CodeRange, text: str
                 ) -> str | None:
    """A comment the lines of the matched node have and would not have with `text` in its
    place (whole lines, so that they tokenize whatever the node's indentation)."""

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


def keeps_body(pattern: Template, fix: Template) -> bool:
    """True when the pattern and the fix are the same kind of compound statement with the same
    `$$$` as their whole body: only the header changes."""
    kept = _kept_body(pattern.root)
    return kept is not None and type(pattern.root) is type(fix.root) and \
        kept == _kept_body(fix.root)


def _header(code: str, node: cst.CSTNode) -> str | None:
    """The text of a compound statement's code before its body (up to and with the `:`)."""
    body = cst.Module([]).code_for_node(node.body)  # type: ignore[attr-defined]
    return code[:len(code) - len(body)] if code.endswith(body) else None


def with_body_of(source: Source, where: CodeRange, node: cst.CSTNode, parsed: cst.CSTNode,
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

"""Rewriting: match a pattern at a node, then build its fix as one checked edit of the file.

`rewrite(pattern, template, context, node, span)` -> `Rewrite | str | None`: the new text and
its edit, a reason the matched pattern cannot fix it, or None when it does not match;
`first_rewrite(patterns, context, nodes, span)` tries patterns at the nodes locate.py offers,
and `apply_to_text(pattern, code)` applies one everywhere (examples, benchmarks).

`constraints` filter bindings by a regular expression searched in the bound source text
(`regex`, or `not: {regex}`), as ast-grep does.

The fix (render.py) must re-parse with libcst, must put every binding back as one subtree (if
operator precedence would regroup a binding, it is parenthesised, or the fix is declined), and
the whole file must still parse. The edit replaces exactly the matched node's range, keeping
the source's layout where it can (layout.py).

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

A `rule: {kind: comment, regex: R}` pattern matches a comment the finding's span touches whose
text R matches (searched, as ast-grep does). Its empty fix deletes the comment with the blanks
before it, or its whole line when it stands alone, as ruff deletes an unused `# noqa`
(ast-grep deletes the comment's text only and leaves the blanks); any other fix is the new
comment.

A fix may not write a name that neither the pattern nor the file has (`$A: Optional[$B] = None`
in a file with no `Optional` import or definition would be a NameError): the pattern declines
with that reason, so the fixer that owns the rule gets the finding.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from heal.edits import apply_edits
from heal.fixer import ModuleContext, dropped_comments
from heal.healers.imports.unused_imports import without
from heal.model import Position, Span, TextEdit
from heal.patterns.layout import (
    fewer_parens,
    keeps_body,
    lost_comment,
    paren_counts,
    unparenthesised,
    with_body_of,
)
from heal.patterns.locate import line_column, own_range, parent_of
from heal.patterns.model import COMMENT, Pattern
from heal.patterns.render import (
    Bound,
    CannotRenderError,
    Source,
    flat,
    line_offsets,
    needs_parens,
    parse_as,
    render,
)
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
from heal.patterns.unify import Binding, Focus, equal, match, shape


@dataclass(frozen=True)
class Rewrite:
    edit: TextEdit
    before: str  # the whole file before the edit
    bindings: Mapping[str, str]  # metavariable -> bound source text

    @property
    def text(self) -> str:
        """The whole file after the edit."""
        return apply_edits(self.before, [self.edit])


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
        starts = line_offsets(context)
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


@dataclass(frozen=True)
class _FixPlan:
    """What a pattern/fix pair asks of `rewrite`, worked out once per pair of templates."""

    dropped: frozenset[str] = frozenset()  # metavariables the fix drops (see `_focus`)
    strip: Mapping[str, int] = dataclasses.field(default_factory=dict)  # `($A)`: pairs
    removed: str | None = None  # an import pattern's name to remove (see `_removed_name`)
    fewer: tuple[tuple[str, int], ...] = ()  # parentheses to remove (see `fewer_parens`)
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
                    fewer_parens(pattern_text, fix_text, selector), MANY in pattern.code,
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
        start, end = line_column(where.start), line_column(where.end)
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

    if not isinstance(node, (cst.Import, cst.ImportFrom)) or isinstance(node.names, cst.ImportStar):
        return None
    alias = next((a for a in node.names if a is value or a.name is value), None)
    if alias is None:
        return None
    rest = without(node, alias)
    if isinstance(rest, cst.RemovalSentinel):
        return _delete_line(context, node, None, {})
    text = context.replace(node, rest)
    source = Source(context)
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
    source = Source(context)
    for name, constraint in pattern.constraints.items():
        if name in bindings and not constraint.allows(source.bound(bindings[name]).text):
            return None
    return _delete_line(context, small, span,
                        {n: source.bound(v).text for n, v in bindings.items()})


def _delete_line(context: ModuleContext, small: cst.BaseSmallStatement, span: Span | None,
                 bound: Mapping[str, str]) -> Rewrite | str | None:
    """A simple statement deleted with its line (see `_deleted`)."""

    source = Source(context)
    line = context.parent(small)
    block = context.parent(line) if line is not None else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or \
            not isinstance(block, (cst.Module, cst.IndentedBlock)) or len(block.body) < 2:
        return None
    where = context.positions[line]
    if span is not None and not (line_column(where.start) <= (span.start.line, span.start.column)
                                 and (span.end.line, span.end.column) <= line_column(where.end)):
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
    source = Source(context)
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
               if not isinstance(v, tuple) and needs_parens(v, strip.get(n, 0))}
    plain = unparenthesised(source, node, bindings, plan.fewer) if plan.fewer else None
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
            # a fix that only drops parentheses drops just them (see layout.py)
            text = plain if plain is not None and not attempt else render(
                fix_text, shown, indent, where.start.column, head)
        except CannotRenderError as error:
            return str(error)
        parsed = parse_as(fix_template.kind, text, indent)
        if parsed is None:
            return "the fix does not parse with these bindings"
        again = match(fix_template, parsed)
        if again is not None and all(
                name not in again or equal(again[name], value)
                for name, value in bindings.items()):
            if isinstance(parsed, cst.BaseExpression) and needs_parens(parsed) and \
                    not needs_parens(node) and _binds_tighter(context, node):
                text = f"({text})"  # the fix groups looser than what it replaces
            original = context.text[source.offset(where.start.line, where.start.column):
                                    source.offset(where.end.line, where.end.column)]
            if keeps_body(template, fix_template):
                text = with_body_of(source, where, node, parsed, text)
            if original == text:
                return None
            lost = lost_comment(context, source, where, text)
            if lost is not None:
                return f"the comment `{lost}` would go"
            edit = TextEdit(Span(Position(where.start.line, where.start.column),
                                 Position(where.end.line, where.end.column)), text)
            return Rewrite(edit, context.text, {n: v.text for n, v in values.items()})
    return "operator precedence would regroup a metavariable's code in the fix"


def _binds_tighter(context: ModuleContext, node: cst.CSTNode) -> bool:
    """True when the node's parent is an operator whose operands bind tighter than a
    comparison or boolean operation (so a looser fix needs parentheses there)."""
    parent = parent_of(context, node)
    return isinstance(parent, (cst.BinaryOperation, cst.UnaryOperation, cst.Attribute,
                               cst.Subscript, cst.Call, cst.ComparisonTarget, cst.Comparison,
                               cst.BooleanOperation, cst.Await)) and not (
        isinstance(parent, cst.Call) and parent.func is not node)


def apply_to_text(pattern: Pattern, code: str, limit: int = 100, whole: bool = True) -> str:
    """Apply the pattern everywhere it matches in `code`, innermost match last (examples,
    benchmarks): repeatedly rewrite the first match until nothing matches. `whole`: see
    `rewrite` (an example is a fragment of a file)."""

    template = compile_template(pattern.pattern, pattern.selector)
    text = code
    for _ in range(limit):
        context = ModuleContext("example.py", text)
        done = False
        for node in walk(context.module):
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

r"""A generalised edit, and the two checks every learned pattern passes.

`Edit` is a pattern/fix template pair with the concrete edits it was made from (`Instance`:
whole texts before and after, and where the root was). Before it becomes a pattern:
  4. the pattern, without the instance's comments (a fix would write them into other code),
     must reproduce each instance exactly through rewrite.py (`reproduced`), or nothing is
     learned;
  5. it must not apply to its own fix (`settle`): where it would (`$A: $B = None` -> `$A:
     Optional[$B] = None` matches what it wrote), the metavariable that would bind the fix's
     own wrapping gets a `not` constraint of that shape (`B` not `^Optional\[.*\]$`), or nothing
     is learned.

`template_key` says when two edits are one pattern (formatting aside), `new_id` names a new
pattern, and `example_of` / `parameter_example` make the before/after pair its file shows.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import libcst as cst

from heal.edits import line_starts
from heal.fixer import ModuleContext
from heal.model import Category, Position, Safety, Span
from heal.patterns.locate import candidates as candidate_nodes
from heal.patterns.model import (
    COMMENT,
    Constraint,
    Example,
    HistoryEntry,
    Pattern,
    Provenance,
    Stats,
    today,
)
from heal.patterns.rewrite import Rewrite, dropped, first_rewrite
from heal.patterns.template import Template, TemplateError, code_of, compile_template, walk
from heal.patterns.unify import shape


@dataclass(frozen=True)
class Instance:
    """One concrete edit: whole texts before and after, where the root was, where it came from."""

    before: str
    after: str
    span: Span  # the root's range in `before`
    origin: str  # commit sha or run id
    path: str = ""


@dataclass(frozen=True)
class Edit:
    """A generalised edit: the template pair and the instances it reproduces."""

    pattern: str
    fix: str
    constraints: Mapping[str, Constraint]
    triggers: tuple[str, ...]
    instances: tuple[Instance, ...]
    example: Example
    selector: str = ""  # a parameter pattern's ast-grep selector (model.SELECTORS)

    @property
    def key(self) -> object:
        """Equal for patterns equal modulo formatting (metavariable names are canonical)."""
        return template_key(self.pattern, self.fix, self.constraints, self.selector)

    @property
    def origins(self) -> list[str]:
        return sorted({i.origin for i in self.instances})

    def as_pattern(self, pattern_id: str, category: Category, safety: Safety,
                   provenance: Provenance, message: str, stats: Stats | None = None,
                   why: str = "") -> Pattern:
        return Pattern(
            id=pattern_id, pattern=self.pattern, fix=self.fix, triggers=self.triggers,
            category=category, safety=safety, message=message,
            constraints=dict(self.constraints), provenance=provenance,
            stats=stats or Stats(),
            history=(HistoryEntry(today(), 1, "created", why or provenance.describe()),),
            examples=(self.example,), selector=self.selector)


def template_key(pattern: str, fix: str, constraints: Mapping[str, Constraint],
                 selector: str = "") -> object:
    if selector == COMMENT:  # a regex and a comment: their text is what they are
        return (pattern, fix, selector)
    try:
        left = shape(compile_template(pattern, selector).root)
        right = shape(compile_template(fix, selector).root) \
            if fix.strip() else ()  # a deletion
    except TemplateError:
        return (pattern, fix, selector)
    return (left, right, selector,
            tuple(sorted((k, c.regex, c.not_regex) for k, c in constraints.items())))


def new_id(rule: str, edit: Edit) -> str:
    digest = hashlib.sha256(f"{edit.pattern}\0{edit.fix}".encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", rule.lower()).strip("-")
    return f"{slug}-{digest}"


def example_of(instance: Instance, root_before: cst.CSTNode, root_after: cst.CSTNode) -> Example:
    """The enclosing statement's lines, dedented: a small before/after that shows the edit."""
    before_lines = instance.before.splitlines(keepends=True)
    line = instance.span.start.line
    end = instance.span.end.line
    after_lines = instance.after.splitlines(keepends=True)
    extra = len(after_lines) - len(before_lines)
    chunk_before = "".join(before_lines[line - 1:end])
    chunk_after = "".join(after_lines[line - 1:end + extra])
    return Example(dedent_block(chunk_before), dedent_block(chunk_after))


def parameter_example(instance: Instance) -> Example:
    """A parameter's edit shown as its function's signature with `...` for the body (the
    signature alone would not parse, and the body is not the point)."""
    def signature(text: str) -> str:
        function = next(n for n in walk(cst.parse_module(text))
                        if isinstance(n, cst.FunctionDef))
        body = cst.IndentedBlock([cst.SimpleStatementLine([cst.Expr(cst.Ellipsis())])])
        short = function.with_changes(body=body, decorators=[], leading_lines=[])
        return dedent_block(code_of(short))
    return Example(signature(instance.before), signature(instance.after))


def dedent_block(text: str) -> str:
    lines = text.splitlines(keepends=True)
    widths = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(widths) if widths else 0
    out = "".join(x[cut:] if x.strip() else x.lstrip(" ") for x in lines)
    return out if out.endswith("\n") else out + "\n"


def settle(edit: Edit, done: Sequence[Rewrite]) -> Edit | str:
    r"""A pattern must not apply to its own fix (running heal or ast-grep twice would wrap
    twice: `$A: $B = None` -> `$A: Optional[$B] = None` matches what it wrote). Where the fix
    matches the pattern again, each metavariable that would bind what the fix wrote around
    it gets a `not: regex` constraint of that shape (`B: not ^Optional\[.*\]$`); the
    reason when that does not make it a fixpoint. Patterns whose fix drops a metavariable
    the finding's span picks (imports, deletions) are left alone: the span decides. `done`
    holds each instance's rewrite, from `reproduced`."""
    if not edit.fix.strip() or edit.selector == COMMENT:  # an anchored regex of the old text
        return edit
    try:
        pattern = compile_template(edit.pattern, edit.selector)
        fix = compile_template(edit.fix, edit.selector)
    except TemplateError as error:
        return f"the generalised template does not parse: {error}"
    if dropped(pattern, fix):
        return edit
    constraints = dict(edit.constraints)
    for instance, first in zip(edit.instances, done, strict=True):
        fixed = _fixed_span(instance)
        again = _rewrite_at(edit, constraints, instance.after, fixed)
        if again is None:
            continue
        for name, text in again.bindings.items():
            old = first.bindings.get(name)
            if old is None or old == text or old not in text or name in constraints:
                continue
            head, _, tail = text.partition(old)
            constraints[name] = Constraint(not_regex=f"^{_escape(head)}.*{_escape(tail)}$")
        if _rewrite_at(edit, constraints, instance.after, fixed) is not None:
            return "the pattern would apply again to its own fix"
    return replace(edit, constraints=constraints)


def _escape(text: str) -> str:
    """`text` as a regex that Python's `re` and Rust's `regex` (ast-grep) read alike."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)


def _fixed_span(instance: Instance) -> Span:
    """Where the instance's root is in its `after` text (its end moved by the edit)."""
    starts = line_starts(instance.before)
    end = starts[instance.span.end.line - 1] + instance.span.end.column + \
        len(instance.after) - len(instance.before)
    after_starts = line_starts(instance.after)
    line = bisect.bisect_right(after_starts, end)
    return Span(instance.span.start, Position(line, end - after_starts[line - 1]))


def _rewrite_at(edit: Edit, constraints: Mapping[str, Constraint], text: str, span: Span
                ) -> Rewrite | None:
    pattern = Pattern(id="candidate", pattern=edit.pattern, fix=edit.fix, triggers=("heal:X",),
                      category=Category.STYLE, safety=Safety.SAFE, constraints=dict(constraints),
                      selector=edit.selector)

    try:
        template = compile_template(edit.pattern, edit.selector)
        context = ModuleContext("candidate.py", text)
        nodes = candidate_nodes(context, span)
    except (TemplateError, cst.ParserSyntaxError, RecursionError):
        return None
    return rewrite_in_cut([(pattern, template)], context, nodes, span)


def rewrite_in_cut(compiled: Sequence[tuple[Pattern, Template]], context: ModuleContext,
                   nodes: Sequence[cst.CSTNode], span: Span) -> Rewrite | None:
    """The first of these patterns' rewrites at the nodes a span points at, in a statement
    cut out of its file (not `whole`, as a finding's own file is): how learning checks that a
    pattern makes a fix's very edit. None: no pattern applies, or one cannot be applied."""
    try:
        result = first_rewrite(compiled, context, nodes, span, whole=False)
    except (TemplateError, cst.ParserSyntaxError, RecursionError):
        return None
    return result[1] if isinstance(result, tuple) else None


def apply_at(pattern_text: str, fix_text: str, constraints: Mapping[str, Constraint],
             text: str, span: Span, selector: str = "") -> str | None:
    """The text after applying a pattern at the node a span points at, or None."""
    edit = Edit(pattern_text, fix_text, constraints, (), (), Example("", ""), selector)
    done = _rewrite_at(edit, constraints, text, span)
    return None if done is None else done.text


def reproduced(edit: Edit) -> list[Rewrite] | None:
    """Each instance's rewrite, when the edit reproduces every instance exactly; else None."""
    done = []
    for instance in edit.instances:
        rewrite = _rewrite_at(edit, edit.constraints, instance.before, instance.span)
        if rewrite is None or rewrite.text != instance.after:
            return None
        done.append(rewrite)
    return done

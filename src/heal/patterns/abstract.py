"""Abstraction: which parts of one edit's root become metavariables (step 3 of generalise.py).

Anti-unification of the pair: every maximal sub-expression of the root that appears unchanged
in `after` becomes a metavariable (`$A`, `$B`, ... in order of appearance), except literals and
`None`/`True`/`False` (one instance cannot tell whether they matter), callee names (`yaml.load`
stays `yaml.load` when `yaml` is an imported module), attribute and keyword names, except a
keyword the fix writes as a string (`dict(loop=$A)` -> `{"loop": $A}` is `dict($A=$B)` ->
`{"$A": $B}`: ast-grep fills a metavariable into a fix's string too); unchanged statements of a
body become `$$$A`, as do runs of two or more unchanged arguments or elements. When that leaves
no concrete code but operators (`type(a) == type(b)` -> `$A == $B`), calls and attributes are
kept and their parts abstracted instead (`type($A) == type($B)`): one level of context. What
stands in a tuple, list or set beside an element the fix deletes stays concrete (`except
(OSError, IOError)` -> `except OSError` is right because IOError is OSError: `except ($B,
IOError)` would drop IOError from beside any exception).

A `def` edit that leaves the parameters as they were (`-> None` added) abstracts them as `$$$`,
as it does the unchanged statements of the body. The templates keep no comment of the instance.

`abstract_edit(...)` -> `Edit` or the reason there is none; `canonical` names metavariables A,
B, C... in order of first appearance, so that one pattern is always one text.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import libcst as cst

from heal.patterns.edit import Edit, Instance, example_of, parameter_example
from heal.patterns.model import Constraint
from heal.patterns.region import LITERALS, template_kind
from heal.patterns.template import (
    MANY,
    ONE,
    PLACEHOLDER,
    PREFIX,
    TemplateError,
    code_of,
    compile_template,
    from_code,
    parameter_code,
    placeholder,
    selector_of,
    walk,
)
from heal.patterns.unify import parens_of, shape

MAX_PATTERN_CHARS = 600
MAX_PATTERN_LINES = 12
CONSTANTS = ("None", "True", "False")


def is_constant(node: cst.CSTNode) -> bool:
    return isinstance(node, LITERALS) or (isinstance(node, cst.Name) and node.value in CONSTANTS)


def _children(node: cst.CSTNode) -> Iterator[tuple[str, int | None, cst.CSTNode]]:
    """(field, index in a sequence or None, child) for every node-valued field."""
    for item in dataclasses.fields(node):
        value = getattr(node, item.name)
        if isinstance(value, cst.CSTNode):
            yield item.name, None, value
        elif isinstance(value, (list, tuple)):
            for index, element in enumerate(value):
                if isinstance(element, cst.CSTNode):
                    yield item.name, index, element


def name_position(parent: cst.CSTNode, field_name: str) -> bool:
    return ((isinstance(parent, cst.Attribute) and field_name == "attr")
            or (isinstance(parent, cst.Arg) and field_name == "keyword")
            or isinstance(parent, (cst.Import, cst.ImportFrom, cst.ImportAlias)))


class _Abstraction:
    """Which nodes of the before/after roots become which metavariable."""

    def __init__(self, imports: set[str], keep: tuple[type[cst.CSTNode], ...] = (),
                 free: bool = False) -> None:
        self.imports = imports
        self.keep = keep  # node types never abstracted as a whole at the top level
        self.free = free  # a parentheses-only edit: callees, imports and literals too
        self.names: dict[object, str] = {}  # shape -> metavariable name
        self.before: dict[int, str] = {}  # id(node) -> name
        self.after: dict[int, str] = {}
        self.statement_names: set[str] = set()
        self.parens: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
        self.words: dict[str, str] = {}  # a keyword the fix writes as a string -> name
        self.strings: dict[int, str] = {}  # id(string in `after`) -> name written inside it

    def kept_parens(self) -> dict[str, tuple[int, int]]:
        """name -> (parentheses in the pattern, in the fix) where a free edit removes some."""
        kept = {}
        for name, (before, after) in self.parens.items():
            if self.free and len(before) == len(after) == 1 and min(before) > min(after):
                kept[name] = (min(before), min(after))
        return kept

    def name_for(self, key: object) -> str:
        if key not in self.names:
            self.names[key] = _letters(len(self.names))
        return self.names[key]

    def abstractable(self, node: cst.CSTNode, parent: cst.CSTNode, field_name: str,
                     callee: bool, depth: int) -> bool:
        if name_position(parent, field_name):
            return False
        if isinstance(node, cst.BaseStatement):
            return isinstance(parent, (cst.IndentedBlock, cst.Module))
        if not isinstance(node, cst.BaseExpression):
            return False
        if self.free:
            return True
        if is_constant(node):
            return False
        if depth <= 1 and isinstance(node, self.keep):
            return False
        if isinstance(parent, cst.Call) and field_name == "func":
            return False  # the callee: which function is called is the point of the edit
        base = node
        while isinstance(base, cst.Attribute):
            base = base.value
        return not (isinstance(base, cst.Name) and base.value in self.imports)

    def scan_before(self, root: cst.CSTNode, after_shapes: Mapping[object, list[cst.CSTNode]],
                    words: set[str]) -> None:
        def walk(node: cst.CSTNode, callee: bool, depth: int) -> None:
            for field_name, _, child in _children(node):
                in_callee = callee or (isinstance(node, cst.Call) and field_name == "func")
                if isinstance(node, cst.Arg) and field_name == "keyword" and \
                        isinstance(child, cst.Name) and child.value in words:
                    # `dict(loop=$A)` -> `{"loop": $A}`: the keyword is what the string says
                    name = self.name_for(("word", child.value))
                    self.words[child.value] = self.before[id(child)] = name
                    continue
                if self.abstractable(child, node, field_name, in_callee, depth + 1):
                    key = shape(child)
                    if key in after_shapes:
                        name = self.name_for(key)
                        self.before[id(child)] = name
                        self.parens[name][0].add(parens_of(child))
                        if isinstance(child, cst.BaseStatement):
                            self.statement_names.add(name)
                        continue
                walk(child, in_callee, depth + 1 if template_kind(child) else depth)
        walk(root, False, 0)

    def scan_after(self, root: cst.CSTNode) -> None:
        def walk(node: cst.CSTNode) -> None:
            for _, _, child in _children(node):
                word = _word(child) if isinstance(child, cst.SimpleString) else None
                if word is not None and word in self.words:
                    self.strings[id(child)] = self.words[word]
                    continue
                if isinstance(child, (cst.BaseExpression, cst.BaseStatement)):
                    key = shape(child)
                    if key in self.names and self.names[key] in set(self.before.values()):
                        self.after[id(child)] = self.names[key]
                        self.parens[self.names[key]][1].add(parens_of(child))
                        continue
                walk(child)
        walk(root)


def _word(node: cst.SimpleString) -> str | None:
    """The identifier a plain string literal holds (`"loop"`), else None."""
    return node.raw_value if not node.prefix and node.raw_value.isidentifier() else None


def _words(root: cst.CSTNode) -> set[str]:
    """Identifiers written as string literals in a tree."""
    return {word for node in walk(root) if isinstance(node, cst.SimpleString)
            for word in [_word(node)] if word is not None}


def _letters(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if index < len(letters):
        return letters[index]
    return letters[index % len(letters)] + str(index // len(letters))


def _all_shapes(root: cst.CSTNode) -> dict[object, list[cst.CSTNode]]:
    found: dict[object, list[cst.CSTNode]] = defaultdict(list)

    def walk(node: cst.CSTNode) -> None:
        for _, _, child in _children(node):
            if isinstance(child, (cst.BaseExpression, cst.BaseStatement)):
                found[shape(child)].append(child)
            walk(child)
    walk(root)
    return found


class _Replace(cst.CSTTransformer):
    """Put placeholders where the abstraction says (by node identity)."""

    def __init__(self, names: Mapping[int, str], statements: set[str],
                 parens: Mapping[str, int] | None = None,
                 strings: Mapping[int, str] | None = None) -> None:
        super().__init__()
        self.names = names
        self.statements = statements
        self.parens = parens or {}  # name -> pairs of parentheses the placeholder keeps
        self.strings = strings or {}  # id(string literal) -> name written inside its quotes

    def on_leave(self, original_node: cst.CSTNodeT, updated_node: cst.CSTNodeT
                 ) -> cst.CSTNodeT | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNodeT]:
        inside = self.strings.get(id(original_node))
        if inside is not None and isinstance(updated_node, cst.SimpleString):
            quote = updated_node.quote
            written = updated_node.with_changes(value=f"{quote}{ONE}{inside}{quote}")
            return cast(cst.CSTNodeT, written)
        name = self.names.get(id(original_node))
        if name is None:
            return updated_node
        if isinstance(original_node, cst.BaseStatement):
            statement: Any = cst.SimpleStatementLine([cst.Expr(cst.Name(MANY + name))])
            return cast(cst.CSTNodeT, statement)
        count = self.parens.get(name, 0)
        expression: Any = cst.Name(ONE + name, lpar=[cst.LeftParen()] * count,
                                   rpar=[cst.RightParen()] * count)
        return cast(cst.CSTNodeT, expression)


def _visit(node: cst.CSTNode, visitor: cst.CSTTransformer) -> cst.CSTNode:
    result = node.visit(visitor)
    if not isinstance(result, cst.CSTNode):
        raise ValueError("a pattern root cannot be removed")
    return result


def statement_code(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Param):
        return parameter_code(node)
    if isinstance(node, cst.BaseCompoundStatement):
        node = node.with_changes(leading_lines=[])
    return code_of(node).strip("\n")


class _MergeRuns(cst.CSTTransformer):
    """Runs of statement placeholders in a body become one `$$$` (one name for the run)."""

    def __init__(self) -> None:
        super().__init__()
        self.renamed: dict[str, str] = {}

    def leave_IndentedBlock(  # noqa: N802 - libcst's visitor naming
            self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body: list[cst.BaseStatement] = []
        run: list[str] = []
        for statement in updated_node.body:
            name = placeholder(statement)
            if name is not None and name.startswith(MANY):
                run.append(name[len(MANY):])
                if len(run) == 1:
                    body.append(statement)
                else:
                    self.renamed[run[-1]] = run[0]
                continue
            run = []
            body.append(statement)
        return updated_node.with_changes(body=body)


class _NoComments(cst.CSTTransformer):
    """A template without the comments of the code it was made from."""

    def leave_TrailingWhitespace(  # noqa: N802 - libcst's visitor naming
            self, original_node: cst.TrailingWhitespace, updated_node: cst.TrailingWhitespace
    ) -> cst.TrailingWhitespace:
        if updated_node.comment is None:
            return updated_node
        return updated_node.with_changes(comment=None, whitespace=cst.SimpleWhitespace(""))

    def leave_EmptyLine(  # noqa: N802 - libcst's visitor naming
            self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine | cst.RemovalSentinel:
        return cst.RemovalSentinel.REMOVE if updated_node.comment is not None else updated_node


def _drop_renamed(code: str, renamed: Mapping[str, str]) -> str:
    for name in renamed:
        code = re.sub(r"^[ \t]*" + re.escape(MANY + name) + r"[ \t]*\n", "", code, flags=re.M)
        code = code.replace(MANY + name, "")
    return code


def canonical(pattern_code: str, fix_code: str,
               constraints: Mapping[str, Constraint] | None = None
               ) -> tuple[str, str, dict[str, Constraint]]:
    """Rename metavariables A, B, C... in order of first appearance in the pattern."""
    found = [name for _, name in PLACEHOLDER.findall(pattern_code)]
    order: list[str] = []
    for name in found:
        if name not in order:
            order.append(name)
    mapping = {old: _letters(i) for i, old in enumerate(order)}

    def rename(code: str) -> str:
        return PLACEHOLDER.sub(lambda m: m.group(1) + mapping.get(m.group(2), m.group(2)), code)

    renamed = {mapping.get(k, k): v for k, v in (constraints or {}).items() if k in mapping}
    return from_code(rename(pattern_code)), from_code(rename(fix_code)), renamed


def has_concrete(root: cst.CSTNode) -> bool:
    """True when the template has a name, attribute or literal besides its metavariables."""
    for node in walk(root):
        if isinstance(node, cst.Name) and not node.value.startswith(PREFIX):
            return True
        if isinstance(node, LITERALS):
            return True
    return False


def abstract_edit(root_before: cst.CSTNode, root_after: cst.CSTNode, imports: set[str],
              keep: tuple[type[cst.CSTNode], ...], triggers: Sequence[str],
              instance: Instance, free: bool = False) -> Edit | str:
    abstraction = _Abstraction(imports, keep, free)
    abstraction.scan_before(root_before, _all_shapes(root_after),
                            _words(root_after) - _words(root_before))
    abstraction.scan_after(root_after)
    used = set(abstraction.after.values()) | abstraction.statement_names | set(
        abstraction.strings.values())
    if set(abstraction.before.values()) - used:
        # a part whose only copies in `after` sit inside other abstracted parts (`object` in
        # `class A(object)` when the body also says `object`) stays concrete
        abstraction.before = {k: v for k, v in abstraction.before.items() if v in used}
    beside = _beside_deleted(root_before, root_after, abstraction.before, abstraction.after)
    if beside:
        abstraction.before = {k: v for k, v in abstraction.before.items() if v not in beside}
        abstraction.after = {k: v for k, v in abstraction.after.items() if v not in beside}
    parens = abstraction.kept_parens()
    merge = _MergeRuns()
    pattern_node = _visit(_visit(root_before, _Replace(
        abstraction.before, abstraction.statement_names,
        {name: counts[0] for name, counts in parens.items()})), merge)
    fix_node = _visit(_visit(root_after, _Replace(
        abstraction.after, abstraction.statement_names,
        {name: counts[1] for name, counts in parens.items()}, abstraction.strings)), merge)
    pattern_node, fix_node = _any_parameters(root_before, root_after, pattern_node, fix_node)
    # a comment of this instance is no part of the pattern: the fix would write it elsewhere
    pattern_node, fix_node = _visit(pattern_node, _NoComments()), _visit(fix_node, _NoComments())
    pattern_code = _drop_renamed(statement_code(pattern_node), merge.renamed)
    fix_code = _drop_renamed(statement_code(fix_node), merge.renamed)
    if isinstance(pattern_node, cst.BaseExpression) and pattern_node.lpar:
        pattern_code = code_of(pattern_node.with_changes(lpar=[], rpar=[]))
        pattern_code = _drop_renamed(pattern_code, merge.renamed)
    if isinstance(fix_node, cst.BaseExpression) and fix_node.lpar:
        fix_code = _drop_renamed(code_of(fix_node.with_changes(lpar=[], rpar=[])), merge.renamed)
    pattern_text, fix_text, _ = canonical(pattern_code, fix_code)
    if len(pattern_text) > MAX_PATTERN_CHARS or pattern_text.count("\n") >= MAX_PATTERN_LINES:
        return "the edit is too large to be a pattern"
    if len(fix_text) > MAX_PATTERN_CHARS or fix_text.count("\n") >= MAX_PATTERN_LINES:
        return "the edit is too large to be a pattern"
    selector = ""
    if isinstance(root_before, cst.Param):
        selector = selector_of(root_before) or ""
    try:
        template = compile_template(pattern_text, selector)
        compile_template(fix_text, selector)
    except TemplateError as error:
        return f"the generalised template does not parse: {error}"
    if template.root_type == "*":
        return "the generalised pattern would match anything"
    example = parameter_example(instance) if selector else \
        example_of(instance, root_before, root_after)
    return Edit(pattern_text, fix_text, {}, tuple(triggers), (instance,), example, selector)


def _collections(root: cst.CSTNode) -> Iterator[Sequence[cst.BaseElement]]:
    """The elements of each tuple, list and set in a tree."""
    for node in walk(root):
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            yield node.elements


def _beside_deleted(root_before: cst.CSTNode, root_after: cst.CSTNode,
                    before: Mapping[int, str], after: Mapping[int, str]) -> set[str]:
    """Metavariables that would stand in a tuple, list or set the fix shortens, beside
    concrete code it deletes: one instance cannot tell whether the deletion is right whatever
    they bind, or only because of what they are (`except (OSError, IOError)` -> `except
    OSError`: `IOError` goes because it *is* `OSError`; `except ($B, IOError)` -> `except $B`
    would drop `IOError` from beside any exception). They stay concrete; where a second
    instance differs there, `anti_unify` generalises what it can. A collection that keeps its
    length (`(IOError, $A)` -> `(OSError, $A)`) is no deletion; a call's arguments are not
    peers in this way (`open($A, "r")` -> `open($A)`: the mode goes whatever the file)."""
    length_after: dict[int, int] = {}
    for sequence in _collections(root_after):
        for item in sequence:
            length_after[id(item.value)] = len(sequence)
    after_shapes = _all_shapes(root_after)
    found: set[str] = set()
    for sequence in _collections(root_before):
        held = [before.get(id(v.value)) for v in sequence]
        if not any(name is None and shape(v.value) not in after_shapes
                   for v, name in zip(sequence, held, strict=True)):
            continue
        for name in {n for n in held if n is not None}:
            if any(length_after.get(node_id, 1) < len(sequence)
                   for node_id, kept in after.items() if kept == name):
                found.add(name)
    return found


def _any_parameters(root_before: cst.CSTNode, root_after: cst.CSTNode, pattern: cst.CSTNode,
                    fix: cst.CSTNode) -> tuple[cst.CSTNode, cst.CSTNode]:
    """An edit of a `def` that leaves its parameters as they were (`-> None` added) does not
    depend on them: they become `$$$` in the pattern and the fix (`def $A($$$B):`), as the
    unchanged statements of its body do."""
    if not isinstance(root_before, cst.FunctionDef) or not isinstance(root_after, cst.FunctionDef) \
            or not isinstance(pattern, cst.FunctionDef) or not isinstance(fix, cst.FunctionDef) \
            or shape(root_before.params) != shape(root_after.params):
        return pattern, fix
    anything = cst.Parameters(params=[cst.Param(cst.Name(MANY + "PARAMETERS"))])
    return pattern.with_changes(params=anything), fix.with_changes(params=anything)

r"""Learning patterns: generalise verified fixes, mine git history, and take outcomes.

Generalising one edit (`generalise(before, after, triggers)`), Getafix-style:
  1. the changed region is what lies between the common prefix and suffix of the two texts;
  2. the edit's root is the smallest expression or statement of `before` that covers the region
     and has a counterpart of the same kind at the same place in `after` (a bare name,
     attribute or literal is widened to its parent: one level of unchanged context);
  3. anti-unification of the pair: every maximal sub-expression of the root that appears
     unchanged in `after` becomes a metavariable (`$A`, `$B`, ... in order of appearance), except
     literals and `None`/`True`/`False` (one instance cannot tell whether they matter), callee
     names (`yaml.load` stays `yaml.load` when `yaml` is an imported module), attribute and
     keyword names, except a keyword the fix writes as a string (`dict(loop=$A)` -> `{"loop":
     $A}` is `dict($A=$B)` -> `{"$A": $B}`: ast-grep fills a metavariable into a fix's
     string too); unchanged statements of a body become `$$$A`, as do runs of two or more
     unchanged arguments or elements. When that leaves no concrete code but operators
     (`type(a) == type(b)` -> `$A == $B`), calls and attributes are kept and their parts
     abstracted instead (`type($A) == type($B)`): one level of context. What stands in a
     tuple, list or set beside an element the fix deletes stays concrete (`except (OSError,
     IOError)` -> `except OSError` is right because IOError is OSError: `except ($B, IOError)`
     would drop IOError from beside any exception);
  4. the result, without the instance's comments (a fix would write them into other code),
     must reproduce the edit exactly through the matcher, or nothing is learned;
  5. it must not apply to its own fix: where it would (`$A: $B = None` -> `$A: Optional[$B] =
     None` matches what it wrote), the metavariable that would bind the fix's own wrapping
     gets a `not` constraint of that shape (`B` not `^Optional\[.*\]$`), or nothing is learned.

A root that is a bare name, or whose code is still there whole inside what replaced it (`str`
-> `Optional[str]`: a wrap), widens to its parent: for an annotation or a default, that is the
parameter, learned with ast-grep's `{context, selector}` (see matcher.py), so an
implicit-Optional fix serves every signature rather than one shape of `def`. A `def` edit
that leaves the parameters as they were (`-> None` added) abstracts them as `$$$`, as it does
the unchanged statements of the body.

Four kinds of edit get a pattern of their own, because what they change is not code the
abstraction above can keep concrete:
  - one comment deleted or turned into another (ruff's RUF100 fix of an unused `# noqa`): an
    ast-grep `{kind: comment, regex: '^<the comment>$'}` rule whose fix is empty or the new
    comment; two such edits whose comments differ only in words (`# noqa: F821`, `# noqa:
    PLC0415`) anti-unify into one regex with `[A-Za-z0-9_]+` there;
  - one simple statement deleted, line and all, from a block that keeps others (a `pass`, an
    unused import of one name): the pattern is the statement (`pass`; `import $A`,
    `from $A import $B`; any other statement as it is) and the fix is empty, which the matcher
    reads as "delete the matched statement" (as ast-grep does); the finding must be inside it;
  - one name removed from an import statement (the unused-import fix): `from $A import $$$B, $C,
    $$$D` -> `from $A import $$$B, $$$D` (`import $$$A, $B, $$$C` -> `import $$$A, $$$C`): the
    module and the names are whatever the finding's statement says, the name removed is the one
    the finding points at (matcher.py: a metavariable the fix drops), and the statement keeps
    its own layout. The instance's span is the removed name's, as a finding's would be;
  - only parentheses removed (`print(("a %s" % b))` -> `print("a %s" % b)`): nothing but the
    parentheses is the point of the edit, so everything else is abstracted, callee and
    literals included, and the parentheses stay on the metavariable (`$A(($B))` -> `$A($B)`),
    where the matcher reads them as "wrapped in parentheses".

Anti-unifying two edits (`anti_unify(a, b)`) merges them where they differ: parts that vary
between the instances become metavariables (literals of one kind get a `regex` constraint of
that kind), argument lists of different lengths become `$$$`; the merge is kept only if every
metavariable of the fix is bound by the pattern and it reproduces every instance exactly.

API the pipeline calls (through `PatternLibrary`, see library.py):
  - `learn_records(library, run_id, records) -> LearnReport`: pattern-made fixes count
    their outcome (VERIFIED / NEEDS_REVIEW -> applied + verified; REJECTED -> applied +
    rejected; UNVERIFIED -> applied); verified fixer-made fixes are generalised: an active
    pattern that reproduces the fix exactly gets `verified` (evidence), else an equivalent
    pattern is looked up, else a new `learned` pattern is written to `.heal/patterns/`.
  - `record_outcome(library, pattern_id, outcome) -> Pattern`.
  - `mine_git(repo_root, since=None, max_commits=200, ...) -> MineResult` and
    `save_mined(library, result) -> list[Pattern]` for `heal learn --from-git`.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import itertools
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from heal.config import Config, load_config, project_target, pyproject
from heal.edits import apply_fixes, line_starts
from heal.model import Category, Fix, Position, Safety, Span, Verdict
from heal.patterns.locate import candidates as candidate_nodes
from heal.patterns.locate import own_range
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
from heal.patterns.rewrite import Rewrite, apply_to_text, dropped, first_rewrite
from heal.patterns.template import (
    MANY,
    ONE,
    PLACEHOLDER,
    PREFIX,
    TemplateError,
    compile_template,
    from_code,
    in_strings,
    parameter_code,
    placeholder,
    selector_of,
)
from heal.patterns.unify import node_fields, shape

if TYPE_CHECKING:
    from heal.patterns.library import LearnReport, PatternLibrary, RecordLike

MAX_PATTERN_CHARS = 600
MAX_PATTERN_LINES = 12
MAX_HUNK_LINES = 6
LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString,
            cst.FormattedString, cst.Ellipsis)
CONSTANTS = ("None", "True", "False")
ATOMIC = (cst.Name, cst.Attribute, *LITERALS)
KIND_REGEX = {
    "int": r"^-?[0-9][0-9_]*$",
    "float": r"^-?[0-9][0-9_]*\.[0-9_]*([eE][-+]?[0-9]+)?$",
    "str": r"""^[rRbBuU]{0,2}['"]""",
}


# --------------------------------------------------------------------------------------------
# one edit
# --------------------------------------------------------------------------------------------

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
    selector: str = ""  # a parameter pattern's ast-grep selector (matcher.SELECTORS)

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


@dataclass
class _Parsed:
    text: str
    module: cst.Module
    positions: Mapping[cst.CSTNode, Any]
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> _Parsed:
        module = cst.parse_module(text)
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        return cls(text, module, wrapper.resolve(PositionProvider), line_starts(text))

    def offsets(self, node: cst.CSTNode) -> tuple[int, int]:
        span = self.span(node)
        return (self.starts[span.start.line - 1] + span.start.column,
                self.starts[span.end.line - 1] + span.end.column)

    def span(self, node: cst.CSTNode) -> Span:
        """The node's range; a `Param`'s runs from its name over its annotation and default."""
        where = own_range(self.positions, node)
        return Span(Position(where.start.line, where.start.column),
                    Position(where.end.line, where.end.column))


def _category(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Param):
        return "parameter" if selector_of(node) is not None else None
    if isinstance(node, cst.BaseExpression):
        return "expression"
    if isinstance(node, cst.BaseSmallStatement):
        return "small"
    if isinstance(node, cst.BaseCompoundStatement):
        return "statement"
    return None


def _changed_region(before: str, after: str) -> tuple[int, int, int]:
    """(start, end in before, end in after) of the changed region."""
    limit = min(len(before), len(after))
    start = 0
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while end < limit - start and before[-1 - end] == after[-1 - end]:
        end += 1
    start, end_before, end_after = start, len(before) - end, len(after) - end
    # slide a whitespace-ended region left ("    pass\n" -> "\n    pass") so it ends inside
    # the statement it belongs to rather than on the next line
    while start > 0 and (end_before > start or end_after > start):
        char = before[start - 1]
        if char not in " \t\n" or (end_before > start and before[end_before - 1] != char) or (
                end_after > start and after[end_after - 1] != char):
            break
        start, end_before, end_after = start - 1, end_before - 1, end_after - 1
    return start, end_before, end_after


@dataclass(frozen=True)
class Narrowed:
    before: str
    after: str
    lines: int  # lines cut above the snippet
    indent: int  # columns cut on the left

    def span(self, span: Span) -> Span:
        """A span of the whole file in the snippet's coordinates."""
        return Span(Position(span.start.line - self.lines, max(0, span.start.column - self.indent)),
                    Position(span.end.line - self.lines, max(0, span.end.column - self.indent)))


def narrow(before: str, after: str) -> Narrowed:
    """The innermost statement that holds the whole change, cut out of both texts and
    dedented (parsing a 3,000-line file with positions for a one-line edit costs seconds);
    the whole texts when no statement can be cut out cleanly."""
    import ast

    whole = Narrowed(before, after, 0, 0)
    start, end_before, end_after = _changed_region(before, after)
    try:
        tree = ast.parse(before)
    except (SyntaxError, ValueError, RecursionError):
        return whole
    starts = line_starts(before)
    best: tuple[int, int, int, int] | None = None  # (size, first line, last line, column)
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.end_lineno is None or \
                node.end_col_offset is None:
            continue
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        lo = starts[node.lineno - 1] + node.col_offset
        hi = starts[node.end_lineno - 1] + node.end_col_offset
        if lo <= start and end_before <= hi and (best is None or hi - lo < best[0]):
            best = (hi - lo, first, node.end_lineno, node.col_offset)
    if best is None:
        return whole
    _, first, last, column = best
    old_lines = before.splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    extra = len(new_lines) - len(old_lines)
    if old_lines[:first - 1] != new_lines[:first - 1] or \
            old_lines[last:] != new_lines[last + extra:]:
        return whole
    chunks = []
    prefix = old_lines[first - 1][:column] if first - 1 < len(old_lines) else ""
    if prefix.strip():
        return whole
    for lines in (old_lines[first - 1:last], new_lines[first - 1:last + extra]):
        if any(line.strip() and not line.startswith(prefix) for line in lines):
            return whole
        chunks.append("".join(line[column:] if line.strip() else line.lstrip(" \t")
                              for line in lines))
    del end_after
    return Narrowed(chunks[0], chunks[1], first - 1, column)


def _path_to(parsed: _Parsed, start: int, end: int) -> list[cst.CSTNode]:
    path: list[cst.CSTNode] = []
    node: cst.CSTNode = parsed.module
    while True:
        path.append(node)
        inner = None
        for child in node.children:
            if child not in parsed.positions:
                continue
            lo, hi = parsed.offsets(child)  # a Param's reaches over its annotation and default
            if lo <= start and end <= hi:
                inner = child
                break
        if inner is None:
            return path
        node = inner


def _roots(before: _Parsed, after: _Parsed) -> tuple[cst.CSTNode, cst.CSTNode] | None:
    start, end_before, end_after = _changed_region(before.text, after.text)
    if start == end_before == end_after:
        return None
    delta = len(after.text) - len(before.text)
    by_range: dict[tuple[int, int], list[cst.CSTNode]] = defaultdict(list)
    for node in after.positions:
        if _category(node) is not None:
            by_range[after.offsets(node)].append(node)
    path = _path_to(before, start, end_before)
    for index in range(len(path) - 1, -1, -1):
        node = path[index]
        kind = _category(node)
        if kind is None or isinstance(node, cst.Module):
            continue
        if kind == "parameter" and not isinstance(path[index - 2], cst.FunctionDef):
            continue  # a lambda's: no `def` context selects it
        lo, hi = before.offsets(node)
        if hi + delta < end_after or lo > start:
            continue
        twins = [n for n in by_range.get((lo, hi + delta), []) if _category(n) == kind]
        if not twins:
            continue
        same = [n for n in twins if type(n) is type(node)]
        twin = (same or twins)[0]
        if (isinstance(node, ATOMIC) or _wraps(twin, node)) and \
                _parent_unit(path, node) is not None:
            # widen to the parent: one level of unchanged context (what was there is still
            # there, wrapped: `str` -> `Optional[str]` says nothing without `x: ... = None`)
            continue
        return node, twin
    return None


def _wraps(after: cst.CSTNode, before: cst.CSTNode) -> bool:
    """True when `after` holds all of `before`, unchanged, below its top (`f(x)` in `g(f(x))`)."""
    key = shape(before)
    return any(shape(node) == key for node in _walk(after) if node is not after)


def _parent_unit(path: list[cst.CSTNode], node: cst.CSTNode) -> cst.CSTNode | None:
    index = next(i for i, n in enumerate(path) if n is node)
    for parent in reversed(path[:index]):
        if isinstance(parent, cst.Module):
            return None
        if _category(parent) is not None:
            return parent
    return None


def _imported_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and \
                    not isinstance(small.names, cst.ImportStar):
                names.update((alias.evaluated_alias or alias.evaluated_name).split(".")[0]
                             for alias in small.names)
    return names


def _imports_of(text: str) -> set[str]:
    """Names bound by import statements anywhere in the file (module names stay concrete)."""
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name != "*")
    return names


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _is_constant(node: cst.CSTNode) -> bool:
    return isinstance(node, LITERALS) or (isinstance(node, cst.Name) and node.value in CONSTANTS)


def _children(node: cst.CSTNode) -> Iterator[tuple[str, int | None, cst.CSTNode]]:
    """(field, index in a sequence or None, child) for every node-valued field."""
    import dataclasses

    for item in dataclasses.fields(node):
        value = getattr(node, item.name)
        if isinstance(value, cst.CSTNode):
            yield item.name, None, value
        elif isinstance(value, (list, tuple)):
            for index, element in enumerate(value):
                if isinstance(element, cst.CSTNode):
                    yield item.name, index, element


def _name_position(parent: cst.CSTNode, field_name: str) -> bool:
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
        if _name_position(parent, field_name):
            return False
        if isinstance(node, cst.BaseStatement):
            return isinstance(parent, (cst.IndentedBlock, cst.Module))
        if not isinstance(node, cst.BaseExpression):
            return False
        if self.free:
            return True
        if _is_constant(node):
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
                        self.parens[name][0].add(_own_parens(child))
                        if isinstance(child, cst.BaseStatement):
                            self.statement_names.add(name)
                        continue
                walk(child, in_callee, depth + 1 if _category(child) else depth)
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
                        self.parens[self.names[key]][1].add(_own_parens(child))
                        continue
                walk(child)
        walk(root)


def _word(node: cst.SimpleString) -> str | None:
    """The identifier a plain string literal holds (`"loop"`), else None."""
    return node.raw_value if not node.prefix and node.raw_value.isidentifier() else None


def _words(root: cst.CSTNode) -> set[str]:
    """Identifiers written as string literals in a tree."""
    return {word for node in _walk(root) if isinstance(node, cst.SimpleString)
            for word in [_word(node)] if word is not None}


def _own_parens(node: cst.CSTNode) -> int:
    return len(node.lpar) if isinstance(node, cst.BaseExpression) else 0


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


def _statement_code(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Param):
        return parameter_code(node)
    if isinstance(node, cst.BaseCompoundStatement):
        node = node.with_changes(leading_lines=[])
    return _code(node).strip("\n")


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


def _canonical(pattern_code: str, fix_code: str,
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


def generalise(before: str, after: str, triggers: Sequence[str], origin: str = "",
               path: str = "", line: int | None = None) -> Edit | str:
    """The pattern of one edit (see the module docstring), or why there is none. The edit's
    instance keeps only the statement that holds the change (see `narrow`). `line`, the
    finding's in `before` when known, must be the line of a name an import edit removes."""
    imports = _imports_of(before)
    cut = narrow(before, after)
    before, after = cut.before, cut.after
    try:
        old, new = _Parsed.of(before), _Parsed.of(after)
    except (cst.ParserSyntaxError, RecursionError):
        return "the code does not parse"
    where = None if line is None else line - cut.lines
    lines = _LineChange.of(old.text, after)
    edit: Edit | str | None = _comment_edit(old, lines, triggers, origin, path, where) or \
        _statement_deletion(old, lines, triggers, origin, path, where)
    if edit is None:
        edit = _rewritten(old, new, imports, triggers, origin, path, where)
    if isinstance(edit, str):
        return edit
    try:
        inside = in_strings(compile_template(edit.pattern, edit.selector))
    except TemplateError as error:
        return f"the generalised template does not parse: {error}"
    if inside:  # ast-grep would read it as a metavariable; heal refuses such files
        return f"a string literal of the pattern holds {inside[0]}, which reads as a metavariable"
    done = _reproduced(edit)
    if done is None:
        return "the generalised pattern does not reproduce the edit"
    return _settle(edit, done)


def _rewritten(old: _Parsed, new: _Parsed, imports: set[str], triggers: Sequence[str],
               origin: str, path: str, line: int | None) -> Edit | str:
    """The pattern of an edit that rewrites one expression or statement (steps 2 and 3)."""
    roots = _roots(old, new)
    if roots is None:
        return "no expression or statement holds the change on both sides"
    root_before, root_after = roots
    imports = imports | _imported_names(old.module)
    edit: Edit | str = "no pattern"
    instance = Instance(old.text, new.text, old.span(root_before), origin, path)
    removal = _import_removal(old, root_before, root_after, triggers, instance, line)
    free = _parentheses_only(root_before, root_after)
    for keep in ((), (cst.Call, cst.Attribute, cst.Subscript)):
        edit = removal or _abstract(root_before, root_after, imports, keep, triggers, instance,
                                    free)
        if isinstance(edit, str):
            return edit
        if keep or removal or free or _has_concrete(
                compile_template(edit.pattern, edit.selector).root):
            break
    return edit


_REGEX_META = re.compile(r"([\\.^$|?*+()\[\]{}])")
WORD = "[A-Za-z0-9_]+"  # what a comment regex has where its instances' words differed


def _regex_literal(text: str) -> str:
    """`text` as a regex with only the meta characters escaped, so that the file reads as
    the comment does (`^# noqa: E402$`; `re.escape` would write `^\\#\\ noqa:\\ E402$`)."""
    return _REGEX_META.sub(r"\\\1", text)


@dataclass(frozen=True)
class _LineChange:
    """The lines of an edit's two texts and difflib's one opcode between them (None when more
    than one part changed): where a deleted statement or comment is looked for."""

    after: str
    old: list[str]
    new: list[str]
    change: tuple[str, int, int, int, int] | None

    @classmethod
    def of(cls, before: str, after: str) -> _LineChange:
        old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
        changes = [op for op in difflib.SequenceMatcher(a=old, b=new, autojunk=False)
                   .get_opcodes() if op[0] != "equal"]
        return cls(after, old, new, changes[0] if len(changes) == 1 else None)


def _comment_edit(old: _Parsed, lines: _LineChange, triggers: Sequence[str], origin: str,
                  path: str, line: int | None) -> Edit | None:
    """An edit that only deletes one comment (ruff's RUF100 fix of an unused `# noqa`) or
    turns it into another: ast-grep's `{kind: comment, regex: '^<the comment>$'}` with the
    empty fix or the new comment. None when the edit is something else or the finding (on
    `line`) is on another line."""
    old_lines, new_lines, change = lines.old, lines.new, lines.change
    if change is None or change[2] - change[1] != 1 or change[4] - change[3] > 1:
        return None
    _, first, _, new_first, new_last = change
    number = first + 1
    if line is not None and line != number:
        return None
    comment = next((n for n in old.positions if isinstance(n, cst.Comment)
                    and old.span(n).start.line == number), None)
    if comment is None:
        return None
    column = old.span(comment).start.column
    text, before_line = comment.value, old_lines[first]
    head, tail = before_line[:column], before_line[column + len(text):]
    new_line = new_lines[new_first] if new_last > new_first else None
    if (new_line is None and not head.strip()) or new_line == head.rstrip(" \t") + tail:
        fix = ""
    elif new_line is not None and new_line.startswith(head) and new_line.endswith(tail) and \
            new_line[len(head):len(new_line) - len(tail)].startswith("#") and \
            "\n" not in new_line[len(head):len(new_line) - len(tail)]:
        fix = new_line[len(head):len(new_line) - len(tail)]
    else:
        return None
    span = Span(Position(number, column), Position(number, column + len(text)))
    instance = Instance(old.text, lines.after, span, origin, path)
    example = Example(before_line.lstrip(" \t") if head.strip() else text + "\n",
                      (new_line or "").lstrip(" \t") if head.strip() else
                      (fix + "\n" if fix else ""))
    return Edit(f"^{_regex_literal(text)}$", fix, {}, tuple(triggers), (instance,), example,
                COMMENT)


def _comment_tokens(regex: str) -> list[tuple[str, str]] | None:
    """A comment regex heal wrote, as (kind, text) tokens: ("word", letters and digits),
    ("any", WORD) and ("char", one other character); None for any other regex."""
    if not (regex.startswith("^") and regex.endswith("$")):
        return None
    tokens: list[tuple[str, str]] = []
    for found in re.finditer(re.escape(WORD) + r"|\\.|.", regex[1:-1], re.S):
        piece = found.group(0)
        if piece == WORD:
            tokens.append(("any", WORD))
        elif piece.startswith("\\"):
            tokens.append(("char", piece[1:]))
        elif piece.isalnum() or piece == "_":
            if tokens and tokens[-1][0] == "word":
                tokens[-1] = ("word", tokens[-1][1] + piece)
            else:
                tokens.append(("word", piece))
        else:
            tokens.append(("char", piece))
    return tokens


def _anti_unify_comments(a: Edit, b: Edit) -> Edit | None:
    """Two comment edits with the same fix, whose comments differ only in words (`# noqa:
    F821`, `# noqa: PLC0415`), become one regex with WORD there (`^# noqa: [A-Za-z0-9_]+$`);
    comments of another shape (`# noqa` and `# noqa: F821`) stay apart."""
    if a.selector != b.selector or a.fix != b.fix:
        return None
    left, right = _comment_tokens(a.pattern), _comment_tokens(b.pattern)
    if left is None or right is None or len(left) != len(right):
        return None
    merged: list[str] = []
    for x, y in zip(left, right, strict=True):
        if x == y:
            merged.append(WORD if x[0] == "any" else _regex_literal(x[1]))
        elif x[0] in ("word", "any") and y[0] in ("word", "any"):
            merged.append(WORD)
        else:
            return None
    edit = Edit(f"^{''.join(merged)}$", a.fix, {}, tuple(dict.fromkeys((*a.triggers,
                                                                          *b.triggers))),
                (*a.instances, *b.instances), a.example, COMMENT)
    return edit if _reproduced(edit) is not None else None


def _statement_deletion(old: _Parsed, lines: _LineChange, triggers: Sequence[str],
                        origin: str, path: str, line: int | None) -> Edit | None:
    """The pattern of an edit that deletes one simple statement, line and all, from a block
    that keeps others: `pass` -> `` (an empty fix), an import of one name `from $A import $B`
    -> `` (`import $A` -> ``; the finding points at the name); any other statement stays
    concrete. None when the edit is something else or the finding (on `line`) is elsewhere."""
    old_lines, change = lines.old, lines.change
    if change is None or change[0] != "delete":
        return None
    first, last = change[1] + 1, change[2]  # 1-based lines deleted
    statement = next((n for n in old.positions if isinstance(n, cst.SimpleStatementLine)
                      and old.span(n).start.line == first and old.span(n).end.line == last
                      and old.span(n).start.column == len(old_lines[first - 1])
                      - len(old_lines[first - 1].lstrip(" \t"))), None)
    if statement is None or len(statement.body) != 1:
        return None
    small = statement.body[0]
    target: cst.CSTNode = small
    if isinstance(small, cst.Import) and len(small.names) == 1 and small.names[0].asname is None:
        pattern, target = "import $A", small.names[0]
    elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar) and \
            len(small.names) == 1 and small.names[0].asname is None:
        pattern, target = "from $A import $B", small.names[0]  # `$A`: `.m` and `.` too
    else:
        pattern = _code(small).strip()
    span = old.span(target)
    if line is not None and not first <= line <= last:
        return None
    instance = Instance(old.text, lines.after, span, origin, path)
    removed = _dedent_block("".join(old_lines[first - 1:last]))
    return Edit(pattern, "", {}, tuple(triggers), (instance,), Example(removed, ""))


def _parentheses_only(root_before: cst.CSTNode, root_after: cst.CSTNode) -> bool:
    """True when the edit only removes parentheses (the code is the same, formatting aside,
    and some node has fewer pairs after than before)."""
    if shape(root_before) != shape(root_after):
        return False
    counts_before = [_own_parens(n) for n in _walk(root_before) if isinstance(n, cst.BaseExpression)]
    counts_after = [_own_parens(n) for n in _walk(root_after) if isinstance(n, cst.BaseExpression)]
    return len(counts_before) == len(counts_after) and any(
        b > a for b, a in zip(counts_before, counts_after, strict=True)) and all(
        b >= a for b, a in zip(counts_before, counts_after, strict=True))


def _import_removal(before: _Parsed, root_before: cst.CSTNode, root_after: cst.CSTNode,
                    triggers: Sequence[str], instance: Instance, line: int | None
                    ) -> Edit | None:
    """The pattern of an edit that removes one name from an import statement (see the module
    docstring), or None when the edit is something else, or the finding (on `line`, when
    known) points elsewhere than at the name removed."""
    if type(root_before) is not type(root_after) or \
            not isinstance(root_before, (cst.Import, cst.ImportFrom)):
        return None
    assert isinstance(root_after, (cst.Import, cst.ImportFrom))
    old, new = root_before.names, root_after.names
    if isinstance(old, cst.ImportStar) or isinstance(new, cst.ImportStar) or \
            len(old) != len(new) + 1:
        return None
    if isinstance(root_before, cst.ImportFrom):
        assert isinstance(root_after, cst.ImportFrom)
        if len(root_before.relative) != len(root_after.relative) or (
                root_before.module is None) != (root_after.module is None) or (
                root_before.module is not None and root_after.module is not None
                and shape(root_before.module) != shape(root_after.module)):
            return None
    index = next((i for i, (x, y) in enumerate(zip(old, new, strict=False))
                  if shape(x) != shape(y)), len(new))
    if [shape(x) for x in (*old[:index], *old[index + 1:])] != [shape(y) for y in new]:
        return None
    if isinstance(root_before, cst.Import):
        pattern, fix = "import $$$A, $B, $$$C", "import $$$A, $$$C"
    else:  # `$A` binds a relative module with its dots (`.m`, `..`), as in ast-grep
        pattern, fix = "from $A import $$$B, $C, $$$D", "from $A import $$$B, $$$D"
    removed = before.span(old[index])
    if line is not None and line != removed.start.line:
        return None  # the pattern would remove the name the finding points at: not this one
    found = replace(instance, span=removed)
    return Edit(pattern, fix, {}, tuple(triggers), (found,),
                _example(instance, root_before, root_after))


def _has_concrete(root: cst.CSTNode) -> bool:
    """True when the template has a name, attribute or literal besides its metavariables."""
    for node in _walk(root):
        if isinstance(node, cst.Name) and not node.value.startswith(PREFIX):
            return True
        if isinstance(node, LITERALS):
            return True
    return False


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _abstract(root_before: cst.CSTNode, root_after: cst.CSTNode, imports: set[str],
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
    pattern_code = _drop_renamed(_statement_code(pattern_node), merge.renamed)
    fix_code = _drop_renamed(_statement_code(fix_node), merge.renamed)
    if isinstance(pattern_node, cst.BaseExpression) and pattern_node.lpar:
        pattern_code = _code(pattern_node.with_changes(lpar=[], rpar=[]))
        pattern_code = _drop_renamed(pattern_code, merge.renamed)
    if isinstance(fix_node, cst.BaseExpression) and fix_node.lpar:
        fix_code = _drop_renamed(_code(fix_node.with_changes(lpar=[], rpar=[])), merge.renamed)
    pattern_text, fix_text, _ = _canonical(pattern_code, fix_code)
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
    example = _parameter_example(instance) if selector else \
        _example(instance, root_before, root_after)
    return Edit(pattern_text, fix_text, {}, tuple(triggers), (instance,), example, selector)


def _collections(root: cst.CSTNode) -> Iterator[Sequence[cst.BaseElement]]:
    """The elements of each tuple, list and set in a tree."""
    for node in _walk(root):
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


def _example(instance: Instance, root_before: cst.CSTNode, root_after: cst.CSTNode) -> Example:
    """The enclosing statement's lines, dedented: a small before/after that shows the edit."""
    before_lines = instance.before.splitlines(keepends=True)
    line = instance.span.start.line
    end = instance.span.end.line
    after_lines = instance.after.splitlines(keepends=True)
    extra = len(after_lines) - len(before_lines)
    chunk_before = "".join(before_lines[line - 1:end])
    chunk_after = "".join(after_lines[line - 1:end + extra])
    return Example(_dedent_block(chunk_before), _dedent_block(chunk_after))


def _parameter_example(instance: Instance) -> Example:
    """A parameter's edit shown as its function's signature with `...` for the body (the
    signature alone would not parse, and the body is not the point)."""
    def signature(text: str) -> str:
        function = next(n for n in _walk(cst.parse_module(text))
                        if isinstance(n, cst.FunctionDef))
        body = cst.IndentedBlock([cst.SimpleStatementLine([cst.Expr(cst.Ellipsis())])])
        short = function.with_changes(body=body, decorators=[], leading_lines=[])
        return _dedent_block(_code(short))
    return Example(signature(instance.before), signature(instance.after))


def _settle(edit: Edit, done: Sequence[Rewrite]) -> Edit | str:
    r"""A pattern must not apply to its own fix (running heal or ast-grep twice would wrap
    twice: `$A: $B = None` -> `$A: Optional[$B] = None` matches what it wrote). Where the fix
    matches the pattern again, each metavariable that would bind what the fix wrote around
    it gets a `not: regex` constraint of that shape (`B: not ^Optional\[.*\]$`); the
    reason when that does not make it a fixpoint. Patterns whose fix drops a metavariable
    the finding's span picks (imports, deletions) are left alone: the span decides. `done`
    holds each instance's rewrite, from `_reproduced`."""
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
    from heal.healers.base import ModuleContext

    try:
        template = compile_template(edit.pattern, edit.selector)
        context = ModuleContext("candidate.py", text)
        result = first_rewrite([(pattern, template)], context, candidate_nodes(context, span),
                               span, whole=False)  # the statement cut out of its file
    except (TemplateError, cst.ParserSyntaxError, RecursionError):
        return None
    return result[1] if isinstance(result, tuple) else None


def _dedent_block(text: str) -> str:
    lines = text.splitlines(keepends=True)
    widths = [len(x) - len(x.lstrip(" ")) for x in lines if x.strip()]
    cut = min(widths) if widths else 0
    out = "".join(x[cut:] if x.strip() else x.lstrip(" ") for x in lines)
    return out if out.endswith("\n") else out + "\n"


def apply_at(pattern_text: str, fix_text: str, constraints: Mapping[str, Constraint],
             text: str, span: Span, selector: str = "") -> str | None:
    """The text after applying a pattern at the node a span points at, or None."""
    edit = Edit(pattern_text, fix_text, constraints, (), (), Example("", ""), selector)
    done = _rewrite_at(edit, constraints, text, span)
    return None if done is None else done.text


def _reproduced(edit: Edit) -> list[Rewrite] | None:
    """Each instance's rewrite, when the edit reproduces every instance exactly; else None."""
    done = []
    for instance in edit.instances:
        rewrite = _rewrite_at(edit, edit.constraints, instance.before, instance.span)
        if rewrite is None or rewrite.text != instance.after:
            return None
        done.append(rewrite)
    return done


# --------------------------------------------------------------------------------------------
# anti-unification of two edits
# --------------------------------------------------------------------------------------------

class _AntiUnifier:
    def __init__(self) -> None:
        self.pairs: dict[tuple[object, object], str] = {}
        self.kinds: dict[str, str | None] = {}
        self.counter = itertools.count()
        self.frozen = False  # True while unifying the fixes: no new variables
        self.failed = False

    def var(self, left: object, right: object, kind: str | None, many: bool) -> str | None:
        key = (left, right)
        if key not in self.pairs:
            if self.frozen:
                return None
            self.pairs[key] = ("M" if many else "V") + str(next(self.counter))
            self.kinds[self.pairs[key]] = kind
        return self.pairs[key]

    def node(self, a: cst.CSTNode, b: cst.CSTNode, parent: cst.CSTNode | None,
             field_name: str) -> cst.CSTNode | None:
        ph_a, ph_b = placeholder(a), placeholder(b)
        if ph_a is None and ph_b is None and shape(a) == shape(b):
            return a
        if parent is not None and _name_position(parent, field_name):
            return None
        if isinstance(a, cst.Name) and isinstance(b, cst.Name) and ph_a and ph_b \
                and ph_a.startswith(ONE) and ph_b.startswith(ONE):
            if len(a.lpar) != len(b.lpar):
                return None  # `($A)` (wrapped in parentheses) and `$A` are different patterns
            name = self.var(ph_a, ph_b, None, False)
            return None if name is None else cst.Name(ONE + name, lpar=a.lpar, rpar=a.rpar)
        if isinstance(a, cst.BaseExpression) and isinstance(b, cst.BaseExpression) and (
                type(a) is not type(b) or isinstance(a, (*LITERALS, cst.Name))):
            if _is_constant(a) and _is_constant(b) and _literal_kind(a) is None:
                return None
            kind = _literal_kind(a) if _literal_kind(a) == _literal_kind(b) else None
            name = self.var(shape(a), shape(b), kind, False)
            return None if name is None else cst.Name(ONE + name)
        if type(a) is not type(b):
            return None
        changes: dict[str, Any] = {}
        import dataclasses

        for field_item in node_fields(type(a)):
            left, right = getattr(a, field_item), getattr(b, field_item)
            if isinstance(left, cst.CSTNode) and isinstance(right, cst.CSTNode):
                merged = self.node(left, right, a, field_item)
                if merged is None:
                    return None
                if merged is not left:
                    changes[field_item] = merged
            elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
                merged_seq = self.sequence(tuple(left), tuple(right), a, field_item)
                if merged_seq is None:
                    return None
                changes[field_item] = merged_seq
            elif left != right and not (isinstance(left, cst.MaybeSentinel)
                                        and isinstance(right, cst.MaybeSentinel)):
                if isinstance(left, cst.CSTNode) or isinstance(right, cst.CSTNode):
                    return None
                if field_item in {f.name for f in dataclasses.fields(a)}:
                    return None
        try:
            return a.with_changes(**changes) if changes else a
        except (cst.CSTValidationError, ValueError):  # e.g. a `$$$` after a keyword argument
            return None

    def sequence(self, left: tuple[Any, ...], right: tuple[Any, ...], parent: cst.CSTNode,
                 field_name: str) -> list[Any] | None:
        if len(left) == len(right) and not any(
                placeholder(x) and str(placeholder(x)).startswith(MANY) for x in (*left, *right)
                if isinstance(x, cst.CSTNode)):
            out = []
            for x, y in zip(left, right, strict=True):
                merged = self.node(x, y, parent, field_name)
                if merged is None:
                    return None
                out.append(merged)
            return out
        if not isinstance(parent, (cst.Call, cst.List, cst.Tuple, cst.Set, cst.IndentedBlock)):
            return None
        head = 0
        while head < min(len(left), len(right)) and shape(left[head]) == shape(right[head]) \
                and placeholder(left[head]) is None:
            head += 1
        tail = 0
        while tail < min(len(left), len(right)) - head and \
                shape(left[-1 - tail]) == shape(right[-1 - tail]) and \
                placeholder(left[-1 - tail]) is None:
            tail += 1
        middle_left = left[head:len(left) - tail]
        middle_right = right[head:len(right) - tail]
        name = self.var(("seq", tuple(shape(x) for x in middle_left)),
                        ("seq", tuple(shape(x) for x in middle_right)), None, True)
        if name is None:
            return None
        if isinstance(parent, cst.IndentedBlock):
            element: Any = cst.SimpleStatementLine([cst.Expr(cst.Name(MANY + name))])
        elif isinstance(parent, cst.Call):
            element = cst.Arg(cst.Name(MANY + name))
        else:
            element = cst.Element(cst.Name(MANY + name))
        return [*left[:head], element, *left[len(left) - tail:]]


def _literal_kind(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, cst.SimpleString):
        return "str"
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return _literal_kind(node.expression)
    return None


def anti_unify(a: Edit, b: Edit) -> Edit | None:
    """The least general pattern that covers both edits and reproduces all their instances."""
    if COMMENT in (a.selector, b.selector):
        return _anti_unify_comments(a, b)
    try:
        if a.selector != b.selector:
            return None
        before_a, before_b = compile_template(a.pattern, a.selector), compile_template(
            b.pattern, b.selector)
        after_a, after_b = compile_template(a.fix, a.selector), compile_template(b.fix, b.selector)
    except TemplateError:
        return None
    if before_a.kind != before_b.kind or after_a.kind != after_b.kind:
        return None
    unifier = _AntiUnifier()
    pattern_node = unifier.node(before_a.root, before_b.root, None, "")
    if pattern_node is None:
        return None
    unifier.frozen = True
    fix_node = unifier.node(after_a.root, after_b.root, None, "")
    if fix_node is None:
        return None
    constraints = {name: Constraint(regex=KIND_REGEX[kind])
                   for name, kind in unifier.kinds.items() if kind in KIND_REGEX}
    pattern_text, fix_text, renamed = _canonical(_statement_code(pattern_node),
                                                 _statement_code(fix_node), constraints)
    merged = Edit(pattern_text, fix_text, renamed,
                  tuple(dict.fromkeys((*a.triggers, *b.triggers))),
                  (*a.instances, *b.instances), a.example, a.selector)
    try:
        merged_template = compile_template(pattern_text, a.selector)
    except TemplateError:
        return None
    if merged_template.root_type == "*" or (not _has_concrete(merged_template.root)
                                            and not renamed):
        return None  # only operators and no constraint left: `$A == $B` is no fix pattern
    done = _reproduced(merged)
    if done is None:
        return None
    settled = _settle(merged, done)
    return settled if isinstance(settled, Edit) else None


# --------------------------------------------------------------------------------------------
# outcomes and verified fixes
# --------------------------------------------------------------------------------------------

def record_outcome(library: PatternLibrary, pattern_id: str, outcome: str) -> Pattern:
    """Count one outcome (applied, verified, rejected, approved, declined_by_review); a pattern
    failing `config.circuit_breaker` times in a row is retired, with the reason in history."""
    return library.record(pattern_id, outcome)


def learn_records(library: PatternLibrary, run_id: str, records: Iterable[RecordLike]
                  ) -> LearnReport:
    """Each record carries the text its fix was made on (`base`): one finding can be fixed,
    and recorded, in two rounds on two versions of its file, and a map by fix id once gave
    both records the later one (a UP045 fix of `path: Optional[str]` applied where `version:
    str = None` had grown by ` | None` taught `str | NoneNone`)."""
    from heal.patterns.library import LearnReport, pattern_id_of

    report = LearnReport()
    known = set(library.ids())
    for record in records:
        owner = pattern_id_of(record.fix.source)
        if owner is not None:
            if owner[0] not in known:
                continue
            pattern = library.get(owner[0])
            for outcome in _outcomes(record.verdict):
                pattern = library.record(owner[0], outcome)
                report.outcomes.append((owner[0], outcome))
            if pattern.status == "retired" and owner[0] not in report.retired and \
                    record.verdict is Verdict.REJECTED:
                report.retired.append(owner[0])
            continue
        if record.verdict is not Verdict.VERIFIED or not record.fix.source.startswith("fixer:"):
            continue
        if record.fix.also:  # a rename across files: a pattern matches one file's code
            report.skipped.append((record.fix.id, "the fix edits several files"))
            continue
        if record.base is None:
            report.skipped.append((record.fix.id, "no base text given"))
            continue
        learn_fix(library, run_id, record.fix, record.base, report)
    return report


def _outcomes(verdict: Verdict) -> tuple[str, ...]:
    from heal.patterns.library import VERDICT_OUTCOMES

    return VERDICT_OUTCOMES.get(verdict, ())


def learn_fix(library: PatternLibrary, run_id: str, fix: Fix, base: str,
              report: LearnReport) -> Pattern | None:
    """Generalise one verified fixer fix: reinforce a pattern that reproduces it, else write a
    new learned pattern (unless an equivalent one exists but is retired or disabled)."""
    try:
        after = apply_fixes(base, [fix])
    except ValueError:
        report.skipped.append((fix.id, "the fix's edits do not apply to the base text"))
        return None
    edit = generalise(base, after, (fix.rule,), origin=run_id, path=fix.path, line=fix.line)
    if isinstance(edit, str):
        report.skipped.append((fix.id, edit))
        return None
    instance = edit.instances[0]
    for pattern_id, _ in library.index().get(fix.rule, []):
        pattern = library.get(pattern_id)
        if apply_at(pattern.pattern, pattern.fix, pattern.constraints, instance.before,
                    instance.span, pattern.selector) == instance.after:
            report.reinforced.append(pattern_id)
            return library.record(pattern_id, "verified")
    for pattern in library.all():
        if fix.rule in pattern.triggers and template_key(
                pattern.pattern, pattern.fix, pattern.constraints, pattern.selector) == edit.key:
            report.skipped.append((fix.id, f"equivalent to pattern {pattern.id}, which is "
                                           f"{pattern.status}"))
            return None
    general = _generalise_with(library, run_id, fix, edit, report)
    if general is not None:
        return general
    pattern = edit.as_pattern(
        new_id(fix.rule, edit), fix.category, fix.safety,
        Provenance("learned", run=run_id, source=fix.source),
        message=f"learned from {fix.source}: {fix.description}",
        stats=Stats(applied=1, verified=1), why=f"generalised from a verified fix in run {run_id}")
    saved = library.save(pattern)
    report.created.append(saved.id)
    return saved


MAX_EXAMPLES = 5  # a generalised pattern keeps its first examples and the newest ones


def _generalise_with(library: PatternLibrary, run_id: str, fix: Fix, edit: Edit,
                     report: LearnReport) -> Pattern | None:
    """Getafix's step: anti-unify the new edit with a learned pattern of the same rule, so that
    `super(Parser, self)` -> `super()` and `super(Lexer, self)` -> `super()` become one pattern
    `super($A, self)` -> `super()` that serves the next class too. The pattern changes in place
    (new version, a history entry saying why) only when the merged template reproduces the new
    fix and every example the pattern already had; learned patterns it now covers are retired
    as subsumed. None when no pattern generalises."""
    for pattern_id, _ in library.index().get(fix.rule, []):
        pattern = library.get(pattern_id)
        if pattern.provenance.kind != "learned" or not pattern.active or not pattern.examples:
            continue
        known = Edit(pattern.pattern, pattern.fix, pattern.constraints, pattern.triggers, (),
                     pattern.examples[0], pattern.selector)
        merged = anti_unify(known, edit)
        if merged is None or merged.key == known.key:
            continue
        candidate = replace(pattern, pattern=merged.pattern, fix=merged.fix,
                            constraints=dict(merged.constraints))
        if not all(_shows(candidate, example) for example in pattern.examples):
            continue
        examples = (*pattern.examples, edit.example)
        if len(examples) > MAX_EXAMPLES:
            examples = (*examples[:MAX_EXAMPLES - 1], examples[-1])
        what = f"`{_one_line(pattern.pattern)}` became `{_one_line(merged.pattern)}`" \
            if merged.pattern != pattern.pattern else \
            f"constraints {_constraints(pattern.constraints)} became {_constraints(merged.constraints)}"
        updated = candidate.changed(
            "generalised",
            f"anti-unified with a verified fix in run {run_id} ({fix.path}:{fix.line}): {what}",
            examples=examples, stats=pattern.stats.record("verified"))
        saved = library.save(updated)
        report.generalised.append(saved.id)
        _retire_subsumed(library, saved, run_id, report)
        return saved
    return None


def _shows(pattern: Pattern, example: Example) -> bool:
    """The pattern turns the example's before into its after."""
    try:
        return apply_to_text(pattern, example.before, whole=False) == example.after
    except (TemplateError, cst.ParserSyntaxError, RecursionError):
        return False


def _retire_subsumed(library: PatternLibrary, general: Pattern, run_id: str,
                     report: LearnReport) -> None:
    """Learned patterns of the same rule whose every example the general one reproduces."""
    for rule in general.triggers:
        for pattern_id, _ in library.index().get(rule, []):
            other = library.get(pattern_id)
            if other.id == general.id or other.provenance.kind != "learned" or \
                    not other.active or not other.examples:
                continue
            if all(_shows(general, example) for example in other.examples):
                library.retire(other.id, f"subsumed by {general.id}, generalised in run {run_id}")
                report.retired.append(other.id)


def _constraints(constraints: Mapping[str, Constraint]) -> str:
    return "{" + ", ".join(f"{name}: {c.regex or ''}{' not ' + c.not_regex if c.not_regex else ''}"
                           for name, c in sorted(constraints.items())) + "}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def new_id(rule: str, edit: Edit) -> str:
    digest = hashlib.sha256(f"{edit.pattern}\0{edit.fix}".encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "-", rule.lower()).strip("-")
    return f"{slug}-{digest}"


# --------------------------------------------------------------------------------------------
# mining git history
# --------------------------------------------------------------------------------------------

@dataclass
class MinedFix:
    """A finding that disappeared inside a small hunk of one commit."""

    commit: str
    path: str
    rule: str
    before: str  # the whole file before
    after: str  # the file with only this hunk applied
    edit: Edit | None
    reason: str = ""
    span: Span | None = None  # the finding's span in `before`


@dataclass
class MineResult:
    commits: int = 0
    files: int = 0
    fixes: list[MinedFix] = field(default_factory=list)
    patterns: list[Edit] = field(default_factory=list)  # seen in >= min_commits commits
    candidates: list[Edit] = field(default_factory=list)  # the rest
    skipped: list[tuple[str, str]] = field(default_factory=list)


DEFAULT_MINE_RULES = ("E7", "E9", "F", "W6", "UP", "B", "SIM", "C4", "PIE", "PERF", "RUF")


def _ruff_config(root: Path, rules: Sequence[str] | None) -> str:
    """pyproject.toml for the temp copies: the selected ruff codes, or the project's own, and
    the project's line length and target Python."""
    ruff = pyproject(root).get("tool", {}).get("ruff", {})
    lint = ruff.get("lint", ruff)
    if rules:
        codes = [r.split(":", 1)[1] for r in rules if r.startswith("ruff:")]
    else:
        codes = [*lint.get("select", []), *lint.get("extend-select", [])]
        codes = [c for c in codes if isinstance(c, str)] or list(DEFAULT_MINE_RULES)
    quoted = ", ".join(f'"{c}"' for c in codes or ["E711"])
    length = ruff.get("line-length")
    line_length = f"line-length = {length}\n" if isinstance(length, int) and not isinstance(
        length, bool) and 1 <= length <= 320 else ""
    major, minor = project_target(root)
    return (f'[tool.ruff]\ntarget-version = "py{major}{minor}"\n{line_length}\n'
            f'[tool.ruff.lint]\nselect = [{quoted}]\n')


def _hunks(before: str, after: str) -> list[tuple[int, int, int, int]]:
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    hunks: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if hunks and i1 - hunks[-1][1] <= 2:  # one edit split by unchanged lines: `((` ... `))`
            hunks[-1] = (hunks[-1][0], i2, hunks[-1][2], j2)
        else:
            hunks.append((i1, i2, j1, j2))
    return hunks


def _apply_hunk(before: str, after: str, hunk: tuple[int, int, int, int]) -> str:
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    i1, i2, j1, j2 = hunk
    return "".join([*old[:i1], *new[j1:j2], *old[i2:]])


def mine_git(repo_root: Path, since: str | None = None, max_commits: int = 200,
             revision: str = "HEAD", rules: Sequence[str] | None = None,
             analyzers: Sequence[str] = ("ruff", "native"), min_commits: int = 2,
             commits: Sequence[str] | None = None, grouped: bool = True) -> MineResult:
    """Walk `since..revision` (newest first, at most `max_commits`, or exactly `commits`), find
    the findings each commit removed inside a small hunk, generalise those edits, and group
    them: edits seen in at least `min_commits` commits are `patterns`, the rest `candidates`.
    `rules` (namespaced selectors such as ruff:E711 or heal:LOG109) narrows the analyzers;
    `grouped=False` only collects the fixes (`result.fixes`), without grouping them."""
    from heal.pipeline import analyze, merge
    from heal.sandbox import git as gitops

    repo = gitops.open_repo(repo_root)
    root = gitops.root_of(repo)
    shas = list(commits) if commits is not None else gitops.commits_between(
        repo, revision, since, max_commits)
    result = MineResult()
    base_config = load_config(root)
    config = Config(analyzers=tuple(analyzers),
                    select=tuple(rules or ()), max_file_size=base_config.max_file_size,
                    exclude=())
    work = Path(tempfile.mkdtemp(prefix="heal-mine-"))
    try:
        (work / "pyproject.toml").write_text(_ruff_config(root, rules), encoding="utf-8")
        (work / ".heal").mkdir()
        pairs: list[tuple[str, str, str, str, str]] = []  # sha, path, before rel, after rel
        for index, sha in enumerate(shas):
            changes = gitops.changed_python_files(repo, sha)
            if not changes:
                continue
            result.commits += 1
            for path in changes:
                old = gitops.file_at_parent(repo, sha, path)
                new = gitops.file_at(repo, sha, path)
                if old is None or new is None or old == new:
                    continue
                rel_old = f"c{index}/a/{path}"
                rel_new = f"c{index}/b/{path}"
                for rel, data in ((rel_old, old), (rel_new, new)):
                    target = work / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                pairs.append((sha, path, rel_old, rel_new, ""))
                result.files += 1
        if not pairs:
            return result
        from heal.discover import discover

        paths = [p for pair in pairs for p in (pair[2], pair[3])]
        found = discover(work, paths, config)
        analyzed, _ = analyze(work, found.files, config, work / ".heal", _python())
        findings = merge(analyzed, found, config)
        by_file: dict[str, list[Any]] = defaultdict(list)
        for finding in findings:
            by_file[finding.path].append(finding)
        texts = {f.path: f.text for f in found.files}
        for sha, path, rel_old, rel_new, _ in pairs:
            if rel_old not in texts or rel_new not in texts:
                result.skipped.append((f"{sha[:10]}:{path}", "does not parse or is not Python"))
                continue
            _mine_file(result, sha, path, texts[rel_old], texts[rel_new], by_file[rel_old],
                       by_file[rel_new])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if grouped:
        group(result, min_commits)
    return result


def _python() -> str:
    import sys

    return sys.executable


def _mine_file(result: MineResult, sha: str, path: str, before: str, after: str,
               old_findings: Sequence[Any], new_findings: Sequence[Any]) -> None:
    for hunk in _hunks(before, after):
        i1, i2, j1, j2 = hunk
        if i2 - i1 > MAX_HUNK_LINES or j2 - j1 > MAX_HUNK_LINES or i1 == i2:
            continue
        gone: dict[str, int] = defaultdict(int)
        spans: dict[str, Span] = {}
        for finding in old_findings:
            if i1 < finding.span.start.line <= i2:
                gone[finding.rule] += 1
                spans.setdefault(finding.rule, finding.span)
        for finding in new_findings:
            if j1 < finding.span.start.line <= j2 and finding.rule in gone:
                gone[finding.rule] -= 1
        rules = sorted(rule for rule, count in gone.items() if count > 0 and not _layout(rule))
        if not rules:
            continue
        partial = _apply_hunk(before, after, hunk)
        edit = generalise(before, partial, tuple(rules), origin=sha, path=path,
                          line=spans[rules[0]].start.line if len(rules) == 1 else None)
        for rule in rules:
            if isinstance(edit, str):
                result.fixes.append(MinedFix(sha, path, rule, before, partial, None, edit,
                                             spans[rule]))
            else:
                result.fixes.append(MinedFix(sha, path, rule, before, partial,
                                             replace(edit, triggers=(rule,)), span=spans[rule]))


# whitespace, indentation and line length: an edit that makes one go away is a reformatting
# (or a rewrite that happened to shorten a line), never the fix a pattern of that rule could be
LAYOUT_RULES = re.compile(r"^ruff:(E1\d\d|E2\d\d|E3\d\d|E501|W1\d\d|W2\d\d|W3\d\d|W5\d\d)$")


def _layout(rule: str) -> bool:
    return LAYOUT_RULES.match(rule) is not None


def group(result: MineResult, min_commits: int = 2, max_per_rule: int = 60) -> None:
    """Group mined edits by pattern, merge groups by anti-unification, split by support."""
    groups: dict[tuple[str, object], Edit] = {}
    for fix in result.fixes:
        if fix.edit is None:
            continue
        key = (fix.rule, fix.edit.key)
        held = groups.get(key)
        if held is None:
            groups[key] = fix.edit
        elif fix.edit.instances[0] not in held.instances:
            groups[key] = replace(held, instances=(*held.instances, *fix.edit.instances))
    by_rule: dict[str, list[Edit]] = defaultdict(list)
    for (rule, _), edit in groups.items():
        by_rule[rule].append(edit)
    for edits in by_rule.values():
        edits.sort(key=lambda e: -len(e.origins))
        merged = _merge_all(edits[:max_per_rule]) + edits[max_per_rule:]
        for edit in merged:
            if len(edit.origins) >= min_commits:
                result.patterns.append(edit)
            else:
                result.candidates.append(edit)
    result.patterns.sort(key=lambda e: (-len(e.origins), e.triggers, e.pattern))
    result.candidates.sort(key=lambda e: (e.triggers, e.pattern))


def _merge_all(edits: list[Edit]) -> list[Edit]:
    """Greedy pairwise anti-unification: merge two groups when the merge reproduces both."""
    pending = list(edits)
    changed = True
    while changed:
        changed = False
        for i, j in itertools.combinations(range(len(pending)), 2):
            merged = anti_unify(pending[i], pending[j])
            if merged is None:
                continue
            pending = [e for k, e in enumerate(pending) if k not in (i, j)] + [merged]
            changed = True
            break
    return pending


def save_mined(library: PatternLibrary, result: MineResult) -> list[Pattern]:
    """Write mined patterns (provenance `mined` with their commits) that are new; a mined edit
    that an existing pattern already makes adds its commits to that pattern's evidence."""
    saved: list[Pattern] = []
    for edit in result.patterns:
        rule = edit.triggers[0]
        existing = next((p for p in library.all() if rule in p.triggers and template_key(
            p.pattern, p.fix, p.constraints, p.selector) == edit.key), None)
        if existing is not None:
            continue
        pattern = edit.as_pattern(
            new_id(rule, edit), _category_of(rule), Safety.REVIEW,
            Provenance("mined", commits=tuple(edit.origins)),
            message=f"mined from {len(edit.origins)} commits that fixed {rule}",
            why=f"seen in {len(edit.origins)} commits of this repository's history")
        saved.append(library.save(pattern))
    return saved


def _category_of(rule: str) -> Category:
    try:
        from heal import rulebook as rule_table

        return rule_table.lookup(rule).category
    except Exception:
        return Category.STYLE

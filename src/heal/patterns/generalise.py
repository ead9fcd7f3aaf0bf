"""Generalising one edit into a pattern, Getafix-style: `generalise(before, after, triggers)`.

  1.-2. the edit's root: the smallest expression or statement that holds the change and has a
        counterpart on both sides (region.py);
  3.    its abstraction: what the fix keeps unchanged becomes metavariables (abstract.py);
  4.-5. the checks: the pattern reproduces the edit exactly and does not apply to its own fix
        (edit.py); else nothing is learned, and the reason says why.

Four kinds of edit get a pattern of their own, because what they change is not code the
abstraction above can keep concrete:
  - one comment deleted or turned into another (ruff's RUF100 fix of an unused `# noqa`): an
    ast-grep `{kind: comment, regex: ...}` rule (comments.py);
  - one simple statement deleted, line and all, from a block that keeps others (a `pass`, an
    unused import of one name): the pattern is the statement (`pass`; `import $A`,
    `from $A import $B`; any other statement as it is) and the fix is empty, which rewrite.py
    reads as "delete the matched statement" (as ast-grep does); the finding must be inside it;
  - one name removed from an import statement (the unused-import fix): `from $A import $$$B, $C,
    $$$D` -> `from $A import $$$B, $$$D` (`import $$$A, $B, $$$C` -> `import $$$A, $$$C`): the
    module and the names are whatever the finding's statement says, the name removed is the one
    the finding points at (rewrite.py: a metavariable the fix drops), and the statement keeps
    its own layout. The instance's span is the removed name's, as a finding's would be;
  - only parentheses removed (`print(("a %s" % b))` -> `print("a %s" % b)`): nothing but the
    parentheses is the point of the edit, so everything else is abstracted, callee and
    literals included, and the parentheses stay on the metavariable (`$A(($B))` -> `$A($B)`),
    where unify.py reads them as "wrapped in parentheses".
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from heal.patterns.abstract import abstract_edit, has_concrete
from heal.patterns.comments import comment_edit
from heal.patterns.edit import Edit, Instance, dedent_block, example_of, reproduced, settle
from heal.patterns.model import Example
from heal.patterns.region import (
    LineChange,
    Parsed,
    across_statements,
    between_statements,
    edit_roots,
    narrow,
)
from heal.patterns.template import TemplateError, code_of, compile_template, in_strings, walk
from heal.patterns.unify import parens_of, shape


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


@functools.lru_cache(maxsize=16)  # a round's fixes in one file share its text
def _imports_of(text: str) -> frozenset[str]:
    """Names bound by import statements anywhere in the file (module names stay concrete)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names if a.name != "*")
    return frozenset(names)


NO_ROOT = "no expression or statement holds the change on both sides"


def _no_root(before: str, after: str, lines: LineChange) -> bool:
    """True when no step below can find anything: the change reaches into two top-level
    statements (`across_statements`) and is neither one comment changed (`comment_edit`) nor
    lines deleted (`_statement_deletion`); or it deletes blank lines only (no comment, no
    statement), outside every top-level statement's code (`between_statements`). Either way no
    node but the module holds it, so `edit_roots` finds none."""
    change = lines.change
    if change is not None and change[0] == "delete":
        blank = all(not line.strip() for line in lines.old[change[1]:change[2]])
        return blank and between_statements(before, after)
    if change is not None and change[2] - change[1] == 1 and change[4] - change[3] <= 1:
        return False  # a comment edit may take it
    return across_statements(before, after)


def generalise(before: str, after: str, triggers: Sequence[str], origin: str = "",
               path: str = "", line: int | None = None) -> Edit | str:
    """The pattern of one edit (see the module docstring), or why there is none. The edit's
    instance keeps only the statement that holds the change (see `narrow`). `line`, the
    finding's in `before` when known, must be the line of a name an import edit removes."""
    imports = set(_imports_of(before))
    cut = narrow(before, after)
    before, after = cut.before, cut.after
    lines = LineChange.of(before, after)
    if _no_root(before, after, lines):
        return NO_ROOT  # what the steps below find, without parsing the file (an import block
        # sorted, a compiled regex hoisted to the top of the module: most of such a run)
    try:
        old, new = Parsed.of(before, keep=False), Parsed.of(after, keep=False)
    except (cst.ParserSyntaxError, RecursionError):
        return "the code does not parse"
    where = None if line is None else line - cut.lines
    edit: Edit | str | None = comment_edit(old, lines, triggers, origin, path, where) or \
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
    done = reproduced(edit)
    if done is None:
        return "the generalised pattern does not reproduce the edit"
    return settle(edit, done)


def _rewritten(old: Parsed, new: Parsed, imports: set[str], triggers: Sequence[str],
               origin: str, path: str, line: int | None) -> Edit | str:
    """The pattern of an edit that rewrites one expression or statement (steps 2 and 3)."""
    roots = edit_roots(old, new)
    if roots is None:
        return NO_ROOT
    root_before, root_after = roots
    imports = imports | _imported_names(old.module)
    edit: Edit | str = "no pattern"
    instance = Instance(old.text, new.text, old.span(root_before), origin, path)
    removal = _import_removal(old, root_before, root_after, triggers, instance, line)
    free = _parentheses_only(root_before, root_after)
    for keep in ((), (cst.Call, cst.Attribute, cst.Subscript)):
        edit = removal or abstract_edit(root_before, root_after, imports, keep, triggers, instance,
                                    free)
        if isinstance(edit, str):
            return edit
        if keep or removal or free or has_concrete(
                compile_template(edit.pattern, edit.selector).root):
            break
    return edit


def _statement_deletion(old: Parsed, lines: LineChange, triggers: Sequence[str],
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
        pattern = code_of(small).strip()
    span = old.span(target)
    if line is not None and not first <= line <= last:
        return None
    instance = Instance(old.text, lines.after, span, origin, path)
    removed = dedent_block("".join(old_lines[first - 1:last]))
    return Edit(pattern, "", {}, tuple(triggers), (instance,), Example(removed, ""))


def _parentheses_only(root_before: cst.CSTNode, root_after: cst.CSTNode) -> bool:
    """True when the edit only removes parentheses (the code is the same, formatting aside,
    and some node has fewer pairs after than before)."""
    if shape(root_before) != shape(root_after):
        return False
    counts_before = [parens_of(n) for n in walk(root_before) if isinstance(n, cst.BaseExpression)]
    counts_after = [parens_of(n) for n in walk(root_after) if isinstance(n, cst.BaseExpression)]
    return len(counts_before) == len(counts_after) and any(
        b > a for b, a in zip(counts_before, counts_after, strict=True)) and all(
        b >= a for b, a in zip(counts_before, counts_after, strict=True))


def _import_removal(before: Parsed, root_before: cst.CSTNode, root_after: cst.CSTNode,
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
                example_of(instance, root_before, root_after))

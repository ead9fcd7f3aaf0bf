"""What the fixers of heal's rules ask of a module and how they rewrite it: names and comments
in a tree, the block a statement sits in, fresh names, the variables a region binds or reads,
and rewriting several nodes at once.

Not a fixer. Everything works on the nodes of one `ModuleContext` (parsed once, metadata
resolved on the same nodes, so identities line up). The fixer of ruff's PERF401
(`heal.healers.performance.list_comprehension`) uses it too.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar, cast

import libcst as cst

from heal.cst import children
from heal.fixer import ModuleContext
from heal.rules.base import COMPREHENSIONS, SCOPES
from heal.rules.scope import target_names, walk

_Node = TypeVar("_Node", bound=cst.CSTNode)
Replacement = cst.CSTNode | cst.FlattenSentinel[cst.CSTNode] | cst.RemovalSentinel


def names_in(*nodes: cst.CSTNode) -> set[str]:
    """Every `Name` spelled in the nodes, attribute parts and keywords included (what a new
    name must not collide with)."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, cst.Name):
            found.add(node.value)
        for child in walk(node):
            if isinstance(child, cst.Name):
                found.add(child.value)
    return found


def comments_in(node: cst.CSTNode) -> list[str]:
    """The comments inside a node, in source order."""
    found = [node.value] if isinstance(node, cst.Comment) else []
    return found + [child.value for child in walk(node) if isinstance(child, cst.Comment)]


def enclosing_scope(context: ModuleContext, node: cst.CSTNode) -> cst.CSTNode:
    """The function, lambda or class around `node`, else the module."""
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, SCOPES):
            return ancestor
    return context.module


def block_of(context: ModuleContext, statement: cst.BaseStatement
             ) -> tuple[cst.IndentedBlock | cst.Module, int] | None:
    """The block (indented block or module) whose body lists `statement`, and its index."""
    parent = context.parent(statement)
    if isinstance(parent, (cst.IndentedBlock, cst.Module)):
        for index, child in enumerate(parent.body):
            if child is statement:
                return parent, index
    return None


def single_small(statement: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    """The only small statement of a one-statement line (`x = 1`), else None."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return statement.body[0]
    return None


def fresh_name(candidates: Iterable[str], taken: set[str]) -> str:
    """The first candidate that is a valid, unused identifier, else the last one numbered."""
    last = "value"
    for candidate in candidates:
        if candidate.isidentifier() and not keyword.iskeyword(candidate):
            last = candidate
            if candidate not in taken:
                return candidate
    number = 2
    while f"{last}_{number}" in taken:
        number += 1
    return f"{last}_{number}"


def singular(word: str) -> str | None:
    """`names` -> `name`, `entries` -> `entry`, `boxes` -> `box`; None when not plural."""
    lower = word.lower()
    if len(word) > 4 and lower.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and lower.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 2 and lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return None


def is_label(context: ModuleContext, name: cst.Name) -> bool:
    """True for names that are not variables (`obj.<name>`, `f(<name>=...)`, import parts)."""
    parent = context.parent(name)
    if isinstance(parent, cst.Attribute):
        return parent.attr is name
    if isinstance(parent, cst.Arg):
        return parent.keyword is name
    return isinstance(parent, cst.ImportFrom)


def uses_of(context: ModuleContext, region: cst.CSTNode, name: str) -> list[cst.Name]:
    """`Name` nodes spelling the variable `name` in `region` (attribute parts and keyword
    labels excluded)."""
    found = [region] if isinstance(region, cst.Name) and region.value == name else []
    found += [node for node in walk(region)
              if isinstance(node, cst.Name) and node.value == name]
    return [node for node in found if isinstance(node, cst.Name) and not is_label(context, node)]


def variables_in(context: ModuleContext, node: cst.CSTNode) -> set[str]:
    """The variables an expression reads or writes (no attribute parts, no keyword labels)."""
    return {child.value for child in [node, *walk(node)]
            if isinstance(child, cst.Name) and not is_label(context, child)}


def declared_global(scope: cst.CSTNode, name: str) -> bool:
    """A `global name` / `nonlocal name` statement directly in the scope."""
    for node in walk(scope, into_scopes=False):
        if isinstance(node, (cst.Global, cst.Nonlocal)) and any(
                item.name.value == name for item in node.names):
            return True
    return False


def parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` wrapped in parentheses (unless it already has some)."""
    if node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


class Rewriter(cst.CSTTransformer):
    """Replace nodes by identity (`replace`) or rebuild them from their updated form (`edit`,
    which sees the replacements made inside them). With `within`, the nodes the changed ones
    lie in, nothing else is visited: the module is rebuilt along those paths only, the rest
    kept as it is (a whole-module rebuild costs half a second on a 3,000-line file)."""

    def __init__(self, replace: Mapping[cst.CSTNode, Replacement] | None = None,
                 edit: Mapping[cst.CSTNode, Callable[[cst.CSTNode], Replacement]] | None = None,
                 within: set[cst.CSTNode] | None = None) -> None:
        super().__init__()
        self.replacements = dict(replace or {})
        self.edits = dict(edit or {})
        self.within = within

    def on_visit(self, node: cst.CSTNode) -> bool:
        return self.within is None or node in self.within

    def on_leave(self, original_node: _Node, updated_node: _Node
                 ) -> _Node | cst.RemovalSentinel | cst.FlattenSentinel[_Node]:
        if original_node in self.replacements:
            return cast("_Node", self.replacements[original_node])
        if original_node in self.edits:
            return cast("_Node", self.edits[original_node](updated_node))
        return updated_node


def rewrite(context: ModuleContext,
            replace: Mapping[cst.CSTNode, Replacement] | None = None,
            edit: Mapping[cst.CSTNode, Callable[[cst.CSTNode], Replacement]] | None = None
            ) -> str:
    """The module's text with several nodes replaced or rebuilt at once (only the nodes that
    hold them are rebuilt)."""
    within: set[cst.CSTNode] = set()
    for node in [*(replace or {}), *(edit or {})]:
        current: cst.CSTNode | None = node
        while current is not None and current not in within:
            within.add(current)
            current = context.parent(current)
    return context.module.visit(Rewriter(replace, edit, within)).code


def drop_trailing_semicolon(body: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    """A line's small statements with the last one's `;` removed."""
    if body and isinstance(body[-1].semicolon, cst.Semicolon):
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return body


def leading_lines(statement: cst.BaseStatement) -> list[cst.EmptyLine]:
    """The blank and comment lines above a statement."""
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return list(statement.leading_lines)
    return []


def comment_lines(lines: Iterable[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """Only the lines that carry a comment."""
    return [line for line in lines if line.comment is not None]


def bindings(region: cst.CSTNode, skip: Iterable[cst.CSTNode] = ()) -> set[str]:
    """Names a region binds in its own scope (not in nested functions, classes, lambdas or
    comprehensions), leaving out the subtrees in `skip`: assignments, loop and `with` targets,
    imports, `def` / `class` names, `except ... as`, walrus, `del`."""
    found: set[str] = set()
    skipped = {id(node) for node in skip}
    stack: list[tuple[cst.CSTNode, bool]] = [(region, False)]
    while stack:
        node, in_comprehension = stack.pop()
        if id(node) in skipped:
            continue
        if isinstance(node, cst.NamedExpr):
            found |= target_names(node.target)
        elif in_comprehension:
            pass
        elif isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For,
                               cst.Del)):
            found |= target_names(node.target)
        elif isinstance(node, cst.AsName):
            found |= target_names(node.name)
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            root: cst.BaseExpression = node.name
            while isinstance(root, cst.Attribute):
                root = root.value
            found |= target_names(root)
        if isinstance(node, SCOPES) and node is not region:
            if not isinstance(node, cst.Lambda) and not in_comprehension:
                found.add(node.name.value)
            continue
        inner = in_comprehension or isinstance(node, COMPREHENSIONS)
        stack.extend((child, inner) for child in children(node))
    return found

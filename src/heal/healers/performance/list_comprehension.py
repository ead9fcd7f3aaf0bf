"""PRF401: a list built by `append` in a `for` loop becomes a list comprehension."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.model import Category, Declined, Finding, Fix, Safety
from heal.rules.rewrite import (
    block_of,
    comments_in,
    enclosing_scope,
    names_in,
    parenthesized,
    rewrite,
    single_small,
    uses_of,
)
from heal.rules.scope import walk

# expressions that need parentheses as a comprehension's iterable or condition
_LOOSE = (cst.IfExp, cst.Lambda, cst.NamedExpr, cst.Yield)


def _append_of(statement: cst.CSTNode) -> tuple[str, cst.BaseExpression] | None:
    """(list name, appended value) for a statement that is only `name.append(value)`."""
    smalls: tuple[cst.BaseSmallStatement, ...] = ()
    if isinstance(statement, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        smalls = tuple(statement.body)
    elif isinstance(statement, cst.IndentedBlock) and len(statement.body) == 1:
        return _append_of(statement.body[0])
    if len(smalls) != 1 or not isinstance(smalls[0], cst.Expr):
        return None
    call = smalls[0].value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
            and isinstance(call.func.value, cst.Name) and call.func.attr.value == "append"
            and len(call.args) == 1 and call.args[0].keyword is None
            and not call.args[0].star):
        return None
    return call.func.value.value, call.args[0].value


def _body(loop: cst.For) -> tuple[cst.BaseExpression | None, str, cst.BaseExpression] | None:
    """(condition or None, list name, value) for `for ...: [if cond:] name.append(value)`."""
    body = loop.body
    statements: list[cst.CSTNode] = (list(body.body) if isinstance(body, cst.IndentedBlock)
                                     else [body])
    if len(statements) != 1:
        return None
    only = statements[0]
    if isinstance(only, cst.If):
        if only.orelse is not None:
            return None
        found = _append_of(only.body)
        return None if found is None else (only.test, *found)
    found = _append_of(only)
    return None if found is None else (None, *found)


def _bound(target: cst.BaseExpression) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _bound(element.value)]
    if isinstance(target, cst.StarredElement):
        return _bound(target.value)
    return []


def _clean(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` parenthesized when a comprehension's `in` / `if` would not take it bare."""
    if isinstance(node, _LOOSE) or (isinstance(node, cst.Tuple) and not node.lpar):
        return parenthesized(node)
    return node


class ListComprehension(Fixer):
    """Build a list with a comprehension instead of `append` in a loop.

    ## What it does
    Heals ruff's PERF401 (manual list comprehension). When ruff offers its own edits for the
    finding, they are used. Otherwise heal rewrites the simple shape itself: `result = []`
    immediately followed by `for x in xs: result.append(expr)`, optionally with a single
    `if cond:` around the `append`, becomes `result = [expr for x in xs if cond]`. Comments from
    the loop move to their own lines above the new assignment. Declined for any other shape
    (an `else:`, more statements, a list that is not created empty right before the loop), at
    module level (the set-up and the loop are separate statements there), in a class body,
    and when the loop variable is read outside the loop (a comprehension does not leak it).

    ## Why is this bad?
    Each `result.append(...)` is an attribute lookup and a method call per item; a
    comprehension builds the list in one specialised loop, and says in one line what the list
    holds.

    ## Example
    ```python
    def names(items):
        result = []
        for item in items:
            if item.visible:
                result.append(item.name)
        return result
    ```
    becomes
    ```python
    def names(items):
        result = [item.name for item in items if item.visible]
        return result
    ```

    ## Fix safety
    Unsafe: the comprehension runs in its own scope, so the loop variable no longer exists
    afterwards (checked in the function, but not through `locals()` or a debugger), and if the
    loop raises half-way `result` is no longer left holding the items built so far.
    """

    CODE = "PRF401"
    NAME = "manual-list-comprehension"
    CATEGORY = Category.PERFORMANCE
    RULES = ("ruff:PERF401",)
    SAFETY = Safety.UNSAFE
    VALID = [
        Valid("""
            def names(items):
                return [item.name for item in items]
        """),
    ]
    INVALID = [
        Invalid("""
            def names(items):
                result = []  # visible ones
                for item in items:
                    # only shown items
                    if item.visible:
                        result.append(item.name)
                return result
        """, expected="""
            def names(items):
                # only shown items
                result = [item.name for item in items if item.visible]  # visible ones
                return result
        """),
        Invalid("""
            def pairs(a, b):
                out: list[str] = []
                for key in a, b:
                    out.append(key if key else "-")
                return out
        """, expected="""
            def pairs(a, b):
                out: list[str] = [key if key else "-" for key in (a, b)]
                return out
        """),
        Invalid("""
            def scaled(items, factor):
                result = []
                factor = factor or 1
                for item in items:
                    result.append(item * factor)
                return result
        """),
        Invalid("""
            def doubled(items):
                result = [0]
                for item in items:
                    if item:
                        result.append(item * 2)
                return result
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        loops = [node for node in context.nodes_covering(finding.span, (cst.For,))
                 if isinstance(node, cst.For)]
        if not loops:
            return self.decline(finding, "no `for` loop around the reported `append`")
        loop = loops[0]
        where = block_of(context, loop)
        if where is None or isinstance(where[0], cst.Module):
            return self.decline(finding, "at module level the list's set-up and the loop are "
                                         "separate statements; rewrite it by hand")
        tool_fix = finding.tool_fix
        if tool_fix is not None and tool_fix.applicability != "display-only":
            return self.make_fix(finding, tool_fix.edits, tool_fix.message or finding.message)
        block, index = where
        scope = enclosing_scope(context, loop)
        if isinstance(scope, cst.ClassDef):
            return self.decline(finding, "a comprehension in a class body cannot see the "
                                         "class's names")
        if loop.asynchronous is not None or loop.orelse is not None:
            return self.decline(finding, "the loop is `async` or has an `else:`")
        shape = _body(loop)
        if shape is None:
            return self.decline(finding, "the loop does more than `[if cond:] list.append(x)`")
        condition, name, value = shape
        previous = single_small(block.body[index - 1]) if index > 0 else None
        if not (isinstance(previous, (cst.Assign, cst.AnnAssign))
                and isinstance(previous.value, cst.List) and not previous.value.elements
                and (isinstance(previous, cst.AnnAssign) or len(previous.targets) == 1)
                and names_in(previous.target if isinstance(previous, cst.AnnAssign)
                             else previous.targets[0].target) == {name}):
            return self.decline(finding, f"`{name}` is not created as an empty list right "
                                         "before the loop")
        parts: list[cst.CSTNode] = [loop.target, loop.iter, value]
        if condition is not None:
            parts.append(condition)
        if any(uses_of(context, part, name) for part in parts):
            return self.decline(finding, f"the loop reads `{name}` while building it")
        if any(isinstance(node, (cst.Yield, cst.NamedExpr)) for part in parts
               for node in [part, *walk(part)]):
            return self.decline(finding, "a `yield` or `:=` cannot move into a comprehension")
        inside = {id(node) for node in walk(loop)}
        for bound in _bound(loop.target):
            if any(id(use) not in inside for use in uses_of(context, scope, bound.value)):
                return self.decline(finding, f"`{bound.value}` is used outside the loop, and a "
                                             "comprehension does not leak it")
        comprehension = cst.ListComp(
            elt=parenthesized(value) if isinstance(value, cst.NamedExpr) else value,
            for_in=cst.CompFor(
                target=loop.target, iter=_clean(loop.iter),
                ifs=[cst.CompIf(_clean(condition))] if condition is not None else []))
        line = block.body[index - 1]
        assert isinstance(line, cst.SimpleStatementLine)
        moved = [cst.EmptyLine(comment=cst.Comment(text)) for text in comments_in(loop)]
        new_line = line.with_changes(leading_lines=[*line.leading_lines, *moved],
                                     body=[previous.with_changes(value=comprehension)])
        text = rewrite(context, {line: new_line, loop: cst.RemovalSentinel.REMOVE})
        return self.fix_from_text(finding, context, text,
                                  f"build {name} with a list comprehension")

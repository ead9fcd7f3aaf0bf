"""LGC101: statements after `return` / `raise` / `break` / `continue` are removed (review)."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.performance._common import (
    SCOPES,
    bindings,
    block_of,
    comment_lines,
    comments_in,
    drop_trailing_semicolon,
    enclosing_scope,
    leading_lines,
    rewrite,
    uses_of,
    walk,
)
from heal.model import Category, Declined, Finding, Fix, Safety

TERMINATORS = (cst.Return, cst.Raise, cst.Break, cst.Continue)


def _yields(nodes: list[cst.CSTNode]) -> bool:
    """A `yield` / `yield from` in the nodes' own scope (not in nested functions)."""
    return any(isinstance(node, cst.Yield) for root in nodes
               for node in [root, *walk(root, into_scopes=False)]
               if not isinstance(node, SCOPES))


class Unreachable(Fixer):
    """Remove code that can never run.

    ## What it does
    Where the native detector LOG101 found a statement after a `return`, `raise`, `break` or
    `continue` in the same block, removes it and every later statement of that block (for
    `raise E; cleanup()` on one line, the rest of the line and of the block). The removed code's own
    comments go with it, but comments on their own lines between the removed statements are
    kept, at the end of the block: a reviewer reads them before deciding. Declined when a
    comment on the code marks it (`# noqa`, `# pragma: no cover`: kept on purpose, as when a
    test reads its own source), and when removing the code would change the function in another
    way: it is the only `yield` (the function would stop being a generator), it holds `global` /
    `nonlocal`, or it assigns a name that the rest of the function reads (the assignment makes
    that name local even though it never runs). At module level only a single statement is
    removed.

    ## Why is this bad?
    The code can never run. Usually it is a leftover from editing, or the jump was indented
    one level too far, so code the author expected to run is silently skipped.

    ## Example
    ```python
    def total(xs):
        return sum(xs)
        print("done")
    ```
    becomes
    ```python
    def total(xs):
        return sum(xs)
    ```

    ## Fix safety
    Review: dead code is often the symptom of a misplaced jump, and the right fix may be to
    move the `return` rather than to delete what follows it; only a human can tell.
    """

    CODE = "LGC101"
    NAME = "remove-unreachable-code"
    CATEGORY = Category.LOGIC
    RULES = ("heal:LOG101",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("def empty():\n    return\n    yield\n")]
    INVALID = [
        Invalid("""
            def total(xs):
                return sum(xs)  # the sum
                # announce it
                print("done")  # noisy
                if xs:
                    xs.clear()


            def other():
                pass
        """, expected="""
            def total(xs):
                return sum(xs)  # the sum
                # announce it


            def other():
                pass
        """),
        Invalid("""
            def f(values):
                for x in values:
                    if x:
                        raise ValueError("no"); cleanup()
                        x += 1
                    continue; print(x)
        """, expected="""
            def f(values):
                for x in values:
                    if x:
                        raise ValueError("no")
                    continue
        """),
        Invalid("""
            def f(flag):
                if flag:
                    return 1
                    count = 2
                return count
        """),
        Invalid("""
            def numbers():
                return
                print("start")
                yield 1
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        found = [node for node in context.nodes_at(finding.span)
                 if isinstance(node, (cst.BaseStatement, cst.BaseSmallStatement))]
        if not found:
            return self.decline(finding, "no statement at the reported position")
        # a whole statement of a block, else a small statement after a jump on its line
        first = next((node for node in found if isinstance(node, cst.BaseStatement)), found[0])
        replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel] = {}
        removed: list[cst.CSTNode] = []
        statement: cst.BaseStatement
        if isinstance(first, cst.BaseSmallStatement):
            line = context.parent(first)
            if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                return self.decline(finding, "the statement is not part of a line")
            at = next(i for i, small in enumerate(line.body) if small is first)
            removed += line.body[at:]
            replacements[line] = line.with_changes(
                body=drop_trailing_semicolon(list(line.body[:at])))
            if isinstance(line, cst.SimpleStatementSuite):
                return self._fix(finding, context, replacements, removed, None, [])
            statement, start = line, 1
        else:
            assert isinstance(first, cst.BaseStatement)
            statement, start = first, 0
        where = block_of(context, statement)
        if where is None:
            return self.decline(finding, "the statement is not in a block")
        block, index = where
        rest = list(block.body[index + start:])
        if isinstance(block, cst.Module) and len(rest) + len(replacements) > 1:
            return self.decline(finding, "several module-level statements would go; remove "
                                         "them by hand")
        removed += rest
        kept = [line for gone in rest for line in comment_lines(leading_lines(gone))]
        return self._fix(finding, context, replacements, removed, (block, index + start), kept)

    def _fix(self, finding: Finding, context: ModuleContext,
             replacements: dict[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel],
             removed: list[cst.CSTNode],
             cut: tuple[cst.IndentedBlock | cst.Module, int] | None,
             kept: list[cst.EmptyLine]) -> Fix | Declined | None:
        if any("noqa" in text.lower() or "pragma" in text.lower()
               for root in removed for text in comments_in(root)):
            return self.decline(finding, "the unreachable code is marked (`# noqa` / "
                                         "`# pragma`): it is kept on purpose")
        if any(isinstance(node, (cst.Global, cst.Nonlocal)) for root in removed
               for node in [root, *walk(root, into_scopes=False)]):
            return self.decline(finding, "the unreachable code declares `global` / `nonlocal`, "
                                         "which applies to the whole function")
        scope = enclosing_scope(context, removed[0])
        if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
            gone = {id(node) for root in removed for node in [root, *walk(root)]}
            if _yields(removed) and not any(
                    isinstance(node, cst.Yield) and id(node) not in gone
                    for node in walk(scope.body, into_scopes=False)):
                return self.decline(finding, "the unreachable code holds the function's only "
                                             "`yield`; removing it would stop it being a "
                                             "generator")
            bound: set[str] = set()
            for root in removed:
                bound |= ({root.name.value} if isinstance(root, (cst.FunctionDef, cst.ClassDef))
                          else bindings(root))
            params = {param.name.value for param in walk(scope.params)
                      if isinstance(param, cst.Param)}
            for name in sorted(bound - bindings(scope.body, skip=removed) - params):
                if any(id(use) not in gone for use in uses_of(context, scope.body, name)):
                    return self.decline(
                        finding, f"the unreachable code assigns `{name}`, which makes it local "
                                 "to the function; removing it changes what other reads of "
                                 f"`{name}` see")
        edits: dict[cst.CSTNode, Callable[[cst.CSTNode], cst.CSTNode]] = {}
        if cut is not None:
            block, start = cut

            def trim(updated: cst.CSTNode) -> cst.CSTNode:
                assert isinstance(updated, (cst.IndentedBlock, cst.Module))
                return updated.with_changes(body=list(updated.body[:start]),
                                            footer=[*kept, *updated.footer])

            edits[block] = trim
        text = rewrite(context, replacements, edits)
        return self.fix_from_text(finding, context, text, "remove the unreachable code",
                                  rationale="the jump before it may be what is misplaced")

"""LOG101: statements after `return`, `raise`, `break` or `continue` in the same block; the fix
removes them (review)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import SCOPES, Detector, NativeFixer
from heal.rules.rewrite import (
    bindings,
    block_of,
    comment_lines,
    comments_in,
    drop_trailing_semicolon,
    enclosing_scope,
    leading_lines,
    rewrite,
    uses_of,
)
from heal.rules.scope import walk

TERMINATORS = (cst.Return, cst.Raise, cst.Break, cst.Continue)


def _is_bare_yield(statement: cst.CSTNode) -> bool:
    """`yield` / `yield from ()` on its own: the idiom that makes a function a generator."""
    if isinstance(statement, cst.SimpleStatementLine):
        return all(_is_bare_yield(small) for small in statement.body)
    return isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Yield)


class UnreachableCode(Detector):
    """Code after `return`, `raise`, `break` or `continue`.

    ## What it does
    Flags the first statement that follows a `return`, `raise`, `break` or `continue` in the
    same block (once per block). A lone `yield` after the jump is not reported: `return` then
    `yield` is the idiom for an empty generator.

    The fix removes that statement and every later one of the block (for `raise E; cleanup()`
    on one line, the rest of the line and of the block). The removed code's own comments go
    with it, but comments on their own lines between the removed statements are kept, at the
    end of the block: a reviewer reads them before deciding. At module level only a single
    statement is removed. The fix is declined when a comment on the code marks it (`# noqa`,
    `# pragma: no cover`: kept on purpose, as when a test reads its own source), and when
    removing the code would change the function in another way: it is the only `yield` (the
    function would stop being a generator), it holds `global` / `nonlocal`, or it assigns a
    name that the rest of the function reads (the assignment makes that name local even
    though it never runs).

    ## Why is this bad?
    The statement can never run. Usually it is a leftover from editing, or the jump was indented
    one level too far, so code the author expected to run is silently skipped.

    ## Example
    ```python
    def total(xs):
        return sum(xs)
        print("done")
    ```
    The fix removes the dead statement:
    ```python
    def total(xs):
        return sum(xs)
    ```
    If it was meant to run, move it before the jump instead:
    ```python
    def total(xs):
        print("done")
        return sum(xs)
    ```

    ## Fix safety
    Review: dead code is often the symptom of a misplaced jump, and the right fix may be to
    move the `return` rather than to delete what follows it; only a human can tell.
    """

    CODE = "LOG101"
    NAME = "unreachable-code"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "unreachable code: this statement follows a return/raise/break/continue"
    VALID = [
        Valid("""
            def f(x):
                if x:
                    return 1
                return 2
        """),
        Valid("""
            for x in xs:
                if x:
                    continue
                print(x)
        """),
        Valid("""
            def empty():
                return
                yield
        """),
    ]
    INVALID = [
        Invalid("""
            def f(x):
                return x
                print(x)
        """, line=3, expected="""
            def f(x):
                return x
        """),
        Invalid("""
            for x in xs:
                if x:
                    break
                    x += 1
                    x += 2
        """, line=4, expected="""
            for x in xs:
                if x:
                    break
        """),
        Invalid("""
            def f():
                raise ValueError("no"); cleanup()
        """, line=2, expected="""
            def f():
                raise ValueError("no")
        """),
        Invalid("""
            def total(xs):
                return sum(xs)  # the sum
                # announce it
                print("done")  # noisy
                if xs:
                    xs.clear()


            def other():
                pass
        """, line=4, expected="""
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
        """, line=4),
        Invalid("""
            def numbers():
                return
                print("start")
                yield 1
        """, line=3),
    ]

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._check(node.body)

    def visit_Module(self, node: cst.Module) -> None:
        self._check(node.body)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._check_small(node.body)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._check_small(node.body)

    def _check(self, body: Sequence[cst.BaseStatement]) -> None:
        for index, statement in enumerate(body[:-1]):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            smalls = statement.body
            jumps = [i for i, small in enumerate(smalls) if isinstance(small, TERMINATORS)]
            if jumps:
                if all(_is_bare_yield(small) for small in smalls[jumps[0] + 1:]):
                    self._report_rest(body[index + 1:])  # else reported on the line itself
                return

    def _check_small(self, body: Sequence[cst.BaseSmallStatement]) -> None:
        for index, small in enumerate(body[:-1]):
            if isinstance(small, TERMINATORS):
                self._report_rest(body[index + 1:])
                return

    def _report_rest(self, rest: Sequence[cst.CSTNode]) -> None:
        if rest and not all(_is_bare_yield(statement) for statement in rest):
            self.report(rest[0])


def _yields(nodes: list[cst.CSTNode]) -> bool:
    """A `yield` / `yield from` in the nodes' own scope (not in nested functions)."""
    return any(isinstance(node, cst.Yield) for root in nodes
               for node in [root, *walk(root, into_scopes=False)]
               if not isinstance(node, SCOPES))


class RemoveUnreachableCode(NativeFixer):
    RULE = UnreachableCode
    NAME = "remove-unreachable-code"
    SAFETY = Safety.REVIEW

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

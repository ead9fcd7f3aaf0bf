"""PERF101: a string built with `+=` inside a loop; the fix collects the parts in a list and
joins them once (review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import Detector, ModuleIndex, NativeFixer
from heal.rules.rewrite import (
    block_of,
    declared_global,
    enclosing_scope,
    fresh_name,
    names_in,
    rewrite,
    single_small,
    uses_of,
)
from heal.rules.scope import walk

STRINGY = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)


class StringConcatInLoop(Detector):
    r"""String built with `+=` inside a loop.

    ## What it does
    Flags `s += <str>` (or `s = s + <str>`) inside a `for` or `while` loop when `s` holds a string:
    it was bound to a string literal or f-string in the same scope, or the added value is one.

    The fix applies where `s` is set to a string literal in the same block before the loop (with
    nothing in between that touches `s`): `s = "<init>"` becomes `s_parts = ["<init>"]` (`[]`
    for an empty string), every `s += x` in the loop becomes `s_parts.append(x)`, and
    `s = "".join(s_parts)` follows the loop. Works for `bytes` too. The fix is declined when `s`
    is set afresh inside the loop (each pass builds a short string: nothing quadratic), when
    the loop reads `s` in any other way (`len(s)`, `print(s)`, the `else:` clause), when `s` is
    `global` / `nonlocal`, when the loop is `async`, and at module level, where the set-up, the
    loop and the join are three separate statements.

    ## Why is this bad?
    Strings are immutable, so every `+=` copies everything built so far: building a string of
    n pieces costs O(n²) time. CPython sometimes optimises this in place, but not when another
    reference to the string exists, and never on other interpreters. Collecting the pieces in a
    list and joining them once is linear.

    ## Example
    ```python
    def render(items):
        out = ""
        for item in items:
            out += f"<li>{item}</li>"
        return out
    ```
    Use instead (what the fix writes):
    ```python
    def render(items):
        out_parts = []
        for item in items:
            out_parts.append(f"<li>{item}</li>")
        out = "".join(out_parts)
        return out
    ```

    ## Fix safety
    Review: `s` does not exist while the loop runs, so code that catches an exception from the
    loop and then reads `s` sees the value from before the loop, or none; and `+=` on a value
    that turned out not to be a `str` (a class with its own `__add__`) behaved differently.
    """

    CODE = "PERF101"
    NAME = "string-concat-in-loop"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = "string built with += in a loop is quadratic; collect parts in a list and ''.join them"
    VALID = [
        Valid("""
            total = 0
            for x in xs:
                total += x
        """),
        Valid("""
            parts = []
            for x in xs:
                parts.append(str(x))
            out = "".join(parts)
        """),
        Valid("""
            s = ""
            s += "once"
        """),
    ]
    INVALID = [
        Invalid("""
            out = ""
            for line in lines:
                out += line
        """, line=3),
        Invalid("""
            def render(items):
                html = "<ul>"
                for item in items:
                    html = html + f"<li>{item}</li>"
                return html
        """, line=4, expected="""
            def render(items):
                html_parts = ["<ul>"]
                for item in items:
                    html_parts.append(f"<li>{item}</li>")
                html = "".join(html_parts)
                return html
        """),
        Invalid("""
            while True:
                buf += "x"
        """, line=2),
        Invalid("""
            def render(items):
                html = "<ul>"  # open
                for item in items:
                    html = html + f"<li>{item}</li>\\n"  # row
                    html += "<!-- " + str(item) + " -->"
                html += "</ul>"
                return html
        """, line=4, expected="""
            def render(items):
                html_parts = ["<ul>"]  # open
                for item in items:
                    html_parts.append(f"<li>{item}</li>\\n")  # row
                    html_parts.append("<!-- " + str(item) + " -->")
                html = "".join(html_parts)
                html += "</ul>"
                return html
        """),
        Invalid("""
            def render(store, out_parts):
                out = ''
                count = 0
                for name in store:
                    for line in store[name]:
                        if line:
                            out += line
                        else:
                            out += name.upper()

                return out
        """, line=7, expected="""
            def render(store, out_parts):
                parts = []
                count = 0
                for name in store:
                    for line in store[name]:
                        if line:
                            parts.append(line)
                        else:
                            parts.append(name.upper())
                out = ''.join(parts)

                return out
        """),
        Invalid("""
            def pack(chunks):
                data = b""
                while chunks:
                    data += chunks.pop()
                return data
        """, line=4, expected="""
            def pack(chunks):
                data_parts = []
                while chunks:
                    data_parts.append(chunks.pop())
                data = b"".join(data_parts)
                return data
        """),
        Invalid("""
            def head(lines):
                out = ""
                for line in lines:
                    if len(out) > 80:
                        break
                    out += line
                return out
        """, line=6),
        Invalid("""
            def brackets(words):
                for word in words:
                    part = "["
                    part += word
                    yield part
        """, line=4),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self.string_names: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, STRINGY):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.string_names.add(target.target.value)
        elif isinstance(node.value, cst.BinaryOperation) and isinstance(node.value.operator, cst.Add):
            left, right = node.value.left, node.value.right
            for target in node.targets:
                name = target.target
                if (isinstance(name, cst.Name) and isinstance(left, cst.Name)
                        and left.value == name.value and self._stringy(name.value, right)
                        and self.enclosing_loop(node)):
                    self.report(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not isinstance(node.operator, cst.AddAssign) or not isinstance(node.target, cst.Name):
            return
        if self._stringy(node.target.value, node.value) and self.enclosing_loop(node):
            self.report(node)

    def _stringy(self, name: str, added: cst.BaseExpression) -> bool:
        if name in self.string_names or isinstance(added, STRINGY):
            return True
        return (isinstance(added, cst.BinaryOperation) and isinstance(added.operator, cst.Add)
                and (isinstance(added.left, STRINGY) or isinstance(added.right, STRINGY)))


def _is_bytes(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return "b" in node.prefix.lower()
    if isinstance(node, cst.ConcatenatedString):
        return _is_bytes(node.left)
    return False


def _is_empty(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        try:
            return not node.evaluated_value
        except (ValueError, SyntaxError):
            return False
    return False


def _quote(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.SimpleString) and node.quote in ("'", "'''"):
        return "'"
    return '"'


def _operands(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    """`a + b + c` -> [a, b, c] (left-associative chain), anything else -> [expr]."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add) \
            and not expr.lpar:
        return [*_operands(expr.left), expr.right]
    return [expr]


def _without_first(expr: cst.BinaryOperation) -> cst.BaseExpression:
    """`s + a + b` -> `a + b` (the chain with its leftmost operand dropped)."""
    left = expr.left
    if isinstance(left, cst.BinaryOperation) and isinstance(left.operator, cst.Add) \
            and not left.lpar:
        return expr.with_changes(left=_without_first(left))
    return expr.right


def _init_of(statement: cst.BaseStatement, name: str) -> cst.Assign | cst.AnnAssign | None:
    """`name = <string literal>` / `name: T = <string literal>` on its own line."""
    small = single_small(statement)
    if isinstance(small, cst.Assign):
        if (len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name and isinstance(small.value, STRINGY)):
            return small
    elif (isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name)
          and small.target.value == name and isinstance(small.value, STRINGY)):
        return small
    return None


class StringConcatToJoin(NativeFixer):
    RULE = StringConcatInLoop
    NAME = "string-concat-to-join"
    SAFETY = Safety.REVIEW

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        nodes = context.nodes_at(finding.span, (cst.AugAssign, cst.Assign))
        if not nodes:
            return self.decline(finding, "no `+=` at the reported position")
        node = nodes[0]
        target = node.target if isinstance(node, cst.AugAssign) else (
            node.targets[0].target if isinstance(node, cst.Assign) else None)
        if not isinstance(target, cst.Name):
            return self.decline(finding, "the target is not a plain variable")
        name = target.value
        scope = enclosing_scope(context, node)
        if declared_global(scope, name):
            return self.decline(finding, f"`{name}` is global or nonlocal")
        found = self._loop_and_init(context, node, name, scope)
        if isinstance(found, str):
            return self.decline(finding, found)
        loop, init, block, loop_index = found
        if isinstance(block, cst.Module):
            return self.decline(finding, "at module level the set-up, the loop and the join are "
                                         "separate statements; rewrite it by hand")
        appends = self._appends(context, loop, name)
        if isinstance(appends, str):
            return self.decline(finding, appends)
        parts = fresh_name([f"{name}_parts", "parts"], names_in(scope))
        value = init.value
        assert value is not None
        joiner = ("b" if _is_bytes(value) else "") + _quote(value) * 2
        elements = [] if _is_empty(value) else [cst.Element(value)]
        new_init: cst.CSTNode
        if isinstance(init, cst.AnnAssign):
            annotation = cst.Annotation(cst.Subscript(cst.Name("list"), [cst.SubscriptElement(
                cst.Index(init.annotation.annotation))]))
            new_init = init.with_changes(target=cst.Name(parts), annotation=annotation,
                                         value=cst.List(elements))
            join_small: cst.BaseSmallStatement = init.with_changes(value=self._join(
                joiner, parts))
        else:
            new_init = init.with_changes(targets=[init.targets[0].with_changes(
                target=cst.Name(parts))], value=cst.List(elements))
            join_small = cst.Assign([cst.AssignTarget(cst.Name(name))],
                                    self._join(joiner, parts))
        replacements: dict[cst.CSTNode, cst.CSTNode] = {init: new_init}
        for small, added in appends:
            replacements[small] = cst.Expr(cst.Call(
                cst.Attribute(cst.Name(parts), cst.Name("append")), [cst.Arg(added)]),
                semicolon=small.semicolon)

        def add_join(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.IndentedBlock)
            body = list(updated.body)
            body.insert(loop_index + 1, cst.SimpleStatementLine([join_small]))
            return updated.with_changes(body=body)

        text = rewrite(context, replacements, {block: add_join})
        return self.fix_from_text(finding, context, text,
                                  f"collect {name}'s parts in a list and join them once",
                                  rationale=f"`{name}` is only assigned after the loop now")

    @staticmethod
    def _join(joiner: str, parts: str) -> cst.Call:
        return cst.Call(cst.Attribute(cst.SimpleString(joiner), cst.Name("join")),
                        [cst.Arg(cst.Name(parts))])

    def _loop_and_init(self, context: ModuleContext, node: cst.CSTNode, name: str,
                       scope: cst.CSTNode
                       ) -> tuple[cst.For | cst.While, cst.Assign | cst.AnnAssign,
                                  cst.IndentedBlock | cst.Module, int] | str:
        """The innermost loop around `node` that a string-literal set-up of `name` precedes in
        the same block, that set-up, the block and the loop's index in it; else why not."""
        child: cst.CSTNode = node
        in_loop = False  # above the innermost loop already
        for ancestor in context.ancestors(node):
            if ancestor is scope:
                break
            if not in_loop and isinstance(ancestor, cst.IndentedBlock) and any(
                    _init_of(earlier, name) is not None
                    for earlier in ancestor.body[:ancestor.body.index(child)]
                    if isinstance(child, cst.BaseStatement) and child in ancestor.body):
                return (f"`{name}` is set afresh inside the loop, so each pass only builds a "
                        "short string: nothing quadratic to fix")
            if isinstance(ancestor, (cst.For, cst.While)) and child is ancestor.body:
                in_loop = True
                if isinstance(ancestor, cst.For) and ancestor.asynchronous is not None:
                    return "an `async for` loop"
                where = block_of(context, ancestor)
                if where is not None:
                    block, index = where
                    for earlier in reversed(block.body[:index]):
                        init = _init_of(earlier, name)
                        if init is not None:
                            return ancestor, init, block, index
                        if uses_of(context, earlier, name):
                            break
            child = ancestor
        return (f"`{name}` is not set to a string literal in the same block before the loop "
                "(or is used in between)")

    def _appends(self, context: ModuleContext, loop: cst.For | cst.While, name: str
                 ) -> list[tuple[cst.AugAssign | cst.Assign, cst.BaseExpression]] | str:
        """Every `name += x` / `name = name + x` in the loop and the `x` it adds; a reason when
        the loop uses `name` any other way."""
        found: list[tuple[cst.AugAssign | cst.Assign, cst.BaseExpression]] = []
        covered: set[int] = set()
        for node in walk(loop):
            if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign) \
                    and isinstance(node.target, cst.Name) and node.target.value == name:
                if uses_of(context, node.value, name):
                    return f"`{name}` is read while it is added to"
                found.append((node, node.value))
                covered.add(id(node.target))
            elif (isinstance(node, cst.Assign) and len(node.targets) == 1
                  and isinstance(node.targets[0].target, cst.Name)
                  and node.targets[0].target.value == name
                  and isinstance(node.value, cst.BinaryOperation)):
                operands = _operands(node.value)
                first = operands[0]
                if not (isinstance(first, cst.Name) and first.value == name) or any(
                        uses_of(context, operand, name) for operand in operands[1:]):
                    continue
                found.append((node, _without_first(node.value)))
                covered.update((id(node.targets[0].target), id(first)))
        for use in uses_of(context, loop, name):
            if id(use) not in covered:
                return f"the loop reads `{name}` before it is complete"
        for small, _ in found:
            line = context.parent(small)
            if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                return "an addition that is not a statement of its own"
        return found

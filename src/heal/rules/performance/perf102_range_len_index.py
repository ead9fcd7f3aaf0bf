"""PERF102: `for i in range(len(x))` where `i` is only used to read `x[i]`; the fix iterates
over `x` directly (unsafe)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import SCOPES, Detector, NativeFixer
from heal.rules.rewrite import (
    comments_in,
    enclosing_scope,
    fresh_name,
    names_in,
    rewrite,
    singular,
    uses_of,
)
from heal.rules.scope import range_len_arg, walk

MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
    "__setitem__", "__delitem__",
})


class RangeLenIndex(Detector):
    """`for i in range(len(x))` where `i` is only used to index `x`.

    ## What it does
    Flags `for i in range(len(x)):` loops whose body (and `else` clause) uses `i` only to read
    `x[i]`: no arithmetic on `i`, no other use of it, no assignment to `x[i]`, and `x` itself is
    neither rebound nor mutated in the loop. `range(len(self))` is left alone: it is how
    `__iter__` itself is often written.

    The fix loops over `x` itself and replaces every `x[i]` with the element's name: the
    singular of the sequence's name when it has one (`names` -> `name`), else `x_item`,
    numbered if that name is taken in the scope. When `i` is still read after the loop, the
    loop keeps it: `for i, name in enumerate(names):`. The fix is declined when `x[i]` is read
    inside a nested function or lambda (a closure would capture the element instead of looking
    it up when called).

    ## Why is this bad?
    Every `x[i]` is an extra index operation (and for attribute chains like `self.items[i]`,
    extra attribute lookups too) that iterating directly avoids. It is also harder to read and
    only works for sequences, while `for item in x` works for any iterable.

    ## Example
    ```python
    for i in range(len(names)):
        print(names[i].upper())
    ```
    Use instead (what the fix writes):
    ```python
    for name in names:
        print(name.upper())
    ```
    (or `for i, name in enumerate(names):` when the index is still needed).

    ## Fix safety
    Unsafe: for lists, tuples and strings the two loops are the same, but a custom sequence
    may iterate differently from how it indexes, and code that mutates `x` through another
    reference while the loop runs now affects an iterator rather than later lookups.
    """

    CODE = "PERF102"
    NAME = "range-len-index"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("`for i in range(len(x))` only uses `i` to read `x[i]`; iterate over `x` directly "
               "(or use enumerate)")
    VALID = [
        Valid("""
            for item in items:
                print(item)
        """),
        Valid("""
            for i in range(len(items)):
                print(i, items[i])
        """),
        Valid("""
            for i in range(len(items)):
                items[i] = items[i] * 2
        """),
        Valid("""
            for i in range(len(a)):
                total += a[i] * b[i]
        """),
        Valid("""
            for i in range(len(items)):
                if items[i] > items[i - 1]:
                    pass
        """),
        Valid("""
            class Spans:
                def __iter__(self):
                    for i in range(len(self)):
                        yield self[i]
        """),
        Valid("""
            for i in range(len(stack)):
                top = stack[i]
                stack.append(top)
        """),
    ]
    INVALID = [
        Invalid("""
            for i in range(len(names)):
                print(names[i].upper())
        """, line=1, expected="""
            for name in names:
                print(name.upper())
        """),
        Invalid("""
            class Table:
                def dump(self):
                    for row in range(len(self.rows)):
                        if self.rows[row]:
                            emit(self.rows[row])
        """, line=3, expected="""
            class Table:
                def dump(self):
                    for rows_item in self.rows:
                        if rows_item:
                            emit(rows_item)
        """),
        Invalid("""
            def shout(names):
                for i in range(len(names)):
                    print(names[i].upper())  # loud
        """, line=2, expected="""
            def shout(names):
                for name in names:
                    print(name.upper())  # loud
        """),
        Invalid("""
            class Table:
                def dump(self, row):
                    for i in range(len(self.rows)):
                        if self.rows[i]:
                            emit(self.rows[i], row)
                    return i
        """, line=3, expected="""
            class Table:
                def dump(self, row):
                    for i, rows_item in enumerate(self.rows):
                        if rows_item:
                            emit(rows_item, row)
                    return i
        """),
        Invalid("""
            def total(data):
                for k in range(len(data)):
                    print(data[k])
                else:
                    print("last", data[k])
        """, line=2, expected="""
            def total(data):
                for data_item in data:
                    print(data_item)
                else:
                    print("last", data_item)
        """),
        Invalid("""
            def later(names):
                for i in range(len(names)):
                    callbacks.append(lambda: names[i])
        """, line=2),
    ]

    def visit_For(self, node: cst.For) -> None:
        seq = range_len_arg(node.iter)
        if seq is None or node.asynchronous is not None or not isinstance(node.target, cst.Name):
            return
        seq_name = dotted_name(seq)
        if seq_name is None or seq_name == "self":  # often the body of `__iter__` itself
            return
        index = node.target.value
        regions: list[cst.CSTNode] = [node.body] + ([node.orelse] if node.orelse else [])
        reads = 0
        for region in regions:
            for child in walk(region):
                if isinstance(child, cst.Name) and child.value == index and not self._label(child):
                    if not self._reads_sequence(child, seq_name):
                        return
                    reads += 1
                elif (isinstance(child, (cst.Name, cst.Attribute))
                      and dotted_name(child) == seq_name and not self._label(child)
                      and self._changes(child)):
                    return
        if reads:
            self.report(node.iter)

    def _label(self, node: cst.CSTNode) -> bool:
        """True for names that are not variable references (`obj.<name>`, `f(<name>=...)`)."""
        parent = self.parent(node)
        return ((isinstance(parent, cst.Attribute) and parent.attr is node)
                or (isinstance(parent, cst.Arg) and parent.keyword is node))

    def _reads_sequence(self, name: cst.Name, seq_name: str) -> bool:
        """True when `name` is the whole index of a load `seq[name]`."""
        index = self.parent(name)
        element = self.parent(index) if index is not None else None
        subscript = self.parent(element) if element is not None else None
        return (isinstance(index, cst.Index) and index.star is None
                and isinstance(element, cst.SubscriptElement)
                and isinstance(subscript, cst.Subscript) and len(subscript.slice) == 1
                and dotted_name(subscript.value) == seq_name and not self.stored(subscript))

    def _changes(self, seq: cst.CSTNode) -> bool:
        """True when this occurrence of the sequence rebinds, stores into or mutates it."""
        if self.stored(seq):
            return True
        parent = self.parent(seq)
        if isinstance(parent, cst.Subscript) and parent.value is seq:
            return self.stored(parent)
        if isinstance(parent, cst.Attribute) and parent.value is seq:
            return parent.attr.value in MUTATORS
        return False


def _index_of(node: cst.Subscript) -> str | None:
    """`i` for `x[i]` (one plain index that is a name), else None."""
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if isinstance(element, cst.Index) and element.star is None and isinstance(
            element.value, cst.Name):
        return element.value.value
    return None


class RangeLenToIteration(NativeFixer):
    RULE = RangeLenIndex
    NAME = "range-len-to-iteration"
    SAFETY = Safety.UNSAFE

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        loop = next((node for node in context.nodes_covering(finding.span, (cst.For,))
                     if isinstance(node, cst.For)
                     and context.positions[node.iter].start.line == finding.span.start.line
                     and context.positions[node.iter].start.column == finding.span.start.column),
                    None)
        if loop is None or not isinstance(loop.target, cst.Name):
            return self.decline(finding, "no `for i in range(len(x))` loop at the position")
        seq = range_len_arg(loop.iter)  # the detector's own test, so both agree
        seq_name = dotted_name(seq) if seq is not None else None
        if seq is None or seq_name is None:
            return self.decline(finding, "the loop does not iterate over range(len(x))")
        if comments_in(loop.iter):
            return self.decline(finding, "comments inside `range(len(...))` would be lost")
        index = loop.target.value
        regions: list[cst.CSTNode] = [loop.body] + ([loop.orelse] if loop.orelse else [])
        reads = [node for region in regions for node in walk(region)
                 if isinstance(node, cst.Subscript) and _index_of(node) == index
                 and dotted_name(node.value) == seq_name]
        covered = {id(read.slice[0].slice) for read in reads}
        for region in regions:
            for use in uses_of(context, region, index):
                parent = context.parent(use)
                if parent is None or id(parent) not in covered:
                    return self.decline(finding, f"`{index}` is used for more than "
                                                 f"`{seq_name}[{index}]`")
        if any(comments_in(read) for read in reads):
            return self.decline(finding, f"a comment inside `{seq_name}[{index}]` would be lost")
        if not reads:
            return self.decline(finding, f"the loop never reads `{seq_name}[{index}]`")
        for read in reads:
            for ancestor in context.ancestors(read):
                if ancestor is loop:
                    break
                if isinstance(ancestor, SCOPES):
                    return self.decline(
                        finding, f"`{seq_name}[{index}]` is read inside a nested function, "
                                 "which would capture the element instead of looking it up "
                                 "when called")
        scope = enclosing_scope(context, loop)
        last = seq_name.rsplit(".", 1)[-1]
        item = fresh_name([name for name in (singular(last), f"{last}_item", "item")
                           if name is not None], names_in(scope))
        loop_ids = {id(node) for node in walk(loop)}
        keeps_index = any(id(use) not in loop_ids
                          for use in uses_of(context, scope, index))
        target: cst.BaseAssignTargetExpression
        iterable: cst.BaseExpression
        if keeps_index:
            target = cst.Tuple([cst.Element(cst.Name(index), comma=cst.Comma(
                whitespace_after=cst.SimpleWhitespace(" "))), cst.Element(cst.Name(item))],
                lpar=[], rpar=[])
            iterable = cst.Call(cst.Name("enumerate"), [cst.Arg(seq)])
        else:
            target, iterable = cst.Name(item), seq
        replacements: dict[cst.CSTNode, cst.CSTNode] = {
            read: cst.Name(item, lpar=read.lpar, rpar=read.rpar) for read in reads}
        replacements[loop.target] = target
        replacements[loop.iter] = iterable.with_changes(lpar=loop.iter.lpar,
                                                        rpar=loop.iter.rpar)
        new_text = rewrite(context, replacements)
        how = f"enumerate({seq_name})" if keeps_index else seq_name
        return self.fix_from_text(finding, context, new_text, f"iterate over {how} directly",
                                  rationale="a custom sequence may iterate differently from "
                                            "how it indexes")

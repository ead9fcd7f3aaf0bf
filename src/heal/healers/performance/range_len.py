"""PRF102: `for i in range(len(x)): ... x[i] ...` iterates over `x` directly."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.performance._common import (
    SCOPES,
    comments_in,
    dotted_name,
    enclosing_scope,
    fresh_name,
    names_in,
    rewrite,
    singular,
    uses_of,
    walk,
)
from heal.model import Category, Declined, Finding, Fix, Safety
from heal.rules.scope import range_len_arg


def _index_of(node: cst.Subscript) -> str | None:
    """`i` for `x[i]` (one plain index that is a name), else None."""
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if isinstance(element, cst.Index) and element.star is None and isinstance(
            element.value, cst.Name):
        return element.value.value
    return None


class RangeLen(Fixer):
    """Iterate over the sequence instead of over its indices.

    ## What it does
    Where the native detector PERF102 found `for i in range(len(x)):` whose body only uses `i`
    to read `x[i]`, loops over `x` itself and replaces every `x[i]` with the element's name:
    the singular of the sequence's name when it has one (`names` -> `name`), else `x_item`,
    numbered if that name is taken in the scope. When `i` is still read outside the loop, the
    loop keeps it: `for i, name in enumerate(names):`. Declined when `x[i]` is read inside a
    nested function or lambda (a closure would capture the element instead of looking it up
    when called).

    ## Why is this bad?
    Every `x[i]` is an extra index operation (and for `self.rows[i]` an extra attribute lookup
    too) that direct iteration avoids; `range(len(x))` also only works for sequences, and it
    hides what the loop is about.

    ## Example
    ```python
    for i in range(len(names)):
        print(names[i].upper())
    ```
    becomes
    ```python
    for name in names:
        print(name.upper())
    ```

    ## Fix safety
    Unsafe: for lists, tuples and strings the two loops are the same, but a custom sequence
    may iterate differently from how it indexes, and code that mutates `x` through another
    reference while the loop runs now affects an iterator rather than later lookups.
    """

    CODE = "PRF102"
    NAME = "range-len-to-iteration"
    CATEGORY = Category.PERFORMANCE
    RULES = ("heal:PERF102",)
    SAFETY = Safety.UNSAFE
    VALID = [
        Valid("""
            for i in range(len(items)):
                print(i, items[i])
        """),
    ]
    INVALID = [
        Invalid("""
            def shout(names):
                for i in range(len(names)):
                    print(names[i].upper())  # loud
        """, expected="""
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
        """, expected="""
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
        """, expected="""
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
        """),
    ]

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

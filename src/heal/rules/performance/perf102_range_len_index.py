"""PERF102: `for i in range(len(x))` where `i` is only used to read `x[i]`."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.model import Category, Priority
from heal.rules.base import Detector, dotted_name
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

    ## Why is this bad?
    Every `x[i]` is an extra index operation (and for attribute chains like `self.items[i]`,
    extra attribute lookups too) that iterating directly avoids. It is also harder to read and
    only works for sequences, while `for item in x` works for any iterable.

    ## Example
    ```python
    for i in range(len(names)):
        print(names[i].upper())
    ```
    Use instead:
    ```python
    for name in names:
        print(name.upper())
    ```
    (or `for i, name in enumerate(names):` when the index is still needed).

    ## Fix safety
    A fix would be review-level: it is safe for lists, tuples and strings, but `x` might be a
    custom sequence whose `__iter__` does not agree with `__len__` / `__getitem__`, and code
    after the loop may still read `i`.
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
        """, line=1),
        Invalid("""
            class Table:
                def dump(self):
                    for row in range(len(self.rows)):
                        if self.rows[row]:
                            emit(self.rows[row])
        """, line=3),
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

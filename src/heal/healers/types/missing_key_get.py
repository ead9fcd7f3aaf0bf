"""TYP110: a mapping a failing test read at a missing key is read with `.get()` instead."""

from __future__ import annotations

import libcst as cst

from heal import failures
from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.model import Category, Declined, Finding, Fix, Safety


def _key_reads(context: ModuleContext, finding: Finding) -> list[cst.Subscript]:
    """The `mapping[key]` the failure points at: the expression Python recorded, else every
    one-key subscript on the failing line."""
    def one_key(node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Subscript) and len(node.slice) == 1 and \
            isinstance(node.slice[0].slice, cst.Index) and node.slice[0].slice.star is None

    exact = [n for n in context.nodes_at(finding.span, (cst.Subscript,)) if one_key(n)]
    if exact:
        return [n for n in exact if isinstance(n, cst.Subscript)][-1:]  # the innermost
    line = finding.span.start.line
    return [n for n in context.parsed.on_line(line) if isinstance(n, cst.Subscript)
            and one_key(n) and context.positions[n].start.line == line]


class MissingKeyGet(Fixer):
    """Read a mapping with `.get(key)` where a test found the key missing.

    ## What it does
    Where a test fails with `KeyError` (`pytest:key-error`, from `heal --from-tests`, or a
    logged traceback with `heal --from-log`) at `mapping[key]`, rewrites that read as
    `mapping.get(key)`. Where the failing line has several `[...]` reads and Python did not
    record which one failed, or the subscript is assigned to or deleted, it declines.

    ## Why is this bad?
    The code assumes every key is present; the failing test shows one that is not, and the
    function crashes instead of answering.

    ## Example
    ```python
    def tier(levels, name):
        return levels[name]
    ```
    becomes
    ```python
    def tier(levels, name):
        return levels.get(name)
    ```

    ## Fix safety
    Review: a missing key now gives None where it raised `KeyError`, which changes what the
    code does (the caller may need a default: `.get(key, 0)`). heal verifies that the failing
    test passes and no other test breaks, and queues the fix with the failure before and the
    outcome after. Approved, it is learned as a pattern like any other fix.
    """

    CODE = "TYP110"
    NAME = "missing-key-get"
    CATEGORY = Category.TYPE
    RULES = ("pytest:key-error",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        def tier(levels, name):
            return levels.get(name)


        print(tier({"gold": 1}, "silver"))
    """)]
    INVALID = [
        Invalid("""
            def tier(levels, name):
                return levels[name]  # the customer's tier


            print(tier({"gold": 1}, "silver"))
        """, expected="""
            def tier(levels, name):
                return levels.get(name)  # the customer's tier


            print(tier({"gold": 1}, "silver"))
        """),
        Invalid("""
            levels = {"gold": 1}
            del levels["silver"]
        """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        reads = _key_reads(context, finding)
        if not reads:
            return self.decline(finding, "no `mapping[key]` read at the failing place")
        if len(reads) > 1:
            return self.decline(finding, "several `[key]` reads on the failing line: which key "
                                         "was missing cannot be told; fix it by hand")
        node = reads[0]
        parent = context.parent(node)
        if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.Del, cst.AnnAssign)) and \
                getattr(parent, "target", None) is node:
            return self.decline(finding, "the subscript is assigned or deleted, not read: "
                                         "`.get()` cannot stand there")
        index = node.slice[0].slice
        assert isinstance(index, cst.Index)
        read = cst.Call(func=cst.Attribute(value=node.value, attr=cst.Name("get")),
                        args=[cst.Arg(value=index.value)],
                        lpar=node.lpar, rpar=node.rpar)
        return self.fix_from_text(
            finding, context, context.replace(node, read),
            f"read `{context.code_of(node.value)}` with `.get()`: a missing key gives None",
            rationale=f"{failures.before_after(finding)}. A missing key now gives None where "
                      "it raised KeyError; check that None is the right answer, or pass a "
                      "default to `.get()`")

"""SEC106: `eval(text)` becomes `ast.literal_eval(text)` (review)."""

from __future__ import annotations

import ast

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

# what a literal_eval result can have: the attributes of the literal types
LITERAL_ATTRIBUTES = frozenset(
    name for kind in (str, bytes, int, float, complex, tuple, list, dict, set, frozenset, bool)
    for name in dir(kind))


def _is_eval(context: ModuleContext, call: cst.Call) -> bool:
    return isinstance(call.func, cst.Name) and call.func.value == "eval"


class EvalToLiteralEval(Fixer):
    """Parse literals with `ast.literal_eval`, not `eval`.

    ## What it does
    Rewrites `eval(text)` to `ast.literal_eval(text)` and adds `import ast` (or
    `from ast import literal_eval` where the module has its own `ast`).

    ## Why is this bad?
    `eval` runs any expression: `__import__("os").system("rm -rf ~")` is an expression. When
    the text comes from a file, a request or a user, whoever controls it runs code in the
    process. `ast.literal_eval` only accepts literals (strings, bytes, numbers, tuples, lists,
    dicts, sets, booleans, None) and raises `ValueError` on anything else.

    ## Example
    ```python
    settings = eval(line)
    ```
    becomes
    ```python
    settings = ast.literal_eval(line)
    ```

    ## Fix safety
    Review: the rewrite keeps meaning exactly when the text is a literal. A string literal
    argument is checked at fix time (a literal is rewritten, code such as `"os.getcwd()"` is
    declined). For a variable heal cannot know what it will hold, so a human confirms that it
    is data, not code; when the result is used as an object (`eval(s).get_code()`, or through
    the variable it is assigned to: no literal has that attribute) heal declines, as it does
    in tests (where eval checks that a repr round-trips). `eval` with globals/locals (it
    evaluates names), of a code object (`compile(...)`) or of bytes is declined, as is an
    `eval` that is not the builtin.
    """

    CODE = "SEC106"
    NAME = "eval-to-literal-eval"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B307",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import ast


        def parse(text):
            return ast.literal_eval(text)
        """)]
    INVALID = [
        Invalid("""
            import json


            def parse(text):
                return eval(text)  # a dict literal
            """, expected="""
            import json
            import ast


            def parse(text):
                return ast.literal_eval(text)  # a dict literal
            """),
        Invalid("""
            import ast

            SIZES = eval("[1, 2, 3]")
            """, expected="""
            import ast

            SIZES = ast.literal_eval("[1, 2, 3]")
            """),
        Invalid("""
            def run(expr):
                return eval(expr, {"x": 1})
            """),
        Invalid("""
            CWD = eval("__import__('os').getcwd()")
            """),
    ]

    @staticmethod
    def _object_use(context: ModuleContext, call: cst.Call) -> str | None:
        """An attribute no literal has, read from the result directly or from the variable
        it is assigned to."""
        parent = context.parent(call)
        if isinstance(parent, cst.Attribute) and parent.value is call:
            return None if parent.attr.value in LITERAL_ATTRIBUTES else parent.attr.value
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1
                and isinstance(parent.targets[0].target, cst.Name)):
            return None
        target = parent.targets[0].target
        scope = c.scope_of(context, target)
        if scope is None:
            return None
        for assignment in scope.assignments[target.value]:
            if getattr(assignment, "node", None) is not target:
                continue
            for access in assignment.references:
                use = context.parent(access.node)
                if isinstance(use, cst.Attribute) and use.value is access.node and \
                        use.attr.value not in LITERAL_ATTRIBUTES:
                    return use.attr.value
        return None

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, lambda n: _is_eval(context, n))
        if call is None:
            return self.decline(finding, "no eval call at the reported position")
        if "builtins.eval" not in c.call_names(context, call):
            return self.decline(finding, "this eval is not the builtin")
        args = c.positional(call)
        if len(call.args) != 1 or len(args) != 1:
            return self.decline(finding, "eval with globals/locals evaluates names; "
                                         "literal_eval cannot")
        value = args[0].value
        if c.is_test_path(finding.path):
            return self.decline(finding, "in a test, eval usually checks that a repr or dump "
                                         "round-trips; literal_eval cannot rebuild objects")
        used = self._object_use(context, call)
        if used:
            return self.decline(finding, f"the result is used as an object (.{used}), so the "
                                         "text is code, not a literal")
        rationale = ("literal_eval accepts only Python literals; confirm the input is data "
                     "(if it can hold names, calls or operators, this now raises ValueError)")
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            text = c.string_value(value)
            if text is None:
                return self.decline(finding, "eval of bytes; literal_eval takes text")
            try:
                ast.literal_eval(text)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return self.decline(finding, "the string is code, not a literal: literal_eval "
                                             "would raise")
            rationale = "the string is a literal, so literal_eval gives the same value"
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and \
                value.func.value == "compile":
            return self.decline(finding, "eval of a code object; literal_eval takes text")
        module = c.module_ref(context, call, "ast")
        ref = module.attr("literal_eval") if module is not None else \
            c.name_ref(context, call, "ast", "literal_eval")
        if ref is None:
            return self.decline(finding, "the names ast and literal_eval are both taken here")
        new = call.with_changes(func=ref.expr())
        text = c.replace_nodes(context, {call: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=ref.imports)
        return self.fix_from_text(finding, context, text, "evaluate with ast.literal_eval",
                                  rationale=rationale)

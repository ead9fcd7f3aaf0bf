r"""PERF104: a `re` function called with a literal pattern inside a loop; the fix compiles the
pattern once, into a module-level constant (safe)."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.fixer import ModuleContext, with_imports
from heal.model import Category, Declined, Finding, Fix, Priority, Safety
from heal.rules.base import Detector, ModuleIndex, NativeFixer
from heal.rules.rewrite import comments_in, fresh_name, names_in, rewrite
from heal.rules.scope import walk

REGEX_FUNCTIONS = frozenset({
    "compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split",
})


# the parameters of each `re` function after `pattern`, in order
PARAMETERS: dict[str, tuple[str, ...]] = {
    "compile": ("flags",),
    "match": ("string", "flags"),
    "search": ("string", "flags"),
    "fullmatch": ("string", "flags"),
    "findall": ("string", "flags"),
    "finditer": ("string", "flags"),
    "split": ("string", "maxsplit", "flags"),
    "sub": ("repl", "string", "count", "flags"),
    "subn": ("repl", "string", "count", "flags"),
}
_ESCAPES = re.compile(r"\\.")
_CLASSES = re.compile(r"\[[^\]]*\]")
_WORDS = re.compile(r"[A-Za-z]{2,}")


def literal_pattern(expr: cst.BaseExpression) -> bool:
    """A plain (non-f) string literal, possibly implicitly concatenated."""
    if isinstance(expr, cst.SimpleString):
        return True
    if isinstance(expr, cst.ConcatenatedString):
        return literal_pattern(expr.left) and literal_pattern(expr.right)
    return False


def _pattern(call: cst.Call) -> cst.BaseExpression | None:
    """The `pattern` argument of a `re` call: the first positional one, or `pattern=`."""
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None or arg.keyword.value == "pattern":
            return arg.value
    return None


class RegexInLoop(Detector):
    r"""Regular expression with a literal pattern used inside a loop.

    ## What it does
    Flags `re.compile`, `re.match`, `re.search`, `re.fullmatch`, `re.findall`, `re.finditer`,
    `re.sub`, `re.subn` and `re.split` called inside a `for` / `while` loop with a string
    literal as the pattern (through `import re`, `import re as r` or `from re import ...`).

    The fix adds `_WORD_RE = re.compile(r"...")` after the module's imports (named from the
    pattern's first words, else `_PATTERN_<n>`, never clashing with a name in the module) and
    calls the compiled pattern's method instead: `_WORD_RE.match(s)`; `re.compile(r"...")`
    itself becomes the constant. A `flags` argument moves into `re.compile`. An existing
    module-level constant compiling the same pattern and flags is reused; a new one goes on top
    of those hoisted before (heal's engine only lets a fix insert right after the imports).
    Functions imported with `from re import sub` work too (`import re` is added; the `from`
    import goes once unused). The fix is declined when the flags are not a module-level
    constant (a parameter, a local).

    ## Why is this bad?
    The pattern never changes, yet every iteration asks `re` for it again: `re.compile` in a
    loop rebuilds (or at best looks up) the compiled pattern each time, and the module-level
    helpers go through `re`'s internal cache, which costs a type check, a dictionary lookup
    and, once more than a few hundred patterns are in use, a full recompilation. Compiling
    once into a module-level constant does the work once and names the pattern.

    ## Example
    ```python
    import re

    for line in lines:
        if re.match(r"\s*#", line):
            continue
    ```
    Use instead (what the fix writes):
    ```python
    import re

    _PATTERN_1 = re.compile(r"\s*#")

    for line in lines:
        if _PATTERN_1.match(line):
            continue
    ```

    ## Fix safety
    Safe: a compiled pattern's methods behave exactly like the `re` functions given the same
    pattern and flags (`re` compiles the pattern the same way and caches it). The pattern is a
    literal, so evaluating it at import time instead of in the loop changes nothing.
    """

    CODE = "PERF104"
    NAME = "regex-in-loop"
    CATEGORY = Category.PERFORMANCE
    PRIORITY = Priority.P2
    MESSAGE = ("regex with a literal pattern built inside a loop; compile it once into a "
               "module-level constant")
    VALID = [
        Valid(r"""
            import re
            COMMENT = re.compile(r"\s*#")
            for line in lines:
                if COMMENT.match(line):
                    pass
        """),
        Valid(r"""
            import re
            for line in lines:
                if re.match(pattern, line):
                    pass
        """),
        Valid(r"""
            import re
            if re.match(r"\d+", text):
                pass
        """),
        Valid(r"""
            for line in lines:
                if match(r"\d+", line):
                    pass
        """),
    ]
    INVALID = [
        Invalid(r"""
            import re
            for line in lines:
                if re.match(r"\s*#", line):
                    continue
        """, line=3, expected=r"""
            import re

            _PATTERN_1 = re.compile(r"\s*#")
            for line in lines:
                if _PATTERN_1.match(line):
                    continue
        """),
        Invalid(r"""
            from re import sub as replace
            def clean(rows):
                out = []
                for row in rows:
                    out.append(replace("[ \t]+", " ", row))
                return out
        """, line=5, expected=r"""
            import re

            _PATTERN_1 = re.compile("[ \t]+")
            def clean(rows):
                out = []
                for row in rows:
                    out.append(_PATTERN_1.sub(" ", row))
                return out
        """),
        Invalid(r"""
            import re
            while True:
                word = re.compile("a" "b").search(read())
        """, line=3, expected=r"""
            import re

            _AB_RE = re.compile("a" "b")
            while True:
                word = _AB_RE.search(read())
        """),
        Invalid(r"""
            import re

            for line in lines:
                if re.match(r"\s*#", line):  # comment lines
                    continue
        """, expected=r"""
            import re

            _PATTERN_1 = re.compile(r"\s*#")

            for line in lines:
                if _PATTERN_1.match(line):  # comment lines
                    continue
        """),
        Invalid(r"""
            '''Rows.'''
            from re import sub as replace


            def clean(rows):
                out = []
                for row in rows:
                    out.append(replace("[ \t]+", " ", row, count=2))
                return out
        """, expected=r"""
            '''Rows.'''
            import re

            _PATTERN_1 = re.compile("[ \t]+")


            def clean(rows):
                out = []
                for row in rows:
                    out.append(_PATTERN_1.sub(" ", row, count=2))
                return out
        """),
        Invalid(r"""
            import re as regex
            import sys


            def words(lines, _AB_RE=None):
                for line in lines:
                    yield regex.findall("hello (\\w+)", line, regex.I | regex.M)
                    yield regex.compile("a" "b").search(line)
                    yield regex.search(r"hello (\w+)", line, flags=regex.I | regex.M)
        """, expected=r"""
            import re as regex
            import sys

            _AB_RE_2 = regex.compile("a" "b")
            _HELLO_RE = regex.compile("hello (\\w+)", regex.I | regex.M)


            def words(lines, _AB_RE=None):
                for line in lines:
                    yield _HELLO_RE.findall(line)
                    yield _AB_RE_2.search(line)
                    yield _HELLO_RE.search(line)
        """),
        Invalid(r"""
            import re


            def grep(lines, flags):
                for line in lines:
                    if re.search("error", line, flags):
                        yield line
        """),
    ]

    def __init__(self, module: cst.Module, index: ModuleIndex | None = None) -> None:
        super().__init__(module, index)
        self.modules: set[str] = set()  # local names of the `re` module
        self.functions: set[str] = set()  # local names of functions imported from `re`

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if dotted_name(alias.name) == "re":
                self.modules.add(alias.evaluated_alias or "re")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or dotted_name(node.module) != "re":
            return
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if alias.evaluated_name in REGEX_FUNCTIONS:
                self.functions.add(alias.evaluated_alias or alias.evaluated_name)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            if not (isinstance(func.value, cst.Name) and func.value.value in self.modules
                    and func.attr.value in REGEX_FUNCTIONS):
                return
        elif not (isinstance(func, cst.Name) and func.value in self.functions):
            return
        pattern = _pattern(node)
        if pattern is not None and literal_pattern(pattern) and self.enclosing_loop(node):
            self.report(node)


def constant_names(pattern: cst.BaseExpression) -> list[str]:
    """`_WORD_RE` from the first words of the pattern, else `_PATTERN_1`, `_PATTERN_2`, ..."""
    value: object = None
    if isinstance(pattern, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = pattern.evaluated_value
        except (ValueError, SyntaxError):
            value = None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        words = _WORDS.findall(_CLASSES.sub(" ", _ESCAPES.sub(" ", value)))[:3]
        if words:
            return ["_" + "_".join(word.upper() for word in words) + "_RE"]
    return [f"_PATTERN_{n}" for n in range(1, 100)]


def _module_imports(module: cst.Module) -> tuple[dict[str, int], dict[str, tuple[str, int]]]:
    """Module-level names of `re` ({alias: statement index}) and of names imported from it
    ({alias: (real name, statement index)})."""
    modules: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == "re":
                        modules.setdefault(alias.evaluated_alias or "re", index)
            elif (isinstance(small, cst.ImportFrom) and not small.relative
                  and isinstance(small.module, cst.Name) and small.module.value == "re"
                  and not isinstance(small.names, cst.ImportStar)):
                for alias in small.names:
                    real = alias.evaluated_name
                    names.setdefault(alias.evaluated_alias or real, (real, index))
    return modules, names


def _after_imports(module: cst.Module) -> int:
    """Index in the module body just after its leading docstring and imports (the block heal's
    engine lets a fix insert into)."""
    at = 0
    for index, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            if not isinstance(statement, cst.If):
                break
            continue
        if all(isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body):
            at = index + 1
        elif index == 0 and isinstance(statement.body[0], cst.Expr) and isinstance(
                statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            at = 1  # the docstring
    return at


def _compiled(statement: cst.BaseStatement, modules: dict[str, int]
              ) -> tuple[str, cst.Call] | None:
    """(`NAME`, the call) for a module-level `NAME = re.compile(...)`."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    small = statement.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)):
        return None
    call = small.value
    if (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
            and isinstance(call.func.value, cst.Name) and call.func.value.value in modules
            and call.func.attr.value == "compile"):
        return small.targets[0].target.value, call
    return None


class RegexToModuleConstant(NativeFixer):
    RULE = RegexInLoop
    NAME = "regex-to-module-constant"
    SAFETY = Safety.SAFE

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        calls = context.nodes_at(finding.span, (cst.Call,))
        if not calls:
            return self.decline(finding, "no call at the reported position")
        call = calls[0]
        assert isinstance(call, cst.Call)
        module = context.module
        modules, imported = _module_imports(module)
        func = call.func
        from_name: tuple[str, str] | None = None  # (real, alias) of `from re import ...`
        if isinstance(func, cst.Attribute):
            function = func.attr.value
        elif isinstance(func, cst.Name) and func.value in imported:
            function = imported[func.value][0]
            from_name = (function, func.value)
        else:
            return self.decline(finding, "the call is not one of `re`'s functions imported at "
                                         "module level")
        if function not in PARAMETERS:
            return self.decline(finding, f"`re.{function}` has no compiled-pattern method")
        if any(arg.star for arg in call.args):
            return self.decline(finding, "`*args` / `**kwargs` in the call")
        pattern: cst.BaseExpression | None = None
        flags: cst.BaseExpression | None = None
        kept: list[cst.Arg] = []
        params = PARAMETERS[function]
        position = 0
        for arg in call.args:
            name = arg.keyword.value if arg.keyword is not None else None
            if name is None:
                name = "pattern" if position == 0 else (
                    params[position - 1] if position - 1 < len(params) else None)
                position += 1
            if name == "pattern":
                pattern = arg.value
            elif name == "flags":
                flags = arg.value
            elif name is None or name not in params:
                return self.decline(finding, "the call's arguments do not match "
                                             f"`re.{function}`")
            else:
                kept.append(arg)
        if pattern is None or not literal_pattern(pattern):
            return self.decline(finding, "the pattern is not a string literal")
        if comments_in(pattern) or (flags is not None and comments_in(flags)):
            return self.decline(finding, "comments inside the pattern or flags would move")
        insert_at = _after_imports(module)
        alias = next((name for name, index in sorted(modules.items(), key=lambda kv: kv[1])
                      if index < insert_at), None)
        taken = names_in(module)
        if alias is None and modules:
            return self.decline(finding, "`re` is imported after the imports at the top, where "
                                         "the constant would go")
        if alias is None and _rebinds_re(module):
            return self.decline(finding, "the module uses the name `re` for something else")
        if flags is not None:
            problem = self._hoistable(flags, modules, imported, insert_at)
            if problem:
                return self.decline(finding, problem)
        module_alias = alias or "re"
        # reuse a module-level constant compiling the same pattern and flags
        constant: str | None = None
        for statement in module.body:
            found = _compiled(statement, {module_alias: 0})
            if found is None:
                continue
            args = [_key(context, arg.value) for arg in found[1].args]
            wanted = [_key(context, pattern)] + ([_key(context, flags)] if flags else [])
            if args == wanted and all(arg.keyword is None or arg.keyword.value == "flags"
                                      for arg in found[1].args[1:]):
                constant = found[0]
                break
        new_statement: cst.SimpleStatementLine | None = None
        if constant is None:
            constant = fresh_name(constant_names(pattern), taken)
            compile_args = [cst.Arg(pattern.with_changes(lpar=[], rpar=[])
                                    if isinstance(pattern, cst.SimpleString) else pattern)]
            if flags is not None:
                compile_args[0] = compile_args[0].with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                compile_args.append(cst.Arg(flags))
            value = cst.Call(cst.Attribute(cst.Name(module_alias), cst.Name("compile")),
                             compile_args)
            new_statement = cst.SimpleStatementLine(
                [cst.Assign([cst.AssignTarget(cst.Name(constant))], value)],
                leading_lines=[cst.EmptyLine()] if insert_at else [])
        if function == "compile":
            new_call: cst.BaseExpression = cst.Name(constant, lpar=call.lpar, rpar=call.rpar)
        else:
            if kept:
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            new_call = call.with_changes(
                func=cst.Attribute(cst.Name(constant), cst.Name(function)), args=kept)

        if sorted(comments_in(call)) != sorted(comments_in(new_call)):
            return self.decline(finding, "a comment between the call's arguments would be lost")

        def insert(node: cst.CSTNode) -> cst.CSTNode:
            """The constant goes right after the imports (heal's engine lets a fix insert there
            only), on top of the constants hoisted before, which it joins as one block."""
            assert isinstance(node, cst.Module)
            if new_statement is None:
                return node
            body = list(node.body)
            statement = new_statement
            if insert_at < len(body) and _compiled(body[insert_at], {module_alias: 0}):
                following = body[insert_at]
                assert isinstance(following, cst.SimpleStatementLine)
                statement = statement.with_changes(leading_lines=following.leading_lines)
                body[insert_at] = following.with_changes(leading_lines=[])
            body.insert(insert_at, statement)
            return node.with_changes(body=body)

        text = rewrite(context, {call: new_call}, {module: insert})
        if alias is None:
            text = with_imports(text, add=[("re", None)])
        if from_name is not None:
            text = _drop_unused(text, *from_name)
        return self.fix_from_text(finding, context, text,
                                  f"compile the pattern once as {constant}")

    def _hoistable(self, flags: cst.BaseExpression, modules: dict[str, int],
                   imported: dict[str, tuple[str, int]], insert_at: int) -> str | None:
        """Why the flags cannot be evaluated at module level, else None."""
        if isinstance(flags, cst.Integer):
            return None
        if isinstance(flags, cst.BinaryOperation):
            return (self._hoistable(flags.left, modules, imported, insert_at)
                    or self._hoistable(flags.right, modules, imported, insert_at))
        if (isinstance(flags, cst.Attribute) and isinstance(flags.value, cst.Name)
                and modules.get(flags.value.value, insert_at) < insert_at):
            return None
        if isinstance(flags, cst.Name) and flags.value in imported and imported[
                flags.value][1] < insert_at:
            return None
        return "the flags are not a constant from `re` known at module level"


def _rebinds_re(module: cst.Module) -> bool:
    """Something other than `import re` binds the name `re` somewhere in the module."""
    for node in walk(module):
        target: cst.CSTNode | None = None
        if isinstance(node, (cst.Param, cst.FunctionDef, cst.ClassDef)):
            target = node.name
        elif isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For,
                               cst.CompFor, cst.NamedExpr)):
            target = node.target
        elif isinstance(node, cst.ImportAlias):
            if node.evaluated_alias == "re" and node.evaluated_name != "re":
                return True
        elif isinstance(node, cst.AsName) and not isinstance(node.name, cst.Name):
            continue
        elif isinstance(node, cst.AsName):
            target = node.name
        if target is not None and "re" in names_in(target):
            return True
    return False


def _key(context: ModuleContext, node: cst.BaseExpression) -> object:
    """What an argument means: a string literal's value, else its code without spaces."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            return (type(node.evaluated_value).__name__, node.evaluated_value)
        except (ValueError, SyntaxError):
            pass
    return "".join(context.code_of(node).split())


def _drop_unused(text: str, name: str, alias: str) -> str:
    """Remove `from re import name [as alias]` when nothing uses it any more."""
    from libcst.codemod import CodemodContext  # slow to import: only when used
    from libcst.codemod.visitors import RemoveImportsVisitor

    context = CodemodContext()
    RemoveImportsVisitor.remove_unused_import(context, "re", name,
                                              None if alias == name else alias)
    return RemoveImportsVisitor(context).transform_module(cst.parse_module(text)).code

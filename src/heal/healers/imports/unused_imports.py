"""IMP101: unused imports are removed, except re-exports and side-effect imports."""

from __future__ import annotations

from pathlib import PurePosixPath

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, dropped_comments
from heal.healers.imports.project import absolute_module, importers_of, literal_strings, words
from heal.model import Category, Declined, Finding, Fix, Safety


def dunder_all(module: cst.Module) -> set[str]:
    """Every string in a module-level `__all__` assignment (or augmentation)."""
    names: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets: list[cst.BaseExpression] = []
            value: cst.BaseExpression | None = None
            if isinstance(small, cst.Assign):
                targets, value = [t.target for t in small.targets], small.value
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                targets, value = [small.target], small.value
            if value is not None and any(isinstance(t, cst.Name) and t.value == "__all__"
                                         for t in targets):
                names.update(literal_strings(value) or ())
    return names


def annotated_only(module: cst.Module) -> set[str]:
    """Module-level names declared by an annotation without a value (`name: T`)."""
    return {small.target.value for statement in module.body
            if isinstance(statement, cst.SimpleStatementLine) for small in statement.body
            if isinstance(small, cst.AnnAssign) and small.value is None
            and isinstance(small.target, cst.Name)}


def unused(context: ModuleContext, alias: cst.ImportAlias,
           statement: cst.Import | cst.ImportFrom) -> bool:
    """libcst's RemoveImports check: no reference in scope, not exported through `__all__`,
    not named in a string annotation. The scope analysis runs once per file version."""
    if _nowhere_else(context, alias, statement):
        return True  # what libcst would say, without its scope analysis of the whole file
    # slow to import (libcst.matchers, half a second): not for `heal --scan`, which loads this
    # module, nor for a run whose unused imports all take the shortcut
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import GatherUnusedImportsVisitor

    def gather() -> GatherUnusedImportsVisitor:
        wrapper = context.parsed.wrapper
        wrapper.resolve_many(GatherUnusedImportsVisitor.get_inherited_dependencies())
        visitor = GatherUnusedImportsVisitor(CodemodContext(wrapper=wrapper))
        context.module.visit(visitor)
        return visitor

    visitor = context.parsed.memo("unused-imports", gather)
    return bool(visitor.filter_unused_imports([(alias, statement)]))


def _nowhere_else(context: ModuleContext, alias: cst.ImportAlias,
                  statement: cst.Import | cst.ImportFrom) -> bool:
    """The name the alias binds appears in the file only inside this import statement: no
    reference, no `__all__` entry and no string annotation can name it, so libcst's check
    (`GatherUnusedImportsVisitor.is_in_use`: the first part of a dotted name included) would
    find it unused. An occurrence anywhere else (a comment, an attribute, another import of
    the name) leaves the question to libcst."""
    bound = alias.asname.name if alias.asname is not None else alias.name
    first: cst.BaseExpression = bound
    while isinstance(first, cst.Attribute):
        first = first.value
    if not isinstance(first, cst.Name):
        return False
    in_file = context.parsed.memo("words", lambda: words(context.text))
    return in_file[first.value] == words(context.code_of(statement))[first.value]


def without(statement: cst.Import | cst.ImportFrom, alias: cst.ImportAlias
            ) -> cst.Import | cst.ImportFrom | cst.RemovalSentinel:
    """The statement with one name fewer (removed when it was the last); the comments of the
    names that stay are kept, and a trailing comma inside parentheses too."""
    names = statement.names
    assert not isinstance(names, cst.ImportStar)
    kept = [a for a in names if a is not alias]
    if not kept:
        return cst.RemovalSentinel.REMOVE
    if names[-1] is not alias:
        return statement.with_changes(names=kept)
    last = kept[-1]
    if isinstance(statement, cst.Import) or statement.rpar is None:
        kept[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return statement.with_changes(names=kept)
    # inside parentheses: the removed name's line break before `)` moves to the new last name
    rpar = statement.rpar
    comma = last.comma if isinstance(last.comma, cst.Comma) else cst.Comma()
    after = comma.whitespace_after
    if isinstance(alias.comma, cst.Comma):
        closing = alias.comma.whitespace_after
    else:
        commented = isinstance(after, cst.ParenthesizedWhitespace) and \
            after.first_line.comment is not None
        if not commented:
            kept[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return statement.with_changes(names=kept)
        closing = rpar.whitespace_before
        rpar = rpar.with_changes(whitespace_before=cst.SimpleWhitespace(""))
    if isinstance(after, cst.ParenthesizedWhitespace) and isinstance(closing, cst.ParenthesizedWhitespace):
        after = after.with_changes(indent=closing.indent, last_line=closing.last_line)
    elif isinstance(after, cst.ParenthesizedWhitespace):
        after = after.with_changes(indent=False, last_line=cst.SimpleWhitespace(""))
    else:
        after = closing
    kept[-1] = last.with_changes(comma=comma.with_changes(whitespace_after=after))
    return statement.with_changes(names=kept, rpar=rpar)


def remove_line(context: ModuleContext, line: cst.SimpleStatementLine) -> str:
    """The module without one statement line; the blank lines and comments above it stay (they
    go to the statement that follows), and a block left empty gets `pass`."""
    block = context.parent(line)
    if not isinstance(block, (cst.Module, cst.IndentedBlock)):
        return context.replace(line, cst.RemovalSentinel.REMOVE)
    body = list(block.body)
    index = next(i for i, s in enumerate(body) if s is line)
    if index + 1 < len(body):
        following = body[index + 1]
        assert isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        body[index + 1] = following.with_changes(
            leading_lines=[*line.leading_lines, *following.leading_lines])
        del body[index]
    elif len(body) == 1 and isinstance(block, cst.IndentedBlock):
        body = [cst.SimpleStatementLine([cst.Pass()], leading_lines=line.leading_lines)]
    else:
        return context.replace(line, cst.RemovalSentinel.REMOVE)
    if isinstance(block, cst.Module):
        return block.with_changes(body=body).code
    return context.replace(block, block.with_changes(body=body))


def matches(module: str, listed: tuple[str, ...]) -> str | None:
    """The configured module name that `module` is, or is a submodule of."""
    for name in listed:
        if module == name or module.startswith(name + "."):
            return name
    return None


class UnusedImport(Fixer):
    """Remove an import nothing uses.

    ## What it does
    Where ruff reports `imported but unused` (`F401`), removes that one name from its import
    statement (the whole statement when it was the last name) with libcst's `RemoveImports`
    logic, which checks the name really is unused and keeps the comments of the names that stay.
    It declines in `__init__.py` (imports there are usually the package's API), for names listed
    in `__all__`, for modules in `side-effect-imports` of `[tool.heal]` (imported for what
    importing them does), and for imports in a `try` block (an availability check).

    ## Why is this bad?
    An unused import costs import time, can create import cycles, and misleads readers about
    what a module depends on.

    ## Example
    ```python
    import os
    import sys

    print(sys.argv)
    ```
    becomes
    ```python
    import sys

    print(sys.argv)
    ```

    ## Fix safety
    Safe: the name is bound but never read. Importing a module can have side effects, which is
    why `side-effect-imports` modules and `try` imports are left alone; for others, the tests
    run after the fix catch a side effect the code relied on. Unsafe when a comment on the
    removed name (`import os  # paths`) would go with it.
    """

    CODE = "IMP101"
    NAME = "unused-import"
    CATEGORY = Category.IMPORT
    RULES = ("ruff:F401",)
    SAFETY = Safety.SAFE
    VALID = [Valid("import os\n\nprint(os.sep)\n")]
    INVALID = [
        Invalid("import os\nimport sys\n\nprint(sys.argv)\n", expected="import sys\n\nprint(sys.argv)\n"),
        Invalid("from typing import (\n    Any,  # the one we use\n    Callable,\n)\n\nx: Any = 1\n",
                expected="from typing import (\n    Any,  # the one we use\n)\n\nx: Any = 1\n"),
        Invalid("def f() -> None:\n    from os import path\n    import json as j, re\n"
                "    print(re)\n",
                expected="def f() -> None:\n    import re\n    print(re)\n"),
        Invalid("try:\n    import yaml\nexcept ImportError:\n    print('no yaml')\n"),
        # the comment on a removed name goes with it, so the fix is unsafe (run with
        # --unsafe-fixes, as the cases are); the comments of the names that stay are kept
        Invalid("from collections import (OrderedDict,  # odd\n    defaultdict)\nimport os  # paths\n"
                "\nprint(defaultdict)\n",
                expected="from collections import (defaultdict)\n\nprint(defaultdict)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        if PurePosixPath(context.path).name == "__init__.py":
            return self.decline(finding, "imports in a package's __init__.py are usually its API; "
                                         "add them to __all__ or remove them by hand")
        aliases = context.nodes_covering(finding.span, (cst.ImportAlias,))
        if not aliases:
            return self.decline(finding, "no import at the reported position")
        alias = aliases[0]
        assert isinstance(alias, cst.ImportAlias)
        statement = context.parent(alias)
        if isinstance(statement, cst.Import):
            module, obj = alias.evaluated_name, None
        elif isinstance(statement, cst.ImportFrom):
            module, obj = absolute_module(statement) or "", alias.evaluated_name
        else:
            return self.decline(finding, "no import statement at the reported position")
        bound = alias.evaluated_alias or (obj or module.split(".")[0])
        if bound in dunder_all(context.module):
            return self.decline(finding, f"`{bound}` is listed in __all__")
        listed = matches(module, context.config.side_effect_imports) or (
            matches(f"{module}.{obj}", context.config.side_effect_imports) if obj else None)
        if listed:
            return self.decline(finding, f"`{listed}` is imported for its side effects "
                                         "(side-effect-imports)")
        for ancestor in context.ancestors(statement):
            if isinstance(ancestor, (cst.Try, cst.TryStar)):
                return self.decline(finding, "imported in a `try` block: probably a check that "
                                             "the module is available")
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                break
        if bound in annotated_only(context.module):
            return self.decline(finding, f"`{bound}` is re-declared with a bare annotation: "
                                         "a typed re-export")
        if context.root is not None and isinstance(context.parent(context.parent(statement)
                                                                   or statement), cst.Module):
            users = importers_of(context.root, context.path, bound)
            if users:
                return self.decline(finding, f"`{bound}` is imported from this module by "
                                             f"{', '.join(users)}: a re-export")
        if not unused(context, alias, statement):
            return self.decline(finding, f"libcst still sees a use of `{bound}`")
        rest = without(statement, alias)
        line = context.parent(statement)
        if isinstance(rest, cst.RemovalSentinel) and isinstance(line, cst.SimpleStatementLine) \
                and len(line.body) == 1:
            text = remove_line(context, line)
        else:
            text = context.replace(statement, rest)
        lost = dropped_comments(context.text, text)
        if lost:  # a comment about the removed name goes with it: a human should agree
            return self.fix_from_text(finding, context, text, f"remove unused import `{bound}`",
                                      Safety.UNSAFE, f"the comment `{lost[0]}` goes with it")
        return self.fix_from_text(finding, context, text, f"remove unused import `{bound}`")

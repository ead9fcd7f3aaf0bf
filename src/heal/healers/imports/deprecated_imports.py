"""IMP106: imports from deprecated module paths (`typing.Sequence`) use the current module."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.edits import apply_edits
from heal.fixer import Fixer, ModuleContext
from heal.healers.imports.project import absolute_module, tightened
from heal.healers.imports.unused_imports import without
from heal.model import Category, Declined, Finding, Fix, Safety
from heal.rules.rewrite import rewrite

_MOVED = re.compile(r"Import from `(?P<module>[\w.]+)` instead: (?P<names>.*)$")
_RENAMED = re.compile(r"`(?P<old_module>[\w.]+)\.(?P<old>\w+)` is deprecated, use "
                      r"`(?P<module>[\w.]+)\.(?P<new>\w+)` instead")

_BUILTIN = re.compile(r"`(?P<old>[\w.]+)` is deprecated, use `(?P<new>\w+)` instead")


def wanted_moves(message: str) -> tuple[str, dict[str, str]] | None:
    """(new module, {old name: new name}) from UP035's message, or None."""
    moved = _MOVED.match(message)
    if moved:
        names = re.findall(r"`(\w+)`", moved.group("names"))
        return moved.group("module"), {n: n for n in names}
    renamed = _RENAMED.match(message)
    if renamed:
        return renamed.group("module"), {renamed.group("old"): renamed.group("new")}
    return None


class DeprecatedImport(Fixer):
    """Import names from their current module instead of a deprecated alias.

    ## What it does
    Where ruff reports a deprecated import (`UP035`), such as `Import from `collections.abc`
    instead: `Sequence`` or ``typing.ContextManager` is deprecated, use
    `contextlib.AbstractContextManager` instead`, applies ruff's edit when ruff offers one.
    Otherwise it rewrites the statement itself: the names move to a new
    `from <module> import ...` line right after it, and a renamed one keeps its local name
    (`from contextlib import AbstractContextManager as ContextManager`) so no use has to change.

    ## Why is this bad?
    The `typing` aliases of `collections.abc`, `contextlib` and `re` classes are deprecated
    since Python 3.9 and may be removed; the real classes are the same objects, generic since 3.9.

    ## Example
    ```python
    from typing import Callable, Sequence, cast
    ```
    becomes
    ```python
    from typing import cast
    from collections.abc import Callable, Sequence
    ```

    ## Fix safety
    Safe: the new names are the very classes the deprecated aliases stood for, subscriptable
    on every Python ruff reports this for (its target version).
    """

    CODE = "IMP106"
    NAME = "deprecated-import"
    CATEGORY = Category.IMPORT
    RULES = ("ruff:UP035",)
    SAFETY = Safety.SAFE
    VALID = [Valid("from collections.abc import Sequence\n\nx: Sequence[int] = []\n")]
    INVALID = [
        Invalid("from typing import Callable, Sequence, cast\n\n\n"
                "def f(x: Sequence[int], c: Callable[[], int]) -> int:\n    return cast(int, c())\n",
                expected="from typing import cast\nfrom collections.abc import Callable, Sequence\n\n\n"
                "def f(x: Sequence[int], c: Callable[[], int]) -> int:\n    return cast(int, c())\n"),
        Invalid("from typing import ContextManager, cast  # typing\n\n\n"
                "def f(c: ContextManager[int]) -> int:\n    return cast(int, c)\n",
                expected="from typing import cast  # typing\n"
                "from contextlib import AbstractContextManager as ContextManager\n\n\n"
                "def f(c: ContextManager[int]) -> int:\n    return cast(int, c)\n"),
        Invalid("import os; from typing import ContextManager\n\n\n"
                "def f(c: ContextManager[int]) -> None:\n    print(c, os)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        statements = context.nodes_covering(finding.span, (cst.ImportFrom,))
        statement = statements[0] if statements else None
        if statement is not None and any(isinstance(a, (cst.Try, cst.TryStar))
                                         for a in context.ancestors(statement)):
            return self.decline(finding, "a fallback import in a `try` block: drop the "
                                         "compatibility shim by hand rather than rewrite one branch")
        tool_fix = finding.tool_fix
        if tool_fix is not None and tool_fix.applicability != "display-only":
            try:
                apply_edits(context.text, tool_fix.edits)
            except ValueError:
                return self.decline(finding, "ruff's edits overlap")
            safety = Safety.SAFE if tool_fix.applicability == "safe" else Safety.UNSAFE
            return self.make_fix(finding, tightened(context.text, tool_fix.edits),
                                 tool_fix.message or finding.message,
                                 safety)
        builtin = _BUILTIN.match(finding.message)
        if builtin:
            return self.decline(finding, f"`{builtin.group('new')}` replaces "
                                         f"`{builtin.group('old')}` where it is used, not in the "
                                         "import: ruff's UP006 rewrites the uses, then F401 drops "
                                         "the import")
        wanted = wanted_moves(finding.message)
        if wanted is None:
            return self.decline(finding, "cannot read which names move where from the message")
        module, names = wanted
        line = context.parent(statement) if statement is not None else None
        if not isinstance(statement, cst.ImportFrom) or isinstance(statement.names, cst.ImportStar) \
                or not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return self.decline(finding, "the import shares its line with other statements; "
                                         "rewrite it by hand")
        rest: cst.ImportFrom | cst.Import | cst.RemovalSentinel = statement
        aliases: list[cst.ImportAlias] = []
        for alias in statement.names:
            if alias.evaluated_name not in names:
                continue
            assert not isinstance(rest, cst.RemovalSentinel)
            current = next(a for a in rest.names if a.evaluated_name == alias.evaluated_name) \
                if not isinstance(rest.names, cst.ImportStar) else alias
            rest = without(rest, current)
            new_name = names[alias.evaluated_name]
            local = alias.evaluated_alias or alias.evaluated_name
            aliases.append(cst.ImportAlias(
                name=cst.Name(new_name),
                asname=None if local == new_name else cst.AsName(name=cst.Name(local))))
            if isinstance(rest, cst.RemovalSentinel):
                break
        if not aliases:
            return self.decline(finding, "none of the names ruff lists is in this statement")
        aliases = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                   for a in aliases[:-1]] + aliases[-1:]
        template = cst.parse_statement(f"from {module} import _\n")
        assert isinstance(template, cst.SimpleStatementLine)
        new_line = template.with_changes(body=[cst.ensure_type(template.body[0], cst.ImportFrom)
                                               .with_changes(names=aliases)])
        replacement: list[cst.BaseStatement] = []
        if isinstance(rest, cst.RemovalSentinel):
            replacement.append(new_line.with_changes(leading_lines=line.leading_lines,
                                                     trailing_whitespace=line.trailing_whitespace))
        else:
            replacement += [line.with_changes(body=[rest]), new_line]
        text = rewrite(context, {line: cst.FlattenSentinel(replacement)})
        old = absolute_module(statement) or "typing"
        return self.fix_from_text(finding, context, text,
                                  f"import {', '.join(names)} from `{module}` instead of `{old}`")

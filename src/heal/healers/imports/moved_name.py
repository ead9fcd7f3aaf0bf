"""IMP107: a name a failing import cannot find where it looks is imported from where it is."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.imports.project import absolute_module, add_imports, package_of, symbol_index
from heal.model import Category, Declined, Finding, Fix, Safety

_CANNOT = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)'")


def _import_of(context: ModuleContext, line: int, name: str) -> cst.ImportFrom | None:
    """The `from m import ..., name, ...` statement on the failing line."""
    for node in context.parsed.on_line(line):
        if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar) and \
                context.positions[node].start.line == line and \
                any(alias.evaluated_name == name for alias in node.names):
            return node
    return None


class MovedName(Fixer):
    """Import a name from the project module that defines it, where an import of it fails.

    ## What it does
    Where a test fails with `ImportError: cannot import name 'x' from 'pkg.a'`
    (`pytest:import-error`, from `heal --from-tests`, or a logged traceback with
    `heal --from-log`) at `from pkg.a import x`, and exactly one other module of the project
    defines `x` at its top level, imports `x` from there instead: the statement names that
    module, or, when it imports other names too, loses `x` and a new `from pkg.b import x`
    joins the import block. A module that is not there at all (`ModuleNotFoundError`), a name
    no project module defines or several define, or an alias (`import x as y`) is declined.

    ## Why is this bad?
    A function or class moved to another module in a refactor, and an import of it was left
    behind: every module (and test) that imports it fails to import.

    ## Example
    ```python
    from shop.a import cents  # cents() moved to shop.money
    ```
    becomes
    ```python
    from shop.money import cents  # cents() moved to shop.money
    ```

    ## Fix safety
    Unsafe: the index of the project's names is built from names alone, so the one module that
    defines the name may still not be the one meant, and importing it may create an import
    cycle. `heal --from-tests` tries it anyway and keeps it only when the failing test passes.
    """

    CODE = "IMP107"
    NAME = "moved-name-import"
    CATEGORY = Category.IMPORT
    RULES = ("pytest:import-error",)
    SAFETY = Safety.UNSAFE
    VALID = [Valid("from json import dumps\n\nprint(dumps(1))\n")]
    INVALID = [Invalid("from json import no_such_name\n\nprint(no_such_name)\n")]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        match = _CANNOT.search(finding.message)
        if match is None and "No module named" in finding.message:
            return self.decline(finding, "no module of that name: install it, or fix the "
                                         "import by hand")
        if match is None:
            return None
        name, module = match.group("name"), match.group("module")
        statement = _import_of(context, finding.span.start.line, name)
        if statement is None or isinstance(statement.names, cst.ImportStar):
            return self.decline(finding, f"no `from ... import {name}` on the failing line")
        if any(a.asname is not None for a in statement.names if a.evaluated_name == name):
            return self.decline(finding, f"`{name}` is imported under another name; fix the "
                                         "import by hand")
        package = package_of(context.root, context.path) if context.root is not None else None
        if absolute_module(statement, package) != module:
            return self.decline(finding, f"the import on the failing line is not the one from "
                                         f"`{module}`")
        homes = sorted({home for home, _ in symbol_index(context.root).get(name, [])
                        if home != module}) if context.root is not None else []
        if not homes:
            return self.decline(finding, f"no other project module defines `{name}`; fix the "
                                         "import by hand")
        if len(homes) > 1:
            return self.decline(finding, f"`{name}` is defined in several modules: "
                                         f"{', '.join(homes)}; import the right one by hand")
        return self._moved(finding, context, statement, name, homes[0])

    def _moved(self, finding: Finding, context: ModuleContext, statement: cst.ImportFrom,
               name: str, home: str) -> Fix | None:
        assert not isinstance(statement.names, cst.ImportStar)
        if len(statement.names) == 1:
            module = cst.parse_expression(home)
            assert isinstance(module, (cst.Name, cst.Attribute))
            replacement = statement.with_changes(module=module, relative=())
            text = context.replace(statement, replacement)
        else:
            kept = [a for a in statement.names if a.evaluated_name != name]
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            text = add_imports(context.replace(statement, statement.with_changes(names=kept)),
                               [(home, name)])
        return self.fix_from_text(finding, context, text,
                                  f"import `{name}` from `{home}`, which defines it")

"""IMP103: `from module import *` becomes an import of the names the module actually uses."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.imports.project import (
    is_stdlib,
    names_of,
    project_exports,
    stdlib_exports,
)
from heal.healers.imports.unused_imports import dunder_all
from heal.model import Category, Declined, Finding, Fix, Safety

_F405 = re.compile(r"`(?P<name>[^`]+)` may be undefined, or defined from star imports")
MAX_LINE = 88


def undefined_names(module: cst.Module) -> set[str]:
    """Names read somewhere in the module that no scope binds (libcst's scope analysis)."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    found: set[str] = set()
    for scope in {id(s): s for s in scopes.values() if s is not None}.values():
        for access in scope.accesses:
            if not access.referents and isinstance(access.node, cst.Name):
                found.add(access.node.value)
    return found


def sort_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then everything else."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def explicit_import(node: cst.ImportFrom, names: list[str], indent: str) -> cst.ImportFrom:
    module = cst.Module(body=[]).code_for_node(node.module) if node.module else ""
    dots = "." * len(node.relative)
    line = f"from {dots}{module} import {', '.join(names)}"
    if len(indent) + len(line) > MAX_LINE:
        inner = "".join(f"    {indent}{n},\n" for n in names)
        line = f"from {dots}{module} import (\n{inner}{indent})"
    statement = cst.parse_statement(line + "\n")
    assert isinstance(statement, cst.SimpleStatementLine)
    new = statement.body[0]
    assert isinstance(new, cst.ImportFrom)
    return new


class StarImport(Fixer):
    """Replace a star import with the names the module uses from it.

    ## What it does
    Where ruff reports `from x import *` (`F403`) or a name that may come from it (`F405`),
    replaces the star with the names the module reads but does not define and that module
    exports: `from os.path import *` becomes `from os.path import exists, join`. What a module
    exports is learned by importing it for the standard library only, and by parsing its source
    (its `__all__`, else its public top-level names) for modules of the project. It declines in
    `__init__.py` (re-exports), when the star's module is neither, when its exports cannot be
    told (a computed `__all__`, star imports of its own), when two star imports could provide
    the same name, and when nothing from the star is used.

    ## Why is this bad?
    A star import hides where names come from, lets a new name in the other module silently
    shadow a local one, and stops linters from finding undefined names.

    ## Example
    ```python
    from os.path import *

    print(join("a", "b"))
    ```
    becomes
    ```python
    from os.path import join

    print(join("a", "b"))
    ```

    ## Fix safety
    Unsafe: the list of names comes from static analysis; a name used only through `globals()`,
    `eval` or a string, or one the star bound on purpose for other modules, would be lost.
    """

    CODE = "IMP103"
    NAME = "star-import"
    CATEGORY = Category.IMPORT
    RULES = ("ruff:F403", "ruff:F405")
    SAFETY = Safety.UNSAFE
    VALID = [Valid("from os.path import join\n\nprint(join('a', 'b'))\n")]
    INVALID = [
        Invalid("from os.path import *\n\nprint(join('a', 'b'), exists('c'))\n",
                expected="from os.path import exists, join\n\nprint(join('a', 'b'), exists('c'))\n"),
        Invalid("from os.path import *  # paths\nfrom string import *\n\n\n"
                "def f() -> str:\n    return join(ascii_letters, digits)\n",
                expected="from os.path import join  # paths\nfrom string import ascii_letters, digits\n"
                "\n\ndef f() -> str:\n    return join(ascii_letters, digits)\n"),
        Invalid("from heal_no_such_module import *\n\nprint(thing)\n"),
        Invalid("from os.path import *\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        if PurePosixPath(context.path).name == "__init__.py":
            return self.decline(finding, "a star import in __init__.py re-exports a package's API")
        stars = self._stars(context)
        if finding.code == "F403":
            chosen = [s for s in context.nodes_covering(finding.span, (cst.ImportFrom,))
                      if any(s is star for star, _ in stars)]
            if not chosen:
                return self.decline(finding, "only module-level star imports are rewritten")
            star = chosen[0]
            assert isinstance(star, cst.ImportFrom)
        else:
            match = _F405.match(finding.message)
            if match is None:
                return None
            owners = [s for s, exports in stars if exports is not None
                      and match.group("name") in exports]
            if not owners:
                return self.decline(finding, f"no star import here is known to export "
                                             f"`{match.group('name')}`")
            if len(owners) > 1:
                return self.decline(finding, f"several star imports export "
                                             f"`{match.group('name')}`")
            star = owners[0]
        exports = next(e for s, e in stars if s is star)
        module = cst.Module(body=[]).code_for_node(star.module) if star.module else "."
        if exports is None:
            return self.decline(finding, f"cannot tell what `{module}` exports (not the standard "
                                         "library, not a project module, or computed __all__)")
        wanted = (undefined_names(context.module) | dunder_all(context.module)) & exports
        wanted -= names_of(context.module).defined
        for other, other_exports in stars:
            if other is not star and (other_exports is None or wanted & other_exports):
                return self.decline(finding, "another star import may provide the same names")
        if not wanted:
            return self.decline(finding, f"nothing from `{module}` is used; remove it by hand if "
                                         "importing it has no needed side effect")
        names = sorted(wanted, key=sort_key)
        new = explicit_import(star, names, "")
        return self.fix_from_text(finding, context, context.replace(star, new),
                                  f"import {', '.join(names)} from `{module}` instead of *")

    def _stars(self, context: ModuleContext) -> list[tuple[cst.ImportFrom, set[str] | None]]:
        stars = [small for statement in context.module.body
                 if isinstance(statement, cst.SimpleStatementLine) for small in statement.body
                 if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)]
        return [(star, self._exports(context, star)) for star in stars]

    def _exports(self, context: ModuleContext, node: cst.ImportFrom) -> set[str] | None:
        module = cst.Module(body=[]).code_for_node(node.module) if node.module else ""
        if not node.relative:
            if is_stdlib(module):
                return stdlib_exports(module)
            return project_exports(context.root, module)
        if context.root is None:
            return None
        folder = (context.root / context.path).parent
        for _ in range(len(node.relative) - 1):
            folder = folder.parent
        target = folder.joinpath(*module.split(".")) if module else folder
        for candidate in (target.with_suffix(".py"), target / "__init__.py"):
            if candidate.is_file():
                return self._parse(candidate)
        return None

    def _parse(self, path: Path) -> set[str] | None:
        try:
            return names_of(cst.parse_module(path.read_text(encoding="utf-8"))).public()
        except (OSError, UnicodeDecodeError, cst.ParserSyntaxError):
            return None

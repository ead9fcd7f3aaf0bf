"""IMP104: undefined names that are stdlib modules, typing names or project symbols get imported."""

from __future__ import annotations

import importlib
from pathlib import PurePosixPath

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, ScopeProvider

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.imports.project import add_imports, is_stdlib, symbol_index
from heal.healers.types.typing_imports import TYPING_NAMES, home_of, undefined_name
from heal.model import Category, Declined, Finding, Fix, Safety

TEST_DIRS = {"tests", "test", "testing"}
# standard-library classes and functions whose name says where they come from
STDLIB_SYMBOLS: dict[str, str] = {
    "ABC": "abc", "abstractmethod": "abc", "Counter": "collections", "OrderedDict": "collections",
    "defaultdict": "collections", "deque": "collections", "namedtuple": "collections",
    "contextmanager": "contextlib", "suppress": "contextlib", "ExitStack": "contextlib",
    "deepcopy": "copy", "dataclass": "dataclasses",
    "timedelta": "datetime", "timezone": "datetime", "Decimal": "decimal", "Enum": "enum",
    "IntEnum": "enum", "Fraction": "fractions", "cached_property": "functools",
    "lru_cache": "functools", "partial": "functools", "reduce": "functools",
    "singledispatch": "functools", "total_ordering": "functools", "wraps": "functools",
    "BytesIO": "io", "StringIO": "io", "PurePath": "pathlib", "Path": "pathlib",
    "PurePosixPath": "pathlib", "pformat": "pprint", "pprint": "pprint",
    "SimpleNamespace": "types", "UUID": "uuid", "uuid4": "uuid",
}


def attribute_uses(module: cst.Module, name: str) -> tuple[set[str], bool]:
    """(attributes read from the unbound `name`, whether it is also used bare)."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    scopes = wrapper.resolve(ScopeProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    attributes: set[str] = set()
    bare = False
    for scope in {id(s): s for s in scopes.values() if s is not None}.values():
        for access in scope.accesses:
            node = access.node
            if access.referents or not isinstance(node, cst.Name) or node.value != name:
                continue
            parent = parents.get(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                attributes.add(parent.attr.value)
            else:
                bare = True
    return attributes, bare


def _in_tests(path: PurePosixPath) -> bool:
    return bool(TEST_DIRS & set(path.parts[:-1])) or path.name.startswith("test_")


class UndefinedName(Fixer):
    """Import an undefined name from the standard library, typing, or the project.

    ## What it does
    Where ruff reports `Undefined name` (`F821`), mypy `Name "x" is not defined`
    (`name-defined`) or a test fails with `NameError: name 'x' is not defined`
    (`pytest:name-error`, `heal --from-tests`), adds the import that defines it:
    - a standard-library module used only as `name.attr`, where every such attribute exists in
      that module (`os.path.join(...)` -> `import os`);
    - a `typing` name (`Optional`, `Any`, ...) the project's Python has -> `from typing import`;
    - a well-known standard-library class or function (`Path`, `Decimal`, `dataclass`,
      `defaultdict`, ...) -> `from pathlib import Path`;
    - a function, class or variable defined at the top level of exactly one other module of
      the project -> `from that.module import name`. When several modules define it, the fixer
      declines and lists them.

    ## Why is this bad?
    An undefined name raises `NameError` when the line runs; usually an import was forgotten
    or lost in a refactor.

    ## Example
    ```python
    def home() -> str:
        return os.path.expanduser("~")
    ```
    becomes
    ```python
    import os


    def home() -> str:
        return os.path.expanduser("~")
    ```

    ## Fix safety
    Safe for standard-library modules, classes and functions and typing names (the name was
    unbound, so nothing it meant before changes). Unsafe for project symbols: the index is
    built from names alone, so the one module that defines the name may still not be the one
    meant, and importing it may create an import cycle; the tests decide.
    """

    CODE = "IMP104"
    NAME = "undefined-name-import"
    CATEGORY = Category.IMPORT
    RULES = ("ruff:F821", "mypy:name-defined", "pytest:name-error")
    SAFETY = Safety.SAFE
    VALID = [Valid("import os\n\nprint(os.sep)\n")]
    INVALID = [
        Invalid('def home() -> str:\n    return os.path.expanduser("~")\n',
                expected='import os\n\n\ndef home() -> str:\n    return os.path.expanduser("~")\n'),
        Invalid("import sys\n\nprint(sys.argv, json.dumps(1))\n",
                expected="import sys\nimport json\n\nprint(sys.argv, json.dumps(1))\n"),
        Invalid('def price() -> object:\n    return Decimal("1.5")\n',
                expected='from decimal import Decimal\n\n\ndef price() -> object:\n'
                '    return Decimal("1.5")\n'),
        Invalid("print(string.no_such_function())\n"),
        Invalid("print(heal_surely_undefined_name)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        name = undefined_name(finding)
        if name is None or not name.isidentifier():
            return None
        if name in TYPING_NAMES:
            since = TYPING_NAMES[name]
            if since > context.target:
                return self.decline(finding, f"`typing.{name}` needs Python {since[0]}.{since[1]}")
            return self._add(finding, context, home_of(name, context.target), name, Safety.SAFE)
        if is_stdlib(name):
            return self._stdlib(finding, context, name)
        return self._project(finding, context, name)

    def _add(self, finding: Finding, context: ModuleContext, module: str, name: str | None,
             safety: Safety) -> Fix | Declined:
        text = add_imports(context.text, [(module, name)])
        description = f"import `{module}`" if name is None else f"import `{name}` from `{module}`"
        fix = self.fix_from_text(finding, context, text, description, safety)
        return fix if fix is not None else self.decline(finding, "the import is already there")

    def _stdlib(self, finding: Finding, context: ModuleContext, name: str) -> Fix | Declined:
        attributes, bare = attribute_uses(context.module, name)
        if bare or not attributes:
            return self.decline(finding, f"`{name}` is used as a plain name, not as the module "
                                         f"`{name}`; is it a misspelt variable?")
        try:
            module = importlib.import_module(name)
        except Exception:
            return self.decline(finding, f"the standard library module `{name}` does not import here")
        missing = sorted(a for a in attributes if not hasattr(module, a))
        if missing:
            return self.decline(finding, f"the module `{name}` has no {', '.join(missing)}; "
                                         "it is not the module meant")
        return self._add(finding, context, name, None, Safety.SAFE)

    def _project(self, finding: Finding, context: ModuleContext, name: str) -> Fix | Declined:
        candidates: list[str] = []
        if context.root is not None:
            here = (context.root / context.path).resolve()
            in_tests = _in_tests(PurePosixPath(context.path))
            top = context.root.resolve()
            candidates = sorted({
                module for module, path in symbol_index(context.root).get(name, [])
                if path.resolve() != here and (in_tests or not _in_tests(
                    PurePosixPath(path.relative_to(top).as_posix())))})
        stdlib = STDLIB_SYMBOLS.get(name)
        if stdlib is not None and not candidates:
            return self._add(finding, context, stdlib, name, Safety.SAFE)
        if stdlib is not None:
            candidates = sorted([stdlib, *candidates])
        if not candidates:
            where = "" if context.root is not None else " (no project was given to look in)"
            return self.decline(finding, f"no standard-library module, typing name or top-level "
                                         f"definition in the project is called `{name}`{where}")
        if len(candidates) > 1:
            return self.decline(finding, f"`{name}` is defined in several modules: "
                                         f"{', '.join(candidates)}; import the right one by hand")
        return self._add(finding, context, candidates[0], name, Safety.UNSAFE)

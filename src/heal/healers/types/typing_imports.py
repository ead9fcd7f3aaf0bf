"""TYP107: typing names used without an import get `from typing import ...`."""

from __future__ import annotations

import re

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.imports.project import add_imports
from heal.model import Category, Declined, Finding, Fix, Safety

# name -> the first Python whose `typing` has it. Names that more often mean something else
# (collections.Counter / OrderedDict / ChainMap, re.Pattern / re.Match) are left out.
TYPING_NAMES: dict[str, tuple[int, int]] = {
    **dict.fromkeys((
        "Any", "AnyStr", "AsyncContextManager", "AsyncGenerator", "AsyncIterable",
        "AsyncIterator", "Awaitable", "BinaryIO", "Callable", "ClassVar", "Collection",
        "Container", "ContextManager", "Coroutine", "DefaultDict", "Deque", "Dict", "FrozenSet",
        "Generator", "Generic", "Hashable", "IO", "ItemsView", "Iterable", "Iterator",
        "KeysView", "List", "Mapping", "MappingView", "MutableMapping", "MutableSequence",
        "MutableSet", "NamedTuple", "NewType", "NoReturn", "Optional", "Reversible", "Sequence",
        "Set", "Sized", "SupportsAbs", "SupportsBytes", "SupportsComplex", "SupportsFloat",
        "SupportsInt", "SupportsRound", "TYPE_CHECKING", "Text", "TextIO", "Tuple", "Type",
        "TypeVar", "Union", "ValuesView", "cast", "get_type_hints", "no_type_check", "overload",
    ), (3, 0)),
    **dict.fromkeys(("Final", "Literal", "Protocol", "SupportsIndex", "TypedDict", "final",
                     "runtime_checkable", "get_args", "get_origin"), (3, 8)),
    "Annotated": (3, 9),
    **dict.fromkeys(("Concatenate", "ParamSpec", "TypeAlias", "TypeGuard"), (3, 10)),
    **dict.fromkeys(("LiteralString", "Never", "NotRequired", "Required", "Self", "TypeVarTuple",
                     "Unpack", "assert_never", "assert_type", "dataclass_transform",
                     "reveal_type"), (3, 11)),
    "override": (3, 12),
    **dict.fromkeys(("ReadOnly", "TypeIs"), (3, 13)),
}
# typing aliases of collections.abc classes (deprecated since 3.9, ruff's UP035 moves them)
ABC_NAMES = frozenset({
    "AsyncGenerator", "AsyncIterable", "AsyncIterator", "Awaitable", "Callable", "Collection",
    "Container", "Coroutine", "Generator", "Hashable", "ItemsView", "Iterable", "Iterator",
    "KeysView", "Mapping", "MappingView", "MutableMapping", "MutableSequence", "MutableSet",
    "Reversible", "Sequence", "Sized", "ValuesView",
})
_MYPY = re.compile(r'Name "(?P<name>[^"]+)" is not defined')
_RUFF = re.compile(r"Undefined name `(?P<name>[^`]+)`")
_PYTHON = re.compile(r"^NameError: name '(?P<name>[^']+)' is not defined")  # a failing test
_SUGGESTION = re.compile(r'Suggestion: "from (?P<module>[\w.]+) import (?P<name>\w+)"')


def home_of(name: str, target: tuple[int, int]) -> str:
    """Where to import a typing name from: `collections.abc` for its ABCs from Python 3.9 on
    (so ruff's UP035 has nothing to say), else `typing`."""
    return "collections.abc" if name in ABC_NAMES and target >= (3, 9) else "typing"


def undefined_name(finding: Finding) -> str | None:
    match = _MYPY.match(finding.message) or _RUFF.match(finding.message) or \
        _PYTHON.match(finding.message)
    return match.group("name") if match else None


class TypingImport(Fixer):
    """Import the typing names a module uses but never imported.

    ## What it does
    Where mypy reports `Name "List" is not defined` (`name-defined`, whose hint reads
    `Suggestion: "from typing import List"`) or ruff reports `Undefined name` (`F821`) for a
    name of the `typing` module (`List`, `Dict`, `Optional`, `Any`, `Callable`, `Iterable`, ...),
    adds `from typing import <name>` to the import block (`from collections.abc import` for
    the ABCs such as `Callable` and `Iterable` when the project's Python is 3.9 or newer, where
    their typing aliases are deprecated). Names the project's oldest Python does
    not have in `typing` (`Self` before 3.11) are declined; other undefined names are left to
    the import fixers.

    ## Why is this bad?
    An annotation that names an unimported type raises `NameError` when the function is defined
    (or when anything inspects its annotations), and mypy cannot check anything it annotates.

    ## Example
    ```python
    def first(items: List[int]) -> Optional[int]:
        return items[0] if items else None
    ```
    becomes
    ```python
    from typing import List, Optional


    def first(items: List[int]) -> Optional[int]:
        return items[0] if items else None
    ```

    ## Fix safety
    Safe: importing a name from `typing` has no side effects and binds a name nothing else
    defines (the analyzers just said so).
    """

    CODE = "TYP107"
    NAME = "typing-import"
    CATEGORY = Category.TYPE
    RULES = ("mypy:name-defined", "ruff:F821")
    SAFETY = Safety.SAFE
    VALID = [Valid("from typing import Any\n\n\ndef f(x: Any) -> None:\n    print(x)\n")]
    INVALID = [
        Invalid('"""Doc."""\n\n\ndef first(items: List[int]) -> Optional[int]:\n'
                "    return items[0] if items else None\n",
                expected='"""Doc."""\nfrom typing import Optional, List\n\n\n'
                "def first(items: List[int]) -> Optional[int]:\n"
                "    return items[0] if items else None\n"),
        Invalid("import os\n\n\ndef f(x: Any) -> None:\n    print(os.sep, x)\n",
                expected="import os\nfrom typing import Any\n\n\ndef f(x: Any) -> None:\n"
                "    print(os.sep, x)\n"),
        Invalid("def call(cb: Callable[[], int]) -> int:\n    return cb()\n",
                expected="from collections.abc import Callable\n\n\n"
                "def call(cb: Callable[[], int]) -> int:\n    return cb()\n"),
        Invalid("class Node:\n    def copy(self) -> Self:\n        return self\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        name = undefined_name(finding)
        if name is None:
            return None
        module = "typing"
        suggestion = _SUGGESTION.search(finding.hint or "")
        if suggestion and suggestion.group("name") == name:
            module = suggestion.group("module")
        elif name not in TYPING_NAMES:
            return None
        since = TYPING_NAMES.get(name, (3, 0)) if module == "typing" else (3, 0)
        if since > context.target:
            return self.decline(finding, f"`typing.{name}` needs Python {since[0]}.{since[1]}, "
                                         f"older than the project supports; import it from "
                                         "typing_extensions by hand")
        module = home_of(name, context.target) if module == "typing" else module
        return self.fix_from_text(finding, context, add_imports(context.text, [(module, name)]),
                                  f"import `{name}` from `{module}`")

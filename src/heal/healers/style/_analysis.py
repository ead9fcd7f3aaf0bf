"""What the naming fixers read of a module: the naming conventions, libcst's scope analysis of
a module (`analyze`, cached per text), and which other project files mention a name (`users`).
"""

from __future__ import annotations

import ast
import builtins
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    Assignment,
    BaseAssignment,
    MetadataWrapper,
    Scope,
    ScopeProvider,
)

from heal.fixer import ModuleContext
from heal.healers.imports.project import python_files
from heal.positions import positions

BUILTINS = frozenset(dir(builtins))
# calls that read a function's (or a module's) variables by name
LOCAL_DYNAMIC = frozenset({"locals", "vars", "eval", "exec", "_getframe", "currentframe"})
MODULE_DYNAMIC = frozenset({"globals", "vars", "eval", "exec", "_getframe", "currentframe",
                            "import_module", "__import__"})
ATTRIBUTE_DYNAMIC = frozenset({"getattr", "setattr", "hasattr", "delattr"})
TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")


# -- conventions ------------------------------------------------------------------------------
def _split(name: str) -> tuple[str, list[str]]:
    """(leading underscores, words) of a name in any convention."""
    lead = name[: len(name) - len(name.lstrip("_"))]
    return lead, [w for w in _underscored(name.strip("_")).split("_") if w]


def _underscored(name: str) -> str:
    """An underscore at every case boundary; the underscores already there stay as they are."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced)


def snake_case(name: str) -> str:
    """`myValue` -> `my_value`, `getHTTPResponse` -> `get_http_response`, `N` -> `n`,
    `test__FOR_LOOP` -> `test__for_loop`."""
    return _underscored(name).lower()


def upper_case(name: str) -> str:
    """`maxSize` -> `MAX_SIZE`."""
    return _underscored(name).upper()


def cap_words(name: str) -> str:
    """`memoized_property` -> `MemoizedProperty`, `myClass` -> `MyClass` (trailing `_` goes:
    pep8-naming counts it as an underscore)."""
    lead, words = _split(name)
    return lead + "".join(w[:1].upper() + w[1:] for w in words)


def is_lower(name: str) -> bool:
    return name.lower() == name


def is_not_mixed(name: str) -> bool:
    stripped = name.lstrip("_")
    return not (stripped[:1].islower() and not is_lower(stripped))


def is_cap_words(name: str) -> bool:
    stripped = name.lstrip("_")
    return stripped[:1].isupper() and "_" not in stripped


# -- one file, analysed once ------------------------------------------------------------------
class _Collector(cst.CSTVisitor):
    """Every node's parent (cheaper than `ParentNodeProvider`), and the nodes renames need."""

    def __init__(self) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._stack: list[cst.CSTNode] = []
        self.names: list[cst.Name] = []
        self.attributes: list[cst.Attribute] = []
        self.strings: list[cst.SimpleString | cst.FormattedStringText] = []
        self.calls: list[cst.Call] = []
        self.declarations: list[cst.Global | cst.Nonlocal] = []
        self.keywords: list[cst.Arg] = []
        self.classes: list[cst.ClassDef] = []
        self.imports: list[cst.Import | cst.ImportFrom] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parents[node] = self._stack[-1]
        self._stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self._stack.pop()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.attributes.append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node)

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self.strings.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_Global(self, node: cst.Global) -> None:
        self.declarations.append(node)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.declarations.append(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.keywords.append(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def visit_Import(self, node: cst.Import) -> None:
        self.imports.append(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.imports.append(node)


class Analysis:
    """A module with libcst's scope, position and parent metadata, and its names collected."""

    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = module
        self.scopes = wrapper.resolve(ScopeProvider)
        self.positions = positions(module)
        self.all_scopes: list[Scope] = list(dict.fromkeys(
            s for s in self.scopes.values() if s is not None))
        collected = _Collector()
        module.visit(collected)
        self.parents = collected.parents
        self.names = collected.names
        self.attributes = collected.attributes
        self.strings = collected.strings
        self.calls = collected.calls
        self.declarations = collected.declarations
        self.keywords = collected.keywords
        self.classes = collected.classes
        self.imports = collected.imports  # every import statement, at any depth
        self._at: dict[int, list[tuple[int, cst.Name]]] = {}
        for name in self.names:
            where = self.positions[name].start
            self._at.setdefault(where.line, []).append((where.column, name))

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def name_at(self, line: int, column: int, end: int) -> cst.Name | None:
        """The first name that starts in [column, end) of the line (`*args` starts at `*`)."""
        found = [(c, n) for c, n in self._at.get(line, []) if column <= c < max(end, column + 1)]
        return min(found, key=lambda item: item[0])[1] if found else None

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def inside(self, node: cst.CSTNode, region: cst.CSTNode) -> bool:
        return node is region or isinstance(region, cst.Module) or any(
            a is region for a in self.ancestors(node))

    def code(self, node: cst.CSTNode) -> str:
        return " ".join(self.module.code_for_node(node).split())

    def is_docstring(self, node: cst.CSTNode) -> bool:
        expr = self.parent(node)
        if isinstance(expr, cst.ConcatenatedString):
            expr = self.parent(expr)
        line = self.parent(expr) if isinstance(expr, cst.Expr) else None
        body = self.parent(line) if isinstance(line, cst.SimpleStatementLine) else None
        return isinstance(body, (cst.Module, cst.IndentedBlock)) and bool(body.body) \
            and body.body[0] is line

    def is_identifier_use(self, name: cst.Name) -> bool:
        """A name that means a variable (not `x.name`, not a `name=` keyword)."""
        parent = self.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            return False
        return not (isinstance(parent, cst.Arg) and parent.keyword is name)

    def used(self, name: str, region: cst.CSTNode) -> cst.Name | None:
        return next((n for n in self.names if n.value == name and self.is_identifier_use(n)
                     and self.inside(n, region)), None)

    def spelt(self, name: str, region: cst.CSTNode) -> int | None:
        """The line of a string in `region` that spells `name`, if any (docstrings count only
        when they hold doctests: `>>>` lines run)."""
        word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
        for node in self.strings:
            if word.search(node.value) and self.inside(node, region) and (
                    ">>>" in node.value or not self.is_docstring(node)):
                return self.line(node)
        return None

    def dynamic_call(self, names: frozenset[str], region: cst.CSTNode) -> cst.Call | None:
        for call in self.calls:
            func = call.func
            called = func.value if isinstance(func, cst.Name) else (
                func.attr.value if isinstance(func, cst.Attribute) else "")
            if called in names and self.inside(call, region):
                return call
        return None

    def sys_modules(self) -> int | None:
        for attribute in self.attributes:
            if attribute.attr.value == "modules" and isinstance(attribute.value, cst.Name) \
                    and attribute.value.value == "sys":
                return self.line(attribute)
        return None

    def computed_attribute_access(self) -> cst.Call | None:
        """`getattr(x, name)` and friends with a name that is not a literal string."""
        for call in self.calls:
            if isinstance(call.func, cst.Name) and call.func.value in ATTRIBUTE_DYNAMIC and (
                    len(call.args) < 2 or not isinstance(call.args[1].value, cst.SimpleString)):
                return call
        return None

    def referent_nodes(self, name: cst.Name) -> list[cst.CSTNode]:
        """The nodes that bind what `name` (a use) refers to."""
        scope = self.scopes.get(name)
        if scope is None:
            return []
        for access in scope.accesses[name.value]:
            if access.node is name:
                return [node for a in access.referents if (node := node_of(a)) is not None]
        return []


_CACHE: dict[tuple[str, str], Analysis] = {}
CACHED_ANALYSES = 8  # about 20 MB each for a 2,000-line module


def analyze(context: ModuleContext) -> Analysis:
    """One analysis per file text, shared by the naming fixers (the most recent few kept)."""
    key = (context.path, context.text)
    found = _CACHE.pop(key, None)
    if found is None:
        if len(_CACHE) >= CACHED_ANALYSES:
            _CACHE.pop(next(iter(_CACHE)))
        found = Analysis(cst.parse_module(context.text))
    _CACHE[key] = found  # most recently used last
    return found


# -- the other files of the project -----------------------------------------------------------
@dataclass(frozen=True)
class Mentions:
    names: frozenset[str]  # identifiers, attributes, imported names, words in strings
    keywords: frozenset[str]  # keyword argument names in calls


_FILES: dict[Path, tuple[float, list[Path]]] = {}
_MENTIONS: dict[Path, tuple[int, int, Mentions]] = {}
FILES_TTL = 60.0


def _mentions(path: Path) -> Mentions:
    stat = path.stat()
    cached = _MENTIONS.get(path)
    if cached is not None and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    data = path.read_bytes()
    names: set[str] = set()
    keywords: set[str] = set()
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):  # cannot tell: every word counts
        names = set(re.findall(r"\w+", data.decode("utf-8", errors="replace")))
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.alias):
                names.update(node.name.split("."))
                if node.asname:
                    names.add(node.asname)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.keyword) and node.arg:
                keywords.add(node.arg)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                names.update(node.names)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.update(re.findall(r"\w+", node.value))
    found = Mentions(frozenset(names | keywords), frozenset(keywords))
    _MENTIONS[path] = (stat.st_mtime_ns, stat.st_size, found)
    return found


def _python_files(root: Path) -> list[Path]:
    cached = _FILES.get(root)
    if cached is None or time.monotonic() - cached[0] > FILES_TTL:
        cached = (time.monotonic(), list(python_files(root)))
        _FILES[root] = cached
    return cached[1]


def users(context: ModuleContext, name: str, keyword_only: bool = False) -> list[str]:
    """The other project files (repo-relative) that mention `name` (as a keyword argument only,
    with `keyword_only`); none without a project root."""
    if context.root is None:
        return []
    root = context.root.resolve()
    found = []
    for path in _python_files(root):
        relative = path.relative_to(root).as_posix()
        if relative == context.path:
            continue
        try:
            mentions = _mentions(path)
        except OSError:
            continue
        if name in (mentions.keywords if keyword_only else mentions.names):
            found.append(relative)
    return found


def node_of(assignment: BaseAssignment) -> cst.CSTNode | None:
    return assignment.node if isinstance(assignment, Assignment) else None

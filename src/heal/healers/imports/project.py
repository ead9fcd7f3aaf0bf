"""What the import fixers need to know about modules: names they define and export, where a
project module's source is, what the standard library has, and a cached index of the top-level
symbols of a project (per root, refreshed by file modification times)."""

from __future__ import annotations

import bisect
import functools
import importlib
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.helpers import get_absolute_module_from_package_for_import

from heal.cst import children
from heal.edits import line_starts, offset
from heal.fixer import with_imports
from heal.model import Position, Span, TextEdit

SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", "venv", "env", "build", "dist",
             "fixtures"}
# stdlib modules that do something when imported, or that are not meant for import
NOT_IMPORTABLE = {"this", "antigravity", "idlelib", "__main__", "test", "lib2to3", "tkinter",
                  "turtle", "turtledemo", "ensurepip", "venv", "pydoc_data"}
_FAKE_PACKAGE = ".".join(f"heal_pkg{i}" for i in range(12))
# discover's default max-file-size: a larger file (a generated table, a vendored bundle) is not
# parsed for facts, or one 5 MB file costs minutes of libcst time on every planning round
MAX_FACT_BYTES = 1_000_000


def is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names and not top.startswith("_") and top not in NOT_IMPORTABLE


def absolute_module(node: cst.ImportFrom, package: str | None = None) -> str | None:
    """The module an import-from names; relative imports resolve against `package` (a
    stand-in package deep enough for any relative level when None), None above the top."""
    return get_absolute_module_from_package_for_import(package or _FAKE_PACKAGE, node)


def module_name(root: Path, path: Path) -> str:
    """The dotted name of a file: its stem plus every parent folder with an `__init__.py`."""
    relative = path.relative_to(root).with_suffix("")
    parts = list(relative.parts)
    names = [parts[-1]] if parts[-1] != "__init__" else []
    folder = path.parent
    for name in reversed(parts[:-1]):
        if not (folder / "__init__.py").is_file():
            break
        names.insert(0, name)
        folder = folder.parent
    return ".".join(names) or parts[-1]


def package_of(root: Path, relpath: str) -> str | None:
    """The package a repo-relative file belongs to (for relative imports), None at top level."""
    path = root / relpath
    name = module_name(root, path)
    if path.name == "__init__.py":
        return name
    return name.rpartition(".")[0] or None


def python_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
        for file in sorted(files):
            if file.endswith(".py"):
                yield Path(folder) / file


def importable_base(root: Path, path: Path, name: str) -> bool:
    """The folder that holds the module's top package is the root or `src/` (so the dotted name
    is what `import` would use)."""
    depth = name.count(".") + (2 if path.name == "__init__.py" else 1)
    base = path
    for _ in range(depth):
        base = base.parent
    return base in (root, root / "src")


def find_module_file(root: Path, module: str) -> Path | None:
    parts = module.split(".")
    for base in (root, root / "src"):
        for candidate in (base.joinpath(*parts).with_suffix(".py"),
                          base.joinpath(*parts, "__init__.py")):
            if candidate.is_file():
                return candidate
    return None


def _targets(node: cst.CSTNode) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _targets(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from _targets(node.value)


def _blocks(node: cst.CSTNode) -> Iterator[cst.IndentedBlock]:
    for child in children(node):
        if isinstance(child, cst.IndentedBlock):
            yield child
        elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.Finally)):
            yield from _blocks(child)


def _statements(body: Sequence[cst.BaseStatement]) -> Iterator[cst.BaseStatement]:
    """Module-level statements, looking into `if` / `try` / `with` blocks (not into functions
    or classes)."""
    for statement in body:
        yield statement
        if isinstance(statement, (cst.If, cst.Try, cst.With)):
            for block in _blocks(statement):
                yield from _statements(block.body)


@dataclass(frozen=True)
class ModuleNames:
    defined: frozenset[str]  # def / class / assignment at module level
    imported: frozenset[str]  # names bound by imports at module level
    all: tuple[str, ...] | None  # __all__ when it is a literal list or tuple of strings
    dynamic_all: bool  # __all__ exists but is computed
    star: bool  # the module itself star-imports something

    def public(self) -> set[str] | None:
        """The names `from module import *` binds, or None when that cannot be told."""
        if self.dynamic_all or (self.star and self.all is None):
            return None
        if self.all is not None:
            return set(self.all)
        return {n for n in self.defined | self.imported if not n.startswith("_")}


def literal_strings(node: cst.BaseExpression) -> tuple[str, ...] | None:
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    found = []
    for element in node.elements:
        value = element.value
        if not isinstance(value, cst.SimpleString):
            return None
        text = value.evaluated_value
        if not isinstance(text, str):
            return None
        found.append(text)
    return tuple(found)


def names_of(module: cst.Module) -> ModuleNames:
    defined: set[str] = set()
    imported: set[str] = set()
    all_names: tuple[str, ...] | None = None
    dynamic = star = False
    for statement in _statements(module.body):
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            defined.add(statement.name.value)
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    names = set(_targets(target.target))
                    if "__all__" in names:
                        all_names = literal_strings(small.value)
                        dynamic = dynamic or all_names is None
                    defined |= names
            elif isinstance(small, cst.AnnAssign):
                defined |= set(_targets(small.target))
            elif isinstance(small, cst.AugAssign) and "__all__" in set(_targets(small.target)):
                dynamic = True
            elif isinstance(small, cst.Import):
                imported.update((a.evaluated_alias or a.evaluated_name).split(".")[0]
                                for a in small.names)
            elif isinstance(small, cst.ImportFrom):
                if isinstance(small.names, cst.ImportStar):
                    star = True
                else:
                    imported.update(a.evaluated_alias or a.evaluated_name for a in small.names)
            elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                func = small.value.func
                if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                        and func.value.value == "__all__":
                    dynamic = True
    return ModuleNames(frozenset(defined), frozenset(imported), all_names, dynamic, star)


def stdlib_exports(module: str) -> set[str] | None:
    """What `from <stdlib module> import *` binds (importing the module to find out)."""
    if not is_stdlib(module):
        return None
    try:
        loaded = importlib.import_module(module)
    except Exception:  # an optional stdlib module missing from this build
        return None
    exported = getattr(loaded, "__all__", None)
    if exported is not None:
        return {str(n) for n in exported}
    return {n for n in dir(loaded) if not n.startswith("_")}


def project_exports(root: Path | None, module: str) -> set[str] | None:
    if root is None:
        return None
    path = find_module_file(root, module)
    if path is None:
        return None
    try:
        parsed = cst.parse_module(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, cst.ParserSyntaxError):
        return None
    return names_of(parsed).public()


@dataclass(frozen=True)
class FileFacts:
    """What the import fixers need from one project file, cached by its mtime and size."""

    stamp: tuple[int, int]
    defined: frozenset[str]  # top-level definitions
    imported: frozenset[tuple[str, str]]  # (absolute module, name) of every `from m import name`


# root -> file -> facts
_FACTS: dict[Path, dict[Path, FileFacts]] = {}


class _FromImports(cst.CSTVisitor):
    def __init__(self, package: str | None) -> None:
        self.package = package
        self.found: set[tuple[str, str]] = set()

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar) or (node.relative and self.package is None):
            return
        source = absolute_module(node, self.package)
        if source is not None:
            self.found.update((source, alias.evaluated_name) for alias in node.names)


def project_facts(root: Path) -> dict[Path, FileFacts]:
    """Facts about every Python file under `root`, re-parsing only files whose modification
    time or size changed since the last call for this root."""
    root = root.resolve()
    cache = _FACTS.setdefault(root, {})
    current: dict[Path, FileFacts] = {}
    for path in python_files(root):
        facts = _facts_of(root, path, cache)
        if facts is not None:
            current[path] = facts
    _FACTS[root] = current
    return current


def _facts_of(root: Path, path: Path, cache: dict[Path, FileFacts]) -> FileFacts | None:
    """One file's facts, from `cache` while its modification time and size are the same."""
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    facts = cache.get(path)
    if facts is not None and facts.stamp == stamp:
        return facts
    if stat.st_size > MAX_FACT_BYTES:
        facts = FileFacts(stamp, frozenset(), frozenset())
    else:
        try:
            module = cst.parse_module(path.read_text(encoding="utf-8"))
            imports = _FromImports(package_of(root, path.relative_to(root).as_posix()))
            module.visit(imports)
            facts = FileFacts(stamp, names_of(module).defined, frozenset(imports.found))
        except (OSError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
            facts = FileFacts(stamp, frozenset(), frozenset())
    cache[path] = facts
    return facts


def symbol_index(root: Path) -> dict[str, list[tuple[str, Path]]]:
    """Top-level name -> [(module, file)] over the project's importable modules."""
    root = root.resolve()
    index: dict[str, list[tuple[str, Path]]] = {}
    for path, facts in project_facts(root).items():
        name = module_name(root, path)
        if path.name in ("conftest.py", "setup.py", "__main__.py") or \
                not importable_base(root, path, name):
            continue
        for symbol in facts.defined:
            index.setdefault(symbol, []).append((name, path))
    return index


def importers_of(root: Path, relpath: str, name: str, limit: int = 5) -> list[str]:
    """Project files that import `name` from the module at `relpath` (it is re-exported there)."""
    root = root.resolve()
    target = (root / relpath).resolve()
    wanted = (module_name(root, target), name)
    cache = _FACTS.setdefault(root, {})
    # `from pkg.m import name` and `from .m import name` spell the name and the module's last
    # part (a package's `from . import name` only the name): a file that does not, cannot
    spelt = [name] if target.stem == "__init__" else [name, target.stem]
    found = []
    for path in python_files(root):
        if path == target or not _spells(path, spelt):
            continue
        facts = _facts_of(root, path, cache)
        if facts is not None and wanted in facts.imported:
            found.append(path.relative_to(root).as_posix())
    return sorted(found)[:limit]


def _spells(path: Path, wanted: list[str]) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return True  # the parse will say
    found = _file_words(str(path), stat.st_mtime_ns, stat.st_size)
    return found is None or all(word in found for word in wanted)


@functools.lru_cache(maxsize=4096)  # every unused import asks about every file of the project
def _file_words(path: str, mtime_ns: int, size: int) -> Counter[str] | None:
    try:
        return words(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def words(text: str) -> Counter[str]:
    """How often each word (a run of identifier characters) occurs in `text`."""
    return Counter(_WORD.findall(text))


_WORD = re.compile(r"\w+")


def add_imports(text: str, add: list[tuple[str, str | None]]) -> str:
    """`with_imports`, then two blank lines between the import block and a def or class that
    follows it directly (as ruff's E302 wants)."""
    new = with_imports(text, add=add)
    module = cst.parse_module(new)
    body = list(module.body)
    for index, statement in enumerate(body[:-1]):
        following = body[index + 1]
        is_import = isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)
        if not is_import:
            continue
        if isinstance(following, (cst.FunctionDef, cst.ClassDef)) and \
                all(line.comment is None for line in following.leading_lines) and \
                len(following.leading_lines) < 2:
            body[index + 1] = following.with_changes(leading_lines=[cst.EmptyLine()] * 2)
            return module.with_changes(body=body).code
        if not isinstance(following, cst.SimpleStatementLine) or not all(
                isinstance(s, (cst.Import, cst.ImportFrom)) for s in following.body):
            break
    return new


def tightened(text: str, edits: Sequence[TextEdit]) -> tuple[TextEdit, ...]:
    """A tool's edits cut down to the characters they really change: ruff's isort edit spans
    the blank lines after the import block too, which are not the block's to touch."""
    starts = line_starts(text)
    out = []
    for edit in edits:
        begin, end = offset(starts, text, edit.span.start), offset(starts, text, edit.span.end)
        old, new = text[begin:end], edit.content
        head = 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        if old == new:
            continue
        out.append(TextEdit(Span(_position(starts, begin + head), _position(starts, end - tail)),
                            new[head:len(new) - tail]))
    return tuple(out)


def _position(starts: Sequence[int], at: int) -> Position:
    line = bisect.bisect_right(starts, at) - 1
    return Position(line + 1, at - starts[line])


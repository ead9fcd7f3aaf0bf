"""Which test runs which line: the coverage map behind evidence levels and test selection.

The baseline run can record, per test, the lines it executes (coverage.py with one dynamic
context per test, set by a small pytest plugin heal puts on the path; see `_plugin/`). The map
is stored in `.heal/coverage/map.json` with each file's content hash: when a file changes, only
its entries become stale, the rest stay valid. Lines run outside any test (module-level code at
import time) are kept apart: they are covered by every test that imports the module.

With the map heal can say, for every fix, which tests executed a changed line (`covered`) or
that none did (`uncovered`), and run only those tests for a batch. Where the map is stale or
silent, the tests that import the changed module stand in (a static scan of the test files).
Selection never decides alone: the combined patch always passes the full suite before landing.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from heal.sandbox import proc

MAP_DIR = "coverage"
MAP_FILE = "map.json"
MAP_FORMAT = 1
PLUGIN_DIR = Path(__file__).resolve().parent / "_plugin"
PLUGIN = "heal_coverage_plugin"
MODULE_LEVEL = ""  # the context of lines run while no test runs


@dataclass
class FileCoverage:
    digest: str
    lines: dict[int, list[str]] = field(default_factory=dict)  # line -> test ids
    module_level: list[int] = field(default_factory=list)


@dataclass
class CoverageMap:
    files: dict[str, FileCoverage] = field(default_factory=dict)
    tests: list[str] = field(default_factory=list)
    recorded: float = 0.0
    overhead_s: float = 0.0  # extra seconds the recording run took over a plain run

    def valid_for(self, path: str, digest: str) -> FileCoverage | None:
        entry = self.files.get(path)
        return entry if entry is not None and entry.digest == digest else None

    def stale(self, digests: Mapping[str, str]) -> list[str]:
        return sorted(p for p, e in self.files.items() if p in digests and digests[p] != e.digest)


def map_path(state_dir: Path) -> Path:
    return state_dir / MAP_DIR / MAP_FILE


def load(state_dir: Path) -> CoverageMap | None:
    try:
        data = json.loads(map_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MAP_FORMAT:
        return None
    files = {
        path: FileCoverage(entry["digest"], {int(k): v for k, v in entry["lines"].items()},
                           list(entry.get("module_level", [])))
        for path, entry in data.get("files", {}).items()
    }
    return CoverageMap(files, list(data.get("tests", [])), float(data.get("recorded", 0)),
                       float(data.get("overhead_s", 0)))


def save(state_dir: Path, coverage_map: CoverageMap) -> None:
    path = map_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": MAP_FORMAT, "recorded": coverage_map.recorded,
        "overhead_s": coverage_map.overhead_s, "tests": coverage_map.tests,
        "files": {p: {"digest": e.digest, "lines": {str(k): v for k, v in e.lines.items()},
                      "module_level": e.module_level}
                  for p, e in coverage_map.files.items()},
    }
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(document), encoding="utf-8")
    temp.replace(path)


def available(python: str, cwd: Path) -> bool:
    """True when the project's interpreter can import coverage (the plugin needs it)."""
    try:
        done = proc.run([python, "-c", "import coverage, pytest"], cwd, timeout=60)
    except OSError:
        return False
    return done.returncode == 0


def recording_env(data_file: Path, source: Path) -> dict[str, str]:
    return {"HEAL_COVERAGE_DATA": str(data_file), "HEAL_COVERAGE_SOURCE": str(source),
            "HEAL_PLUGIN_PATH": str(PLUGIN_DIR)}


def read_data(data_file: Path, worktree: Path, digests: Mapping[str, str]) -> CoverageMap:
    """Turn coverage.py's data (absolute worktree paths, node-id contexts) into the map."""
    from coverage import CoverageData

    data = CoverageData(basename=str(data_file))
    data.read()
    result = CoverageMap(recorded=time.time())
    tests: set[str] = set()
    for measured in data.measured_files():
        try:
            rel = Path(measured).resolve().relative_to(worktree.resolve()).as_posix()
        except ValueError:
            continue
        if rel not in digests:
            continue
        entry = FileCoverage(digests[rel])
        for line, contexts in data.contexts_by_lineno(measured).items():
            ids = sorted(c for c in contexts if c != MODULE_LEVEL)
            if ids:
                entry.lines[line] = ids
                tests.update(ids)
            if MODULE_LEVEL in contexts:
                entry.module_level.append(line)
        entry.module_level.sort()
        result.files[rel] = entry
    result.tests = sorted(tests)
    return result


# -- static fallback: which test files import a module -------------------------------------------

def module_names(path: str) -> set[str]:
    """Dotted names a file may be imported as (`src/pkg/a.py` -> pkg.a, src.pkg.a, a)."""
    parts = list(Path(path).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    names = {".".join(parts[i:]) for i in range(len(parts))}
    return {n for n in names if n}


def test_files(root: Path, listed: Iterable[str]) -> list[str]:
    return sorted(p for p in listed if p.endswith(".py") and (
        Path(p).name.startswith("test_") or Path(p).name.endswith("_test.py")
        or Path(p).name == "conftest.py"))


def imported_names(tree: ast.AST, path: str = "") -> set[str]:
    """Dotted names a module imports (`from a.b import c` gives a.b and a.b.c); relative
    imports are resolved against `path` (`from . import util` in pkg/a.py gives pkg.util)."""
    imported: set[str] = set()
    package = list(Path(path).parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not path or node.level - 1 > len(package):
                    continue
                parts = package[:len(package) - (node.level - 1)]
                module = ".".join([*parts, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module:
                imported.add(module)
                imported.update(f"{module}.{alias.name}" for alias in node.names)
    return imported


def _imports_one(imported: set[str], wanted: set[str], exact: bool) -> bool:
    """Whether `imported` reaches a `wanted` module: by name or a submodule of it, or (unless
    `exact`) through a parent package, whose import may import it."""
    return any(name in wanted or any(name.startswith(w + ".") for w in wanted)
               or (not exact and any(w.startswith(name + ".") for w in wanted))
               for name in imported)


def importers(root: Path, tests: Iterable[str], changed: Iterable[str],
              exact: bool = False) -> list[str]:
    """Test files that import (directly) any of the changed files' modules, or that name one
    of the files or its folder in a string: a test that reads `cases/E40.py` as data sees a
    change there although nothing imports it (see `_names`). With `exact`, importing a parent
    package does not count."""
    changed = list(changed)
    wanted: set[str] = set()
    for path in changed:
        wanted |= module_names(path)
    named = {part for path in changed for part in _data_names(path)}
    chosen = []
    for test in tests:
        facts = _test_facts(root / test, test)
        if facts is None:
            chosen.append(test)  # cannot tell: keep it
            continue
        imported, strings = facts
        if _imports_one(imported, wanted, exact) or (named and named & strings):
            chosen.append(test)
    return chosen


def _test_facts(path: Path, rel: str) -> tuple[set[str], set[str]] | None:
    """(what a test file imports, the path parts its strings spell), None when unreadable;
    remembered while the file is unchanged (selection asks for every batch)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _parsed_facts(str(path), rel, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _parsed_facts(path: str, rel: str, mtime_ns: int, size: int) -> tuple[set[str], set[str]] | None:
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return imported_names(tree, rel), _names(tree)


def import_index(texts: Mapping[str, str]) -> dict[str, set[str]]:
    """What each of the project's modules imports, for `importers_of`."""
    index: dict[str, set[str]] = {}
    for path, text in texts.items():
        try:
            index[path] = imported_names(ast.parse(text), path)
        except (SyntaxError, ValueError):
            index[path] = set()
    return index


def importers_of(index: Mapping[str, set[str]], path: str) -> list[str]:
    """The project modules that import `path`'s module by name (or a name from it)."""
    wanted = module_names(path)
    return sorted(p for p, imported in index.items()
                  if p != path and _imports_one(imported, wanted, exact=True))


GENERIC_FOLDERS = frozenset({"", ".", "..", "test", "tests", "testing", "src", "lib"})


def _data_names(path: str) -> set[str]:
    """What a test that reads this file as data would spell: its name, and its folder's."""
    parts = Path(path).parts
    names = {parts[-1]}
    if len(parts) > 1 and parts[-2] not in GENERIC_FOLDERS:
        names.add(parts[-2])
    return names


def _names(tree: ast.AST) -> set[str]:
    """The path components of every short string in a test file ("data/E40.py": data, E40.py)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 200:
            found.update(node.value.replace("\\", "/").split("/"))
    return found


@dataclass
class Selection:
    """The tests a batch must run, and the evidence per fix id."""

    tests: list[str]  # node ids or test files; empty with `everything` False: nothing runs
    everything: bool = False
    covering: dict[str, list[str]] = field(default_factory=dict)  # fix id -> covering tests
    module_level: set[str] = field(default_factory=set)  # fix ids touching import-time code
    reason: str = ""


def environment_for_plugin(base: Mapping[str, str], recording: Mapping[str, str]) -> dict[str, str]:
    env = dict(base)
    env.update(recording)
    env["PYTHONPATH"] = os.pathsep.join(
        [recording["HEAL_PLUGIN_PATH"], *filter(None, [env.get("PYTHONPATH", "")])])
    return env

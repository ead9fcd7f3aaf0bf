"""LOG113: modules of the project that import each other at import time (an import cycle).

A whole-project check, not a per-file visitor: it reads every file's module-level imports,
builds the graph of project modules, and reports each strongly connected group once, as one
shortest cycle through its first module. Imports inside functions and under
`if TYPE_CHECKING:` run later or never, so they break cycles.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import libcst as cst
from libcst.helpers import get_absolute_module_from_package, get_full_name_for_node

from heal.discover import SourceFile, module_name
from heal.model import Category, Finding, Priority, Span
from heal.positions import positions

RULE = "heal:LOG113"
# what one eager import statement says, as plain data (cached with the file's other answers,
# so that a scan finds cycles without parsing again): ["import", [dotted names]] or
# ["from", number of dots, module or None, [names] or None for `*`]
ImportFact = list[object]


class ImportCycle:
    """Import cycle between modules of the project.

    ## What it does
    Finds groups of the project's modules that import each other, directly or through other
    modules, with imports that run when the module is imported (at module level, in class
    bodies, in module-level `if` / `try` / `with` blocks). It reports each group once, at the
    import in its first module (by name) that starts a shortest cycle, with the cycle spelt out
    (`pkg.a -> pkg.b -> pkg.a`). Imports inside functions and under `if TYPE_CHECKING:` do not
    count: they run later, or never.

    ## Why is this bad?
    In a cycle, whichever module is imported first sees the other half-initialised: a
    `from pkg.a import name` that runs while `pkg.a` is still executing raises
    `ImportError: cannot import name ... (most likely due to a circular import)`, or an
    attribute is missing, depending on which module a caller happened to import first. Cycles
    also make modules impossible to understand, test or reuse on their own.

    ## Example
    ```python
    # pkg/models.py
    from pkg.storage import save

    # pkg/storage.py
    from pkg.models import Record
    ```
    Use instead: move what both need into a third module, import inside the function that needs
    it, or (for names used only in annotations) import under `if TYPE_CHECKING:`.

    ## Fix safety
    No automatic fix: which import to move, and where, is a design decision.
    """

    CODE = "LOG113"
    NAME = "import-cycle"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "import cycle: {cycle}"
    # each case is a project: repo-relative path -> source
    VALID: ClassVar[list[dict[str, str]]] = [
        {
            "pkg/__init__.py": "",
            "pkg/models.py": "from pkg.storage import save\n",
            "pkg/storage.py": "def save() -> None:\n    from pkg.models import save\n",
        },
        {
            "pkg/__init__.py": "",
            "pkg/models.py": "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\n"
                             "if TYPE_CHECKING:\n    from pkg.storage import Store\n",
            "pkg/storage.py": "from pkg.models import Record\n",
        },
    ]
    INVALID: ClassVar[list[dict[str, str]]] = [
        {
            "pkg/__init__.py": "",
            "pkg/models.py": "from pkg.storage import save\n",
            "pkg/storage.py": "from pkg.models import Record\n",
        },
        {
            "src/app/__init__.py": "from . import a\n",
            "src/app/a.py": "import app.b\n",
            "src/app/b.py": "try:\n    from .c import x\nexcept ImportError:\n    x = None\n",
            "src/app/c.py": "class C:\n    from app import a\n",
        },
    ]




def _is_type_checking(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "TYPE_CHECKING"
    return isinstance(test, cst.Attribute) and test.attr.value == "TYPE_CHECKING"


def _eager_imports(statements: Sequence[cst.CSTNode]) -> Iterator[cst.Import | cst.ImportFrom]:
    """Imports that run when the module is imported: module level, class bodies, and blocks of
    module-level compound statements, but not functions nor `if TYPE_CHECKING:` bodies."""
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield small
        elif isinstance(statement, cst.FunctionDef):
            continue
        elif isinstance(statement, cst.If):
            if not _is_type_checking(statement.test):
                yield from _eager_imports(_suite(statement.body))
            if statement.orelse is not None:
                yield from _eager_imports([statement.orelse])
        elif isinstance(statement, cst.Else):
            yield from _eager_imports(_suite(statement.body))
        elif isinstance(statement, (cst.ClassDef, cst.With, cst.For, cst.While)):
            yield from _eager_imports(_suite(statement.body))
            orelse = getattr(statement, "orelse", None)
            if orelse is not None:
                yield from _eager_imports([orelse])
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            yield from _eager_imports(_suite(statement.body))
            for handler in statement.handlers:
                yield from _eager_imports(_suite(handler.body))
            if statement.orelse is not None:
                yield from _eager_imports([statement.orelse])
            if statement.finalbody is not None:
                yield from _eager_imports(_suite(statement.finalbody.body))


def _suite(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    return []


def import_facts(module: cst.Module) -> list[ImportFact]:
    """The eager imports of a module, in order, as data (`ImportFact`)."""
    facts: list[ImportFact] = []
    for node in _eager_imports(module.body):
        if isinstance(node, cst.Import):
            facts.append(["import", [alias.evaluated_name for alias in node.names]])
            continue
        try:
            base = get_full_name_for_node(node.module) if node.module is not None else None
        except Exception:
            facts.append(["unknown"])  # loads nothing heal can name
            continue
        names = None if isinstance(node.names, cst.ImportStar) else \
            [alias.evaluated_name for alias in node.names]
        facts.append(["from", len(node.relative), base, names])
    return facts


def _targets(fact: ImportFact, package: str, modules: set[str]) -> list[str]:
    """The project modules an import statement loads (the deepest one each name names)."""
    found: list[str] = []
    if fact[0] == "import":
        assert isinstance(fact[1], list)
        for alias in fact[1]:
            name = str(alias)
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.append(name)
        return found
    if fact[0] != "from":
        return found
    _, dots, module, listed = fact
    assert isinstance(dots, int) and (listed is None or isinstance(listed, list))
    try:
        base = get_absolute_module_from_package(package or None, str(module) if module else None,
                                                dots)
    except Exception:
        return found
    if base is None:
        return found
    names = [str(name) for name in listed or ()]
    for name in names:
        if f"{base}.{name}" in modules:
            found.append(f"{base}.{name}")
        elif base in modules:
            found.append(base)
    if not names and base in modules:
        found.append(base)
    return found


def file_facts(text: str) -> list[ImportFact] | None:
    """A file's import facts from its text (None: libcst cannot parse it)."""
    try:
        return import_facts(cst.parse_module(text))
    except (cst.ParserSyntaxError, RecursionError):
        return None


def _graph(files: Sequence[SourceFile], root: Path,
           facts: Mapping[str, list[ImportFact]] | None = None
           ) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """(module -> path, module -> {imported project module -> which eager import of the module
    first imports it}). `facts` by path, where known already (the native analyzer's pass);
    the other files are parsed here."""
    paths: dict[str, str] = {}
    for source in files:
        if source.path.endswith(".py"):
            paths.setdefault(module_name(root, source.path), source.path)
    modules = set(paths)
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for source in files:
        name = module_name(root, source.path)
        if paths.get(name) != source.path:
            continue
        known = (facts or {}).get(source.path)
        found = known if known is not None else file_facts(source.text)
        if found is None:
            continue
        package = name if source.path.endswith("__init__.py") else name.rpartition(".")[0]
        first: dict[str, int] = {}
        for ordinal, fact in enumerate(found):
            for target in _targets(fact, package, modules):
                if target != name:
                    first.setdefault(target, ordinal)
        graph[name] = first
    return paths, graph


def _span_of(text: str, ordinal: int) -> Span:
    """The span of a module's `ordinal`th eager import: positions cost more than parsing, and
    only the import that starts a cycle needs one."""
    module = cst.parse_module(text)
    node = list(_eager_imports(module.body))[ordinal]
    where = positions(module, [node])[node]
    return Span.of(where.start.line, where.start.column, where.end.line, where.end.column)


def _components(graph: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _shortest_cycle(graph: Mapping[str, Mapping[str, object]], start: str,
                    members: set[str]) -> list[str]:
    """The shortest path from `start` back to itself inside one component."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child not in members:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return list(reversed(path))
            if child not in previous:
                previous[child] = node
                queue.append(child)
    return [start]


def _cycles(files: Sequence[SourceFile], root: Path,
            facts: Mapping[str, list[ImportFact]] | None = None
            ) -> list[tuple[str, list[str], Span | None]]:
    paths, graph = _graph(files, root, facts)
    by_path = {source.path: source for source in files}
    found = []
    for component in _components(graph):
        start = component[0]
        cycle = _shortest_cycle(graph, start, set(component))
        span = None
        if len(cycle) > 1 and cycle[1] in graph[start]:
            span = _span_of(by_path[paths[start]].text, graph[start][cycle[1]])
        found.append((paths[start], cycle, span))
    return sorted(found, key=lambda item: (item[0], item[1]))


def find_import_cycles(files: Sequence[SourceFile], root: Path) -> list[tuple[str, list[str]]]:
    """(path of the cycle's first module, the cycle as module names in import order) for each
    group of project modules that import each other at import time. The cycle starts with the
    group's smallest module name and does not repeat it at the end: `["a", "b"]` is a -> b -> a."""
    return [(path, cycle) for path, cycle, _ in _cycles(files, root)]


def cycle_findings(files: Sequence[SourceFile], root: Path,
                   facts: Mapping[str, list[ImportFact]] | None = None) -> list[Finding]:
    """The cycles as heal:LOG113 findings, at the import that starts each cycle (fingerprints
    are left for the pipeline to fill in). `facts`: the files' `import_facts` where known."""
    findings = []
    for path, cycle, span in _cycles(files, root, facts):
        text = " -> ".join([*cycle, cycle[0]])
        findings.append(Finding(
            rule=RULE, category=ImportCycle.CATEGORY, priority=ImportCycle.PRIORITY, path=path,
            span=span or Span.of(1, 0, 1, 0), message=ImportCycle.MESSAGE.format(cycle=text),
            tool="native", fingerprint=""))
    return findings

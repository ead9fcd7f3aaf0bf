"""One parse per file version (heal/cst.py): shared while the text is the same, never reused
once it changed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import libcst as cst

from heal.analyze import findings_in
from heal.config import Config
from heal.cst import parsed
from heal.discover import read_source
from heal.edits import apply_fixes
from heal.fixer import ModuleContext
from heal.plan import Planner

T = TypeVar("T")
_Names = list[tuple[str, str | None]]  # (module, name) pairs for with_imports


def test_a_text_is_parsed_once_and_an_edited_text_anew() -> None:
    text = "import os\n\n\ndef f():\n    return 1\n"
    first, again = ModuleContext("m.py", text), ModuleContext("m.py", text)
    assert first.module is again.module  # every fixer asking about this text shares it
    edited = ModuleContext("m.py", "# a comment above\n" + text)
    assert edited.module is not first.module
    function = next(n for n in edited.positions if isinstance(n, cst.FunctionDef))
    assert edited.positions[function].start.line == 5  # the new text's lines, not the old
    assert parsed("x = 1\n") is parsed("x = 1\n") and parsed("x = 1\n") is not parsed("x = 2\n")


def test_a_fix_is_planned_on_the_text_as_it_is_now(tmp_path: Path) -> None:
    """Plan, edit the file above the finding, plan again: the second fix is made on the
    edited text (the old parse would put its edit three lines too high)."""
    config = Config(analyzers=("ruff",))
    (tmp_path / "pyproject.toml").write_text("[tool.ruff.lint]\nselect = ['F401']\n")
    versions = ["import os\nimport sys\n\nprint(sys.argv)\n",
                "# moved down\n# by an edit\n# above it\nimport os\nimport sys\n\nprint(sys.argv)\n"]
    outputs = []
    for text in versions:
        (tmp_path / "m.py").write_text(text)
        findings = findings_in(tmp_path, [read_source(tmp_path, "m.py", config)], config)
        plan = Planner(config, root=tmp_path).plan(findings, {"m.py": text})
        assert len(plan.fixes) == 1
        outputs.append(apply_fixes(text, plan.fixes))
    assert outputs == ["import sys\n\nprint(sys.argv)\n",
                       "# moved down\n# by an edit\n# above it\nimport sys\n\nprint(sys.argv)\n"]


def test_a_node_replaced_along_its_path_gives_the_text_a_whole_tree_visit_gives() -> None:
    """`ModuleContext.replace` rebuilds only the replaced node's ancestors; the text is the
    one libcst's deep_replace (which visits every node) makes, on heal's own modules."""
    import random

    from heal.cst import along_path

    rng = random.Random(7)
    sources = sorted(Path(__file__).resolve().parents[1].joinpath("src/heal").rglob("*.py"))
    compared = 0
    for path in rng.sample(sources, 12):
        tree = parsed(path.read_text())
        kinds = (cst.Name, cst.ImportFrom, cst.SimpleStatementLine, cst.FunctionDef, cst.Call)
        nodes = [node for node in tree.parents if isinstance(node, kinds)]
        for old in rng.sample(nodes, min(25, len(nodes))):
            new: cst.CSTNode = (
                cst.Name(f"renamed_{old.value}") if isinstance(old, cst.Name)
                else old.with_changes(body=[cst.Pass()]) if isinstance(old, cst.SimpleStatementLine)
                else old.with_changes(name=cst.Name("renamed")) if isinstance(old, cst.FunctionDef)
                else old.deep_clone())
            rebuilt = along_path(old, new, tree.parents.get)
            assert rebuilt is not None
            assert rebuilt.code == tree.module.deep_replace(old, new).code, (path, old)
            compared += 1
    assert compared > 100


def _texts() -> list[str]:
    root = Path(__file__).resolve().parents[1] / "src" / "heal"
    texts = [path.read_text(encoding="utf-8") for path in sorted(root.rglob("*.py"))[::20]]
    return [
        *texts,
        "from . import (a as b, c)\nfrom x import *\n",
        "def f[T: int = str, *Ts](a, /, *, b=1): ...\n",
        "print(f'{x=!r:>{w}}', *a, **k)\nlambda a, *b, c=1: (yield)\n",
        "match p:\n    case {'k': [1, *rest]} | Point(x=0) if rest:\n        pass\n",
        "import os, sys as system\nfrom typing import List\n\ndef f(x: 'List[int]') -> None:\n"
        "    os = 1\n    print(os)\n__all__ = ['system']\n"]


class _Recorder(cst.CSTVisitor):
    """Every call libcst makes on a visitor, in order; lambdas' insides are skipped."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", id(node), ""))
        return not isinstance(node, cst.Lambda)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.calls.append(("leave", id(original_node), ""))

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("enter", id(node), attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.calls.append(("exit", id(original_node), attribute))


class _CallFuncs(cst.CSTVisitor):
    """A visitor with an attribute method: heal's visit must still call it."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def visit_Call_func(self, node: cst.Call) -> None:
        self.seen.append(id(node))

    def leave_Call_func(self, node: cst.Call) -> None:
        self.seen.append(-id(node))


def _all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    from heal.cst import children

    found, pending = [], [module]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(children(node))
    return found


def _as_shipped(compute: Callable[[], T]) -> T:
    """`compute()` with libcst's own `visit` and `children` (heal.cst replaces them)."""
    from heal.cst import speed_up_libcst

    speed_up_libcst(False)
    try:
        return compute()
    finally:
        speed_up_libcst()


def test_children_are_libcsts_children_in_libcsts_order() -> None:
    """heal.cst.children replaces libcst's slow `node.children` everywhere: the same nodes, the
    same (source) order, for every node type heal's own code and a few odd snippets hold."""
    from heal.cst import children

    seen = 0
    for text in _texts():
        pending: list[cst.CSTNode] = [cst.parse_module(text)]
        while pending:
            node = pending.pop()
            expected = _as_shipped(lambda: list(node.children))  # noqa: B023
            found = children(node)
            assert len(found) == len(expected) and all(
                a is b for a, b in zip(found, expected, strict=True)), type(node).__name__
            assert list(node.children) == found  # what everyone asking libcst now gets
            pending.extend(found)
            seen += 1
    assert seen > 10_000


def test_a_visitor_gets_the_calls_libcsts_own_visit_makes() -> None:
    """The read-only visit heal puts in libcst's place: every on_visit / on_leave and attribute
    call, in the same order, and the same metadata and unused imports computed on top of it."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import GatherUnusedImportsVisitor
    from libcst.metadata import MetadataWrapper, ParentNodeProvider, ScopeProvider

    def record(module: cst.Module) -> list[tuple[str, int, str]]:
        recorder = _Recorder()
        assert module.visit(recorder) is module
        return recorder.calls

    def metadata(module: cst.Module) -> tuple[object, ...]:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        mine = {id(node) for node in _all_nodes(module)}  # not nodes parsed from strings
        parents = {id(k): id(v) for k, v in wrapper.resolve(ParentNodeProvider).items()}
        scopes = {id(node): (type(scope).__name__, sorted(a.name for a in scope.assignments))
                  for node, scope in wrapper.resolve(ScopeProvider).items()
                  if scope is not None and id(node) in mine}
        wrapper.resolve_many(GatherUnusedImportsVisitor.get_inherited_dependencies())
        gather = GatherUnusedImportsVisitor(CodemodContext(wrapper=wrapper))
        module.visit(gather)
        return parents, scopes, sorted(id(alias) for alias, _ in gather.unused_imports)

    def call_funcs(module: cst.Module) -> list[int]:
        visitor = _CallFuncs()
        module.visit(visitor)
        return visitor.seen

    for text in _texts():
        module = cst.parse_module(text)
        assert record(module) == _as_shipped(lambda: record(module))  # noqa: B023
        assert call_funcs(module) == _as_shipped(lambda: call_funcs(module))  # noqa: B023
        assert metadata(module) == _as_shipped(lambda: metadata(module))  # noqa: B023
    transformed = cst.parse_module("x = 1\n").visit(cst.CSTTransformer())
    assert transformed.code == "x = 1\n"  # a transformer still gets libcst's own visit


def test_imports_are_added_as_libcsts_visitor_adds_them_to_the_whole_module() -> None:
    """`with_imports` runs libcst's AddImportsVisitor on the top of the module only (and
    RemoveImportsVisitor on what that gives); the text is the one both visitors make on the
    whole module, for new modules, names added to an existing `from` import, `__future__`, a
    docstring, a module with no imports or only imports, a comment above the first statement,
    semicolons, decorators, CRLF and lone CR line ends, and an import removed as one is added."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    from heal.fixer import with_imports

    def whole(text: str, add: _Names, remove: _Names) -> str:
        context = CodemodContext()
        for module_name, name in add:
            AddImportsVisitor.add_needed_import(context, module_name, name)
        for module_name, name in remove:
            RemoveImportsVisitor.remove_unused_import(context, module_name, name)
        module = AddImportsVisitor(context).transform_module(cst.parse_module(text))
        return RemoveImportsVisitor(context).transform_module(module).code if remove else \
            module.code

    sources = _texts()[:-5:2]  # a sample of heal's modules, then the snippets
    texts = [*sources, "", '"""Doc."""\n', "import os\n", "x = 1\nimport os\n",
             '"""Doc."""\nfrom __future__ import annotations\n# why\nimport os\n\n\nclass A:\n'
             "    import re\n",
             "from typing import Any\r\nimport sys\r\n\r\nif sys:\r\n    pass\r\nz = 1\r\n",
             "import sys\rx = (1,\r     2)\ry = 2\rz = 3\r",
             "import a\rimport b\rx = 1\ny = (1,\n2,\n3)\nz = 4\n",  # mixed line ends
             "# comment\nfrom collections import OrderedDict  # keep\nvalue = 1\n",
             "import a; import b\nx = 1; y = (\n    2)\n# after\n\n\nclass C:\n  z = 1\n",
             '"""Doc."""\nimport os\n\n\n@decorated\ndef f():\n    pass\n# tail\ng = 1\n',
             "from typing import (\n    Any,\n)\nimport re\nclass A:\n\tpass\n\nb = 2\n",
             "import os\nimport yaml\n\n\ndef load(s):\n    return yaml.load(s)\n\n\nx = 1\n"]
    changes: list[tuple[_Names, _Names]] = [
        ([("os", None)], []), ([("typing", "Optional")], []),
        ([("collections", "deque"), ("re", None)], []), ([("ast", "literal_eval")], []),
        ([("__future__", "annotations")], []), ([("sys", None)], []),
        ([("subprocess", None)], [("os", None)]), ([("json", None)], [("yaml", None)])]
    changed = 0
    for text in texts:
        for add, remove in changes:
            expected = whole(text, add, remove)
            assert with_imports(text, add=add, remove=remove) == expected, (add, text[:200])
            changed += expected != text
    assert changed > len(texts) * 4  # the cases do add imports, not only find them there


def test_parents_are_libcsts_parents() -> None:
    """`parents_of` maps every node to the parent libcst's ParentNodeProvider gives it."""
    from libcst.metadata import MetadataWrapper, ParentNodeProvider

    from heal.cst import parents_of

    compared = 0
    for text in _texts():
        module = cst.parse_module(text)
        resolve = functools.partial(MetadataWrapper(module, unsafe_skip_copy=True).resolve,
                                    ParentNodeProvider)
        theirs = dict(_as_shipped(resolve))
        ours = parents_of(module)
        assert ours.keys() == theirs.keys()
        assert all(ours[node] is theirs[node] for node in theirs)
        compared += len(theirs)
    assert compared > 10_000

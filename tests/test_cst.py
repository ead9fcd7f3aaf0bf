"""One parse per file version (heal/cst.py): shared while the text is the same, never reused
once it changed."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from heal.analyze import findings_in
from heal.config import Config
from heal.cst import parsed
from heal.discover import read_source
from heal.edits import apply_fixes
from heal.fixer import ModuleContext
from heal.plan import Planner


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


def test_children_are_libcsts_children_in_libcsts_order() -> None:
    """heal.cst.children replaces libcst's slow `node.children` everywhere: the same nodes, the
    same (source) order, for every node type heal's own code and a few odd snippets hold."""
    from heal.cst import children

    root = Path(__file__).resolve().parents[1] / "src" / "heal"
    texts = [path.read_text(encoding="utf-8") for path in sorted(root.rglob("*.py"))[::10]]
    texts += ["from . import (a as b, c)\nfrom x import *\n", "def f[T: int = str, *Ts](a, /, *, b=1): ...\n",
              "print(f'{x=!r:>{w}}', *a, **k)\nlambda a, *b, c=1: (yield)\n",
              "match p:\n    case {'k': [1, *rest]} | Point(x=0) if rest:\n        pass\n"]
    seen = 0
    for text in texts:
        pending: list[cst.CSTNode] = [cst.parse_module(text)]
        while pending:
            node = pending.pop()
            expected = list(node.children)
            found = children(node)
            assert len(found) == len(expected) and all(
                a is b for a, b in zip(found, expected, strict=True)), type(node).__name__
            pending.extend(found)
            seen += 1
    assert seen > 10_000

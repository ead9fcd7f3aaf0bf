"""heal/positions.py gives every node the range libcst's `PositionProvider` gives it: a finding's
line and column, and every fixer's idea of where a node is, rest on it."""

from __future__ import annotations

import random
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from heal.positions import positions

SRC = Path(__file__).resolve().parents[1] / "src" / "heal"

AWKWARD = [
    "x = 1\r\ny = (1,\r\n     2)\r\n",  # Windows line ends
    "x = 1\ry = (1,\r     2)\r",  # old Mac line ends
    "def f(a,\n      b):  # comment\n    return a \\\n        + b\n",
    "@dec\n@other(1)\nclass C(Base, metaclass=M):\n\tdef g(self): pass\n",
    "s = f'{x!r:>{width}} and {y}'\nt = '''two\nlines'''\n",
    "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n# trailing comment\n",
    "with (open(a) as f, open(b) as g):\n    print('naïve ünïcode', f, g)\n",
    "",
    "x = 1",  # no newline at the end
]


def libcst_positions(module: cst.Module) -> dict[cst.CSTNode, object]:
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


def test_every_node_has_libcsts_range_in_libcsts_order() -> None:
    files = sorted((SRC / "rules").rglob("*.py"))[:40] + sorted((SRC / "verify").glob("*.py"))
    texts = [path.read_text(encoding="utf-8") for path in files] + AWKWARD
    for text in texts:
        module = cst.parse_module(text)
        expected = libcst_positions(module)
        found = positions(module)
        assert list(found) == list(expected)
        assert dict(found.items()) == expected, text[:60]
        assert list(found.ranges()) == [  # the same ranges, read as numbers
            (node, (where.start.line, where.start.column, where.end.line, where.end.column))
            for node, where in expected.items()], text[:60]


def test_the_nodes_asked_about_get_the_same_range_as_when_all_are_made() -> None:
    chooser = random.Random(7)
    for path in sorted((SRC / "patterns").glob("*.py"))[:12]:
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        expected = libcst_positions(module)
        some = chooser.sample(list(expected), min(60, len(expected)))
        found = positions(module, some)
        assert {node: found[node] for node in some} == {node: expected[node] for node in some}

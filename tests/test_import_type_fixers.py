"""Type and import fixers on what the case harness cannot show: a project on disk (symbol
index, re-exports, star imports of project modules), config switches, and edit tightening."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst as cst

from heal.config import Config
from heal.edits import apply_edits, apply_fixes
from heal.fixcheck import in_bounds
from heal.fixer import ModuleContext
from heal.healers.imports.project import names_of, symbol_index, tightened
from heal.healers.imports.star_imports import StarImport
from heal.healers.imports.type_checking_imports import TypeCheckingImport
from heal.healers.imports.undefined_names import UndefinedName
from heal.healers.imports.unused_imports import UnusedImport
from heal.healers.types.none_guard import NoneGuard
from heal.model import Category, Declined, Finding, Fix, Priority, Span, TextEdit


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def finding(rule: str, message: str, span: Span, path: str = "case.py") -> Finding:
    return Finding(rule=rule, category=Category.IMPORT, priority=Priority.P2, path=path,
                   span=span, message=message, tool=rule.split(":")[0], fingerprint="x")


def context(root: Path, path: str, config: Config | None = None) -> ModuleContext:
    return ModuleContext(path, (root / path).read_text(encoding="utf-8"), config or Config(),
                         root=root)


def fixed(result: Fix | Declined | None, ctx: ModuleContext) -> str:
    assert isinstance(result, Fix), result
    return apply_fixes(ctx.text, [result])


def test_undefined_project_symbol_is_imported_from_its_one_module(tmp_path: Path) -> None:
    write(tmp_path, {
        "src/app/__init__.py": "",
        "src/app/util.py": "def slugify(text: str) -> str:\n    return text.lower()\n",
        "src/app/views.py": "def show() -> str:\n    return slugify('A')\n",
    })
    ctx = context(tmp_path, "src/app/views.py")
    result = UndefinedName().fix(finding("ruff:F821", "Undefined name `slugify`",
                                         Span.of(2, 11, 2, 18)), ctx)
    assert isinstance(result, Fix) and result.safety.value == "unsafe"
    assert fixed(result, ctx).startswith("from app.util import slugify\n\n\ndef show()")


def test_undefined_name_defined_in_two_modules_is_declined(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.py": "LIMIT = 1\n", "b.py": "LIMIT = 2\n", "c.py": "print(LIMIT)\n",
        "tests/test_x.py": "LIMIT = 3\n",
    })
    result = UndefinedName().fix(finding("ruff:F821", "Undefined name `LIMIT`",
                                         Span.of(1, 6, 1, 11), "c.py"), context(tmp_path, "c.py"))
    assert isinstance(result, Declined)
    assert "a, b" in result.reason  # the test module is not offered to library code


def test_symbol_index_follows_file_changes(tmp_path: Path) -> None:
    write(tmp_path, {"mod.py": "def one() -> None: ...\n"})
    assert "one" in symbol_index(tmp_path)
    write(tmp_path, {"mod.py": "def two() -> None: ...\n# longer now\n"})
    index = symbol_index(tmp_path)
    assert "two" in index and "one" not in index


def test_star_import_of_a_project_module_uses_its_all(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/shapes.py": "__all__ = ['Circle', 'area']\nclass Circle: ...\ndef area() -> int: ...\n"
                         "def hidden() -> None: ...\n",
        "pkg/use.py": "from .shapes import *\n\nprint(Circle, area, hidden)\n",
    })
    ctx = context(tmp_path, "pkg/use.py")
    result = StarImport().fix(finding("ruff:F403", "`from .shapes import *` used",
                                      Span.of(1, 0, 1, 21), "pkg/use.py"), ctx)
    assert fixed(result, ctx).startswith("from .shapes import Circle, area\n")


def test_star_import_of_a_module_with_computed_all_is_declined(tmp_path: Path) -> None:
    write(tmp_path, {
        "shapes.py": "__all__ = ['a'] + ['b']\na = b = 1\n",
        "use.py": "from shapes import *\n\nprint(a)\n",
    })
    result = StarImport().fix(finding("ruff:F403", "star", Span.of(1, 0, 1, 20), "use.py"),
                              context(tmp_path, "use.py"))
    assert isinstance(result, Declined)


def test_names_of_reads_all_and_definitions() -> None:
    names = names_of(cst.parse_module(
        "import os\nfrom x import y as z\nA = 1\nif True:\n    def f(): ...\n__all__ = ('A',)\n"))
    assert names.defined >= {"A", "f"} and names.imported == {"os", "z"}
    assert names.public() == {"A"}


def test_unused_import_that_other_modules_import_is_kept(tmp_path: Path) -> None:
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": "from json import JSONDecodeError\n",
        "pkg/user.py": "from .base import JSONDecodeError\n\nprint(JSONDecodeError)\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/deep.py": "from pkg.base import (\n    JSONDecodeError,\n)\n",
        "pkg/other.py": "from json import JSONDecodeError\n",  # the name, another module
    })
    result = UnusedImport().fix(finding("ruff:F401", "unused", Span.of(1, 17, 1, 32),
                                        "pkg/base.py"), context(tmp_path, "pkg/base.py"))
    assert isinstance(result, Declined)
    assert "pkg/sub/deep.py, pkg/user.py: a re-export" in result.reason, result.reason


def test_unused_side_effect_import_and_init_are_declined(tmp_path: Path) -> None:
    write(tmp_path, {"m.py": "import readline\n", "pkg/__init__.py": "import json\n"})
    config = Config(side_effect_imports=("readline",))
    side = UnusedImport().fix(finding("ruff:F401", "unused", Span.of(1, 7, 1, 15), "m.py"),
                              context(tmp_path, "m.py", config))
    init = UnusedImport().fix(finding("ruff:F401", "unused", Span.of(1, 7, 1, 11),
                                      "pkg/__init__.py"), context(tmp_path, "pkg/__init__.py"))
    assert isinstance(side, Declined) and "side effects" in side.reason
    assert isinstance(init, Declined) and "__init__" in init.reason


def test_unused_relative_import_is_removed(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/m.py": "from . import a, b\n\nprint(b)\n"})
    ctx = context(tmp_path, "pkg/m.py")
    result = UnusedImport().fix(finding("ruff:F401", "unused", Span.of(1, 14, 1, 15), "pkg/m.py"),
                                ctx)
    assert fixed(result, ctx) == "from . import b\n\nprint(b)\n"


def test_none_guard_as_assert(tmp_path: Path) -> None:
    write(tmp_path, {"m.py": "def f(s: str | None) -> str:\n    return s.upper()\n"})
    ctx = context(tmp_path, "m.py", Config(none_guard="assert"))
    message = 'Item "None" of "str | None" has no attribute "upper"'
    result = NoneGuard().fix(finding("mypy:union-attr", message, Span.of(2, 11, 2, 18), "m.py"),
                             ctx)
    assert fixed(result, ctx) == ("def f(s: str | None) -> str:\n    assert s is not None\n"
                                  "    return s.upper()\n")


def test_type_checking_move_without_ruff_edit_keeps_other_names(tmp_path: Path) -> None:
    write(tmp_path, {"m.py": """
        from __future__ import annotations

        from os import PathLike, sep


        def f(p: PathLike[str]) -> str:
            return sep
    """})
    ctx = context(tmp_path, "m.py")
    result = TypeCheckingImport().fix(finding("ruff:TC003", "Move", Span.of(3, 15, 3, 23), "m.py"),
                                      ctx)
    assert fixed(result, ctx) == textwrap.dedent("""\
        from __future__ import annotations

        from os import sep
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from os import PathLike


        def f(p: PathLike[str]) -> str:
            return sep
    """)


def test_tightened_edit_drops_unchanged_lines() -> None:
    text = "import b\nimport a\n\n\ndef f(): ...\n"
    edit = TextEdit(Span.of(1, 0, 5, 0), "import a\nimport b\n\n\n")
    [small] = tightened(text, [edit])
    assert small.span.end.line <= 2
    assert apply_edits(text, [small]) == apply_edits(text, [edit])


def test_type_checking_move_of_an_import_after_a_try_block_stays_in_bounds(tmp_path: Path) -> None:
    # pathspec's benchmarks/hyperscan_gitignore_r1.py: the moved import follows an optional
    # import in try/except; removing it also removes the blank line before it (found by the sweep)
    write(tmp_path, {"m.py": """
        from __future__ import annotations

        from typing import Any

        try:
            import fast
        except ModuleNotFoundError:
            fast = None

        from os import (
            PathLike)
        from os.path import join


        def f(p: PathLike[str], x: Any) -> str:
            return join(str(p), str(fast))
    """})
    ctx = context(tmp_path, "m.py")
    found = finding("ruff:TC003", "Move", Span.of(11, 4, 11, 12), "m.py")
    result = TypeCheckingImport().fix(found, ctx)
    assert isinstance(result, Fix)
    assert in_bounds(ctx.text, found, result)
    after = fixed(result, ctx)
    assert "if TYPE_CHECKING:\n    from os import PathLike\n" in after
    assert "from os import (" not in after


def test_an_import_named_nowhere_else_is_unused_as_libcst_says() -> None:
    """The shortcut past libcst's scope analysis (the name appears only in its import) answers
    as libcst's GatherUnusedImportsVisitor does, on heal's own modules with unused imports
    added, and leaves every other import to libcst."""
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import GatherUnusedImportsVisitor

    from heal.healers.imports.unused_imports import _nowhere_else

    added = ("import zlib\nfrom json import dumps as _never\nimport os.path as _p\n"
             "import xml.dom\nfrom typing import TYPE_CHECKING  # TYPE_CHECKING\n")
    root = Path(__file__).resolve().parents[1] / "src" / "heal"
    shortcuts = others = 0
    for source in sorted(root.rglob("*.py"))[::15]:
        ctx = ModuleContext("m.py", added + source.read_text(encoding="utf-8"))
        wrapper = ctx.parsed.wrapper
        wrapper.resolve_many(GatherUnusedImportsVisitor.get_inherited_dependencies())
        visitor = GatherUnusedImportsVisitor(CodemodContext(wrapper=wrapper))
        ctx.module.visit(visitor)
        for node in ctx.positions:
            if not isinstance(node, (cst.Import, cst.ImportFrom)) or \
                    isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                if _nowhere_else(ctx, alias, node):
                    shortcuts += 1
                    assert visitor.filter_unused_imports([(alias, node)]), ctx.code_of(node)
                else:
                    others += 1
    assert shortcuts > 20 and others > 100

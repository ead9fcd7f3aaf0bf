"""heal:LOG113: import cycles between a project's modules, found over files in tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from heal.discover import SourceFile
from heal.ruledoc import docstring, missing_headings
from heal.rules.logic.log113_import_cycles import (
    ImportCycle,
    cycle_findings,
    find_import_cycles,
    module_name,
)


def project(root: Path, files: dict[str, str]) -> list[SourceFile]:
    sources = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        code = textwrap.dedent(text).lstrip("\n")
        path.write_text(code, encoding="utf-8")
        sources.append(SourceFile(path=name, abspath=path, text=code))
    return sources


@pytest.mark.parametrize("files", ImportCycle.VALID)
def test_valid_projects_have_no_cycle(tmp_path: Path, files: dict[str, str]) -> None:
    assert find_import_cycles(project(tmp_path, files), tmp_path) == []


@pytest.mark.parametrize("files", ImportCycle.INVALID)
def test_invalid_projects_have_a_cycle(tmp_path: Path, files: dict[str, str]) -> None:
    assert len(find_import_cycles(project(tmp_path, files), tmp_path)) == 1


def test_rule_is_documented() -> None:
    assert missing_headings(docstring(ImportCycle)) == []
    assert ImportCycle.CODE == "LOG113"


def test_two_module_cycle_names_path_and_order(tmp_path: Path) -> None:
    files = project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/storage.py": "from pkg.models import Record\n",
        "pkg/models.py": "from pkg.storage import save\n",
    })
    assert find_import_cycles(files, tmp_path) == [("pkg/models.py", ["pkg.models", "pkg.storage"])]


def test_three_module_cycle_through_relative_try_and_class_imports(tmp_path: Path) -> None:
    files = project(tmp_path, ImportCycle.INVALID[1])
    assert find_import_cycles(files, tmp_path) == [
        ("src/app/a.py", ["app.a", "app.b", "app.c"])]


def test_function_and_type_checking_imports_break_cycles(tmp_path: Path) -> None:
    files = project(tmp_path, {
        "a.py": """
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                import b
            else:
                import c


            def late() -> None:
                import b
        """,
        "b.py": "import a\n",
        "c.py": "x = 1\n",
    })
    assert find_import_cycles(files, tmp_path) == []


def test_else_branch_of_type_checking_counts(tmp_path: Path) -> None:
    files = project(tmp_path, {
        "a.py": "import typing\n\nif typing.TYPE_CHECKING:\n    pass\nelse:\n    import b\n",
        "b.py": "from a import *\n",
    })
    assert find_import_cycles(files, tmp_path) == [("a.py", ["a", "b"])]


def test_separate_groups_are_reported_once_each(tmp_path: Path) -> None:
    files = project(tmp_path, {
        "a.py": "import b\n", "b.py": "import a\nimport c\n", "c.py": "import b\n",
        "x.py": "import y\n", "y.py": "import x\n", "z.py": "import x\n",
    })
    found = find_import_cycles(files, tmp_path)
    assert [path for path, _ in found] == ["a.py", "x.py"]
    assert found[0][1] in (["a", "b"], ["a", "b", "c"])
    assert found[1][1] == ["x", "y"]


def test_submodule_import_from_package_and_outside_modules(tmp_path: Path) -> None:
    files = project(tmp_path, {
        "pkg/__init__.py": "import os\nfrom pkg import sub\n",
        "pkg/sub.py": "import json\nimport pkg\n",
    })
    assert find_import_cycles(files, tmp_path) == [("pkg/__init__.py", ["pkg", "pkg.sub"])]


def test_unparsable_files_are_skipped(tmp_path: Path) -> None:
    files = project(tmp_path, {"a.py": "import b\n", "b.py": "import a\ndef (\n"})
    assert find_import_cycles(files, tmp_path) == []


def test_findings_point_at_the_import(tmp_path: Path) -> None:
    files = project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/models.py": '"""Models."""\n\nfrom pkg.storage import save\n',
        "pkg/storage.py": "from pkg.models import Record\n",
    })
    [finding] = cycle_findings(files, tmp_path)
    assert finding.rule == "heal:LOG113"
    assert finding.path == "pkg/models.py"
    assert finding.span.start.line == 3
    assert finding.message == "import cycle: pkg.models -> pkg.storage -> pkg.models"


def test_module_names_follow_init_files(tmp_path: Path) -> None:
    project(tmp_path, {"src/app/__init__.py": "", "src/app/core/__init__.py": "",
                       "src/app/core/x.py": "", "tools/run.py": ""})
    assert module_name(tmp_path, "src/app/core/x.py") == "app.core.x"
    assert module_name(tmp_path, "src/app/core/__init__.py") == "app.core"
    assert module_name(tmp_path, "tools/run.py") == "run"

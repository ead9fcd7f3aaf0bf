"""Each analyzer against the real tool's real output."""

from __future__ import annotations

from pathlib import Path

from heal.analyzers.bandit import BanditAnalyzer, char_column
from heal.analyzers.base import AnalyzeContext
from heal.analyzers.mypy import MypyAnalyzer, module_name, split_duplicates
from heal.analyzers.native import NativeAnalyzer
from heal.analyzers.ruff import RuffAnalyzer
from heal.config import Config
from heal.discover import discover
from heal.model import Category, Priority


def context(root: Path, paths: list[str], config: Config | None = None) -> AnalyzeContext:
    config = config or Config()
    state = root / ".heal"
    state.mkdir(exist_ok=True)
    found = discover(root, paths, config)
    import sys
    return AnalyzeContext(root=root, files=found.files, config=config, python=sys.executable,
                          state_dir=state)


def write(root: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return list(files)


def test_ruff_findings_and_fix_edits(tmp_path):
    paths = write(tmp_path, {"a.py": "import os, sys\nx = 1\n"})
    result = RuffAnalyzer().run(context(tmp_path, paths))
    assert result.errors == []
    f401 = next(f for f in result.findings if f.rule == "ruff:F401")
    assert (f401.span.start.line, f401.span.start.column) == (1, 7)
    assert f401.tool_fix is not None and f401.tool_fix.applicability == "safe"
    edit = f401.tool_fix.edits[0]
    assert edit.span.start.line == 1 and edit.span.start.column == 0
    assert f401.path == "a.py"


def test_ruff_uses_the_projects_config(tmp_path):
    paths = write(tmp_path, {
        "pyproject.toml": '[tool.ruff.lint]\nselect = ["E501"]\n[tool.ruff]\nline-length = 10\n',
        "a.py": "import os\nvalue = 'a long line'\n",
    })
    result = RuffAnalyzer().run(context(tmp_path, [p for p in paths if p.endswith(".py")]))
    assert {f.rule for f in result.findings} == {"ruff:E501"}
    assert not (tmp_path / ".ruff_cache").exists()  # the cache lives under .heal/


def test_mypy_findings_columns_and_cache(tmp_path):
    paths = write(tmp_path, {"a.py": 'def f(x: int = None) -> int:\n    return "é" + 1\n'})
    result = MypyAnalyzer().run(context(tmp_path, paths))
    by_rule = {f.rule: f for f in result.findings}
    assignment = by_rule["mypy:assignment"]
    assert (assignment.span.start.column, assignment.span.end.column) == (15, 19)
    assert assignment.category is Category.TYPE and assignment.priority is Priority.P1
    assert (tmp_path / ".heal" / "mypy_cache").is_dir()


def test_mypy_duplicate_module_names_are_left_out_not_fatal(tmp_path):
    paths = write(tmp_path, {
        "t1/conftest.py": "x: int = 'a'\n",
        "t2/conftest.py": "y: int = 'b'\n",
        "pkg/__init__.py": "",
        "pkg/conftest.py": "z: int = 'c'\n",
    })
    assert module_name(tmp_path, "pkg/conftest.py") == "pkg.conftest"
    assert module_name(tmp_path, "pkg/__init__.py") == "pkg"
    _, dropped = split_duplicates(tmp_path, paths)
    assert dropped == ["t2/conftest.py"]
    result = MypyAnalyzer().run(context(tmp_path, paths))
    assert {f.path for f in result.findings} == {"t1/conftest.py", "pkg/conftest.py"}
    assert any("t2/conftest.py" in e.message for e in result.errors)


def test_a_file_that_stops_mypy_is_left_out_and_the_rest_still_checked(tmp_path):
    """`yield from` in an async function stops mypy (exit 2) before it type-checks the other
    files, as parso's test data does to parso: heal keeps the blocking file's own error,
    checks the rest without it, and says so."""
    paths = write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "def f(x: int = None) -> int:\n    return 1\n",
        "pkg/blocker.py": "async def g():\n    yield from []\n",
    })
    result = MypyAnalyzer().run(context(tmp_path, paths))
    assert {(f.path, f.rule) for f in result.findings} == {
        ("pkg/a.py", "mypy:assignment"), ("pkg/blocker.py", "mypy:misc")}, result.findings
    assert [e.message for e in result.errors] == [
        "left out pkg/blocker.py from type checking the rest: mypy stops at its blocking error "
        '("yield from" in async function); its own errors are kept']


def test_a_module_with_a_stub_is_checked_as_its_stub_in_a_scan_and_a_rescan_alike(tmp_path):
    """cachetools ships `keys.py` with `keys.pyi` beside it. Given the `.py` by name, mypy
    checked the tests against the untyped implementation (`Box[int]`: "expects no type
    arguments"), while a rescan of the test file alone found the stub: a fix there looked as if
    it brought that error. Both now see the stub, as mypy crawling the folder does."""
    paths = write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/box.py": "class Box:\n    pass\n",
        "pkg/box.pyi": "from typing import Generic, TypeVar\nT = TypeVar('T')\n"
                       "class Box(Generic[T]): ...\n",
        "tests/test_box.py": "from pkg.box import Box\n\n\ndef test_box() -> None:\n"
                             "    b: Box[int] = Box()\n",
    })
    scan = MypyAnalyzer().run(context(tmp_path, [p for p in paths if p.endswith(".py")]))
    rescan = MypyAnalyzer().run(context(tmp_path, ["tests/test_box.py"]))
    assert [f.rule for f in scan.findings] == [f.rule for f in rescan.findings] == [], (
        scan.findings, rescan.findings)


def test_bandit_columns_are_characters_and_nosec_is_honoured(tmp_path):
    paths = write(tmp_path, {"a.py": (
        "import subprocess\n"
        "d = {'é': subprocess.call(cmd, shell=True)}\n"
        "subprocess.call(cmd, shell=True)  # nosec\n"
    )})
    result = BanditAnalyzer().run(context(tmp_path, paths))
    b602 = [f for f in result.findings if f.rule == "bandit:B602"]
    assert len(b602) == 1
    assert b602[0].span.start.column == 10  # 'subprocess' starts at character 10 (byte 11)
    assert b602[0].priority is Priority.P0 and b602[0].severity.startswith("HIGH")
    assert char_column("é = 1", 3) == 2


def test_bandit_reads_the_projects_config(tmp_path):
    paths = write(tmp_path, {
        "pyproject.toml": '[tool.bandit]\nskips = ["B101"]\n',
        "a.py": "assert True\nimport pickle\npickle.loads(b'')\n",
    })
    result = BanditAnalyzer().run(context(tmp_path, [p for p in paths if p.endswith(".py")]))
    rules = {f.rule for f in result.findings}
    assert "bandit:B101" not in rules and "bandit:B301" in rules


def test_native_suppression_and_crash_isolation(tmp_path):
    paths = write(tmp_path, {"a.py": (
        "s = ''\n"
        "for x in xs:\n"
        "    s += 'a'\n"
        "    s += 'b'  # heal: ignore[PERF101]\n"
        "    s += 'c'  # heal: ignore\n"
        "    s += 'd'  # heal: ignore[LOG101]\n"
    )})
    result = NativeAnalyzer().run(context(tmp_path, paths))
    assert sorted(f.span.start.line for f in result.findings if f.rule == "heal:PERF101") == [3, 6]


def test_mypy_checks_only_what_the_projects_config_covers(tmp_path):
    paths = write(tmp_path, {
        "pyproject.toml": '[tool.mypy]\nfiles = ["src"]\nexclude = ["_gen\\\\.py$"]\n',
        "src/a.py": "x: int = 'a'\n",
        "src/b_gen.py": "y: int = 'b'\n",
        "tests/test_a.py": "z: int = 'c'\n",
    })
    result = MypyAnalyzer().run(context(tmp_path, [p for p in paths if p.endswith(".py")]))
    assert {f.path for f in result.findings} == {"src/a.py"}

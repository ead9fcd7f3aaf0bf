"""The naming fixers beyond their cases: conventions, other files of the project, the engine's
bounds for renames. Findings are made by hand at the name's position (as ruff reports them)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from heal.config import Config
from heal.edits import apply_fixes
from heal.healers.base import ModuleContext
from heal.healers.style._naming import cap_words, snake_case, upper_case
from heal.healers.style.rename_argument import RenameArgument
from heal.healers.style.rename_function import RenameFunction
from heal.healers.style.rename_variable import RenameVariable
from heal.model import Category, Declined, Finding, Fix, Priority, Safety, Span
from heal.plan import in_bounds


@pytest.mark.parametrize(("name", "snake", "upper", "capwords"), [
    ("myValue", "my_value", "MY_VALUE", "MyValue"),
    ("getHTTPResponse", "get_http_response", "GET_HTTP_RESPONSE", "GetHTTPResponse"),
    ("N", "n", "N", "N"),
    ("_privateName", "_private_name", "_PRIVATE_NAME", "_PrivateName"),
    ("test__FOR_LOOP", "test__for_loop", "TEST__FOR_LOOP", "TestFORLOOP"),
    ("memoized_property", "memoized_property", "MEMOIZED_PROPERTY", "MemoizedProperty"),
    ("var2D", "var2_d", "VAR2_D", "Var2D"),
])
def test_conventions(name: str, snake: str, upper: str, capwords: str) -> None:
    assert (snake_case(name), upper_case(name), cap_words(name)) == (snake, upper, capwords)


def _finding(text: str, rule: str, name: str, occurrence: int = 0, path: str = "m.py") -> Finding:
    lines = text.splitlines()
    hits = [(number, line.index(name)) for number, line in enumerate(lines, 1)
            if name in line]
    line, column = hits[occurrence]
    return Finding(rule=rule, category=Category.STYLE, priority=Priority.P3, path=path,
                   span=Span.of(line, column, line, column + len(name)), message="", tool="ruff",
                   fingerprint=f"{rule}:{line}")


def _context(text: str, path: str = "m.py", root: Path | None = None) -> ModuleContext:
    return ModuleContext(path, text, Config(unsafe_fixes=True), root)


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


HELPER = textwrap.dedent("""\
    def _helperFunc(value):
        return value * 2


    def double(value):
        return _helperFunc(value)
    """)


def test_a_private_name_another_file_uses_is_declined_with_the_file(tmp_path: Path) -> None:
    root = _project(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": HELPER,
                               "pkg/b.py": "from pkg.a import _helperFunc\n"})
    result = RenameFunction().fix(_finding(HELPER, "ruff:N802", "_helperFunc", path="pkg/a.py"),
                                  _context(HELPER, "pkg/a.py", root))
    assert isinstance(result, Declined)
    assert "used in pkg/b.py" in result.reason and "rename it by hand" in result.reason


def test_a_private_name_no_other_file_uses_is_renamed(tmp_path: Path) -> None:
    root = _project(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": HELPER,
                               "pkg/b.py": "from pkg.a import double\n"})
    result = RenameFunction().fix(_finding(HELPER, "ruff:N802", "_helperFunc", path="pkg/a.py"),
                                  _context(HELPER, "pkg/a.py", root))
    assert isinstance(result, Fix) and result.safety is Safety.UNSAFE
    assert apply_fixes(HELPER, [result]) == HELPER.replace("_helperFunc", "_helper_func")


def test_a_public_function_is_review_level(tmp_path: Path) -> None:
    text = "def computeTotal(values):\n    return sum(values)\n"
    root = _project(tmp_path, {"m.py": text})
    result = RenameFunction().fix(_finding(text, "ruff:N802", "computeTotal"),
                                  _context(text, root=root))
    assert isinstance(result, Fix) and result.safety is Safety.REVIEW
    assert "computeTotal" in result.rationale


def test_a_keyword_argument_in_another_file_declines_the_parameter(tmp_path: Path) -> None:
    text = "def _area(rectWidth):\n    return rectWidth * 2\n"
    root = _project(tmp_path, {"m.py": text, "use.py": "from m import _area\n_area(rectWidth=2)\n"})
    result = RenameArgument().fix(_finding(text, "ruff:N803", "rectWidth"),
                                  _context(text, root=root))
    assert isinstance(result, Declined) and "use.py" in result.reason


def test_a_global_declaration_is_renamed_with_the_variable() -> None:
    text = textwrap.dedent("""\
        _callCount = 0


        def tick():
            global _callCount
            _callCount += 1
            return _callCount
        """)
    result = RenameVariable().fix(_finding(text, "ruff:N816", "_callCount"), _context(text))
    assert isinstance(result, Fix) and result.safety is Safety.SAFE
    assert apply_fixes(text, [result]) == text.replace("_callCount", "_call_count")


def test_a_doctest_that_uses_the_name_declines() -> None:
    text = textwrap.dedent('''\
        def _scaleBy(value):
            """
            >>> _scaleBy(2)
            4
            """
            return value * 2
        ''')
    result = RenameFunction().fix(_finding(text, "ruff:N802", "_scaleBy"), _context(text))
    assert isinstance(result, Declined) and "string at line 2" in result.reason


def test_a_method_of_a_class_with_a_foreign_base_keeps_its_parameters() -> None:
    text = textwrap.dedent("""\
        import json


        class Encoder(json.JSONEncoder):
            def encode(self, someObj):
                return super().encode(someObj)
        """)
    result = RenameArgument().fix(_finding(text, "ruff:N803", "someObj"), _context(text))
    assert isinstance(result, Declined) and "json.JSONEncoder" in result.reason


def test_a_name_read_through_a_nonlocal_declaration_declines() -> None:
    text = textwrap.dedent("""\
        def counter():
            Count = 0

            def bump():
                nonlocal Count
                Count += 1
                return Count
            return bump
        """)
    result = RenameVariable().fix(_finding(text, "ruff:N806", "Count"), _context(text))
    assert isinstance(result, Declined) and "nonlocal" in result.reason


def test_renames_may_leave_the_statement_other_edits_may_not() -> None:
    text = HELPER
    finding = _finding(text, "ruff:N802", "_helperFunc")
    rename = RenameFunction().fix(finding, _context(text))
    assert isinstance(rename, Fix) and len({e.span.start.line for e in rename.edits}) == 2
    assert in_bounds(text, finding, rename)
    from dataclasses import replace

    from heal.model import TextEdit

    stray = replace(rename, edits=(*rename.edits, TextEdit(Span.of(6, 11, 6, 22), "print")))
    assert not in_bounds(text, finding, stray)  # two different swaps: not one rename
    widened = replace(rename, edits=(TextEdit(Span.of(6, 4, 6, 10), "yield"),))
    assert not in_bounds(text, finding, widened)  # a keyword is not an identifier

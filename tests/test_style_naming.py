"""The naming fixers beyond their cases: conventions, other files of the project, the engine's
bounds for renames. Findings are made by hand at the name's position (as ruff reports them)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from heal.config import Config
from heal.edits import apply_fixes, texts_after
from heal.fixcheck import in_bounds
from heal.fixer import ModuleContext
from heal.healers.style._analysis import cap_words, snake_case, upper_case
from heal.healers.style.rename_argument import RenameArgument
from heal.healers.style.rename_function import RenameFunction
from heal.healers.style.rename_variable import RenameVariable
from heal.model import Category, Declined, Finding, Fix, Priority, Safety, Span


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


def test_a_private_name_used_in_a_file_outside_the_run_is_declined(tmp_path: Path) -> None:
    root = _project(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": HELPER,
                               "pkg/b.py": "from pkg.a import _helperFunc\n"})
    result = RenameFunction().fix(_finding(HELPER, "ruff:N802", "_helperFunc", path="pkg/a.py"),
                                  _context(HELPER, "pkg/a.py", root))  # the run has no pkg/b.py
    assert isinstance(result, Declined)
    assert "used in pkg/b.py" in result.reason and "rename it by hand" in result.reason


USERS = {
    "pkg/b.py": """\
        from pkg.a import _helperFunc


        def quad(value):
            return _helperFunc(_helperFunc(value))  # twice
        """,
    "pkg/c.py": "from .a import _helperFunc as helper\n\nX = helper(1)\n",
    "tests/test_a.py": """\
        from pkg import a


        def test_double():
            assert a._helperFunc(2) == 4
        """,
}


def _rename_across(tmp_path: Path, files: dict[str, str]) -> tuple[Fix | Declined | None,
                                                                   dict[str, str]]:
    root = _project(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": HELPER, **files})
    texts = {name: (root / name).read_text(encoding="utf-8")
             for name in ["pkg/__init__.py", "pkg/a.py", *files]}
    context = ModuleContext("pkg/a.py", HELPER, Config(unsafe_fixes=True), root, others=texts)
    result = RenameFunction().fix(_finding(HELPER, "ruff:N802", "_helperFunc", path="pkg/a.py"),
                                  context)
    return result, texts


def test_a_private_name_is_renamed_in_every_file_that_imports_it(tmp_path: Path) -> None:
    result, texts = _rename_across(tmp_path, USERS)
    assert isinstance(result, Fix), result
    assert sorted(result.paths) == ["pkg/a.py", "pkg/b.py", "pkg/c.py", "tests/test_a.py"]
    after = texts_after([result], texts.__getitem__)
    assert after["pkg/a.py"] == HELPER.replace("_helperFunc", "_helper_func")
    assert after["pkg/b.py"] == texts["pkg/b.py"].replace("_helperFunc", "_helper_func")
    assert "# twice" in after["pkg/b.py"]
    # an `as` alias keeps its own name; a module attribute follows the rename
    assert after["pkg/c.py"] == "from .a import _helper_func as helper\n\nX = helper(1)\n"
    assert "a._helper_func(2) == 4" in after["tests/test_a.py"]
    assert "also in pkg/b.py, pkg/c.py, tests/test_a.py" in result.description
    assert Fix.from_dict(result.to_dict()) == result  # the review queue and history keep it


@pytest.mark.parametrize(("other", "why"), [
    ("from unittest import mock\n\nP = mock.patch('pkg.a._helperFunc')\n", "spells"),
    ("def _helperFunc():\n    return 1\n", "also bound at line 1"),
    ("from pkg.a import _helperFunc\n\n\ndef f(_helper_func):\n    return _helperFunc\n",
     "already uses `_helper_func`"),
    ("import pkg.b\n\nY = pkg.b._helperFunc\n", "may or may not be"),
])
def test_a_mention_heal_cannot_follow_declines_the_whole_rename(tmp_path: Path, other: str,
                                                                why: str) -> None:
    result, _ = _rename_across(tmp_path, {**USERS, "pkg/d.py": other})
    assert isinstance(result, Declined) and "pkg/d.py" in result.reason and why in result.reason


def test_a_public_name_used_in_another_file_is_declined(tmp_path: Path) -> None:
    text = "def computeTotal(values):\n    return sum(values)\n"
    root = _project(tmp_path, {"m.py": text, "use.py": "from m import computeTotal\n"})
    context = ModuleContext("m.py", text, Config(), root,
                            others={"m.py": text, "use.py": "from m import computeTotal\n"})
    result = RenameFunction().fix(_finding(text, "ruff:N802", "computeTotal"), context)
    assert isinstance(result, Declined) and "public" in result.reason


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

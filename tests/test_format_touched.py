"""Formatting the lines a fix touched (and nothing else) when the project uses a formatter.

The real `ruff format --range` on real files; heal end to end on throwaway repositories.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from heal.config import Config
from heal.fixcheck import touched_ranges
from heal.healers.style.format import format_lines, uses_formatter
from heal.model import Category, Finding, Fix, Priority, Safety, Span, TextEdit
from heal.plan import Planner

# A fix that renames `runningSum` makes line 4 longer than 60 characters; the dict at the end
# is badly formatted and nobody touches it.
CALC = textwrap.dedent("""\
    def total(values):
        runningSum = 0
        for value in values:
            runningSum = runningSum + value * 2 + value * 3 + 1
        return runningSum


    UGLY = {  'a':1,'b':2 }
    """)
TEST = textwrap.dedent("""\
    from calc import total


    def test_total():
        assert total([1, 2]) == 17
    """)
RUFF_FORMAT = "[tool.ruff]\nline-length = 60\n\n[tool.ruff.format]\n"
NO_FORMAT = "[tool.ruff]\nline-length = 60\n"


@pytest.mark.parametrize(("files", "expected"), [
    ({"pyproject.toml": RUFF_FORMAT}, "ruff"),
    ({"pyproject.toml": "[tool.ruff.format]\nquote-style = 'single'\n"}, "ruff"),
    ({"pyproject.toml": "[tool.black]\nline-length = 100\n"}, "black"),
    ({"ruff.toml": "line-length = 100\n[format]\nquote-style = 'double'\n"}, "ruff"),
    ({".ruff.toml": "[format]\n"}, "ruff"),
    ({".pre-commit-config.yaml": "repos:\n- repo: https://github.com/astral-sh/ruff-pre-commit\n"
      "  rev: v0.6.0\n  hooks:\n  - id: ruff\n  - id: ruff-format\n"}, "ruff"),
    ({".pre-commit-config.yaml": "repos:\n- repo: https://github.com/psf/black\n  rev: 24.1.0\n"
      "  hooks:\n  - id: black\n"}, "black"),
    ({"pyproject.toml": NO_FORMAT}, None),
    ({"ruff.toml": "line-length = 100\n"}, None),
    ({".pre-commit-config.yaml": "repos:\n- repo: https://github.com/astral-sh/ruff-pre-commit\n"
      "  rev: v0.6.0\n  hooks:\n  - id: ruff\n"}, None),
    ({"pyproject.toml": "this is [not toml"}, None),
    ({}, None),
])
def test_uses_formatter_reads_the_project_config(tmp_path: Path, files: dict[str, str],
                                                expected: str | None) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert uses_formatter(tmp_path) == expected


def test_format_lines_formats_only_the_range(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(RUFF_FORMAT, encoding="utf-8")
    text = "x = {  'a':1 }\ny = {  'b':2 }\nz = {  'c':3 }\n"
    assert format_lines(text, "m.py", (2, 2), tmp_path) == 'x = {  \'a\':1 }\ny = {"b": 2}\nz = {  \'c\':3 }\n'
    assert format_lines(text, "m.py", (1, 3), tmp_path) == 'x = {"a": 1}\ny = {"b": 2}\nz = {"c": 3}\n'


def test_format_lines_uses_the_project_settings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ruff.format]\nquote-style = 'single'\n",
                                             encoding="utf-8")
    assert format_lines('x = {  "a":1 }\n', "m.py", (1, 1), tmp_path) == "x = {'a': 1}\n"


def test_format_lines_black_line_length(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 30\n", encoding="utf-8")
    text = "result = compute(first_value, second_value)\n"
    assert format_lines(text, "m.py", (1, 1), tmp_path, "black") == (
        "result = compute(\n    first_value, second_value\n)\n")


def test_format_lines_returns_the_text_when_ruff_fails(tmp_path: Path) -> None:
    text = "def broken(:\n    x = {  'a':1 }\n"
    assert format_lines(text, "m.py", (2, 2), tmp_path) == text


def test_format_lines_respects_excludes(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.ruff.format]\nexclude = ['generated.py']\n", encoding="utf-8")
    text = "x = {  'a':1 }\n"
    assert format_lines(text, "generated.py", (1, 1), tmp_path) == text


def test_touched_ranges_are_lines_of_the_fixed_text() -> None:
    text = "a = 1\nb = 2\nc = 3\nd = 4\n"
    fix = _fix([TextEdit(Span.of(1, 0, 2, 0), "a = 1\na2 = 1\n"),  # one line becomes two
                TextEdit(Span.of(4, 0, 4, 1), "dd")])
    assert touched_ranges(text, fix) == [(1, 2), (5, 5)]


def _finding(line: int, column: int, end: int) -> Finding:
    return Finding(rule="ruff:N806", category=Category.STYLE, priority=Priority.P3,
                   path="calc.py", span=Span.of(line, column, line, end),
                   message="Variable `runningSum` in function should be lowercase", tool="ruff",
                   fingerprint=f"f{line}")


def _fix(edits: list[TextEdit]) -> Fix:
    return Fix(fingerprints=("f",), rule="ruff:N806", category=Category.STYLE, path="calc.py",
               edits=tuple(edits), source="fixer:test", safety=Safety.SAFE, description="test")


def test_planner_formats_the_touched_lines(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(RUFF_FORMAT, encoding="utf-8")
    plan = Planner(Config(), root=tmp_path).plan([_finding(2, 4, 14)], {"calc.py": CALC})
    assert not plan.bugs and len(plan.fixes) == 1
    from heal.edits import apply_fixes

    after = apply_fixes(CALC, plan.fixes)
    assert "        running_sum = (\n" in after
    assert after.endswith("\n\nUGLY = {  'a':1,'b':2 }\n")


def test_planner_without_formatter_keeps_the_fix(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(NO_FORMAT, encoding="utf-8")
    plan = Planner(Config(), root=tmp_path).plan([_finding(2, 4, 14)], {"calc.py": CALC})
    assert [e.content for f in plan.fixes for e in f.edits] == ["running_sum"] * 4


def _heal_calc(make_repo, heal, pyproject: str) -> str:
    repo = make_repo({"pyproject.toml": pyproject, "calc.py": CALC, "tests/test_calc.py": TEST})
    result = heal("--select", "ruff:N806", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 fixes landed" in result.stdout, result.stdout
    return (repo / "calc.py").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_fix_that_makes_a_line_too_long_gets_wrapped(make_repo, heal) -> None:
    healed = _heal_calc(make_repo, heal, RUFF_FORMAT)
    assert healed == textwrap.dedent("""\
        def total(values):
            running_sum = 0
            for value in values:
                running_sum = (
                    running_sum + value * 2 + value * 3 + 1
                )
            return running_sum


        UGLY = {  'a':1,'b':2 }
        """)


@pytest.mark.slow
def test_a_project_without_a_formatter_is_not_reformatted(make_repo, heal) -> None:
    healed = _heal_calc(make_repo, heal, NO_FORMAT)
    assert healed == CALC.replace("runningSum", "running_sum")

"""Every error path of `heal --scan`: one line that says what to do, and exit code 2."""

from __future__ import annotations

from pathlib import Path

from conftest import git


def _one_line_error(result) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_not_a_git_repo(tmp_path, heal):
    (tmp_path / "a.py").write_text("import os\n")
    line = _one_line_error(heal("--scan", cwd=tmp_path))
    assert "not inside a git repository" in line and "git init" in line


def test_bare_repo(tmp_path, heal):
    bare = tmp_path / "bare.git"
    bare.mkdir()
    git(bare, "init", "-q", "--bare")
    line = _one_line_error(heal("--scan", "--repo", str(bare), cwd=tmp_path))
    assert "bare repository" in line


def test_path_outside_repo(make_repo, heal, tmp_path):
    repo = make_repo({"a.py": "X = 1\n"})
    outside = tmp_path / "elsewhere.py"
    outside.write_text("X = 1\n")
    line = _one_line_error(heal("--scan", str(outside), cwd=repo))
    assert "outside the repository" in line


def test_missing_path(make_repo, heal):
    repo = make_repo({"a.py": "X = 1\n"})
    assert "does not exist" in _one_line_error(heal("--scan", "nope.py", cwd=repo))


def test_unknown_rule_code(make_repo, heal):
    repo = make_repo({"a.py": "X = 1\n"})
    line = _one_line_error(heal("--scan", "--select", "XYZ999", cwd=repo))
    assert "XYZ999" in line and "heal rules" in line
    line = _one_line_error(heal("--scan", "--ignore", "pylint:C0103", cwd=repo))
    assert "unknown tool `pylint`" in line


def test_bad_config_key_is_named(make_repo, heal):
    repo = make_repo({"pyproject.toml": "[tool.heal]\nfail_on = 'P2'\n", "a.py": "X = 1\n"})
    line = _one_line_error(heal("--scan", cwd=repo))
    assert "`fail_on`" in line and "pyproject.toml" in line


def test_bad_config_value(make_repo, heal):
    repo = make_repo({"pyproject.toml": "[tool.heal]\nfail-on = 'P9'\n", "a.py": "X = 1\n"})
    assert "`fail-on`" in _one_line_error(heal("--scan", cwd=repo))


def test_bad_option_values(make_repo, heal):
    repo = make_repo({"a.py": "X = 1\n"})
    assert "--fail-on" in _one_line_error(heal("--scan", "--fail-on", "high", cwd=repo))
    assert "--format" in _one_line_error(heal("--scan", "--format", "xml", cwd=repo))
    assert "--category" in _one_line_error(heal("--scan", "--category", "speed", cwd=repo))
    assert "not a commit" in _one_line_error(heal("--scan", "--since", "nope", cwd=repo))


def test_missing_analyzer_names_the_tool(make_repo, heal, tmp_path):
    repo = make_repo({"a.py": "import os\n"})
    env = {"HEAL_MYPY": str(tmp_path / "no-such-mypy")}
    line = _one_line_error(heal("--scan", cwd=repo, env=env))
    assert "mypy" in line and "pip install mypy" in line and "--skip-missing" in line
    result = heal("--scan", "-f", "json", "--skip-missing", cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    assert '"ruff:F401"' in result.stdout


def test_unreadable_tool_output_is_a_warning_not_a_crash(make_repo, heal):
    repo = make_repo({"a.py": "import os\n"})
    fake = Path(repo) / "fake-ruff"
    fake.write_text("#!/bin/sh\necho 'not json'\n")
    fake.chmod(0o755)
    result = heal("--scan", cwd=repo, env={"HEAL_RUFF": str(fake)})
    assert result.returncode == 0, result.stderr
    assert "warning: ruff: printed output heal cannot read" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

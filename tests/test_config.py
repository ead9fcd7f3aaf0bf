"""`[tool.heal]`: strict keys, typed values, CLI overrides, and where each value came from."""

from __future__ import annotations

import sys

import pytest

from heal.config import Config, describe, load_config, parse_table, project_python
from heal.errors import ConfigError
from heal.model import Category, Priority


def test_defaults_without_pyproject(tmp_path):
    config = load_config(tmp_path)
    assert config == Config()
    assert config.fail_on is Priority.P1
    assert config.test_command == "python -m pytest -q -x -p no:cacheprovider"
    assert 1 <= config.jobs <= 5


def test_values_are_read_and_converted(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.heal]\nexclude = ["vendor/"]\nfail-on = "p2"\ncategories = ["security", "logic"]\n'
        'test-timeout = 30\njobs = 5\n')
    config = load_config(tmp_path)
    assert config.exclude == ("vendor/",)
    assert config.fail_on is Priority.P2
    assert config.categories == (Category.SECURITY, Category.LOGIC)
    assert config.test_timeout == 30.0
    assert config.jobs == 5
    assert config.sources["fail_on"] == "pyproject.toml"


@pytest.mark.parametrize(("table", "message"), [
    ({"selct": ["F"]}, "unknown key `selct`"),
    ({"exclude": "a", "jobs": "2"}, "`jobs` must be a int"),
    ({"unsafe-fixes": "yes"}, "`unsafe-fixes` must be a bool"),
    ({"categories": ["speed"]}, "unknown categories ['speed']"),
    ({"analyzers": ["pylint"]}, "unknown analyzers ['pylint']"),
    ({"format": "xml"}, "`format` must be one of"),
    ({"auto-apply-confidence": 2.0}, "between 0 and 1"),
    ({"jobs": 0}, "`jobs` must be between 1 and 5, not 0"),
    ({"jobs": 99}, "`jobs` must be between 1 and 5, not 99"),
    ({"test-timeout": -5}, "`test-timeout` must be a positive number of seconds, not -5"),
    ({"test-timeout": 0}, "`test-timeout` must be a positive number"),
    ({"max-iterations": 0}, "`max-iterations` must be at least 1"),
    ({"batch-size": -1}, "`batch-size` must be at least 1"),
    ({"requests-timeout": 0}, "`requests-timeout` must be at least 1"),
])
def test_bad_tables_name_the_key(table, message):
    with pytest.raises(ConfigError) as error:
        parse_table(table, "pyproject.toml [tool.heal]")
    assert message in error.value.message
    assert error.value.message.startswith("pyproject.toml [tool.heal]")


def test_invalid_toml(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.heal\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)


def test_cli_overrides_win_and_are_attributed():
    config = parse_table({"fail-on": "P3"}, "x").with_overrides(fail_on=Priority.P0, select=None)
    assert config.fail_on is Priority.P0
    rows = {key: (value, source) for key, value, source in describe(config)}
    assert rows["fail-on"] == ("P0", "command line")
    assert rows["exclude"] == ("-", "default")


def test_project_python_prefers_the_projects_venv(tmp_path, monkeypatch):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    assert project_python(tmp_path, Config()) == sys.executable
    venv_python = tmp_path / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text("")
    assert project_python(tmp_path, Config()) == str(venv_python)
    assert project_python(tmp_path, Config(python="tools/py")) == str(tmp_path / "tools/py")


@pytest.mark.parametrize(("args", "message"), [
    (("--timeout", "0"), "heal: error: --timeout 0: use a positive number of seconds"),
    (("--timeout", "-5"), "heal: error: --timeout -5: use a positive number of seconds"),
    (("--jobs", "99"), "99 is not in the range 1<=x<=5"),
    (("history", "-n", "-1"), "-1 is not in the range x>=1"),
])
def test_bad_numbers_on_the_command_line_are_one_line_errors(make_repo, heal, args, message):
    repo = make_repo({"pkg/__init__.py": ""})
    result = heal(*args, cwd=repo)
    assert result.returncode == 2
    assert message in " ".join(result.stderr.split())  # click boxes its usage errors
    assert "Traceback" not in result.stderr

"""`heal init`: [tool.heal] defaults in pyproject.toml, and heal's pre-commit hooks."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from heal.commands._common import RepoOption, guarded, repo_root, stdout_console
from heal.config import load_config
from heal.errors import EXIT_OK

app = typer.Typer(add_completion=False)

INIT_TABLE = """
[tool.heal]
# heal's settings (https://example.invalid/heal); `heal debug` shows the merged result
exclude = []
fail-on = "P1"
test-command = "python -m pytest -q -x -p no:cacheprovider"
test-timeout = 600
verify = "affected"

[tool.heal.per-file-ignores]
# globs -> rule codes or prefixes, as ruff's: `assert` is how pytest tests check things
"tests/**" = ["bandit:B101", "ruff:S101"]
"test_*.py" = ["bandit:B101", "ruff:S101"]
"conftest.py" = ["bandit:B101", "ruff:S101"]
"""

# A local hook: it runs the `heal` installed on the machine that commits (heal's own
# .pre-commit-hooks.yaml serves a `repo: URL` entry, for a team that hosts heal somewhere).
HOOK_CONFIG = """\
  - repo: local
    hooks:
      - id: heal        # fixes staged files; the commit stops so you can re-add them
        name: heal
        entry: heal --hook
        language: system
        types: [python]
        require_serial: true
      - id: heal-scan   # reports only; fails at --fail-on
        name: heal --scan
        entry: heal --scan
        language: system
        types: [python]
        require_serial: true
"""


def init(repo: Path | None, pre_commit: bool) -> int:
    root = repo_root(repo)
    pyproject = root / "pyproject.toml"
    console = stdout_console()
    existing = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
    if "[tool.heal]" in existing:
        console.print("pyproject.toml already has [tool.heal]; left as it is", markup=False)
    else:
        separator = "\n" if existing and not existing.endswith("\n") else ""
        table = INIT_TABLE if existing else INIT_TABLE.lstrip("\n")
        pyproject.write_text(existing + separator + table, encoding="utf-8")
        load_config(root)  # what we wrote must load
        console.print("wrote [tool.heal] to pyproject.toml", markup=False)
    hooks = HOOK_CONFIG
    config = root / ".pre-commit-config.yaml"
    if pre_commit:
        text = config.read_text(encoding="utf-8") if config.exists() else ""
        if "id: heal" in text:
            console.print(".pre-commit-config.yaml already runs heal")
        else:
            text = text if "repos:" in text else text + "repos:\n"
            config.write_text(text + ("" if text.endswith("\n") else "\n") + hooks,
                              encoding="utf-8")
            console.print("added heal's hooks to .pre-commit-config.yaml")
    else:
        console.print("add this to .pre-commit-config.yaml (or rerun with --pre-commit):\n")
        console.print("repos:\n" + hooks, markup=False)
    console.print(_where_heal_is(), markup=False)
    return EXIT_OK


def _where_heal_is() -> str:
    """The hooks run `heal` from PATH when git commits: say which one, or that none is."""
    found = shutil.which("heal")
    if found is None:
        return ("note: the hooks run `heal` from PATH, and there is none on it now; install heal "
                "where your shell finds it, or activate its virtualenv before you commit")
    return f"the hooks run `heal` from PATH (now {found}); `pre-commit install` turns them on"


@app.command("init")
def init_command(
    pre_commit: Annotated[bool, typer.Option(
        "--pre-commit", help="Also add heal's hooks to .pre-commit-config.yaml.")] = False,
    repo: RepoOption = None,
) -> None:
    """Write [tool.heal] defaults into pyproject.toml and show (or add) the pre-commit hooks."""
    raise typer.Exit(guarded(False, lambda: init(repo, pre_commit)))

"""`heal init`: [tool.heal] defaults in pyproject.toml, and heal's pre-commit hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heal import __version__
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
"""

HOOK_CONFIG = """\
  - repo: https://github.com/heal-dev/heal
    rev: v{version}
    hooks:
      - id: heal        # fixes staged files; the commit stops so you can re-add them
      - id: heal-scan   # reports only; fails at --fail-on
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
        console.print("wrote [tool.heal] to pyproject.toml")
    hooks = HOOK_CONFIG.format(version=__version__)
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
    return EXIT_OK


@app.command("init")
def init_command(
    pre_commit: Annotated[bool, typer.Option(
        "--pre-commit", help="Also add heal's hooks to .pre-commit-config.yaml.")] = False,
    repo: RepoOption = None,
) -> None:
    """Write [tool.heal] defaults into pyproject.toml and show (or add) the pre-commit hooks."""
    raise typer.Exit(guarded(False, lambda: init(repo, pre_commit)))

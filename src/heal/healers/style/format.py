"""Format only the lines a fix touched, when the project formats its code (ruff format or black).

`uses_formatter(root)` tells from the project's configuration whether it uses a formatter:
`[tool.ruff.format]` or `[tool.black]` in pyproject.toml, a `[format]` table in ruff.toml /
.ruff.toml, or a ruff-format / black hook in .pre-commit-config.yaml. `format_lines` runs the
real `ruff format --range` on the file's text (through stdin, from the project root so the
project's own configuration applies) and returns the text with only that range reformatted;
when ruff cannot format it (a syntax error, ruff missing, a timeout) the text comes back as it
was. Black projects are formatted by ruff too (black-compatible), with black's line length and
string normalisation.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from heal.analyzers.base import find_tool
from heal.errors import HealError
from heal.sandbox.proc import run

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TIMEOUT = 30.0
_RUFF_HOOK = re.compile(r"^\s*-?\s*id:\s*['\"]?ruff-format\b", re.MULTILINE)
_BLACK_HOOK = re.compile(r"^\s*-?\s*id:\s*['\"]?black(-jupyter)?['\"]?\s*$|psf/black", re.MULTILINE)


def _toml(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return data


def _black_settings(root: Path) -> dict[str, Any]:
    tool = _toml(root / "pyproject.toml").get("tool", {})
    black = tool.get("black", {}) if isinstance(tool, dict) else {}
    return black if isinstance(black, dict) else {}


def uses_formatter(root: Path) -> str | None:
    """"ruff" or "black" when the project's configuration says it formats with one, else None."""
    tool = _toml(root / "pyproject.toml").get("tool", {})
    if isinstance(tool, dict):
        ruff = tool.get("ruff", {})
        if isinstance(ruff, dict) and "format" in ruff:
            return "ruff"
    for name in ("ruff.toml", ".ruff.toml"):
        if (root / name).is_file() and "format" in _toml(root / name):
            return "ruff"
    hooks = ""
    for name in (".pre-commit-config.yaml", ".pre-commit-config.yml"):
        try:
            hooks = (root / name).read_text(encoding="utf-8")
            break
        except (OSError, UnicodeDecodeError):
            continue
    if _RUFF_HOOK.search(hooks):
        return "ruff"
    if isinstance(tool, dict) and "black" in tool:
        return "black"
    if _BLACK_HOOK.search(hooks):
        return "black"
    return None


def _black_options(root: Path) -> list[str]:
    """ruff options that make it format as the project's black settings say."""
    black = _black_settings(root)
    length = black.get("line-length", black.get("line_length", 88))
    options = ["--line-length", str(length)] if isinstance(length, int) else []
    if black.get("skip-string-normalization") or black.get("skip_string_normalization"):
        options += ["--config", "format.quote-style = 'preserve'"]
    if black.get("skip-magic-trailing-comma") or black.get("skip_magic_trailing_comma"):
        options += ["--config", "format.skip-magic-trailing-comma = true"]
    return options


def format_lines(text: str, path: str, lines: tuple[int, int], root: Path,
                 formatter: str | None = "ruff") -> str:
    """`text` with lines `lines` (1-based, inclusive) reformatted by `ruff format --range`, run
    from `root` with `path` as the file name (so the project's settings and excludes apply);
    the text unchanged when ruff fails."""
    start, end = lines
    if start < 1 or end < start:
        return text
    try:
        ruff = find_tool("ruff")
    except HealError:
        return text
    argv = [ruff, "format", "--force-exclude", "--no-cache", f"--range={start}-{end + 1}",
            "--stdin-filename", path]
    if formatter == "black":
        argv += _black_options(root)
    argv.append("-")
    try:
        done = run(argv, cwd=root, timeout=TIMEOUT, input=text)
    except OSError:
        return text
    if done.returncode != 0 or done.timed_out or not done.stdout:
        return text
    return done.stdout

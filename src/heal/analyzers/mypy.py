"""mypy, run with the project's interpreter and configuration, cache under `.heal/`.

Only the files the project's mypy configuration covers are checked: when it sets `files`, the
files under those paths; files matching its `exclude` never.

`mypy -O json` prints one object per line with 1-based lines and 0-based character columns
(end exclusive), which are heal's conventions already. Notes that belong to an error arrive in
its `hint`; notes with a code of their own (`annotation-unchecked`) become P3 findings.

mypy refuses to check anything when two files map to one module name (`conftest.py` in two
test folders without `__init__.py`). heal keeps the first file of each such name, tells the user
which files it left out, and, should mypy still stop on a file, drops that file and tries again.
A module with a stub beside it is checked as its stub (`stubs_first`).

mypy also stops (exit 2) at a blocking error in one file (`"yield from" in async function`)
after reporting only the files it had checked so far: parso's test data stops it before any
file of the package is type-checked. heal keeps what mypy said about the blocking file, checks
the other files without it, and says which file it left out and why; otherwise the scan would
miss those errors, and a later rescan of one file would report them as new.
"""

from __future__ import annotations

import configparser
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from heal import catalog
from heal.analyzers.base import AnalyzeContext, AnalyzerResult, find_tool, rel_path, run_tool
from heal.discover import module_name
from heal.model import AnalyzerError, Finding, Span

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NAME = "mypy"
MAX_RETRIES = 10
_DUPLICATE = re.compile(r'Duplicate module named "(?P<module>[^"]+)"')




def split_duplicates(root: Path, paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(files to check, files left out because an earlier file has the same module name)."""
    seen: dict[str, str] = {}
    keep, dropped = [], []
    for path in sorted(paths):
        name = module_name(root, path)
        if name in seen:
            dropped.append(path)
        else:
            seen[name] = path
            keep.append(path)
    return keep, dropped


def project_config(root: Path) -> dict[str, object]:
    """The project's mypy settings: [mypy] in mypy.ini / .mypy.ini, [tool.mypy] in
    pyproject.toml, or [mypy] in setup.cfg (mypy's own order)."""
    for name in ("mypy.ini", ".mypy.ini"):
        if (root / name).is_file():
            return _ini_section(root / name, "mypy")
    config = _pyproject_section(root)
    if not config and (root / "setup.cfg").is_file():
        config = _ini_section(root / "setup.cfg", "mypy")
    return config


def configured_plugins(root: Path) -> list[str]:
    """The plugins any of the project's mypy configuration files names: code mypy imports
    and runs (`heal ci --untrusted` leaves mypy out when there are any)."""
    found: list[str] = []
    sections = [_ini_section(root / n, "mypy") for n in ("mypy.ini", ".mypy.ini", "setup.cfg")
                if (root / n).is_file()]
    sections.append(_pyproject_section(root))
    for section in sections:
        raw = section.get("plugins")
        names = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
        found += [str(n).strip() for n in names if str(n).strip()]
    return found


def project_scope(root: Path) -> tuple[list[str], str | None]:
    """The project's own answer to "what does mypy check": `files` and `exclude` from its
    mypy settings (`project_config`)."""
    config = project_config(root)
    raw_files = config.get("files") or []
    files = ([f.strip() for f in raw_files.split(",") if f.strip()] if isinstance(raw_files, str)
             else [str(f) for f in raw_files] if isinstance(raw_files, list) else [])
    raw_exclude = config.get("exclude")
    exclude = ("|".join(f"(?:{e})" for e in raw_exclude) if isinstance(raw_exclude, list)
               else str(raw_exclude) if raw_exclude else None)
    return [f.rstrip("/") for f in files], exclude


def _pyproject_section(root: Path) -> dict[str, object]:
    pyproject = root / "pyproject.toml"
    try:
        table = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("mypy")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}
    return table if isinstance(table, dict) else {}


def _ini_section(path: Path, section: str) -> dict[str, object]:
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return {}
    return dict(parser[section]) if parser.has_section(section) else {}


def in_scope(paths: Sequence[str], root: Path) -> list[str]:
    """Keep the files the project's mypy configuration would check."""
    files, exclude = project_scope(root)
    kept = [p for p in paths if not files or any(p == f or p.startswith(f + "/") for f in files)]
    if exclude:
        try:
            pattern = re.compile(exclude)
        except re.error:
            return kept
        kept = [p for p in kept if not pattern.search(p)]
    return kept


def stubs_first(paths: Sequence[str], root: Path) -> list[str]:
    """A module with a stub beside it (`keys.py` and `keys.pyi`) is its stub, as for mypy
    crawling a folder: given the `.py` by name, mypy would type-check importers against the
    implementation (cachetools' `TTLCache[str, int]` then "expects no type arguments"), while a
    rescan of one importer finds the stub, and the two would disagree."""
    out = []
    for path in paths:
        stub = path + "i"
        out.append(stub if path.endswith(".py") and (root / stub).is_file() else path)
    return list(dict.fromkeys(out))


def json_items(stdout: str) -> tuple[list[dict[str, Any]], list[str]]:
    """`mypy -O json`'s objects, one per line, and the lines that are not one."""
    items: list[dict[str, Any]] = []
    other: list[str] = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            item = None
        if isinstance(item, dict):
            items.append(item)
        else:
            other.append(line.strip())
    return items, other


def parse_output(items: Sequence[dict[str, Any]], root: Path
                 ) -> tuple[list[Finding], list[dict[str, Any]]]:
    """(findings, blocking entries without a position) of `json_items`' objects."""
    findings: list[Finding] = []
    blocking: list[dict[str, Any]] = []
    for item in items:
        if item.get("line", -1) < 1:
            blocking.append(item)
            continue
        code = item.get("code") or "misc"
        severity = item.get("severity") or "error"
        category, priority = catalog.mypy_class(code, severity)
        start_line, start_col = int(item["line"]), max(int(item.get("column") or 0), 0)
        end_line = int(item.get("end_line") or start_line)
        end_col = int(item.get("end_column") or start_col)
        if end_line < start_line or (end_line == start_line and end_col < start_col):
            end_line, end_col = start_line, start_col
        findings.append(Finding(
            rule=f"mypy:{code}", category=category, priority=priority,
            path=rel_path(root, item["file"]), span=Span.of(start_line, start_col, end_line, end_col),
            message=item.get("message", ""), tool=NAME, fingerprint="", hint=item.get("hint"),
            severity=severity,
        ))
    return findings, blocking


def command(context: AnalyzeContext, paths: Sequence[str]) -> list[str]:
    return [
        find_tool(NAME), "-O", "json", "--python-executable", context.python,
        "--cache-dir", str(context.state_dir / "mypy_cache"), "--no-color-output",
        "--no-error-summary", "--", *paths,
    ]


def blocking_error(items: Sequence[dict[str, Any]], root: Path) -> tuple[str, str] | None:
    """Where mypy stopped on exit 2: the file of an error without a code (semantic analysis
    blockers have none), else the file it reported last (its messages come file by file, and
    it stops in the one it was checking). (path, message) or None."""
    placed = [item for item in items if isinstance(item.get("file"), str)]
    uncoded = [item for item in placed if not item.get("code") and item.get("severity") == "error"]
    chosen = (uncoded or placed)[-1:]
    return (rel_path(root, chosen[0]["file"]), str(chosen[0].get("message", ""))) if chosen \
        else None


def _culprit(entry: dict[str, Any], root: Path) -> str | None:
    file = entry.get("file")
    return rel_path(root, file) if isinstance(file, str) and file else None


class MypyAnalyzer:
    name = NAME

    def check_available(self) -> None:
        find_tool(NAME)

    def run(self, context: AnalyzeContext) -> AnalyzerResult:
        result = AnalyzerResult(NAME)
        scoped = stubs_first(in_scope([f.path for f in context.files], context.root),
                             context.root)
        paths, dropped = split_duplicates(context.root, scoped)
        for path in dropped:
            result.errors.append(AnalyzerError(
                NAME, f"left out {path}: another file has the same module name "
                      f"`{module_name(context.root, path)}` (add __init__.py files to tell them apart)"))
        kept: list[Finding] = []  # what mypy said about files left out for a blocking error
        for _ in range(MAX_RETRIES):
            if not paths:
                result.findings = kept
                return result
            try:
                code, out, err, seconds = run_tool(command(context, paths), context.root)
            except subprocess.TimeoutExpired:
                result.errors.append(AnalyzerError(NAME, "timed out"))
                return result
            result.duration += seconds
            items, other = json_items(out)
            findings, blocking = parse_output(items, context.root)
            if code != 2:
                result.findings = kept + findings
                return result
            culprits = {c for c in (_culprit(e, context.root) for e in blocking) if c in paths}
            if findings and not culprits:
                stopped = blocking_error(items, context.root)
                if stopped is None or stopped[0] not in paths:
                    result.findings = kept + findings
                    return result
                stopped_in, why = stopped
                kept += [f for f in findings if f.path == stopped_in]
                result.errors.append(AnalyzerError(
                    NAME, f"left out {stopped_in} from type checking the rest: mypy stops at "
                          f"its blocking error ({why}); its own errors are kept"))
                paths = [p for p in paths if p != stopped_in]
                continue
            message = (blocking[0].get("message") if blocking else None) or " ".join(
                other + err.strip().splitlines()[-1:]) or f"exit code {code}"
            if not culprits:
                result.errors.append(AnalyzerError(NAME, f"could not run: {message}"))
                return result
            for culprit in sorted(culprits):
                result.errors.append(AnalyzerError(NAME, f"left out {culprit}: {message}"))
            paths = [p for p in paths if p not in culprits]
        result.errors.append(AnalyzerError(NAME, "gave up after repeated blocking errors"))
        result.findings = kept
        return result

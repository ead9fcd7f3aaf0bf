"""bandit, with the project's bandit configuration; `# nosec` is bandit's own to honour.

bandit's columns come from Python's AST, so they count UTF-8 bytes; heal converts them to
characters using the line's text. Its priority follows bandit's severity (HIGH and MEDIUM are
P0, LOW is P2), and the confidence is kept in the finding's severity field ("HIGH/MEDIUM").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from heal import catalog
from heal.analyzers.base import AnalyzeContext, AnalyzerResult, find_tool, rel_path, run_tool
from heal.cache import ResultCache
from heal.discover import SourceFile
from heal.model import AnalyzerError, Finding, Span
from heal.redact import SECRET_RULES, redact, secret_from_message

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

NAME = "bandit"
YAML_CONFIGS = (".bandit.yml", ".bandit.yaml", "bandit.yml", "bandit.yaml")


def config_args(root: Path) -> list[str]:
    """bandit reads no config unless told: point it at the project's, if it has one."""
    args: list[str] = []
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "bandit" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                args += ["-c", str(pyproject)]
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            pass
    for name in YAML_CONFIGS:
        if not args and (root / name).is_file():
            args += ["-c", str(root / name)]
    if (root / ".bandit").is_file():
        args += ["--ini", str(root / ".bandit")]
    return args


def char_column(line: str, byte_column: int) -> int:
    return len(line.encode("utf-8")[:byte_column].decode("utf-8", errors="ignore"))


def _span(source: SourceFile | None, item: dict[str, Any]) -> Span:
    line = int(item.get("line_number") or 1)
    end_line = max(int(x) for x in item.get("line_range") or [line])
    col = int(item.get("col_offset") or 0)
    end_col = int(item.get("end_col_offset") or col)
    if source is not None:
        text = source.lines
        if line <= len(text):
            col = char_column(text[line - 1], col)
        if end_line <= len(text):
            end_col = char_column(text[end_line - 1], end_col)
    if end_line == line and end_col < col:
        end_col = col
    return Span.of(line, col, end_line, end_col)


def parse_output(stdout: str, context: AnalyzeContext,
                 secrets: set[str] | None = None) -> tuple[list[Finding], list[str]]:
    """Findings and errors from bandit's JSON; hard-coded password values go into `secrets`
    and out of the message, so they never reach a report, the history or the audit log."""
    document = json.loads(stdout or "{}")
    files = context.by_path()
    findings = []
    for item in document.get("results", []):
        path = rel_path(context.root, item["filename"])
        severity = str(item.get("issue_severity", "LOW"))
        category, priority = catalog.bandit_class(severity)
        rule = f"bandit:{item['test_id']}"
        message = str(item.get("issue_text", ""))
        source = files.get(path)
        at = item.get("secret_at")  # a cached answer: where the secret is in the file's text
        if isinstance(at, list) and len(at) == 2 and source is not None:
            if secrets is not None:
                secrets.add(source.text[at[0]:at[0] + at[1]])
        elif rule in SECRET_RULES:
            secret = secret_from_message(message)
            if secret:
                message = redact(message, [secret])
                if secrets is not None:
                    secrets.add(secret)
        findings.append(Finding(
            rule=rule, category=category, priority=priority, path=path,
            span=_span(source, item), message=message, tool=NAME, fingerprint="",
            severity=f"{severity}/{item.get('issue_confidence', 'UNDEFINED')}",
        ))
    errors = [f"{rel_path(context.root, e['filename'])}: {e['reason']}"
              for e in document.get("errors", [])]
    return findings, errors


def at_rest(item: dict[str, Any], text: str) -> dict[str, Any]:
    """A bandit result as the cache keeps it: no secret at rest. A hard-coded password's value
    becomes its place in the file (`secret_at`: offset, length; the cache key is the file's
    text, so the place holds whenever the entry is read) and its message is redacted, as
    is any token shape in it."""
    stored = dict(item)
    message = str(item.get("issue_text", ""))
    secret = secret_from_message(message) if f"bandit:{item.get('test_id')}" in SECRET_RULES \
        else None
    if secret:
        offset = text.find(secret)
        if offset >= 0:
            stored["secret_at"] = [offset, len(secret)]
    stored["issue_text"] = redact(message, [secret] if secret else [])
    return stored


def _salt(root: Path, argv: list[str]) -> list[str]:
    """What a cached bandit answer depends on besides the file: bandit and its config."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        parts = [version("bandit")]
    except PackageNotFoundError:
        parts = ["?"]
    parts += argv
    for arg in argv:
        path = Path(arg)
        if path.is_absolute() and path.is_file():
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return parts


class BanditAnalyzer:
    name = NAME

    def check_available(self) -> None:
        find_tool(NAME)

    def run(self, context: AnalyzeContext) -> AnalyzerResult:
        """bandit on the files whose answer is not cached; cached answers for the rest."""
        result = AnalyzerResult(NAME)
        if not context.files:
            return result
        config = config_args(context.root)
        cache = ResultCache(context.state_dir, NAME, _salt(context.root, config))
        items: list[dict[str, Any]] = []
        todo: dict[str, str] = {}
        for source in context.files:
            key = cache.key(source.text)
            cached = cache.get(key)
            if isinstance(cached, list):
                items += cached
            else:
                todo[source.path] = key
        errors: list[dict[str, Any]] = []
        if todo:
            argv = [find_tool(NAME), "-f", "json", "-q", *config, "--", *sorted(todo)]
            try:
                code, out, err, result.duration = run_tool(argv, context.root)
                document = json.loads(out or "{}")
            except subprocess.TimeoutExpired:
                result.errors.append(AnalyzerError(NAME, "timed out"))
                return result
            except json.JSONDecodeError:
                tail = (err.strip().splitlines() or [f"exit code {code}"])[-1]
                result.errors.append(AnalyzerError(NAME, f"could not run: {tail}"))
                return result
            fresh: dict[str, list[dict[str, Any]]] = {path: [] for path in todo}
            for item in document.get("results", []):
                item.pop("code", None)  # source lines: may hold a secret, and heal reads the file
                fresh.setdefault(rel_path(context.root, item["filename"]), []).append(item)
            errors = document.get("errors", [])
            failed = {rel_path(context.root, e["filename"]) for e in errors}
            texts = context.by_path()
            for path, found in fresh.items():
                items += found
                if path in todo and path not in failed:
                    cache.put(todo[path], [at_rest(i, texts[path].text) for i in found])
        result.findings, messages = parse_output(
            json.dumps({"results": items, "errors": errors}), context, result.secrets)
        result.errors += [AnalyzerError(NAME, m) for m in messages]
        return result

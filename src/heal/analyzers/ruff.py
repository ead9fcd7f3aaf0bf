"""ruff, run with the project's own configuration; its fix edits are kept on each Finding.

`ruff check --output-format json` reports 1-based columns with an exclusive end; heal's columns
are 0-based, so both ends shift by one. `--force-exclude` makes the project's `exclude` apply to
the files heal passes explicitly, and the cache lives under `.heal/` so the user's tree is not
touched.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from heal import catalog
from heal.analyzers.base import AnalyzeContext, AnalyzerResult, find_tool, rel_path, run_tool
from heal.model import AnalyzerError, Finding, Span, TextEdit, ToolFix

NAME = "ruff"


def _span(start: dict[str, int], end: dict[str, int]) -> Span:
    return Span.of(start["row"], start["column"] - 1, end["row"], end["column"] - 1)


def _tool_fix(raw: dict[str, Any] | None) -> ToolFix | None:
    if not raw or not raw.get("edits"):
        return None
    edits = tuple(
        TextEdit(_span(e["location"], e["end_location"]), e.get("content") or "")
        for e in raw["edits"]
    )
    return ToolFix(applicability=str(raw.get("applicability", "display-only")),
                   message=str(raw.get("message") or ""), edits=edits)


def parse_output(stdout: str, context: AnalyzeContext) -> list[Finding]:
    """Findings from ruff's JSON array."""
    findings = []
    for item in json.loads(stdout or "[]"):
        code = item.get("code") or item.get("name") or "unknown"
        if code in ("invalid-syntax", "E999"):
            continue  # discovery already reported the file once
        category, priority = catalog.ruff_class(code)
        findings.append(Finding(
            rule=f"ruff:{code}", category=category, priority=priority,
            path=rel_path(context.root, item["filename"]),
            span=_span(item["location"], item["end_location"]),
            message=item.get("message", ""), tool=NAME, fingerprint="",
            tool_fix=_tool_fix(item.get("fix")), severity=item.get("severity"),
        ))
    return findings


def command(context: AnalyzeContext, paths: list[str]) -> list[str]:
    argv = [
        find_tool(NAME), "check", "--output-format", "json", "--no-fix", "--force-exclude",
        "--exit-zero", "--cache-dir", str(context.state_dir / "ruff_cache"),
    ]
    if context.extra_ruff_select:
        argv += ["--extend-select", ",".join(context.extra_ruff_select)]
    return [*argv, "--", *paths]


class RuffAnalyzer:
    name = NAME

    def check_available(self) -> None:
        find_tool(NAME)

    def run(self, context: AnalyzeContext) -> AnalyzerResult:
        result = AnalyzerResult(NAME)
        paths = [f.path for f in context.files]
        if not paths:
            return result
        try:
            code, out, err, result.duration = run_tool(command(context, paths), context.root)
        except subprocess.TimeoutExpired:
            result.errors.append(AnalyzerError(NAME, "timed out"))
            return result
        if code != 0:
            message = err.strip().splitlines()[-1] if err.strip() else f"exit code {code}"
            result.errors.append(AnalyzerError(NAME, message))
            return result
        try:
            result.findings = parse_output(out, context)
        except (ValueError, KeyError, TypeError) as error:
            result.errors.append(AnalyzerError(NAME, f"printed output heal cannot read ({error}); "
                                                     "check `ruff --version` is 0.15 or newer"))
        return result

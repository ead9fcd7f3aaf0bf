"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

Values are escaped as the runner expects: `%`, CR and LF in the message; additionally `:` and
`,` in properties (file, title), or the runner cuts the command short.
"""

from __future__ import annotations

from heal.model import Finding, Priority
from heal.results import ScanResult

LEVELS = {Priority.P0: "error", Priority.P1: "error", Priority.P2: "warning", Priority.P3: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    span = finding.span
    props = {
        "file": finding.path,
        "line": str(span.start.line),
        "endLine": str(span.end.line),
        "title": f"{finding.rule} ({finding.priority.value} {finding.category.value})",
    }
    if span.start.line == span.end.line:
        props["col"] = str(span.start.column + 1)
        props["endColumn"] = str(max(span.end.column + 1, span.start.column + 1))
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{LEVELS[finding.priority]} {joined}::{escape_data(finding.message)}"


def render_scan(result: ScanResult) -> str:
    lines = [annotation(f) for f in result.findings]
    lines += [f"::warning title={escape_property('heal ' + e.tool)}::{escape_data(e.message)}"
              for e in result.errors]
    return "\n".join(lines)

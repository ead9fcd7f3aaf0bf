"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning ingests it.

Repo-relative URIs against %SRCROOT%, 1-based columns (heal's are 0-based), one `rules[]` entry
per rule with help text and a link, `partialFingerprints` from heal's line-independent
fingerprint, and `security-severity` on security rules so code scanning can rank them.
"""

from __future__ import annotations

import json
from typing import Any

from heal import __version__, rulebook
from heal.model import Category, Finding, Priority
from heal.results import ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Priority.P0: "error", Priority.P1: "error", Priority.P2: "warning", Priority.P3: "note"}
SECURITY_SEVERITY = {Priority.P0: "8.0", Priority.P1: "7.0", Priority.P2: "4.0", Priority.P3: "2.0"}
INFO_URI = "https://example.invalid/heal"


def _rule_entry(finding: Finding, known: dict[str, rulebook.RuleInfo]) -> dict[str, Any]:
    info = known.get(finding.rule)
    summary = info.summary if info and info.summary else finding.message
    url = info.url if info else INFO_URI
    properties: dict[str, Any] = {
        "category": finding.category.value, "priority": finding.priority.value,
        "tags": [finding.category.value, finding.tool],
    }
    if finding.category is Category.SECURITY:
        properties["security-severity"] = SECURITY_SEVERITY[finding.priority]
        properties["tags"].append("security")
    return {
        "id": finding.rule,
        "name": info.name if info else finding.code,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "helpUri": url,
        "help": {"text": f"{summary}\n{url}", "markdown": f"{summary}\n\n[Documentation]({url})"},
        "defaultConfiguration": {"level": LEVELS[finding.priority]},
        "properties": properties,
    }


def _result(finding: Finding, index: int) -> dict[str, Any]:
    span = finding.span
    region = {
        "startLine": span.start.line, "startColumn": span.start.column + 1,
        "endLine": max(span.end.line, span.start.line),
        "endColumn": max(span.end.column + 1, 1),
    }
    if region["endLine"] == region["startLine"] and region["endColumn"] < region["startColumn"]:
        region["endColumn"] = region["startColumn"]
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.priority],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
            "region": region,
        }}],
        "partialFingerprints": {"healFingerprint/v1": finding.fingerprint},
        "properties": {"category": finding.category.value, "priority": finding.priority.value,
                       "tool": finding.tool},
    }


def sarif_document(result: ScanResult, category: str | None = None) -> dict[str, Any]:
    known = rulebook.by_rule()
    rule_index: dict[str, int] = {}
    entries: list[dict[str, Any]] = []
    results = []
    for finding in result.findings:
        if finding.rule not in rule_index:
            rule_index[finding.rule] = len(entries)
            entries.append(_rule_entry(finding, known))
        results.append(_result(finding, rule_index[finding.rule]))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "heal", "version": __version__, "semanticVersion": __version__,
            "informationUri": INFO_URI, "rules": entries,
        }},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": result.root.as_uri() + "/"}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if category:
        run["automationDetails"] = {"id": f"{category}/"}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render_scan(result: ScanResult, category: str | None = None) -> str:
    return json.dumps(sarif_document(result, category), indent=2, ensure_ascii=False)

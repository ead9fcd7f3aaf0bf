"""`--format json`: the machine-readable report; CI tools parse this shape, keep it stable."""

from __future__ import annotations

import json
from typing import Any

from heal.model import Verdict
from heal.results import HealResult, ScanResult, summary

VERSION = 1


def scan_document(result: ScanResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "findings": [f.to_dict() for f in result.findings],
        "summary": summary(result),
        "errors": [{"tool": e.tool, "message": e.message} for e in result.errors],
    }


def dumps(document: dict[str, Any], listing: str) -> str:
    """The document indented, with one item of its `listing` list per line: as readable, and
    far faster for thousands of findings (Python's C encoder only runs without `indent`)."""
    items = document[listing]
    if not items:
        return json.dumps(document, indent=2, ensure_ascii=False)
    marker = json.dumps("\0items\0")
    outline = json.dumps({**document, listing: "\0items\0"}, indent=2, ensure_ascii=False)
    if outline.count(marker) != 1:  # some other value spells the marker: the slow way
        return json.dumps(document, indent=2, ensure_ascii=False)
    lines = ",\n    ".join(json.dumps(item, ensure_ascii=False) for item in items)
    return outline.replace(marker, f"[\n    {lines}\n  ]")


def render_scan(result: ScanResult) -> str:
    return dumps(scan_document(result), "findings")


def heal_document(result: HealResult) -> dict[str, Any]:
    counts = {v.value: len(result.by_verdict(v)) for v in Verdict}
    return {
        "version": VERSION,
        "run_id": result.run_id,
        "dry_run": result.dry_run,
        "fixes": [r.to_dict() for r in result.records],
        "declined": [{"fingerprint": d.fingerprint, "rule": d.rule, "path": d.path,
                      "line": d.line, "source": d.source, "reason": d.reason}
                     for d in result.declined],
        "summary": {
            **counts,
            "landed": len(result.landed_fixes()),  # fixes written (a skipped file's: not)
            "skipped_fixes": len(result.skipped_fixes()),  # landable, in a skipped file
            "landed_files": result.landed,
            "skipped_files": [{"path": p, "reason": why} for p, why in result.skipped_files],
            "remaining": len(result.remaining),
            "findings": len(result.scan.findings),
            "phases": result.phases,
            "test_runs": result.test_run_kinds,
            "rechecks": result.rechecks,
            "commit": result.commit,
            "branch": result.branch,
            "baseline": None if result.baseline is None else {
                "known_failures": result.baseline.known_failures,
                "flaky": result.baseline.flaky, "cached": result.baseline.cached},
            "messages": result.messages,
            "llm": None if result.llm is None else result.llm.to_dict(),
        },
        "patch": result.patch,
        "test_runs": result.test_runs,
        "duration_s": round(result.duration, 3),
    }


def render_heal(result: HealResult) -> str:
    return dumps(heal_document(result), "fixes")

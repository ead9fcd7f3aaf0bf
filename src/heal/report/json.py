"""`--format json`: the machine-readable report; CI tools parse this shape, keep it stable."""

from __future__ import annotations

import json
from typing import Any

from heal.pipeline import ScanResult, summary

VERSION = 1


def scan_document(result: ScanResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "findings": [f.to_dict() for f in result.findings],
        "summary": summary(result),
        "errors": [{"tool": e.tool, "message": e.message} for e in result.errors],
    }


def render_scan(result: ScanResult) -> str:
    return json.dumps(scan_document(result), indent=2, ensure_ascii=False)

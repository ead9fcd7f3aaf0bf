"""`--format json`: the machine-readable report; CI tools parse this shape, keep it stable."""

from __future__ import annotations

import json
from typing import Any

from heal.model import Verdict
from heal.pipeline import HealResult, ScanResult, summary

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
            "landed_files": result.landed,
            "skipped_files": [{"path": p, "reason": why} for p, why in result.skipped_files],
            "remaining": len(result.remaining),
            "findings": len(result.scan.findings),
            "phases": result.phases,
            "commit": result.commit,
            "branch": result.branch,
            "baseline": None if result.baseline is None else {
                "known_failures": result.baseline.known_failures,
                "flaky": result.baseline.flaky, "cached": result.baseline.cached},
            "messages": result.messages,
        },
        "patch": result.patch,
        "test_runs": result.test_runs,
        "duration_s": round(result.duration, 3),
    }


def render_heal(result: HealResult) -> str:
    return json.dumps(heal_document(result), indent=2, ensure_ascii=False)

"""heal's own libcst detectors (`heal/detectors/`), batched into one traversal per file.

Every enabled detector visits each module in a single `visit_batched` pass. A detector that
crashes on a file becomes an `AnalyzerError` naming the rule and file, never a failed scan.
A finding is suppressed by `# heal: ignore` or `# heal: ignore[CODE, ...]` on its first line.
"""

from __future__ import annotations

import re
import time
import traceback

import libcst as cst
from libcst.metadata import MetadataWrapper

from heal.analyzers.base import AnalyzeContext, AnalyzerResult
from heal.detectors import DETECTORS
from heal.detectors.base import Detector
from heal.discover import SourceFile
from heal.model import AnalyzerError, Finding

NAME = "native"
_IGNORE = re.compile(r"#\s*heal:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")


def suppressed(line: str, code: str) -> bool:
    match = _IGNORE.search(line)
    if not match:
        return False
    codes = match.group("codes")
    return codes is None or code in {c.strip() for c in codes.split(",")}


def detect(source: SourceFile, detectors: list[type[Detector]]) -> list[Finding]:
    """Run detectors over one file; raises whatever libcst or a detector raises."""
    module = cst.parse_module(source.text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    visitors = [cls(wrapper.module) for cls in detectors]
    wrapper.visit_batched(visitors)
    lines = source.lines
    findings = []
    for visitor in visitors:
        for report in visitor.reports:
            line = lines[report.span.start.line - 1] if report.span.start.line <= len(lines) else ""
            if suppressed(line, report.code):
                continue
            findings.append(Finding(
                rule=f"heal:{report.code}", category=visitor.CATEGORY, priority=visitor.PRIORITY,
                path=source.path, span=report.span, message=report.message, tool=NAME,
                fingerprint="",
            ))
    return findings


class NativeAnalyzer:
    name = NAME

    def __init__(self, detectors: list[type[Detector]] | None = None) -> None:
        self.detectors = detectors if detectors is not None else list(DETECTORS.values())

    def check_available(self) -> None:
        return None

    def run(self, context: AnalyzeContext) -> AnalyzerResult:
        result = AnalyzerResult(NAME)
        start = time.perf_counter()
        for source in context.files:
            try:
                result.findings += detect(source, self.detectors)
            except Exception as error:  # a detector bug must not sink the scan
                where = traceback.extract_tb(error.__traceback__)[-1]
                result.errors.append(AnalyzerError(
                    NAME, f"{source.path}: {type(error).__name__}: {error} "
                          f"(at {where.filename}:{where.lineno}); please report this"))
        result.duration = time.perf_counter() - start
        return result

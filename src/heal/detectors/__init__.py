"""heal's native detectors: one rule per file, collected here by hand (no import magic)."""

from __future__ import annotations

from heal.detectors.base import Detector

# performance detectors (PERF1xx)
from heal.detectors.perf101_string_concat_in_loop import StringConcatInLoop

# logic detectors (LOG1xx)

PERFORMANCE: tuple[type[Detector], ...] = (
    StringConcatInLoop,
)

LOGIC: tuple[type[Detector], ...] = (
)

DETECTORS: dict[str, type[Detector]] = {cls.CODE: cls for cls in (*PERFORMANCE, *LOGIC)}

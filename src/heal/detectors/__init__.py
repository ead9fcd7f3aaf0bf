"""heal's native detectors: one rule per file, collected here by hand (no import magic)."""

from __future__ import annotations

from heal.detectors.base import Detector
from heal.detectors.perf101_string_concat_in_loop import StringConcatInLoop

DETECTORS: dict[str, type[Detector]] = {
    cls.CODE: cls
    for cls in (
        StringConcatInLoop,
    )
}

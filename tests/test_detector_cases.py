"""Every native detector's VALID and INVALID cases, turned into tests (as Fixit does)."""

from __future__ import annotations

import pytest

from heal.analyzers.native import detect
from heal.cases import Invalid, Valid
from heal.discover import SourceFile
from heal.ruledoc import docstring, missing_headings
from heal.rules.base import Detector
from heal.rules.registry import DETECTORS


def _cases(kind: str) -> list[tuple[type[Detector], Valid | Invalid]]:
    return [(cls, case) for cls in DETECTORS.values() for case in getattr(cls, kind)]


def _ids(cases: list[tuple[type[Detector], Valid | Invalid]]) -> list[str]:
    counts: dict[str, int] = {}
    ids = []
    for cls, _ in cases:
        counts[cls.CODE] = counts.get(cls.CODE, 0) + 1
        ids.append(f"{cls.CODE}-{counts[cls.CODE]}")
    return ids


def _run(cls: type[Detector], code: str) -> list[int]:
    source = SourceFile(path="case.py", abspath=None, text=code)  # type: ignore[arg-type]
    return [f.span.start.line for f in detect(source, [cls]) if f.rule == f"heal:{cls.CODE}"]


VALID = _cases("VALID")
INVALID = _cases("INVALID")


@pytest.mark.parametrize(("cls", "case"), VALID, ids=_ids(VALID))
def test_valid_case_reports_nothing(cls: type[Detector], case: Valid) -> None:
    assert _run(cls, case.source()) == []


@pytest.mark.parametrize(("cls", "case"), INVALID, ids=_ids(INVALID))
def test_invalid_case_is_reported(cls: type[Detector], case: Invalid) -> None:
    lines = _run(cls, case.source())
    assert lines, f"{cls.CODE} reported nothing for:\n{case.source()}"
    if case.line is not None:
        assert case.line in lines


@pytest.mark.parametrize("cls", list(DETECTORS.values()), ids=list(DETECTORS))
def test_detector_is_documented_and_has_cases(cls: type[Detector]) -> None:
    assert missing_headings(docstring(cls)) == []
    assert cls.VALID and cls.INVALID
    assert cls.CODE.startswith(("PERF", "LOG"))


def test_codes_and_names_are_unique() -> None:
    names = [cls.NAME for cls in DETECTORS.values()]
    assert len(set(names)) == len(names)
    assert all(code == cls.CODE for code, cls in DETECTORS.items())


def test_native_analyzer_knows_every_detector_without_importing_them():
    from heal.analyzers.native import NativeAnalyzer

    assert sorted(NativeAnalyzer().codes) == sorted([*DETECTORS, "LOG113"])


def test_a_rule_and_its_fixer_share_one_code_doc_and_cases() -> None:
    """A native rule's fixer is the rule's, not a second rule: same code, docstring and cases
    (each INVALID case is the detector's and the fix's at once)."""
    from heal.rules.registry import FIXERS

    for code, fixer in FIXERS.items():
        rule = DETECTORS[code]
        assert code == fixer.CODE and fixer.RULES[0] == f"heal:{code}"
        assert docstring(fixer) == docstring(rule)
        assert fixer.VALID is rule.VALID and fixer.INVALID is rule.INVALID


def test_only_a_rule_with_a_fixer_says_what_the_fix_makes() -> None:
    from heal.rules.registry import FIXERS

    for code, cls in DETECTORS.items():
        if code not in FIXERS:
            assert all(case.expected is None for case in cls.INVALID), code

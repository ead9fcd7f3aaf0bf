"""Every fixer's VALID and INVALID cases against the real analyzers, plus the meta-test."""

from __future__ import annotations

import pytest

from heal.fixer import Fixer
from heal.healers import FIXERS
from heal.ruledoc import docstring, missing_headings
from heal.testing import CaseRun, problems, run_cases


@pytest.fixture(scope="session")
def case_runs(tmp_path_factory) -> dict[tuple[str, str, int], CaseRun]:
    runs = run_cases(FIXERS.values(), tmp_path_factory.mktemp("fixer-cases"))
    return {(r.fixer.CODE, type(r.case).__name__, r.number): r for r in runs}


CASES = [(cls.CODE, kind, number)
         for cls in FIXERS.values()
         for kind, cases in (("Valid", cls.VALID), ("Invalid", cls.INVALID))
         for number in range(1, len(cases) + 1)]


@pytest.mark.parametrize("key", CASES, ids=[f"{c}-{k}-{n}" for c, k, n in CASES])
def test_case(case_runs, key):
    run = case_runs[key]
    assert problems(run) == [], f"{run.fixer.CODE} {key[1]} #{key[2]}:\n{run.original}"


@pytest.mark.parametrize("cls", list(FIXERS.values()), ids=list(FIXERS))
def test_fixer_is_documented_and_has_cases(cls: type[Fixer]) -> None:
    assert missing_headings(docstring(cls)) == []
    assert cls.INVALID, "every fixer needs at least one INVALID case"
    assert cls.RULES and all(":" in rule for rule in cls.RULES)


def test_fixer_codes_and_names_are_unique():
    names = [cls.NAME for cls in FIXERS.values()]
    assert len(names) == len(set(names))
    assert all(code == cls.CODE for code, cls in FIXERS.items())

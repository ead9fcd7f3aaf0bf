"""heal.rules.retired: the fixer codes that became their rule's code, in every place a user
writes a code."""

from __future__ import annotations

import pytest

from heal import breaker, rulebook
from heal.analyzers.native import suppressed
from heal.rules import retired
from heal.rules.registry import DETECTORS


@pytest.fixture(autouse=True)
def fresh_notes(monkeypatch):
    monkeypatch.setattr(retired, "_noted", set())


def test_every_retired_code_names_a_rule_and_no_rule_uses_one() -> None:
    assert set(retired.RETIRED.values()) <= set(DETECTORS)
    assert not set(retired.RETIRED) & set(DETECTORS)


def test_current_maps_a_retired_code_and_says_so_once(capsys) -> None:
    assert retired.current("LGC101") == "LOG101"
    assert retired.current("heal:prf101") == "heal:PERF101"
    assert retired.current("LGC101") == "LOG101"
    err = capsys.readouterr().err
    assert err.count("heal: LGC101 is now LOG101 (the fixer and the detector share one code); "
                     "LGC101 still works\n") == 1
    assert err.count("PRF101 is now PERF101") == 1


def test_current_leaves_other_codes_alone(capsys) -> None:
    for code in ("LOG101", "F401", "ruff:PERF401", "PRF401", "ruff:LGC101", "mypy:union-attr"):
        assert retired.current(code) == code
    assert capsys.readouterr().err == ""


def test_selectors_ignore_comments_and_breaker_keys_take_retired_codes() -> None:
    assert rulebook.matches("heal:LOG101", "LGC101")
    assert rulebook.matches("heal:PERF109", "heal:PRF109")
    assert not rulebook.matches("heal:LOG102", "LGC101")
    assert suppressed("    x = 1  # heal: ignore[F401, LGC104]", "LOG104")
    assert not suppressed("    x = 1  # heal: ignore[LGC104]", "LOG101")
    assert breaker.keys_for("LGC101") == breaker.keys_for("LOG101") == [
        "fixer:remove-unreachable-code"]
    assert breaker.keys_for("PRF104") == ["fixer:regex-to-module-constant"]

"""The category/priority tables: longest prefix wins, unknown codes fall back sensibly."""

from __future__ import annotations

import pytest

from heal import catalog
from heal.model import Category, Priority


@pytest.mark.parametrize(("code", "category", "priority"), [
    ("F401", Category.IMPORT, Priority.P2),
    ("F821", Category.LOGIC, Priority.P1),
    ("F841", Category.LOGIC, Priority.P2),
    ("E501", Category.STYLE, Priority.P3),
    ("E711", Category.LOGIC, Priority.P2),
    ("E902", Category.LOGIC, Priority.P1),
    ("I001", Category.IMPORT, Priority.P3),
    ("UP006", Category.STYLE, Priority.P3),
    ("UP035", Category.IMPORT, Priority.P3),
    ("S608", Category.SECURITY, Priority.P0),
    ("S101", Category.SECURITY, Priority.P2),
    ("PERF401", Category.PERFORMANCE, Priority.P2),
    ("B006", Category.LOGIC, Priority.P2),
    ("ANN001", Category.TYPE, Priority.P2),
    ("RUF013", Category.TYPE, Priority.P2),
    ("ZZZ123", Category.STYLE, Priority.P3),  # unknown: style/P3
])
def test_ruff_codes(code, category, priority):
    assert catalog.ruff_class(code) == (category, priority)


@pytest.mark.parametrize(("code", "severity", "expected"), [
    ("union-attr", "error", (Category.TYPE, Priority.P1)),
    ("import-not-found", "error", (Category.IMPORT, Priority.P1)),
    ("import-untyped", "error", (Category.IMPORT, Priority.P2)),
    ("var-annotated", "error", (Category.TYPE, Priority.P2)),
    ("unreachable", "error", (Category.LOGIC, Priority.P2)),
    ("annotation-unchecked", "note", (Category.TYPE, Priority.P3)),
    ("brand-new-code", "error", (Category.TYPE, Priority.P1)),
    ("brand-new-code", "note", (Category.TYPE, Priority.P3)),
])
def test_mypy_codes(code, severity, expected):
    assert catalog.mypy_class(code, severity) == expected


def test_bandit_severity_sets_priority():
    assert catalog.bandit_class("HIGH") == (Category.SECURITY, Priority.P0)
    assert catalog.bandit_class("MEDIUM") == (Category.SECURITY, Priority.P0)
    assert catalog.bandit_class("LOW") == (Category.SECURITY, Priority.P2)


def test_ruff_bandit_mirror():
    assert catalog.ruff_to_bandit("S506") == "B506"
    assert catalog.ruff_to_bandit("SIM102") is None

"""The analyzers heal runs, by name: a plain dict, collected by hand."""

from __future__ import annotations

from heal.analyzers.bandit import BanditAnalyzer
from heal.analyzers.base import Analyzer
from heal.analyzers.mypy import MypyAnalyzer
from heal.analyzers.native import NativeAnalyzer
from heal.analyzers.ruff import RuffAnalyzer

ANALYZERS: dict[str, type[Analyzer]] = {
    "ruff": RuffAnalyzer,
    "mypy": MypyAnalyzer,
    "bandit": BanditAnalyzer,
    "native": NativeAnalyzer,
}

"""The fixers heal has, by category; the engine asks them for fixes (issue: healing engine)."""

from __future__ import annotations


def fix_level_for(rule: str) -> tuple[str, tuple[str, ...]]:
    """(best fix level, fixer names) heal can offer for a rule; ("none", ()) when none."""
    return "none", ()

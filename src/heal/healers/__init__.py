"""The fixers heal has, collected here by hand (plain dicts): the fixers of other tools' rules,
one package per category, and the fixers of heal's own rules, which live beside their
detectors in `heal.rules` and share their code (`heal:LOG101` is healed by fixer LOG101).

`fixers_for(rule)` gives the fixer classes that heal a rule, most specific first (a fixer that
names the rule before one that takes every rule of a tool); `fix_level_for(rule)` says how
safely heal can fix a rule, for `heal rules` and the `fixable` field of findings.
"""

from __future__ import annotations

from heal.fixer import Fixer, alias
from heal.healers import imports, performance, security, style, types
from heal.model import Safety
from heal.rules import registry as rules

TYPES = types.FIXERS
IMPORTS = imports.FIXERS
STYLE = style.FIXERS
SECURITY = security.FIXERS
PERFORMANCE = performance.FIXERS
NATIVE = tuple(rules.FIXERS.values())

FIXERS: dict[str, type[Fixer]] = {
    cls.CODE: cls for cls in (*TYPES, *IMPORTS, *STYLE, *SECURITY, *PERFORMANCE, *NATIVE)
}
_LEVEL_ORDER = {Safety.SAFE: 0, Safety.UNSAFE: 1, Safety.REVIEW: 2}


def fixers_for(rule: str) -> list[type[Fixer]]:
    specific = [cls for cls in FIXERS.values() if rule in cls.RULES or alias(rule) in cls.RULES]
    wildcard = [cls for cls in FIXERS.values() if cls not in specific and cls.handles(rule)]
    return specific + wildcard


def fix_level_for(rule: str) -> tuple[str, tuple[str, ...]]:
    """(best fix level, fixer names) for a rule, not counting ruff's own edits (those depend on
    each finding); ("none", ()) when no fixer names the rule."""
    specific = [cls for cls in FIXERS.values() if rule in cls.RULES or alias(rule) in cls.RULES]
    if not specific:
        return "none", ()
    best = min(specific, key=lambda cls: _LEVEL_ORDER[cls.SAFETY])
    return best.SAFETY.value, tuple(cls.NAME for cls in specific)

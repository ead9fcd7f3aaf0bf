"""Performance fixers of other tools' rules, collected here by hand (heal's own PERF rules
keep their fixers beside their detectors, in `heal.rules.performance`)."""

from __future__ import annotations

from heal.fixer import Fixer
from heal.healers.performance.list_comprehension import ListComprehension

FIXERS: tuple[type[Fixer], ...] = (ListComprehension,)

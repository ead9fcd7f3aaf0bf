"""Logic fixers (all review-level), collected here by hand."""

from __future__ import annotations

from heal.healers.base import Fixer
from heal.healers.logic.is_literal import IsLiteral

FIXERS: tuple[type[Fixer], ...] = (IsLiteral,)

"""Style fixers, collected here by hand."""

from __future__ import annotations

from heal.healers.base import Fixer
from heal.healers.style.ruff_edits import RuffEdits

FIXERS: tuple[type[Fixer], ...] = (RuffEdits,)

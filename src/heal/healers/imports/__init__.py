"""Import fixers, collected here by hand."""

from __future__ import annotations

from heal.healers.base import Fixer

FIXERS: tuple[type[Fixer], ...] = ()

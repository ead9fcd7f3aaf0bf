"""Logic fixers (all review-level), collected here by hand."""

from __future__ import annotations

from heal.fixer import Fixer
from heal.healers.logic.assert_tuple import AssertTuple
from heal.healers.logic.is_literal import IsLiteral
from heal.healers.logic.mutable_default import MutableDefault
from heal.healers.logic.self_assignment import SelfAssignment
from heal.healers.logic.unreachable import Unreachable

FIXERS: tuple[type[Fixer], ...] = (IsLiteral, AssertTuple, MutableDefault, SelfAssignment,
                                   Unreachable)

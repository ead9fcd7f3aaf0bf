"""Performance fixers, collected here by hand."""

from __future__ import annotations

from heal.fixer import Fixer
from heal.healers.performance.deque_queue import DequeQueue
from heal.healers.performance.list_comprehension import ListComprehension
from heal.healers.performance.membership_literal import MembershipLiteral
from heal.healers.performance.range_len import RangeLen
from heal.healers.performance.regex_constant import RegexConstant
from heal.healers.performance.string_join import StringJoin

FIXERS: tuple[type[Fixer], ...] = (StringJoin, RangeLen, MembershipLiteral, RegexConstant,
                                   DequeQueue, ListComprehension)

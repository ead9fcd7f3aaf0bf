"""heal's native detectors: one rule per file, collected here by hand (no import magic)."""

from __future__ import annotations

from heal.detectors.base import Detector

# performance detectors (PERF1xx)
from heal.detectors.perf101_string_concat_in_loop import StringConcatInLoop
from heal.detectors.perf102_range_len_index import RangeLenIndex
from heal.detectors.perf103_list_membership_in_loop import ListMembershipInLoop
from heal.detectors.perf104_regex_in_loop import RegexInLoop
from heal.detectors.perf105_n_plus_one_query import NPlusOneQuery
from heal.detectors.perf106_deepcopy_in_loop import DeepcopyInLoop
from heal.detectors.perf107_len_in_while_condition import LenInWhileCondition
from heal.detectors.perf108_repeated_attribute_lookup import RepeatedAttributeLookup
from heal.detectors.perf109_list_pop_front import ListPopFront
from heal.detectors.perf110_list_concat_in_loop import ListConcatInLoop

# isort: split
# logic detectors (LOG1xx)
from heal.detectors.log101_unreachable_code import UnreachableCode
from heal.detectors.log102_infinite_loop import InfiniteLoop
from heal.detectors.log103_self_comparison import SelfComparison
from heal.detectors.log104_self_assignment import SelfAssignment
from heal.detectors.log105_duplicate_condition import DuplicateCondition
from heal.detectors.log106_identical_branches import IdenticalBranches
from heal.detectors.log107_return_in_finally import ReturnInFinally
from heal.detectors.log108_assert_on_tuple import AssertOnTuple
from heal.detectors.log109_is_literal import IsLiteral
from heal.detectors.log110_mutable_default import MutableDefault
from heal.detectors.log111_loop_variable_closure import LoopVariableClosure
from heal.detectors.log112_swallowed_exception import SwallowedException

PERFORMANCE: tuple[type[Detector], ...] = (
    StringConcatInLoop,
    RangeLenIndex,
    ListMembershipInLoop,
    RegexInLoop,
    NPlusOneQuery,
    DeepcopyInLoop,
    LenInWhileCondition,
    RepeatedAttributeLookup,
    ListPopFront,
    ListConcatInLoop,
)

LOGIC: tuple[type[Detector], ...] = (
    UnreachableCode,
    InfiniteLoop,
    SelfComparison,
    SelfAssignment,
    DuplicateCondition,
    IdenticalBranches,
    ReturnInFinally,
    AssertOnTuple,
    IsLiteral,
    MutableDefault,
    LoopVariableClosure,
    SwallowedException,
)

DETECTORS: dict[str, type[Detector]] = {cls.CODE: cls for cls in (*PERFORMANCE, *LOGIC)}

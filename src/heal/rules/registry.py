"""heal's own rules, one per file, collected here by hand (plain dicts, no import magic).

`DETECTORS`: the per-file detectors the native analyzer batches over each module, by code.
`RULES`: every native rule by code, the per-file ones and the whole-project import-cycle check
(LOG113): what `heal rule`, `heal rules` and the generated docs describe.
`FIXERS`: the rules' fixers, under the rules' codes (`heal.healers` lists them with the
fixers of other tools' rules).
"""

from __future__ import annotations

from heal.fixer import Fixer
from heal.rules.base import Detector

# performance detectors (PERF1xx)
from heal.rules.performance.perf101_string_concat_in_loop import StringConcatInLoop, StringConcatToJoin
from heal.rules.performance.perf102_range_len_index import RangeLenIndex, RangeLenToIteration
from heal.rules.performance.perf103_list_membership_in_loop import (
    ListMembershipInLoop,
    MembershipLiteral,
)
from heal.rules.performance.perf104_regex_in_loop import RegexInLoop, RegexToModuleConstant
from heal.rules.performance.perf105_n_plus_one_query import NPlusOneQuery
from heal.rules.performance.perf106_deepcopy_in_loop import DeepcopyInLoop
from heal.rules.performance.perf107_len_in_while_condition import LenInWhileCondition
from heal.rules.performance.perf108_repeated_attribute_lookup import RepeatedAttributeLookup
from heal.rules.performance.perf109_list_pop_front import ListPopFront, ListQueueToDeque
from heal.rules.performance.perf110_list_concat_in_loop import ListConcatInLoop

# isort: split
# logic detectors (LOG1xx)
from heal.rules.logic.log101_unreachable_code import RemoveUnreachableCode, UnreachableCode
from heal.rules.logic.log102_infinite_loop import InfiniteLoop
from heal.rules.logic.log103_self_comparison import SelfComparison
from heal.rules.logic.log104_self_assignment import RemoveSelfAssignment, SelfAssignment
from heal.rules.logic.log105_duplicate_condition import DuplicateCondition
from heal.rules.logic.log106_identical_branches import IdenticalBranches
from heal.rules.logic.log107_return_in_finally import ReturnInFinally
from heal.rules.logic.log108_assert_on_tuple import AssertOnTuple, AssertTupleToCondition
from heal.rules.logic.log109_is_literal import IsLiteral, IsLiteralToEquality
from heal.rules.logic.log110_mutable_default import MutableDefault, MutableDefaultToNone
from heal.rules.logic.log111_loop_variable_closure import LoopVariableClosure
from heal.rules.logic.log112_swallowed_exception import SwallowedException
from heal.rules.logic.log113_import_cycles import ImportCycle

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

RULES: dict[str, type[Detector] | type[ImportCycle]] = {**DETECTORS, ImportCycle.CODE: ImportCycle}

# in the order heal listed them when they lived in healers/ (fixers_for keeps its order)
FIXERS: dict[str, type[Fixer]] = {cls.CODE: cls for cls in (
    StringConcatToJoin,
    RangeLenToIteration,
    MembershipLiteral,
    RegexToModuleConstant,
    ListQueueToDeque,
    IsLiteralToEquality,
    AssertTupleToCondition,
    MutableDefaultToNone,
    RemoveSelfAssignment,
    RemoveUnreachableCode,
)}

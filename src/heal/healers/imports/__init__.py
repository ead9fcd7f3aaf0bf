"""Import fixers, collected here by hand.

Import cycles are found by `heal.rules.logic.log113_import_cycles` (a whole-project check,
rule heal:LOG113), not healed here: breaking a cycle is a design decision.
"""

from __future__ import annotations

from heal.fixer import Fixer
from heal.healers.imports.deprecated_imports import DeprecatedImport
from heal.healers.imports.moved_name import MovedName
from heal.healers.imports.sorted_imports import SortedImports
from heal.healers.imports.star_imports import StarImport
from heal.healers.imports.type_checking_imports import TypeCheckingImport
from heal.healers.imports.undefined_names import UndefinedName
from heal.healers.imports.unused_imports import UnusedImport

FIXERS: tuple[type[Fixer], ...] = (
    UnusedImport,
    SortedImports,
    StarImport,
    UndefinedName,
    TypeCheckingImport,
    DeprecatedImport,
    MovedName,
)

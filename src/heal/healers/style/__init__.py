"""Style fixers, collected here by hand."""

from __future__ import annotations

from heal.fixer import Fixer
from heal.healers.style.rename_argument import RenameArgument
from heal.healers.style.rename_class import RenameClass
from heal.healers.style.rename_class_attribute import RenameClassAttribute
from heal.healers.style.rename_function import RenameFunction
from heal.healers.style.rename_variable import RenameVariable
from heal.healers.style.ruff_edits import RuffEdits

FIXERS: tuple[type[Fixer], ...] = (
    RuffEdits,
    RenameVariable,
    RenameArgument,
    RenameFunction,
    RenameClass,
    RenameClassAttribute,
)

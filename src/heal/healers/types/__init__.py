"""Type fixers (driven by mypy findings), collected here by hand.

PEP 585 / 604 modernisation (`List[int]` -> `list[int]`, `Optional[X]` -> `X | None`) has no
fixer here: ruff's UP006, UP007 and UP045 edits cover it through the style healer.
"""

from __future__ import annotations

from heal.fixer import Fixer
from heal.healers.types.empty_collections import EmptyCollectionAnnotation
from heal.healers.types.implicit_optional import ImplicitOptional
from heal.healers.types.literal_defaults import LiteralDefaults
from heal.healers.types.magic_methods import MagicMethodReturn
from heal.healers.types.missing_key_get import MissingKeyGet
from heal.healers.types.none_early_return import NoneEarlyReturn
from heal.healers.types.none_guard import NoneGuard
from heal.healers.types.return_none import ReturnNone
from heal.healers.types.typing_imports import TypingImport
from heal.healers.types.untyped_imports import UntypedImport

FIXERS: tuple[type[Fixer], ...] = (
    ImplicitOptional,
    ReturnNone,
    MagicMethodReturn,
    LiteralDefaults,
    EmptyCollectionAnnotation,
    NoneGuard,
    NoneEarlyReturn,
    MissingKeyGet,
    TypingImport,
    UntypedImport,
)

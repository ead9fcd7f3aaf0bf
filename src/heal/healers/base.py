"""The shape of a fixer: it reports a replacement, the engine writes (Fixit's rule).

A fixer declares a unique `CODE`, a `NAME`, the `CATEGORY` it belongs to, the namespaced
`RULES` it heals (`"ruff:*"` for every rule of a tool), its `SAFETY`, and `VALID` / `INVALID`
cases; its docstring has the headings What it does / Why is this bad? / Example / Fix safety.
`fix(finding, context)` returns a `Fix` (edits against `context.text`), a `Declined` with the
reason it will not touch this finding, or None when the finding is not its business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import libcst as cst

from heal.cases import Invalid, Valid
from heal.config import Config
from heal.edits import diff_edits
from heal.model import Category, Declined, Finding, Fix, Safety, TextEdit


@dataclass
class ModuleContext:
    """One file as a fixer sees it: its text, parsed lazily once, and the run's config."""

    path: str
    text: str
    config: Config = field(default_factory=Config)
    root: Path | None = None
    _module: cst.Module | None = field(default=None, repr=False)

    @property
    def module(self) -> cst.Module:
        if self._module is None:
            self._module = cst.parse_module(self.text)
        return self._module


class Fixer:
    CODE: ClassVar[str]
    NAME: ClassVar[str]
    CATEGORY: ClassVar[Category]
    RULES: ClassVar[tuple[str, ...]]
    SAFETY: ClassVar[Safety]
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    @classmethod
    def handles(cls, rule: str) -> bool:
        tool = rule.split(":", 1)[0]
        return rule in cls.RULES or f"{tool}:*" in cls.RULES

    @property
    def source(self) -> str:
        return f"fixer:{self.NAME}"

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        raise NotImplementedError

    # -- helpers for subclasses --------------------------------------------------------------
    def make_fix(
        self,
        finding: Finding,
        edits: tuple[TextEdit, ...],
        description: str,
        safety: Safety | None = None,
        rationale: str = "",
    ) -> Fix:
        return Fix(
            fingerprints=(finding.fingerprint,), rule=finding.rule, category=finding.category,
            path=finding.path, edits=edits, source=self.source, safety=safety or self.SAFETY,
            description=description, priority=finding.priority, line=finding.span.start.line,
            rationale=rationale,
        )

    def fix_from_text(self, finding: Finding, context: ModuleContext, new_text: str,
                      description: str, safety: Safety | None = None, rationale: str = "") -> Fix | None:
        """A fix from a rewritten module (line-level edits); None when nothing changed."""
        if new_text == context.text:
            return None
        return self.make_fix(finding, diff_edits(context.text, new_text), description, safety,
                             rationale)

    def decline(self, finding: Finding, reason: str) -> Declined:
        return Declined(fingerprint=finding.fingerprint, rule=finding.rule, path=finding.path,
                        line=finding.span.start.line, source=self.source, reason=reason)

"""The fixer contract under its old name: it lives in `heal.fixer` now, where heal's own rules
(`heal.rules`) can build on it without importing this package's registry. Kept for the code
that still imports it from here (`heal.patterns`); new code imports `heal.fixer`."""

from __future__ import annotations

from heal.fixer import (
    Fixer,
    ModuleContext,
    alias,
    comment_tokens,
    dropped_comments,
    module_names,
    with_imports,
)

__all__ = ["Fixer", "ModuleContext", "alias", "comment_tokens", "dropped_comments",
           "module_names", "with_imports"]

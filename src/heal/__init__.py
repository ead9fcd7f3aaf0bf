"""heal keeps a Python codebase healthy: it finds problems, fixes them, and lands only what the
project's own tests prove."""

from __future__ import annotations

__version__ = "0.1.0"

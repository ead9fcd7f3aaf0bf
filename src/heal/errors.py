"""Typed errors the core raises and the CLI turns into one line and an exit code.

Every message says what went wrong and what to do about it, in one line.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_STOPPED = 3


class HealError(Exception):
    """Base of heal's expected errors: a usage or environment problem (exit 2)."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(HealError):
    """Bad arguments: unknown rule code, path outside the repo, bad option value."""


class ConfigError(HealError):
    """A bad `[tool.heal]` table or pattern file; the message names the file and key."""


class NotARepoError(HealError):
    """heal needs a git repository."""


class ToolMissingError(HealError):
    """An analyzer or the test runner cannot be found."""


class BaselineError(HealError):
    """The project's tests cannot give heal a baseline to compare against."""


class LockedError(HealError):
    """Another heal run holds `.heal/lock`."""


class StoppedError(HealError):
    """`heal stop` or Ctrl-C asked this run to stop."""

    exit_code = EXIT_STOPPED

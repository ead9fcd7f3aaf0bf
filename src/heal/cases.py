"""Examples that live next to each rule and fixer and become tests (as Fixit does).

`Valid(code)`: a detector reports nothing / a fixer changes nothing.
`Invalid(code, expected=..., line=...)`: a detector reports the rule (at `line`, when given);
a fixer turns `code` into exactly `expected` (None: the fixer declines).
Code is written with a leading newline and common indentation for readability; `source()`
strips both.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


def dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


@dataclass(frozen=True)
class Valid:
    code: str

    def source(self) -> str:
        return dedent(self.code)


@dataclass(frozen=True)
class Invalid:
    code: str
    expected: str | None = None
    line: int | None = None

    def source(self) -> str:
        return dedent(self.code)

    def expected_source(self) -> str | None:
        return None if self.expected is None else dedent(self.expected)

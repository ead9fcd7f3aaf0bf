"""The codes heal's own fixers had before each native rule and its fixer shared one code.

A rule was once a detector under one code (LOG101, PERF101: the finding) and a fixer under
another (LGC101, PRF101). They are one rule under one code now. Wherever a user writes a code
(`--select` / `--ignore` and `[tool.heal]`, `# heal: ignore[...]`, `heal rule CODE` and
`heal rule CODE --enable`), an old fixer code still works: `current()` gives the code it goes
by now, and says so on stderr once per code and process. This table is the one place that
knows them.
"""

from __future__ import annotations

import sys

RETIRED: dict[str, str] = {
    "LGC101": "LOG101",
    "LGC104": "LOG104",
    "LGC108": "LOG108",
    "LGC109": "LOG109",
    "LGC110": "LOG110",
    "PRF101": "PERF101",
    "PRF102": "PERF102",
    "PRF103": "PERF103",
    "PRF104": "PERF104",
    "PRF109": "PERF109",
}
_noted: set[str] = set()


def current(code: str) -> str:
    """The code a retired fixer code goes by now (`LGC101` -> `LOG101`, `heal:lgc101` ->
    `heal:LOG101`), with a note on stderr the first time; any other code as it was."""
    tool, colon, bare = code.rpartition(":")
    old = bare.strip().upper()
    if tool not in ("", "heal") or old not in RETIRED:
        return code
    new = RETIRED[old]
    if old not in _noted:
        _noted.add(old)
        print(f"heal: {old} is now {new} (the fixer and the detector share one code); "
              f"{old} still works", file=sys.stderr)
    return f"{tool}{colon}{new}"

"""Where every rule code heal knows lands: its category and priority.

One table per tool. Ruff codes match by their longest prefix (``F401`` before ``F4`` before
``F``); mypy codes match exactly; every bandit ID is security, its priority set by bandit's own
severity. Anything not in a table falls back to the tool's default row, documented in
``docs/rules.md``: a code nobody listed still gets a sensible category and priority.

Priorities: P0 security, P1 errors (code that is wrong or will not run), P2 warnings (likely
bugs, performance traps, types), P3 style.
"""

from __future__ import annotations

from heal.model import Category, Priority

C = Category
P = Priority

# (prefix, category, priority): the longest matching prefix wins.
RUFF_PREFIXES: tuple[tuple[str, Category, Priority], ...] = (
    ("E", C.STYLE, P.P3),
    ("E9", C.LOGIC, P.P1),  # E902 io-error, E999 syntax
    ("E7", C.LOGIC, P.P2),  # E711/E712 comparisons, E721 type(), E722 bare except
    ("E701", C.STYLE, P.P3),
    ("E702", C.STYLE, P.P3),
    ("E703", C.STYLE, P.P3),
    ("E731", C.STYLE, P.P3),
    ("E741", C.STYLE, P.P3),
    ("W", C.STYLE, P.P3),
    ("W6", C.LOGIC, P.P2),
    ("F", C.LOGIC, P.P2),
    ("F40", C.IMPORT, P.P2),  # F401 unused, F403/F405 star imports, F404 late __future__
    ("F811", C.IMPORT, P.P2),
    ("F82", C.LOGIC, P.P1),  # F821 undefined name, F822/F823
    ("F63", C.LOGIC, P.P1),  # F632 `is` with a literal, F633
    ("F7", C.LOGIC, P.P1),  # F701.. break/continue/return outside loop or function
    ("I", C.IMPORT, P.P3),
    ("TID", C.IMPORT, P.P3),
    ("ICN", C.IMPORT, P.P3),
    ("INP", C.IMPORT, P.P3),
    ("TC", C.IMPORT, P.P3),
    ("TCH", C.IMPORT, P.P3),
    ("UP", C.STYLE, P.P3),
    ("UP035", C.IMPORT, P.P3),  # deprecated import paths
    ("N", C.STYLE, P.P3),
    ("D", C.STYLE, P.P3),
    ("DOC", C.STYLE, P.P3),
    ("Q", C.STYLE, P.P3),
    ("COM", C.STYLE, P.P3),
    ("ISC", C.STYLE, P.P3),
    ("SIM", C.STYLE, P.P3),
    ("RET", C.STYLE, P.P3),
    ("PIE", C.STYLE, P.P3),
    ("PT", C.STYLE, P.P3),
    ("PTH", C.STYLE, P.P3),
    ("EM", C.STYLE, P.P3),
    ("G", C.STYLE, P.P3),
    ("T10", C.LOGIC, P.P2),
    ("T20", C.STYLE, P.P3),
    ("ERA", C.STYLE, P.P3),
    ("TD", C.STYLE, P.P3),
    ("FIX", C.STYLE, P.P3),
    ("CPY", C.STYLE, P.P3),
    ("EXE", C.STYLE, P.P3),
    ("FBT", C.STYLE, P.P3),
    ("FLY", C.STYLE, P.P3),
    ("PGH", C.STYLE, P.P3),
    ("PGH003", C.TYPE, P.P3),
    ("RSE", C.STYLE, P.P3),
    ("SLOT", C.STYLE, P.P3),
    ("FA", C.TYPE, P.P3),
    ("ANN", C.TYPE, P.P2),
    ("PYI", C.TYPE, P.P3),
    ("YTT", C.LOGIC, P.P2),
    ("B", C.LOGIC, P.P2),
    ("A", C.LOGIC, P.P2),
    ("ARG", C.LOGIC, P.P2),
    ("BLE", C.LOGIC, P.P2),
    ("TRY", C.LOGIC, P.P3),
    ("DTZ", C.LOGIC, P.P2),
    ("SLF", C.LOGIC, P.P3),
    ("LOG", C.LOGIC, P.P2),
    ("INT", C.LOGIC, P.P2),
    ("PLE", C.LOGIC, P.P1),
    ("PLW", C.LOGIC, P.P2),
    ("PLR", C.STYLE, P.P3),
    ("PLC", C.STYLE, P.P3),
    ("PLC0415", C.IMPORT, P.P3),
    ("C4", C.PERFORMANCE, P.P3),
    ("C90", C.STYLE, P.P3),
    ("PERF", C.PERFORMANCE, P.P2),
    ("FURB", C.STYLE, P.P3),
    ("ASYNC", C.PERFORMANCE, P.P2),
    ("PD", C.PERFORMANCE, P.P3),
    ("NPY", C.LOGIC, P.P2),
    ("S", C.SECURITY, P.P0),
    ("S1", C.SECURITY, P.P2),  # assert, hard-coded bind/password hints: low-severity
    ("S105", C.SECURITY, P.P0),
    ("S106", C.SECURITY, P.P0),
    ("S107", C.SECURITY, P.P0),
    ("AIR", C.LOGIC, P.P2),
    ("DJ", C.LOGIC, P.P2),
    ("FAST", C.LOGIC, P.P2),
    ("RUF", C.STYLE, P.P3),
    ("RUF100", C.STYLE, P.P3),
    ("RUF006", C.LOGIC, P.P2),
    ("RUF012", C.TYPE, P.P3),
    ("RUF013", C.TYPE, P.P2),  # implicit Optional
)
RUFF_DEFAULT = (C.STYLE, P.P3)

# mypy error codes: everything is type/P1 unless listed (mypy's errors are errors).
MYPY_CODES: dict[str, tuple[Category, Priority]] = {
    "import": (C.IMPORT, P.P1),
    "import-not-found": (C.IMPORT, P.P1),
    "import-untyped": (C.IMPORT, P.P2),
    "no-any-unimported": (C.IMPORT, P.P2),
    "name-defined": (C.LOGIC, P.P1),
    "used-before-def": (C.LOGIC, P.P1),
    "possibly-undefined": (C.LOGIC, P.P2),
    "unreachable": (C.LOGIC, P.P2),
    "redundant-expr": (C.LOGIC, P.P2),
    "comparison-overlap": (C.LOGIC, P.P2),
    "truthy-bool": (C.LOGIC, P.P2),
    "truthy-function": (C.LOGIC, P.P1),
    "unused-coroutine": (C.LOGIC, P.P1),
    "unused-awaitable": (C.LOGIC, P.P2),
    "syntax": (C.LOGIC, P.P1),
    "var-annotated": (C.TYPE, P.P2),
    "no-untyped-def": (C.TYPE, P.P2),
    "no-untyped-call": (C.TYPE, P.P2),
    "no-any-return": (C.TYPE, P.P2),
    "type-arg": (C.TYPE, P.P2),
    "annotation-unchecked": (C.TYPE, P.P3),
    "unused-ignore": (C.STYLE, P.P3),
    "ignore-without-code": (C.STYLE, P.P3),
    "redundant-cast": (C.STYLE, P.P3),
    "redundant-self": (C.STYLE, P.P3),
    "explicit-override": (C.STYLE, P.P3),
    "deprecated": (C.TYPE, P.P2),
}
MYPY_DEFAULT = (C.TYPE, P.P1)
MYPY_NOTE = (C.TYPE, P.P3)  # a standalone note (severity "note") is advice, not an error

# bandit: severity decides the priority; LOW findings (assert, try/except/pass) are warnings.
BANDIT_SEVERITY: dict[str, Priority] = {"HIGH": P.P0, "MEDIUM": P.P0, "LOW": P.P2}


def ruff_class(code: str) -> tuple[Category, Priority]:
    """Category and priority of a ruff code by its longest listed prefix."""
    best: tuple[str, Category, Priority] | None = None
    for prefix, category, priority in RUFF_PREFIXES:
        if code.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, category, priority)
    return (best[1], best[2]) if best else RUFF_DEFAULT


def mypy_class(code: str, severity: str = "error") -> tuple[Category, Priority]:
    if code in MYPY_CODES:
        return MYPY_CODES[code]
    return MYPY_NOTE if severity == "note" else MYPY_DEFAULT


def bandit_class(severity: str) -> tuple[Category, Priority]:
    return C.SECURITY, BANDIT_SEVERITY.get(severity.upper(), P.P2)


def ruff_to_bandit(code: str) -> str | None:
    """Ruff's flake8-bandit codes mirror bandit's IDs (S506 is B506); None for other codes."""
    if code.startswith("S") and code[1:].isdigit():
        return "B" + code[1:]
    return None


# heal's native rules that another tool also reports; on the same line the other tool's
# finding is kept (it is what the project configured) and heal's is dropped as a duplicate.
NATIVE_TWINS: dict[str, tuple[str, ...]] = {
    "heal:LOG103": ("ruff:PLR0124",),
    "heal:LOG104": ("ruff:PLW0127", "ruff:PLW0128"),
    "heal:LOG107": ("ruff:B012",),
    "heal:LOG108": ("ruff:F631",),
    "heal:LOG109": ("ruff:F632",),
    "heal:LOG110": ("ruff:B006",),
    "heal:LOG111": ("ruff:B023",),
    "heal:LOG112": ("ruff:S110", "bandit:B110", "ruff:SIM105"),
}

# rules whose fix is to edit a comment (an unused noqa directive, commented-out code): that the
# comment changes is the point, not a loss
COMMENT_RULES = frozenset({"ruff:RUF100", "ruff:ERA001"})

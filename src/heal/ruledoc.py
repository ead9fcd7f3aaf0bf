"""Rule and fixer documentation, read from docstrings with fixed headings (as ruff's are).

A docstring starts with a one-line title, then `## What it does`, `## Why is this bad?`,
`## Example` and `## Fix safety` sections in markdown. `heal rule CODE` prints it and
`scripts/gen_rule_docs.py` writes docs/rules/ from it.
"""

from __future__ import annotations

import inspect
import re

REQUIRED_HEADINGS = ("What it does", "Why is this bad", "Example", "Fix safety")
_HEADING = re.compile(r"^##\s+(?P<title>.+?)\??\s*$", re.MULTILINE)


def docstring(obj: object) -> str:
    return inspect.cleandoc(getattr(obj, "__doc__", None) or "")


def sections(doc: str) -> dict[str, str]:
    """Heading -> body; the text before the first heading is under ''."""
    found: dict[str, str] = {}
    matches = list(_HEADING.finditer(doc))
    found[""] = doc[: matches[0].start()].strip() if matches else doc.strip()
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
        found[match.group("title").strip()] = doc[match.end():end].strip()
    return found


def missing_headings(doc: str) -> list[str]:
    present = sections(doc)
    return [h for h in REQUIRED_HEADINGS if h not in present or not present[h]]


def title(doc: str) -> str:
    return sections(doc)[""].splitlines()[0] if doc.strip() else ""

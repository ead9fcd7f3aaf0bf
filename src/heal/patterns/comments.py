"""Comment rules: ast-grep's `{kind: comment, regex: ...}` patterns, learned from edits.

An edit that only deletes one comment or turns it into another (ruff's RUF100 fix of an unused
`# noqa`) becomes a `{kind: comment, regex: '^<the comment>$'}` rule whose fix is empty or the
new comment (`comment_edit`); the regex escapes only regex meta characters, so that the file
reads as the comment does. Two such edits whose comments differ only in words (`# noqa: F821`,
`# noqa: PLC0415`) anti-unify into one regex with `[A-Za-z0-9_]+` there
(`anti_unify_comments`). Matching and applying a comment rule is rewrite.py's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from heal.model import Position, Span
from heal.patterns.edit import Edit, Instance, reproduced
from heal.patterns.model import COMMENT, Example
from heal.patterns.region import LineChange, Parsed

_REGEX_META = re.compile(r"([\\.^$|?*+()\[\]{}])")
WORD = "[A-Za-z0-9_]+"  # what a comment regex has where its instances' words differed


def _regex_literal(text: str) -> str:
    """`text` as a regex with only the meta characters escaped, so that the file reads as
    the comment does (`^# noqa: E402$`; `re.escape` would write `^\\#\\ noqa:\\ E402$`)."""
    return _REGEX_META.sub(r"\\\1", text)


def comment_edit(old: Parsed, lines: LineChange, triggers: Sequence[str], origin: str,
                  path: str, line: int | None) -> Edit | None:
    """An edit that only deletes one comment (ruff's RUF100 fix of an unused `# noqa`) or
    turns it into another: ast-grep's `{kind: comment, regex: '^<the comment>$'}` with the
    empty fix or the new comment. None when the edit is something else or the finding (on
    `line`) is on another line."""
    old_lines, new_lines, change = lines.old, lines.new, lines.change
    if change is None or change[2] - change[1] != 1 or change[4] - change[3] > 1:
        return None
    _, first, _, new_first, new_last = change
    number = first + 1
    if line is not None and line != number:
        return None
    comment = next((n for n in old.positions if isinstance(n, cst.Comment)
                    and old.span(n).start.line == number), None)
    if comment is None:
        return None
    column = old.span(comment).start.column
    text, before_line = comment.value, old_lines[first]
    head, tail = before_line[:column], before_line[column + len(text):]
    new_line = new_lines[new_first] if new_last > new_first else None
    if (new_line is None and not head.strip()) or new_line == head.rstrip(" \t") + tail:
        fix = ""
    elif new_line is not None and new_line.startswith(head) and new_line.endswith(tail) and \
            new_line[len(head):len(new_line) - len(tail)].startswith("#") and \
            "\n" not in new_line[len(head):len(new_line) - len(tail)]:
        fix = new_line[len(head):len(new_line) - len(tail)]
    else:
        return None
    span = Span(Position(number, column), Position(number, column + len(text)))
    instance = Instance(old.text, lines.after, span, origin, path)
    example = Example(before_line.lstrip(" \t") if head.strip() else text + "\n",
                      (new_line or "").lstrip(" \t") if head.strip() else
                      (fix + "\n" if fix else ""))
    return Edit(f"^{_regex_literal(text)}$", fix, {}, tuple(triggers), (instance,), example,
                COMMENT)


def _comment_tokens(regex: str) -> list[tuple[str, str]] | None:
    """A comment regex heal wrote, as (kind, text) tokens: ("word", letters and digits),
    ("any", WORD) and ("char", one other character); None for any other regex."""
    if not (regex.startswith("^") and regex.endswith("$")):
        return None
    tokens: list[tuple[str, str]] = []
    for found in re.finditer(re.escape(WORD) + r"|\\.|.", regex[1:-1], re.S):
        piece = found.group(0)
        if piece == WORD:
            tokens.append(("any", WORD))
        elif piece.startswith("\\"):
            tokens.append(("char", piece[1:]))
        elif piece.isalnum() or piece == "_":
            if tokens and tokens[-1][0] == "word":
                tokens[-1] = ("word", tokens[-1][1] + piece)
            else:
                tokens.append(("word", piece))
        else:
            tokens.append(("char", piece))
    return tokens


def anti_unify_comments(a: Edit, b: Edit) -> Edit | None:
    """Two comment edits with the same fix, whose comments differ only in words (`# noqa:
    F821`, `# noqa: PLC0415`), become one regex with WORD there (`^# noqa: [A-Za-z0-9_]+$`);
    comments of another shape (`# noqa` and `# noqa: F821`) stay apart."""
    if a.selector != b.selector or a.fix != b.fix:
        return None
    left, right = _comment_tokens(a.pattern), _comment_tokens(b.pattern)
    if left is None or right is None or len(left) != len(right):
        return None
    merged: list[str] = []
    for x, y in zip(left, right, strict=True):
        if x == y:
            merged.append(WORD if x[0] == "any" else _regex_literal(x[1]))
        elif x[0] in ("word", "any") and y[0] in ("word", "any"):
            merged.append(WORD)
        else:
            return None
    edit = Edit(f"^{''.join(merged)}$", a.fix, {}, tuple(dict.fromkeys((*a.triggers,
                                                                          *b.triggers))),
                (*a.instances, *b.instances), a.example, COMMENT)
    return edit if reproduced(edit) is not None else None

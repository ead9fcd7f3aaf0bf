"""Text edits: apply them, tell when two collide, and show what they did as a unified diff.

Every fix, whether from ruff's own edits, a libcst fixer or a pattern, reaches the engine as
`TextEdit`s against one version of a file (lines 1-based, columns 0-based, end exclusive).
Fixes that edit the same base text and do not overlap can be applied in any combination,
which is what lets verification bisect a batch.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from heal.model import Fix, Position, Span, TextEdit


@functools.lru_cache(maxsize=64)  # every edit of a file asks about the same text
def line_starts(text: str) -> tuple[int, ...]:
    """Offset of the start of every line; lines end after '\\n' (so CRLF stays in its line)."""
    starts = [0]
    index = text.find("\n")
    while index != -1:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return tuple(starts)


def _common_prefix(a: str, b: str, limit: int) -> int:
    """How many first characters of `a` and `b` (at most `limit`) are the same: a binary
    search over slice comparisons, each done in C (a loop over characters costs seconds a run)."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """How many last characters of `a` and `b` (at most `limit`) are the same."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:len(a) - low] == b[len(b) - middle:len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low


def changed_region(before: str, after: str) -> tuple[int, int, int]:
    """(start, end in before, end in after) of the changed region."""
    limit = min(len(before), len(after))
    start = _common_prefix(before, after, limit)
    end = _common_suffix(before, after, limit - start)
    start, end_before, end_after = start, len(before) - end, len(after) - end
    # slide a whitespace-ended region left ("    pass\n" -> "\n    pass") so it ends inside
    # the statement it belongs to rather than on the next line
    while start > 0 and (end_before > start or end_after > start):
        char = before[start - 1]
        if char not in " \t\n" or (end_before > start and before[end_before - 1] != char) or (
                end_after > start and after[end_after - 1] != char):
            break
        start, end_before, end_after = start - 1, end_before - 1, end_after - 1
    return start, end_before, end_after


def offset(starts: Sequence[int], text: str, position: Position) -> int:
    if position.line > len(starts):
        return len(text)
    return min(starts[position.line - 1] + position.column, len(text))


def position_at(starts: Sequence[int], index: int) -> Position:
    """The line and column of a character offset (`offset`'s inverse), given `line_starts`."""
    line = bisect.bisect_right(starts, index)
    return Position(line, index - starts[line - 1])


def edit_offsets(text: str, edits: Iterable[TextEdit]) -> list[tuple[int, int, str]]:
    starts = line_starts(text)
    return sorted((offset(starts, text, e.span.start), offset(starts, text, e.span.end), e.content)
                  for e in edits)


def apply_edits(text: str, edits: Iterable[TextEdit], tidy: bool = False) -> str:
    """Apply non-overlapping edits to `text`; raises ValueError when two overlap. The very same
    edit made by two fixes (say, both add `import os`) is applied once. `tidy`: where edits
    removed whole lines, no more blank lines than a formatter keeps (`close_gaps`)."""
    pieces = []
    cursor = 0
    size = 0  # the length of the output so far
    gaps: list[int] = []  # output offsets where whole lines were removed
    for start, end, content in dict.fromkeys(edit_offsets(text, edits)):
        if start < cursor:
            raise ValueError("overlapping edits")
        pieces.append(text[cursor:start])
        size += start - cursor
        if tidy and not content and end > start and _at_line_start(text, start) and \
                _at_line_start(text, end):
            gaps.append(size)
        pieces.append(content)
        size += len(content)
        cursor = max(end, start)
    pieces.append(text[cursor:])
    raw = "".join(pieces)
    tidy_text = close_gaps(raw, gaps) if gaps else raw
    return tidy_text if tidy_text == raw or _same_code(raw, tidy_text) else raw


def _same_code(before: str, after: str) -> bool:
    """Both parse to the same syntax tree (positions aside): the blank lines that went were
    not inside a string. A text that does not parse is left as the edits made it."""
    try:
        return ast.dump(ast.parse(before)) == ast.dump(ast.parse(after))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _at_line_start(text: str, index: int) -> bool:
    return index == 0 or index == len(text) or text[index - 1] == "\n"


def close_gaps(text: str, gaps: Sequence[int]) -> str:
    """Where whole lines were removed (`gaps`: offsets at line starts), the blank lines around
    each gap cut to what ruff format and black keep: none at the start or end of the file or
    of a block, one inside a block, two at the top level. Only whitespace-only lines next to a
    gap go, never others (statements end before such lines, so they are not in a string)."""
    done = len(text) + 1  # gaps in a run of blank lines already cut are cut
    for gap in sorted(set(gaps), reverse=True):
        if gap >= done:
            continue
        first, last = _blank_run(text, gap)
        done = first
        blank = text[first:last].count("\n")
        allowed = _blank_lines_allowed(text, first, last)
        if blank <= allowed:
            continue
        extra = blank - allowed
        after = text[gap:last].count("\n")
        cut_after = min(extra, after)  # the blank lines after the gap go first
        start = _back_lines(text, gap, extra - cut_after)
        text = text[:start] + text[_skip_lines(text, gap, cut_after):]
    return text


def _blank_run(text: str, gap: int) -> tuple[int, int]:
    """The whitespace-only lines around a line start: [first, last) offsets, at line starts."""
    first = gap
    while first > 0:
        previous = text.rfind("\n", 0, first - 1) + 1
        if text[previous:first].strip():
            break
        first = previous
    last = gap
    while last < len(text):
        newline = text.find("\n", last)
        if newline == -1 or text[last:newline].strip():
            break
        last = newline + 1
    return first, last


def _blank_lines_allowed(text: str, first: int, last: int) -> int:
    if first == 0 or last == len(text):
        return 0  # the start or the end of the file
    previous = text[text.rfind("\n", 0, first - 1) + 1:first]
    if previous.split("#", 1)[0].rstrip().endswith(":"):
        return 0  # the start of a block (`if x:  # why`), not a comment that ends in a colon
    return 1 if text[last:last + 1] in (" ", "\t") else 2


def _skip_lines(text: str, index: int, count: int) -> int:
    for _ in range(count):
        index = text.index("\n", index) + 1
    return index


def _back_lines(text: str, index: int, count: int) -> int:
    for _ in range(count):
        index = text.rfind("\n", 0, index - 1) + 1
    return index


def apply_fixes(text: str, fixes: Iterable[Fix], tidy: bool = True) -> str:
    """The text after the fixes, tidy (see `apply_edits`) unless asked for the edits alone."""
    return apply_edits(text, [edit for fix in fixes for edit in fix.edits], tidy)


def texts_after(fixes: Iterable[Fix], base: Callable[[str], str]) -> dict[str, str]:
    """Every file the fixes edit (their own and the other files they edit), with all their
    edits applied to `base(path)`, tidy."""
    by_path: dict[str, list[TextEdit]] = {}
    for fix in fixes:
        for path in fix.paths:
            by_path.setdefault(path, []).extend(fix.edits_for(path))
    return {path: apply_edits(base(path), edits, tidy=True) for path, edits in by_path.items()}


def _footprint(text: str, starts: Sequence[int], fix: Fix
               ) -> dict[int, frozenset[tuple[int, int, str]]]:
    """The lines a fix's edits touch (0-based), each with the edits touching it; `starts` is
    `line_starts(text)`, worked out once for all the fixes of the file."""
    touching: dict[int, set[tuple[int, int, str]]] = {}
    for edit in fix.edits:
        start, end = offset(starts, text, edit.span.start), offset(starts, text, edit.span.end)
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, max(end - 1, start)) - 1
        for line in range(first, last + 1):
            touching.setdefault(line, set()).add((start, end, edit.content))
    return {line: frozenset(edits) for line, edits in touching.items()}


def non_overlapping(text: str, fixes: Sequence[Fix]) -> tuple[list[Fix], list[Fix]]:
    """(fixes that can go together, fixes that wait for the next round), first come first kept.

    Fixes collide when they edit one line differently, even different characters of it: ruff's
    I001 merges `from typing import Callable` with the next lines by appending names to it,
    UP035 moves that same line to `collections.abc`, and together they make `from
    collections.abc import Callable, ClassVar`. Two fixes making the very same edits to a line
    (two findings of one rename) do not collide."""
    kept: list[Fix] = []
    kept_lines: dict[int, frozenset[tuple[int, int, str]]] = {}
    waiting: list[Fix] = []
    starts = line_starts(text)
    for fix in fixes:
        lines = _footprint(text, starts, fix)
        if any(line in kept_lines and kept_lines[line] != edits for line, edits in lines.items()):
            waiting.append(fix)
            continue
        kept.append(fix)
        kept_lines.update(lines)
    return kept, waiting


def apart(fixes: Sequence[Fix]) -> tuple[list[Fix], list[Fix]]:
    """(fixes that can go together, fixes that wait for the next round) across files: a fix's
    edits to other files were made against those files as they are, so no other fix of the
    round may edit them, nor may it edit a file another kept fix edits. First come first kept."""
    kept: list[Fix] = []
    waiting: list[Fix] = []
    edited: set[str] = set()
    claimed: set[str] = set()  # the other files of the kept multi-file fixes
    for fix in fixes:
        others = set(fix.paths[1:])
        if others & edited or fix.path in claimed:
            waiting.append(fix)
            continue
        kept.append(fix)
        edited.update(fix.paths)
        claimed |= others
    return kept, waiting


def independent(fixes: Sequence[Fix], texts: Mapping[str, str]) -> tuple[list[Fix], list[Fix]]:
    """(fixes that apply together, the ones that collide with them): per file, then across the
    files a project-wide rename also edits."""
    kept: list[Fix] = []
    waiting: list[Fix] = []
    by_path: dict[str, list[Fix]] = defaultdict(list)
    for fix in fixes:
        by_path[fix.path].append(fix)
    for path, group in by_path.items():
        ok, later = non_overlapping(texts[path], group)
        kept += ok
        waiting += later
    kept, crossing = apart(kept)
    return kept, waiting + crossing


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{path}", tofile=f"b/{path}",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def diff_edits(before: str, after: str) -> tuple[TextEdit, ...]:
    """The line-level edits that turn `before` into `after` (for fixers that rewrite a module)."""
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    edits = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        span = Span(Position(i1 + 1, 0), Position(i2 + 1, 0))
        edits.append(TextEdit(span, "".join(new[j1:j2])))
    return tuple(edits)


def touched_lines(text: str, fix: Fix) -> set[int]:
    lines: set[int] = set()
    for edit in fix.edits:
        lines.update(range(edit.span.start.line, max(edit.span.end.line, edit.span.start.line) + 1))
    return lines

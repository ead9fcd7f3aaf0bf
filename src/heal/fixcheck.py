"""The checks every fix passes before it is tried, whoever made it (a fixer, a pattern, ruff):

- **parses**: libcst accepts the output (or, for a file libcst could not parse to begin with,
  Python's own parser does);
- **in bounds**: its edits stay in the finding's module-level statement and the import block,
  or insert module-level statements before the first definition, or all rename one identifier;
- **keeps comments**: every comment of the input is still in the output, unless one of the
  fix's edits replaced the range that held it and the fix is unsafe or review (STYLE.md: a
  fixer that cannot keep a comment downgrades itself rather than lose it);
- fixes that parse alone but not together wait for the next round (`drop_unparsable`).
"""

from __future__ import annotations

import bisect
import functools
import io
import keyword
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence

import libcst as cst

from heal.catalog import COMMENT_RULES
from heal.cst import parsed
from heal.discover import python_syntax_error
from heal.edits import apply_fixes, edit_offsets, line_starts, offset
from heal.model import Finding, Fix, Safety, TextEdit


@functools.lru_cache(maxsize=64)  # every fix of a file asks about the same text
def comment_tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """(line, column, text) of every comment, from the tokenizer (not fooled by strings); empty
    when the text does not tokenize."""
    try:
        return tuple((*token.start, token.string) for token in tokenize.generate_tokens(
            io.StringIO(text).readline) if token.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError):
        return ()


def parses(text: str) -> bool:
    """libcst parses the text (the parse is kept for the run: `heal.cst.parsed`)."""
    try:
        parsed(text).module  # noqa: B018 - parsing is the point
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def still_parses(before: str, after: str) -> bool:
    """The fixed text parses. Python's own parser answers first: it is an order of magnitude
    faster than libcst and accepts what libcst does, but for syntax newer than the running
    Python, which libcst is asked about. A text libcst could not parse before the fix (valid
    syntax it does not support, such as `((x)): int = 1`) passes on Python's word alone."""
    if python_syntax_error(after) is None:
        return True
    return parses(after)


@functools.lru_cache(maxsize=16)  # every fix of a file is checked against the same text
def _statement_lines(text: str) -> tuple[tuple[tuple[int, int], ...], int,
                                         tuple[tuple[int, int], ...]]:
    """Line ranges of every module-level statement, the last line of the import block at the
    top, and the line ranges of every run of consecutive module-level import statements (with
    the blank lines and comments before the run)."""
    parse = parsed(text)
    positions = parse.positions
    ranges = []
    import_end = 0
    in_header = True
    runs: list[tuple[int, int]] = []
    for statement in parse.module.body:
        where = positions[statement]
        ranges.append((where.start.line, where.end.line))
        is_import = isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)
        if is_import:  # a run owns the blank lines before it: moving an import removes them
            first = where.start.line - len(statement.leading_lines)
            if runs and runs[-1][1] + 1 >= first:
                runs[-1] = (runs[-1][0], where.end.line)
            else:
                runs.append((first, where.end.line))
        header = is_import or (isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(s, cst.Expr) for s in statement.body))
        if in_header and (header or isinstance(statement, cst.If)):
            import_end = where.end.line
        elif not isinstance(statement, cst.SimpleStatementLine):
            in_header = False
    return tuple(ranges), import_end, tuple(runs)


_WORD = re.compile(r"(\w+)")


def identifier_swaps(before: str, after: str) -> set[tuple[str, str]] | None:
    """The (old, new) identifier pairs that turn `before` into `after` when nothing else
    differs; None when anything else does."""
    old, new = _WORD.split(before), _WORD.split(after)
    if len(old) != len(new):
        return None
    swaps = set()
    for index, (a, b) in enumerate(zip(old, new, strict=True)):
        if a == b:
            continue
        if index % 2 == 0 or not all(w.isidentifier() and not keyword.iskeyword(w)
                                     for w in (a, b)):
            return None
        swaps.add((a, b))
    return swaps


def renames_one_name(text: str, edits: Sequence[TextEdit]) -> bool:
    """Every edit only swaps one identifier for another, the same one everywhere."""
    starts = line_starts(text)
    swaps: set[tuple[str, str]] = set()
    for edit in edits:
        before = text[offset(starts, text, edit.span.start):offset(starts, text, edit.span.end)]
        found = identifier_swaps(before, edit.content)
        if found is None:
            return False
        swaps |= found
    return len(swaps) == 1


def in_bounds(text: str, finding: Finding, fix: Fix) -> bool:
    """Edits stay in the finding's module-level statement or the import block, or insert new
    module-level statements before the first definition (a hoisted constant); edits elsewhere
    are allowed when all of them rename one identifier (a rename reaches every use)."""
    ranges, import_end, import_runs = _statement_lines(text)
    line = finding.span.start.line
    home = next(((a, b) for a, b in ranges if a <= line <= b), (line, finding.span.end.line))
    first_def = next((a for a, _ in ranges if a > import_end), len(text.splitlines()) + 1)
    outside: list[TextEdit] = []
    for edit in fix.edits:
        start, end = edit.span.start.line, edit.span.end.line
        if edit.span.end.column == 0 and end > start:
            end -= 1  # a whole-line edit ends at column 0 of the next line
        inserting = edit.span.start == edit.span.end
        if home[0] <= start and end <= home[1]:
            continue
        if end <= import_end + 1:
            continue
        if any(a <= start and end <= b + 1 for a, b in import_runs):
            continue
        if inserting and start <= first_def:
            continue
        outside.append(edit)
    return not outside or renames_one_name(text, outside)


def touched_ranges(text: str, fix: Fix) -> list[tuple[int, int]]:
    """The line ranges (1-based, inclusive) the fix's edits cover in the fixed text, merged."""
    after_starts = line_starts(apply_fixes(text, [fix], tidy=False))
    ranges: list[tuple[int, int]] = []
    shift = 0
    for start, end, content in dict.fromkeys(edit_offsets(text, fix.edits)):
        new_start = start + shift
        new_end = new_start + max(len(content) - (1 if content.endswith("\n") else 0), 0)
        shift += len(content) - (end - start)
        first = bisect.bisect_right(after_starts, new_start)
        last = max(bisect.bisect_right(after_starts, max(new_end - 1, new_start)), first)
        if ranges and first <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(last, ranges[-1][1]))
        else:
            ranges.append((first, last))
    return ranges


def parse_error(text: str, python_only: bool = False) -> str | None:
    """Why libcst or `ast` rejects the text, or None when both accept it (`python_only`: only
    Python's own parser, for a file libcst could not parse before any fix)."""
    try:
        if not python_only:
            cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return f"libcst: {error.message} (line {error.raw_line})"
    except RecursionError:
        return "libcst: too deeply nested"
    found = python_syntax_error(text)
    return f"ast: {found[2]} (line {found[0]})" if found else None


def comments(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every comment token; empty when the text does not tokenize."""
    starts = line_starts(text)
    return [(starts[line - 1] + column, comment.rstrip())
            for line, column, comment in comment_tokens(text)]


def replaced_ranges(text: str, fixes: Iterable[Fix]) -> list[tuple[int, int, Safety]]:
    """(start, end) offsets in `text` that each fix's edits replace, with the fix's safety
    (a fix whose rule is about comments, such as an unused noqa directive, counts as unsafe: it may
    edit the comment it was asked to)."""
    return [(start, end, Safety.UNSAFE if fix.rule in COMMENT_RULES else fix.safety)
            for fix in fixes for start, end, _ in edit_offsets(text, fix.edits)]


def lost_comments(before: str, after: str, fixes: Sequence[Fix]) -> list[str]:
    """Comments of `before` missing from `after` that no unsafe/review fix's edit excuses.

    A comment counts as kept when some comment of the output contains it (a fixer may append
    to a comment: `# noqa: F401` -> `# type: ignore[...]  # noqa: F401`)."""
    kept = [c for _, c in comments(after)]
    ranges = replaced_ranges(before, fixes)
    by_text: dict[str, list[int]] = {}
    for at, comment in comments(before):
        by_text.setdefault(comment, []).append(at)
    lost = []
    for comment, offsets in by_text.items():
        missing = len(offsets) - sum(1 for c in kept if comment in c)
        if missing <= 0:
            continue
        excused = sum(1 for at in offsets if any(  # an edit inside the comment counts too
            start < at + len(comment) and at < max(end, start + 1)
            and safety is not Safety.SAFE for start, end, safety in ranges))
        lost += [comment] * max(0, missing - excused)
    return lost


def dropped_comment(before: str, after: str, fix: Fix) -> str | None:
    """A comment of `before` that `after` lost and that the fix may not lose (it is safe), or
    None. Only an edit that replaces a range holding a `#` can drop one: the others are not
    tokenized."""
    if not any("#" in before[start:end] for start, end, _ in edit_offsets(before, fix.edits)):
        return None
    lost = lost_comments(before, after, [fix])
    return lost[0] if lost else None


def written_lines(before: str, fix: Fix) -> list[tuple[int, int]]:
    """The lines of the output (1-based, inclusive) that the fix's edits wrote."""
    spans = []
    delta = 0
    for start, end, content in dict.fromkeys(edit_offsets(before, fix.edits)):
        spans.append((start + delta, start + delta + len(content)))
        delta += len(content) - (end - start)
    starts = line_starts(apply_fixes(before, [fix], tidy=False))
    return [(bisect.bisect_right(starts, start), bisect.bisect_right(starts, max(start, end - 1)))
            for start, end in spans]


def drop_unparsable(fixes: Sequence[Fix], texts: Mapping[str, str]) -> tuple[list[Fix], list[Fix]]:
    """Fixes that parse alone can still break a file together (two unused names of one
    `from m import (a, b)`, each removed as a line, leave `from m import ()`): keep those that
    parse together, in order, and return the others to wait for the next round, when they are
    asked again on the file the kept ones made."""
    kept: list[Fix] = []
    clashing: list[Fix] = []
    by_path: dict[str, list[Fix]] = {}
    for fix in fixes:
        by_path.setdefault(fix.path, []).append(fix)
    for path, group in by_path.items():
        if still_parses(texts[path], apply_fixes(texts[path], group)):
            kept += group
            continue
        good: list[Fix] = []
        for fix in group:
            if still_parses(texts[path], apply_fixes(texts[path], [*good, fix])):
                good.append(fix)
            else:
                clashing.append(fix)
        kept += good
    return kept, clashing

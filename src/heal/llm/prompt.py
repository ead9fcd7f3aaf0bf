"""What the model sees and what heal takes back: the finding with the enclosing function (or
statement) in one fenced ```python block with its first line number, and the replacement for
those lines in one fenced ```python block."""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from heal.model import Finding

MAX_REGION_LINES = 150  # a longer function is sent as its enclosing statement alone

SYSTEM = ("You fix one problem a static analyzer reported in Python code. You are given the "
          "lines of code around it. Answer with the corrected version of exactly those lines, "
          "in one fenced ```python code block, keeping their indentation, comments and "
          "behaviour; change nothing unrelated to the problem. No other code block.")

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Region:
    """Lines `first`..`last` (1-based, inclusive) of a file, and their text."""

    first: int
    last: int
    code: str


def region(text: str, finding: Finding) -> Region:
    """The smallest function holding the finding (decorators included) when it is short enough,
    else the smallest statement holding it, else the finding's own lines."""
    first, last = finding.span.start.line, max(finding.span.end.line, finding.span.start.line)
    if finding.span.end.column == 0 and last > first:
        last -= 1
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        tree = None
    function: tuple[int, int] | None = None
    statement: tuple[int, int] | None = None
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.stmt) or node.end_lineno is None:
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        if not (start <= first and last <= node.end_lineno):
            continue
        lines = (start, node.end_lineno)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                lines[1] - lines[0] < MAX_REGION_LINES and (function is None or lines[0] >= function[0]):
            function = lines
        if statement is None or lines[1] - lines[0] <= statement[1] - statement[0]:
            statement = lines
    first, last = function or statement or (first, last)
    code = "".join(text.splitlines(keepends=True)[first - 1:last])
    return Region(first, last, code)


def prompt(finding: Finding, where: Region) -> str:
    """The user message: the finding (for a failure at run time, the tests that failed with it
    and where), then the region in one fenced block with its first line."""
    failing = (f"It makes these tests fail: {', '.join(finding.evidence)}"
               + (f" ({finding.hint})" if finding.hint else "") + "\n") if finding.evidence else ""
    return (f"File: {finding.path}\n"
            f"Problem ({finding.rule}) at line {finding.span.start.line}: {finding.message}\n"
            f"{failing}\n"
            f"Lines {where.first}-{where.last} of the file (the first line below is line "
            f"{where.first}):\n```python\n{where.code.rstrip(chr(10))}\n```\n\n"
            f"Reply with the corrected lines {where.first}-{where.last} in one ```python block.")


def answer_code(answer: str) -> str:
    """The code of the answer's one fenced python block; raises ValueError saying why not."""
    blocks = [body for lang, body in _FENCE.findall(answer) if lang.lower() in ("", "python", "py")]
    if not blocks:
        raise ValueError("the answer has no fenced ```python block")
    if len(blocks) > 1:
        raise ValueError(f"the answer has {len(blocks)} code blocks, not one")
    return str(blocks[0])


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def replacement(where: Region, code: str) -> str:
    """The answer's code as the region's lines: indented like the region (a model often sends
    a method back dedented), ending in a newline."""
    lines = [line for line in code.splitlines() if line.strip()]
    if not lines:
        return ""
    wanted = next((_indent(line) for line in where.code.splitlines() if line.strip()), "")
    code = textwrap.dedent(code)
    if wanted:
        code = textwrap.indent(code, wanted)
    return code if code.endswith("\n") else code + "\n"


def rewritten(text: str, where: Region, code: str) -> str:
    """The file with the region's lines replaced by `code` (already indented)."""
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:where.first - 1], code, *lines[where.last:]])

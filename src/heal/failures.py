"""Failures at run time as findings: what `heal --from-tests` and `heal --from-log` heal.

A failure is an exception with its traceback, from a failing test (read from the JSON the
pytest plugin under `verify/_plugin/` writes, never from the terminal text) or from a Python
traceback in a log file. It becomes a finding at the innermost frame of the traceback that is
in the project's files, with a rule per kind of failure (`pytest:name-error`,
`pytest:attribute-none`, ...) and the failing tests as its evidence.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from heal.fixable import fix_level_for
from heal.model import Category, Finding, Priority, Span, fingerprint

TOOL = "pytest"  # the findings of a failing test
LOG_TOOL = "traceback"  # the findings of a traceback in a log file
TOOLS = (TOOL, LOG_TOOL)
GENERIC = "pytest:failure"
UNPLACED = "unplaced"  # the severity of a failure no frame of which is in the project


@dataclass(frozen=True)
class RuleDoc:
    rule: str
    name: str
    category: Category
    summary: str


RULES: tuple[RuleDoc, ...] = (
    RuleDoc("pytest:name-error", "name-error", Category.IMPORT,
            "A test fails with NameError: a name is used that nothing binds (a missing import)"),
    RuleDoc("pytest:attribute-none", "attribute-none", Category.TYPE,
            "A test fails with AttributeError on None: a value that can be None is used "
            "unguarded"),
    RuleDoc("pytest:import-error", "import-error", Category.IMPORT,
            "A test fails with ImportError or ModuleNotFoundError"),
    RuleDoc("pytest:key-error", "key-error", Category.TYPE,
            "A test fails with KeyError: a mapping is read at a key it does not have"),
    RuleDoc("pytest:type-error-args", "type-error-args", Category.TYPE,
            "A test fails with TypeError: a call passes the wrong arguments"),
    RuleDoc(GENERIC, "failure", Category.LOGIC,
            "A test fails with another exception (an assertion, a ValueError, ...)"),
)
_BY_RULE = {doc.rule: doc for doc in RULES}
_ARGS = re.compile(r"(positional arguments? but|missing \d+ required|unexpected keyword "
                   r"argument|multiple values for argument|takes no arguments)")
_NONE_ATTRIBUTE = re.compile(r"'NoneType' object has no attribute '(?P<attr>[^']+)'")
_SKIP_PARTS = {"site-packages", "dist-packages", ".venv", "venv", "node_modules"}


@dataclass(frozen=True)
class Frame:
    file: str  # as the traceback names it (absolute, or as logged)
    line: int
    function: str
    column: int | None = None  # 0-based, in UTF-8 bytes, as CPython records it
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class Failure:
    """One exception with its traceback: from a test (`test` is its id) or a log."""

    error: str  # the exception's type name: NameError
    message: str
    frames: tuple[Frame, ...]
    test: str = ""
    origin: str = ""  # for a log: "app.log, line 12"
    origin_file: str = ""  # for a log: its name, and the line its traceback starts on
    origin_line: int = 0

    @property
    def summary(self) -> str:
        return f"{self.error}: {self.message}" if self.message else self.error


@dataclass(frozen=True)
class Unplaced:
    """A failure with no frame in the project's files: nothing heal can point at."""

    failure: Failure
    reason: str

    def finding(self) -> Finding:
        """A finding that says so, at the failing test's file (or the log's line): counted as
        remaining, never given to a fixer."""
        failure = self.failure
        path = failure.test.split("::", 1)[0] if failure.test else failure.origin_file
        line = 1 if failure.test else failure.origin_line
        rule = rule_for(failure.error, failure.message)
        return Finding(
            rule=rule, category=_BY_RULE[rule].category, priority=Priority.P1, path=path,
            span=Span.of(line, 0, line, 0), message=failure.summary,
            tool=TOOL if failure.test else LOG_TOOL,
            fingerprint=fingerprint(rule, path, f"{failure.test}\0{failure.summary}"),
            hint=self.reason, severity=UNPLACED,
            evidence=(failure.test,) if failure.test else ())


def rule_for(error: str, message: str) -> str:
    """The rule of a failure by its exception type and message."""
    if error == "NameError" and "is not defined" in message:
        return "pytest:name-error"
    if error == "AttributeError" and _NONE_ATTRIBUTE.search(message):
        return "pytest:attribute-none"
    if error in ("ImportError", "ModuleNotFoundError"):
        return "pytest:import-error"
    if error == "KeyError":
        return "pytest:key-error"
    if error == "TypeError" and _ARGS.search(message):
        return "pytest:type-error-args"
    return GENERIC


def none_attribute(message: str) -> str | None:
    """The attribute an `AttributeError` on None names."""
    match = _NONE_ATTRIBUTE.search(message)
    return match.group("attr") if match else None


# -- reading failures ----------------------------------------------------------------------
def read_report(path: Path) -> list[Failure]:
    """The failures the pytest plugin wrote; [] when it wrote nothing readable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    failures = []
    for item in data.get("failures", []) if isinstance(data, dict) else []:
        frames = tuple(Frame(str(f["file"]), int(f["line"] or 0), str(f["function"]),
                             f.get("column"), f.get("end_line"), f.get("end_column"))
                       for f in item.get("frames", []))
        failures.append(Failure(str(item["type"]), str(item["message"]), frames,
                                test=str(item["test"])))
    return failures


_HEADER = "Traceback (most recent call last):"
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<function>.+?)\s*$')
_ERROR = re.compile(r"^(?P<error>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")


def _shape(text: str) -> str:
    return re.sub(r"\d", "0", text)


def parse_log(text: str, name: str) -> list[Failure]:
    """Every Python traceback in a log, each line possibly behind the same log prefix as the
    `Traceback (most recent call last):` line that starts it (a timestamp, a level)."""
    lines = text.splitlines()
    failures = []
    index = 0
    while index < len(lines):
        start = lines[index].find(_HEADER)
        if start < 0:
            index += 1
            continue
        prefix = lines[index][:start]
        header_line = index + 1
        frames: list[Frame] = []
        index += 1
        while index < len(lines):
            line = lines[index]
            if prefix and _shape(line[:len(prefix)]) == _shape(prefix):
                line = line[len(prefix):]  # the same prefix, the clock moved on
            frame = _FRAME.match(line)
            if frame:
                frames.append(Frame(frame.group("file"), int(frame.group("line")),
                                    frame.group("function")))
            elif line[:1] not in (" ", "\t", "") and frames:
                error = _ERROR.match(line.strip())
                if error:
                    failures.append(Failure(
                        error.group("error").rsplit(".", 1)[-1], error.group("message") or "",
                        tuple(frames), origin=f"{name}, line {header_line}",
                        origin_file=name, origin_line=header_line))
                break
            index += 1
    return failures


# -- mapping to the project ----------------------------------------------------------------
def project_path(file: str, files: Collection[str], base: Path | None = None) -> str | None:
    """The repo-relative path of a traceback's file: under `base` (where the tests ran), or
    else the longest tail of its path that is a project file (a log from another machine)."""
    path = PurePosixPath(file.replace("\\", "/"))
    if base is not None:
        try:
            relative = path.relative_to(PurePosixPath(base.as_posix())).as_posix()
        except ValueError:
            relative = None
        if relative is not None:
            return relative if relative in files and not _SKIP_PARTS & set(
                PurePosixPath(relative).parts) else None
    parts = path.parts
    if _SKIP_PARTS & set(parts):
        return None
    for start in range(len(parts)):
        tail = "/".join(parts[start:])
        if tail in files:
            return tail
    return None


def innermost(failure: Failure, files: Collection[str], base: Path | None = None
              ) -> tuple[str, Frame] | None:
    """The last frame of the traceback in the project's files, with its repo-relative path."""
    for frame in reversed(failure.frames):
        path = project_path(frame.file, files, base)
        if path is not None:
            return path, frame
    return None


def _span(frame: Frame, text: str) -> Span:
    """Where the frame failed: the expression CPython recorded, else the line's statement."""
    lines = text.splitlines()
    if not 1 <= frame.line <= len(lines):
        return Span.of(frame.line, 0, frame.line, 0)
    line = lines[frame.line - 1]
    if frame.column is not None and frame.end_column is not None and \
            frame.end_line in (None, frame.line):
        raw = line.encode("utf-8")
        start = len(raw[:frame.column].decode("utf-8", "replace"))
        end = len(raw[:frame.end_column].decode("utf-8", "replace"))
        if start < end <= len(line):
            return Span.of(frame.line, start, frame.line, end)
    indent = len(line) - len(line.lstrip())
    return Span.of(frame.line, indent, frame.line, len(line.rstrip()))


def to_findings(failures: Sequence[Failure], texts: Mapping[str, str],
                base: Path | None = None) -> tuple[list[Finding], list[Unplaced]]:
    """One finding per place and error (the tests failing there are its evidence), and the
    failures no frame of which is in the project's files."""
    found: dict[tuple[str, str, Span, str], Finding] = {}
    unplaced = []
    for failure in failures:
        if base is not None:  # the worktree's paths in a message name nothing the user has
            failure = replace(failure, message=failure.message.replace(f"{base}/", ""))
        place = innermost(failure, texts.keys(), base)
        if place is None:
            unplaced.append(Unplaced(failure, "no frame of its traceback is in the project's "
                                              "files"))
            continue
        path, frame = place
        rule = rule_for(failure.error, failure.message)
        span = _span(frame, texts[path])
        key = (rule, path, span, failure.summary)
        known = found.get(key)
        if known is not None:
            if failure.test and failure.test not in known.evidence:
                found[key] = replace(known, evidence=(*known.evidence, failure.test))
            continue
        line = texts[path].splitlines()[frame.line - 1] if frame.line else ""
        doc = _BY_RULE[rule]
        found[key] = Finding(
            rule=rule, category=doc.category, priority=Priority.P1, path=path, span=span,
            message=failure.summary, tool=TOOL if failure.test else LOG_TOOL,
            fingerprint=fingerprint(rule, path, f"{line}\0{failure.summary}"),
            hint=(f"failing test {failure.test}" if failure.test else
                  f"traceback in {failure.origin}") + f", in {frame.function}()",
            severity="error", fixable=fix_level_for(rule)[0],
            evidence=(failure.test,) if failure.test else ())
    return list(found.values()), unplaced


def moved(finding: Finding, before: str, after: str) -> Finding:
    """The finding in `after`, a version of its file another fix edited: on the line it was on
    in `before`, wherever that line went (an import added above it). No analyzer reports a
    failure again, so the engine carries it from round to round this way."""
    if before == after:
        return finding
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    line = finding.span.start.line
    for block in matcher.get_matching_blocks():
        if block.a < line <= block.a + block.size:
            shift = block.b - block.a
            start, end = finding.span.start, finding.span.end
            return replace(finding, span=Span.of(start.line + shift, start.column,
                                                 end.line + shift, end.column))
    return finding


def described(finding: Finding) -> str:
    """`who: error at path:line in function()` for a reactive finding, as the user reads it:
    who is the failing tests, or the log and line of the traceback."""
    hint = finding.hint or ""
    unplaced = finding.severity == UNPLACED
    origin, _, function = ("", "", "") if unplaced else hint.rpartition(", in ")
    who = ", ".join(finding.evidence) or (
        f"traceback in {finding.path}, line {finding.span.start.line}" if unplaced
        else origin)
    where = f"{finding.path}:{finding.span.start.line}" + (f" in {function}" if function else "")
    return f"{who}: {finding.message} at {where}"


def before_after(finding: Finding) -> str:
    """What a reactive fix's reviewer reads: the failure before the fix, and what verified it."""
    if finding.evidence:
        return (f"before: {', '.join(finding.evidence)} failed with {finding.message}; after: "
                "it passes with this fix and no other test broke")
    return (f"before: the {finding.hint or 'logged traceback'} shows {finding.message}; "
            "after: the tests pass with this fix")

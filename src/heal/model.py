"""The vocabulary every part of heal speaks: findings, fixes and verdicts.

Frozen dataclasses and enums only; nothing here does I/O. Positions follow one convention
for every tool: lines are 1-based, columns are 0-based, and a span's end is exclusive.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any


class Category(str, enum.Enum):
    """The six healer categories."""

    TYPE = "type"
    IMPORT = "import"
    STYLE = "style"
    SECURITY = "security"
    PERFORMANCE = "performance"
    LOGIC = "logic"


class Priority(str, enum.Enum):
    """P0 security, P1 errors, P2 warnings, P3 style; lower number is more urgent."""

    P0 = "P0"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def rank(self) -> int:
        return int(self.value[1])

    def at_least(self, other: Priority) -> bool:
        """True when self is as urgent as `other` or more (P0 is at least P1)."""
        return self.rank <= other.rank


class Safety(str, enum.Enum):
    """How much a fix may be trusted to keep meaning (ruff's Applicability, plus review)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    REVIEW = "review"


@dataclass(frozen=True, order=True)
class Position:
    line: int  # 1-based
    column: int  # 0-based


@dataclass(frozen=True)
class Span:
    start: Position
    end: Position  # exclusive

    @classmethod
    def of(cls, line: int, column: int, end_line: int, end_column: int) -> Span:
        return cls(Position(line, column), Position(end_line, end_column))

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {
            "start": {"line": self.start.line, "column": self.start.column},
            "end": {"line": self.end.line, "column": self.end.column},
        }


@dataclass(frozen=True)
class TextEdit:
    """Replace the characters between two positions (same convention as Span) with `content`."""

    span: Span
    content: str


@dataclass(frozen=True)
class ToolFix:
    """A fix an analyzer itself proposes (ruff's `fix` object), kept for the style healer."""

    applicability: str  # safe | unsafe | display-only
    message: str
    edits: tuple[TextEdit, ...]


@dataclass(frozen=True)
class Finding:
    rule: str  # namespaced: ruff:F401, mypy:union-attr, bandit:B506, heal:PERF101
    category: Category
    priority: Priority
    path: str  # repo-relative, POSIX
    span: Span
    message: str
    tool: str
    fingerprint: str
    tool_fix: ToolFix | None = None
    hint: str | None = None
    severity: str | None = None  # the tool's own word (bandit HIGH, mypy error, ...)
    fixable: str = "none"  # none | safe | unsafe | review: the best heal can offer
    group: str = ""  # the fingerprint without its occurrence: same rule, file and node text
    evidence: tuple[str, ...] = ()  # the failing tests that show it (`heal --from-tests`)

    @property
    def code(self) -> str:
        """The rule code without its namespace (F401, union-attr, B506, PERF101)."""
        return self.rule.split(":", 1)[1]

    def sort_key(self) -> tuple[int, str, int, int, str]:
        return (self.priority.rank, self.path, self.span.start.line, self.span.start.column,
                self.rule)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category.value,
            "priority": self.priority.value,
            "path": self.path,
            "span": self.span.to_dict(),
            "message": self.message,
            "tool": self.tool,
            "fingerprint": self.fingerprint,
            "fixable": self.fixable,
            **({"evidence": list(self.evidence)} if self.evidence else {}),
        }


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular for one: `1 finding`, `2 findings`, `1 fix`, `3 fixes`."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def fingerprint(rule: str, path: str, node_source: str, occurrence: int = 0) -> str:
    """Stable identity of a finding: rule + path + the node's source with whitespace folded.

    Line numbers are left out on purpose so the fingerprint survives edits above the node;
    `occurrence` tells apart identical nodes in one file.
    """
    normalised = " ".join(node_source.split())
    digest = hashlib.sha256(f"{rule}\0{path}\0{normalised}\0{occurrence}".encode())
    return digest.hexdigest()[:16]


class Verdict(str, enum.Enum):
    """What verification decided about a fix."""

    VERIFIED = "verified"  # tests passed with it; landed (or would land with --dry-run)
    REJECTED = "rejected"  # broke a test, a parse, or left the finding in place
    SKIPPED = "skipped"  # not attempted or not landed (user edited the file, stopped, ...)
    NEEDS_REVIEW = "needs-review"  # verified, but a human must approve it
    UNVERIFIED = "unverified"  # --no-verify: landed on the fixer's word only


@dataclass(frozen=True)
class FileEdits:
    """Edits to another file that a fix makes together with its own (a project-wide rename)."""

    path: str
    edits: tuple[TextEdit, ...]


def _edits_to_list(edits: tuple[TextEdit, ...]) -> list[list[Any]]:
    return [[e.span.start.line, e.span.start.column, e.span.end.line, e.span.end.column,
             e.content] for e in edits]


def _edits_from_list(rows: list[list[Any]]) -> tuple[TextEdit, ...]:
    return tuple(TextEdit(Span.of(a, b, c, d), content) for a, b, c, d, content in rows)


@dataclass(frozen=True)
class Fix:
    """A proposed change that resolves one or more findings: edits to the finding's file, and
    (rarely: a private name renamed across the project) to other files, which land with it or
    not at all; everything that verifies, lands or queues fixes treats a fix as one unit.
    """

    fingerprints: tuple[str, ...]
    rule: str
    category: Category
    path: str
    edits: tuple[TextEdit, ...]
    source: str  # fixer:NAME or pattern:ID@VERSION
    safety: Safety
    description: str
    confidence: float = 1.0
    priority: Priority = Priority.P3
    line: int = 0  # first line of the finding, for display
    rationale: str = ""  # why a human must look (review fixes)
    also: tuple[FileEdits, ...] = ()  # the other files it edits, each with its own edits

    @property
    def paths(self) -> tuple[str, ...]:
        """Every file the fix edits, its own first."""
        return (self.path, *(other.path for other in self.also))

    def edits_for(self, path: str) -> tuple[TextEdit, ...]:
        if path == self.path:
            return self.edits
        return next((other.edits for other in self.also if other.path == path), ())

    @property
    def id(self) -> str:
        key = "\0".join([self.path, self.rule, self.source, *self.fingerprints])
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "fingerprints": list(self.fingerprints), "rule": self.rule,
            "category": self.category.value, "path": self.path,
            "edits": _edits_to_list(self.edits),
            "source": self.source, "safety": self.safety.value, "description": self.description,
            "confidence": self.confidence, "priority": self.priority.value, "line": self.line,
            "rationale": self.rationale,
        }
        if self.also:
            data["also"] = [{"path": o.path, "edits": _edits_to_list(o.edits)} for o in self.also]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fix:
        return cls(
            fingerprints=tuple(data["fingerprints"]), rule=data["rule"],
            category=Category(data["category"]), path=data["path"],
            edits=_edits_from_list(data["edits"]),
            source=data["source"], safety=Safety(data["safety"]),
            description=data.get("description", ""), confidence=float(data.get("confidence", 1.0)),
            priority=Priority(data.get("priority", "P3")), line=int(data.get("line", 0)),
            rationale=data.get("rationale", ""),
            also=tuple(FileEdits(o["path"], _edits_from_list(o["edits"]))
                       for o in data.get("also", ())),
        )


@dataclass(frozen=True)
class Declined:
    """A fixer looked at a finding and chose not to fix it; `reason` is shown to the user."""

    fingerprint: str
    rule: str
    path: str
    line: int
    source: str
    reason: str


@dataclass(frozen=True)
class FileProblem:
    """A file heal could not analyze (binary, undecodable, too large, unreadable)."""

    path: str
    reason: str


@dataclass(frozen=True)
class AnalyzerError:
    """An analyzer that ran but could not finish (crash, blocking error)."""

    tool: str
    message: str


@dataclass
class ScanStats:
    files: int = 0
    skipped_generated: int = 0
    durations: dict[str, float] = field(default_factory=dict)

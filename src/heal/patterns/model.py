"""The pattern file: one YAML document per pattern, ast-grep-compatible, validated strictly.

A pattern file is a valid ast-grep rule file (ast-grep only reads `id`, `language`, `rule`,
`constraints`, `fix`, `message`, `severity`, `note` and ignores `metadata`), and heal keeps its
own fields under `metadata`:

```yaml
id: ruff-e711-eq-none
language: Python
message: Compare with None by identity
severity: warning
rule:
  pattern: $X == None          # $X one node, $$$ARGS zero or more nodes of a sequence
constraints:                   # optional; `regex` (and `not: {regex}`) on a metavariable's text
  X: {regex: '^[a-z_]'}
fix: $X is None
metadata:
  schema: 1                    # this file's schema version (SCHEMA_VERSION)
  version: 3                   # bumped by heal whenever the pattern itself changes
  status: active               # active | retired | disabled
  category: style              # a heal Category
  triggers: [ruff:E711]        # namespaced rule codes that invite the pattern
  safety: unsafe               # safe | unsafe | review: as trusted as a fixer of that safety
  description: ...             # optional, one paragraph for `heal patterns show` and the docs
  provenance: {kind: builtin}  # or {kind: learned, run: RUN_ID, source: fixer:NAME}
                               # or {kind: mined, commits: [SHA, ...]}
  stats: {applied: 0, verified: 0, rejected: 0, approved: 0, declined_by_review: 0,
          rejected_in_a_row: 0}  # as they were when this version was written (usage.py)
  confidence: 0.0              # written for readers; always recomputed from stats on load
  history:                     # one entry per version: date, version, change, why
    - {date: '2025-11-21', version: 1, change: created, why: built-in library}
  examples:                    # before/after pairs; every one is a test
    - {before: "if x == None: ...\\n", after: "if x is None: ...\\n"}
```

A rule may also be ast-grep's `{kind: comment, regex: '^# noqa: E402$'}`: a comment whose
text the regex matches (heal keeps the regex as `pattern` and `comment` as `selector`); its
`fix` is empty (the comment goes, with the blanks before it) or the new comment.

Confidence is derived, never read: `confidence = wilson_lower_bound(s, n)` with
`s = verified + approved` (tests passed; a human approved) and
`n = s + rejected + declined_by_review` (tests or analyzers rejected it; a reviewer declined it),
at z = 1.645 (one-sided 95%); 0.0 with no evidence. A pattern therefore needs about 25 clean
verifications to reach the default `auto-apply-confidence` of 0.9, and each failure costs
several successes. `applied` counts every fix the pattern produced that went to verification;
it is shown, not used in the bound (every applied fix ends verified or rejected).

This module is the schema as data (and `dump`, a pattern's file text); reading a file into a
`Pattern`, with every field checked and older schemas migrated, is load.py.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from heal.model import Category, Safety

SCHEMA_VERSION = 1
COMMENT = "comment"  # the selector of a `rule: {kind: comment, regex: ...}` pattern
STATUSES = ("active", "retired", "disabled")
PROVENANCE_KINDS = ("builtin", "learned", "mined")
SEVERITIES = ("hint", "info", "warning", "error", "off")
STAT_KEYS = ("applied", "verified", "rejected", "approved", "declined_by_review",
             "rejected_in_a_row")
OUTCOMES = ("applied", "verified", "rejected", "approved", "declined_by_review")
TOP_KEYS = ("id", "language", "message", "severity", "note", "rule", "constraints", "fix",
            "metadata")
AST_GREP_ONLY = ("utils", "transform", "rewriters", "files", "ignores", "labels", "url")
META_KEYS = ("schema", "version", "status", "category", "triggers", "safety", "description",
             "provenance", "stats", "confidence", "history", "examples")
CONSTRAINT_KEYS = ("regex", "not")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
RULE_RE = re.compile(r"^[a-z]+:[A-Za-z0-9_*.-]+$")
METAVAR_RE = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)?|\$([A-Z_][A-Z0-9_]*)")
Z = 1.645  # one-sided 95%
MAX_FILE_BYTES = 512 * 1024

# ast-grep's selectors (tree-sitter node kinds) for a parameter: (has an annotation, has a default)
SELECTORS = {
    "typed_default_parameter": (True, True),
    "typed_parameter": (True, False),
    "default_parameter": (False, True),
}
CONTEXT = "def f({}): ..."  # the context heal writes around a parameter pattern


def wilson_lower_bound(successes: int, trials: int, z: float = Z) -> float:
    """The lower end of the Wilson score interval: how good the pattern is at least."""
    if trials <= 0:
        return 0.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - margin) / denominator)


@dataclass(frozen=True)
class Stats:
    applied: int = 0
    verified: int = 0
    rejected: int = 0
    approved: int = 0
    declined_by_review: int = 0
    rejected_in_a_row: int = 0

    @property
    def successes(self) -> int:
        return self.verified + self.approved

    @property
    def trials(self) -> int:
        return self.successes + self.rejected + self.declined_by_review

    @property
    def confidence(self) -> float:
        return wilson_lower_bound(self.successes, self.trials)

    def record(self, outcome: str, count: int = 1) -> Stats:
        """The stats after `count` outcomes of one kind (see OUTCOMES)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}; use one of {', '.join(OUTCOMES)}")
        changed: dict[str, int] = {outcome: getattr(self, outcome) + count}
        if outcome in ("rejected", "declined_by_review"):
            changed["rejected_in_a_row"] = self.rejected_in_a_row + count
        elif outcome in ("verified", "approved"):
            changed["rejected_in_a_row"] = 0
        return replace(self, **changed)

    def to_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in STAT_KEYS}


@dataclass(frozen=True)
class Provenance:
    kind: str = "builtin"  # builtin | learned | mined
    run: str | None = None  # learned: the heal run that verified the fix
    source: str | None = None  # learned: the fixer that made it (fixer:NAME)
    commits: tuple[str, ...] = ()  # mined: the commits the edit was seen in

    def describe(self) -> str:
        if self.kind == "learned":
            return f"learned from run {self.run or '?'}" + (f" ({self.source})" if self.source
                                                             else "")
        if self.kind == "mined":
            shown = ", ".join(c[:10] for c in self.commits[:5])
            more = f" and {len(self.commits) - 5} more" if len(self.commits) > 5 else ""
            return f"mined from commit{'s' if len(self.commits) != 1 else ''} {shown}{more}"
        return "built-in"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.run:
            data["run"] = self.run
        if self.source:
            data["source"] = self.source
        if self.commits:
            data["commits"] = list(self.commits)
        return data


@dataclass(frozen=True)
class HistoryEntry:
    date: str
    version: int
    change: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "version": self.version, "change": self.change,
                "why": self.why}


@dataclass(frozen=True)
class Example:
    before: str
    after: str


@dataclass(frozen=True)
class Constraint:
    regex: str | None = None
    not_regex: str | None = None

    def allows(self, text: str) -> bool:
        if self.regex is not None and re.search(self.regex, text) is None:
            return False
        return not (self.not_regex is not None and re.search(self.not_regex, text) is not None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.regex is not None:
            data["regex"] = self.regex
        if self.not_regex is not None:
            data["not"] = {"regex": self.not_regex}
        return data


def today() -> str:
    return datetime.date.today().isoformat()


@dataclass(frozen=True)
class Pattern:
    """One pattern, as validated from its file (or built by heal before it is written)."""

    id: str
    pattern: str  # rule.pattern (for a parameter: the parameter its context selects)
    fix: str
    triggers: tuple[str, ...]
    category: Category
    safety: Safety
    message: str = ""
    severity: str = "warning"
    note: str | None = None
    constraints: Mapping[str, Constraint] = field(default_factory=dict)
    version: int = 1
    status: str = "active"
    description: str = ""
    provenance: Provenance = field(default_factory=Provenance)
    stats: Stats = field(default_factory=Stats)
    history: tuple[HistoryEntry, ...] = ()
    examples: tuple[Example, ...] = ()
    selector: str = ""  # rule.pattern.selector: the parameter kind (SELECTORS),
    # or `comment` for a `rule: {kind: comment, regex: ...}` (then `pattern` is the regex)
    path: Path | None = field(default=None, compare=False)  # where it was loaded from
    origin: str = field(default="learned", compare=False)  # builtin | learned (which folder)

    @property
    def confidence(self) -> float:
        return self.stats.confidence

    @property
    def source(self) -> str:
        """How fixes made by this pattern are labelled (`Fix.source`)."""
        return f"pattern:{self.id}@{self.version}"

    @property
    def active(self) -> bool:
        return self.status == "active"

    def metavariables(self) -> list[str]:
        """Metavariable names in rule.pattern, in order, without `$`/`$$$` (anonymous left out)."""
        if self.selector == COMMENT:
            return []  # a regex: `$` ends it
        names: list[str] = []
        for match in METAVAR_RE.finditer(self.pattern):
            name = match.group(1) or match.group(2)
            if name and name not in names:
                names.append(name)
        return names

    def changed(self, change: str, why: str, **fields: Any) -> Pattern:
        """A new version of this pattern: `fields` replaced, version bumped, history appended."""
        version = self.version + 1
        entry = HistoryEntry(today(), version, change, why)
        return replace(self, **fields, version=version, history=(*self.history, entry))

    def to_document(self) -> dict[str, Any]:
        """The YAML document (plain data) for this pattern, in the file's canonical key order."""
        document: dict[str, Any] = {"id": self.id, "language": "Python"}
        if self.message:
            document["message"] = self.message
        document["severity"] = self.severity
        if self.note:
            document["note"] = self.note
        if self.selector == COMMENT:  # ast-grep's `kind` + `regex` rule
            document["rule"] = {"kind": COMMENT, "regex": self.pattern}
        elif self.selector:  # ast-grep's pattern object: the parameter inside a def
            document["rule"] = {"pattern": {"context": CONTEXT.format(self.pattern),
                                            "selector": self.selector}}
        else:
            document["rule"] = {"pattern": self.pattern}
        if self.constraints:
            document["constraints"] = {k: c.to_dict() for k, c in self.constraints.items()}
        document["fix"] = self.fix
        metadata: dict[str, Any] = {
            "schema": SCHEMA_VERSION, "version": self.version, "status": self.status,
            "category": self.category.value, "triggers": list(self.triggers),
            "safety": self.safety.value,
        }
        if self.description:
            metadata["description"] = self.description
        metadata["provenance"] = self.provenance.to_dict()
        metadata["stats"] = self.stats.to_dict()
        metadata["confidence"] = round(self.confidence, 3)
        metadata["history"] = [h.to_dict() for h in self.history]
        metadata["examples"] = [{"before": e.before, "after": e.after} for e in self.examples]
        document["metadata"] = metadata
        return document


def pattern_id_of(source: str) -> tuple[str, int] | None:
    """`pattern:ID@VERSION` -> (ID, VERSION); None for other sources."""
    if not source.startswith("pattern:"):
        return None
    body = source[len("pattern:"):]
    pattern_id, _, version = body.rpartition("@")
    if not pattern_id or not version.isdigit():
        return None
    return pattern_id, int(version)


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(ord(c) < 32 and c not in "\n\t" for c in value) \
            and not value.startswith((" ", "\t")) and value.strip() and \
            not any(line != line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_representer)

HEADER = ("# heal pattern (ast-grep rule file + heal metadata). heal rewrites this file only for\n"
          "# a new metadata.version; metadata.stats are the counts then (later ones: .heal/).\n")


def dump(pattern: Pattern) -> str:
    """The file text for a pattern (safe YAML; multi-line strings as literal blocks)."""
    body = yaml.dump(pattern.to_document(), Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, width=100, default_flow_style=False)
    return HEADER + body

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
          rejected_in_a_row: 0}
  confidence: 0.0              # written for readers; always recomputed from stats on load
  history:                     # one entry per version: date, version, change, why
    - {date: '2025-11-21', version: 1, change: created, why: built-in library}
  examples:                    # before/after pairs; every one is a test
    - {before: "if x == None: ...\\n", after: "if x is None: ...\\n"}
```

A rule may also be ast-grep's `{kind: comment, regex: '^# noqa: E402$'}`: a comment whose
text the regex matches (heal keeps the regex as `pattern` and `comment` as `selector`); its
`fix` is empty (the comment goes, with the blanks before it) or the new comment.

Loading uses `yaml.safe_load` only, so a file can never build Python objects: a tag such as
`!!python/object/apply:os.system` is refused with a `ConfigError`. Every problem is a
`ConfigError` that names the file and the field, e.g. `patterns/x.yaml: metadata.safety must be
one of safe, unsafe, review, not 'maybe'`.

Confidence is derived, never read: `confidence = wilson_lower_bound(s, n)` with
`s = verified + approved` (tests passed; a human approved) and
`n = s + rejected + declined_by_review` (tests or analyzers rejected it; a reviewer declined it),
at z = 1.645 (one-sided 95%); 0.0 with no evidence. A pattern therefore needs about 25 clean
verifications to reach the default `auto-apply-confidence` of 0.9, and each failure costs
several successes. `applied` counts every fix the pattern produced that went to verification;
it is shown, not used in the bound (every applied fix ends verified or rejected).

Schema history: schema 0 (heal before patterns were ast-grep files) kept `triggers`, `safety`,
`category`, `stats` and `source` at the top level and wrote examples as `{input, output}`;
`migrate()` turns such a document into schema 1 (and `heal patterns migrate` rewrites files).
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

from heal.errors import ConfigError
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
    selector: str = ""  # rule.pattern.selector: the parameter kind (see matcher.SELECTORS),
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
            from heal.patterns.matcher import CONTEXT

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


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------

class _Where:
    """Builds the error messages: `FILE: FIELD ...`."""

    def __init__(self, label: str) -> None:
        self.label = label

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.label}: {key} {problem}" if key else f"{self.label}: {problem}")


def load_yaml(text: str, label: str) -> Any:
    """`yaml.safe_load` with one-line errors; tags that would build objects are refused."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ConfigError(f"{label}: the file is larger than {MAX_FILE_BYTES // 1024} KiB; a "
                          "pattern file is a few lines of YAML")
    try:
        return yaml.safe_load(text)
    except yaml.constructor.ConstructorError as error:
        tag = re.search(r"tag '([^']*)'", str(error))
        shown = tag.group(1).replace("tag:yaml.org,2002:", "!!") if tag else "an unknown tag"
        mark = error.problem_mark
        line = f" (line {mark.line + 1})" if mark is not None and mark.line is not None else ""
        raise ConfigError(f"{label}: refused{line}: the YAML uses the tag {shown}; pattern files "
                          "are plain data and may not construct Python objects") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None and mark.line is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{label}: not valid YAML{line}: {problem}") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(where: _Where, key: str, value: Any, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise where.error(key, f"must be a string, not {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise where.error(key, "must not be empty")
    return value


def _choice(where: _Where, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise where.error(key, f"must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _mapping(where: _Where, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise where.error(key, f"must be a mapping, not {type(value).__name__}")
    return value


def _unknown(where: _Where, prefix: str, data: dict[str, Any], known: tuple[str, ...]) -> None:
    extra = [k for k in data if k not in known]
    if extra:
        raise where.error(f"{prefix}{extra[0]}", f"is not a known field; known: {', '.join(known)}")


def _constraints(where: _Where, value: Any, pattern: str) -> dict[str, Constraint]:
    data = _mapping(where, "constraints", value)
    names = {m.group(1) or m.group(2) for m in METAVAR_RE.finditer(pattern)} - {None}
    out: dict[str, Constraint] = {}
    for name, raw in data.items():
        key = f"constraints.{name}"
        if name not in names:
            raise where.error(key, f"names no metavariable of rule.pattern (it has: "
                                   f"{', '.join(sorted(n for n in names if n)) or 'none'})")
        body = _mapping(where, key, raw)
        _unknown(where, f"{key}.", body, CONSTRAINT_KEYS)
        regex = not_regex = None
        if "regex" in body:
            regex = _regex(where, f"{key}.regex", body["regex"])
        if "not" in body:
            inner = _mapping(where, f"{key}.not", body["not"])
            _unknown(where, f"{key}.not.", inner, ("regex",))
            if "regex" not in inner:
                raise where.error(f"{key}.not", "must hold a `regex`")
            not_regex = _regex(where, f"{key}.not.regex", inner["regex"])
        if regex is None and not_regex is None:
            raise where.error(key, "must have `regex` or `not: {regex: ...}`")
        out[name] = Constraint(regex, not_regex)
    return out


def _regex(where: _Where, key: str, value: Any) -> str:
    text = _string(where, key, value)
    try:
        re.compile(text)
    except re.error as error:
        raise where.error(key, f"is not a valid regular expression ({error})") from None
    return text


def _count(where: _Where, key: str, value: Any) -> int:
    if not _is_int(value) or value < 0:
        raise where.error(key, f"must be a whole number of at least 0, not {value!r}")
    return int(value)


def _provenance(where: _Where, value: Any) -> Provenance:
    data = _mapping(where, "metadata.provenance", value)
    _unknown(where, "metadata.provenance.", data, ("kind", "run", "source", "commits"))
    kind = _choice(where, "metadata.provenance.kind", data.get("kind"), PROVENANCE_KINDS)
    run = data.get("run")
    if run is not None:
        run = _string(where, "metadata.provenance.run", str(run) if _is_int(run) else run)
    source = data.get("source")
    if source is not None:
        source = _string(where, "metadata.provenance.source", source)
    commits = data.get("commits", [])
    if not isinstance(commits, list) or not all(isinstance(c, str) for c in commits):
        raise where.error("metadata.provenance.commits", "must be a list of commit SHAs")
    if kind == "mined" and not commits:
        raise where.error("metadata.provenance.commits", "must name the commits a mined pattern "
                                                         "comes from")
    return Provenance(kind, run, source, tuple(commits))


def _history(where: _Where, value: Any) -> tuple[HistoryEntry, ...]:
    if not isinstance(value, list):
        raise where.error("metadata.history", "must be a list")
    out = []
    for index, raw in enumerate(value):
        key = f"metadata.history[{index}]"
        data = _mapping(where, key, raw)
        _unknown(where, f"{key}.", data, ("date", "version", "change", "why"))
        date = data.get("date")
        if isinstance(date, datetime.date):
            date = date.isoformat()
        date = _string(where, f"{key}.date", date)
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise where.error(f"{key}.version", f"must be a version number, not {version!r}")
        out.append(HistoryEntry(date, int(version), _string(where, f"{key}.change",
                                                            data.get("change")),
                                _string(where, f"{key}.why", data.get("why", ""),
                                        allow_empty=True)))
    return tuple(out)


def _examples(where: _Where, value: Any) -> tuple[Example, ...]:
    if not isinstance(value, list):
        raise where.error("metadata.examples", "must be a list of {before, after}")
    out = []
    for index, raw in enumerate(value):
        key = f"metadata.examples[{index}]"
        data = _mapping(where, key, raw)
        _unknown(where, f"{key}.", data, ("before", "after"))
        out.append(Example(_string(where, f"{key}.before", data.get("before")),
                           _string(where, f"{key}.after", data.get("after"), allow_empty=True)))
    return tuple(out)


def detect_schema(document: Mapping[str, Any]) -> int:
    metadata = document.get("metadata")
    if isinstance(metadata, dict) and "schema" in metadata:
        schema = metadata["schema"]
        return int(schema) if _is_int(schema) else -1
    if "triggers" in document or "stats" in document:
        return 0
    return -1


def migrate(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Upgrade a document of an older schema to SCHEMA_VERSION; (document, what changed).

    Schema 0 -> 1: `triggers`, `safety`, `category`, `stats`, `description` move under
    `metadata`; `source: builtin|learned` becomes `metadata.provenance`; examples `{input,
    output}` become `{before, after}`; `language: python` is spelled `Python` as ast-grep
    wants; version 1, status active, and a history entry that says so are added.
    """
    schema = detect_schema(document)
    if schema == SCHEMA_VERSION or schema < 0:
        return document, []
    if schema > SCHEMA_VERSION:
        return document, []
    notes: list[str] = []
    doc = dict(document)
    if schema == 0:
        metadata: dict[str, Any] = dict(doc.get("metadata") or {})
        for key in ("triggers", "safety", "category", "stats", "description"):
            if key in doc:
                metadata[key] = doc.pop(key)
                notes.append(f"moved {key} under metadata")
        source = doc.pop("source", "learned")
        metadata["provenance"] = {"kind": source if source in PROVENANCE_KINDS else "learned"}
        examples = doc.pop("examples", metadata.get("examples", []))
        if isinstance(examples, list):
            metadata["examples"] = [
                {"before": e.get("input", e.get("before")), "after": e.get("output", e.get("after"))}
                if isinstance(e, dict) else e for e in examples]
            notes.append("examples {input, output} became {before, after}")
        if str(doc.get("language", "")).lower() == "python":
            doc["language"] = "Python"
        metadata["schema"] = 1
        metadata.setdefault("version", 1)
        metadata.setdefault("status", "active")
        metadata["history"] = [*list(metadata.get("history") or []),
                               {"date": today(), "version": metadata["version"],
                                "change": "migrated from schema 0 to 1",
                                "why": "heal patterns migrate"}]
        doc["metadata"] = metadata
        notes.append("schema 0 -> 1")
    return doc, notes


def parse(document: Any, label: str, *, path: Path | None = None, origin: str = "learned",
          expect_id: str | None = None) -> Pattern:
    """Validate one loaded document into a Pattern; ConfigError naming `label` and the field."""
    where = _Where(label)
    if not isinstance(document, dict):
        raise where.error("", "must be a YAML mapping with id, language, rule, fix and metadata")
    schema = detect_schema(document)
    if schema < 0:
        raise where.error("metadata.schema", f"is missing; this heal writes schema {SCHEMA_VERSION}")
    if schema > SCHEMA_VERSION:
        raise where.error("metadata.schema", f"is {schema}, newer than this heal understands "
                                             f"({SCHEMA_VERSION}); upgrade heal")
    if schema < SCHEMA_VERSION:
        document, _ = migrate(document)
    for key in document:
        if key in AST_GREP_ONLY:
            raise where.error(key, "is an ast-grep feature heal does not support in pattern files")
    _unknown(where, "", document, TOP_KEYS)
    pattern_id = _string(where, "id", document.get("id"))
    if not ID_RE.match(pattern_id):
        raise where.error("id", f"must be lowercase letters, digits, '.', '_' or '-', not "
                                f"{pattern_id!r}")
    if expect_id is not None and pattern_id != expect_id:
        raise where.error("id", f"is {pattern_id!r} but the file is named {expect_id}.yaml; "
                                "rename one of them")
    language = document.get("language")
    if language not in ("Python", "python"):
        raise where.error("language", f"must be Python, not {language!r}")
    rule = _mapping(where, "rule", document.get("rule"))
    pattern_text, selector = _rule(where, rule)
    fix = _string(where, "fix", document.get("fix"), allow_empty=True)
    if selector == COMMENT:
        if document.get("constraints"):
            raise where.error("constraints", "are for metavariables; a `kind: comment` rule has "
                                             "none")
        if fix.strip() and (not fix.strip().startswith("#") or "\n" in fix.strip()):
            raise where.error("fix", "of a `kind: comment` rule must be empty (delete the "
                                     "comment) or one comment line starting with #")
    constraints = _constraints(where, document.get("constraints") or {}, pattern_text)
    message = _string(where, "message", document.get("message", ""), allow_empty=True)
    severity = _choice(where, "severity", document.get("severity", "warning"), SEVERITIES)
    note = document.get("note")
    if note is not None:
        note = _string(where, "note", note, allow_empty=True)
    metadata = _mapping(where, "metadata", document.get("metadata"))
    _unknown(where, "metadata.", metadata, META_KEYS)
    version = metadata.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise where.error("metadata.version", f"must be a version number of at least 1, not "
                                              f"{version!r}")
    status = _choice(where, "metadata.status", metadata.get("status", "active"), STATUSES)
    category = _choice(where, "metadata.category", metadata.get("category"),
                       tuple(c.value for c in Category))
    triggers = metadata.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        raise where.error("metadata.triggers", "must be a non-empty list of rule codes such as "
                                               "ruff:E711")
    for index, trigger in enumerate(triggers):
        if not isinstance(trigger, str) or not RULE_RE.match(trigger):
            raise where.error(f"metadata.triggers[{index}]", f"must be a namespaced rule code "
                                                             f"(tool:CODE), not {trigger!r}")
    safety = _choice(where, "metadata.safety", metadata.get("safety"),
                     tuple(s.value for s in Safety))
    description = _string(where, "metadata.description", metadata.get("description", ""),
                          allow_empty=True)
    provenance = _provenance(where, metadata.get("provenance", {"kind": "builtin"}))
    raw_stats = _mapping(where, "metadata.stats", metadata.get("stats", {}))
    _unknown(where, "metadata.stats.", raw_stats, STAT_KEYS)
    stats = Stats(**{k: _count(where, f"metadata.stats.{k}", v) for k, v in raw_stats.items()})
    confidence = metadata.get("confidence")
    if confidence is not None and (isinstance(confidence, bool)
                                   or not isinstance(confidence, (int, float))):
        raise where.error("metadata.confidence", "must be a number (it is derived from stats; "
                                                 "heal rewrites it)")
    history = _history(where, metadata.get("history", []))
    examples = _examples(where, metadata.get("examples", []))
    return Pattern(
        id=pattern_id, pattern=pattern_text, fix=fix, triggers=tuple(triggers),
        category=Category(category), safety=Safety(safety), message=message, severity=severity,
        note=note, constraints=constraints, version=int(version), status=status,
        description=description, provenance=provenance, stats=stats, history=history,
        examples=examples, selector=selector, path=path, origin=origin)


def _rule(where: _Where, rule: dict[str, Any]) -> tuple[str, str]:
    """(template or regex, selector) of `rule`: `{pattern: ...}`, or ast-grep's `{kind:
    comment, regex: ...}` (a comment whose text the regex matches; selector `comment`)."""
    if "kind" in rule or "regex" in rule:
        _unknown(where, "rule.", rule, ("kind", "regex"))
        if rule.get("kind") != COMMENT:
            raise where.error("rule.kind", f"must be comment (the one node kind heal matches "
                                           f"by regex), not {rule.get('kind')!r}")
        if "regex" not in rule:
            raise where.error("rule", "with `kind: comment` must have a `regex`")
        return _regex(where, "rule.regex", rule["regex"]), COMMENT
    for key in rule:
        if key != "pattern":
            raise where.error(f"rule.{key}", "is not supported by heal; use rule.pattern, or "
                                             "rule.kind: comment with rule.regex")
    return _rule_pattern(where, rule.get("pattern"))


def _rule_pattern(where: _Where, value: Any) -> tuple[str, str]:
    """rule.pattern: a template, or ast-grep's `{context, selector}` object selecting one
    parameter of a `def` (`context: 'def f($A: $B = None): ...'`,
    `selector: typed_default_parameter`) -> (the parameter's template, the selector)."""
    if not isinstance(value, dict):
        return _string(where, "rule.pattern", value), ""
    _unknown(where, "rule.pattern.", value, ("context", "selector"))
    context = _string(where, "rule.pattern.context", value.get("context"))
    selector = _string(where, "rule.pattern.selector", value.get("selector"))
    from heal.patterns.matcher import SELECTORS, TemplateError, parameter_in_context

    if selector not in SELECTORS:
        raise where.error("rule.pattern.selector", f"must be one of {', '.join(SELECTORS)} (the "
                                                   f"parameter kinds heal supports), not "
                                                   f"{selector!r}")
    try:
        return parameter_in_context(context, selector), selector
    except TemplateError as error:
        raise where.error("rule.pattern.context", str(error)) from None


def load_text(text: str, label: str, *, path: Path | None = None, origin: str = "learned",
              expect_id: str | None = None) -> Pattern:
    return parse(load_yaml(text, label), label, path=path, origin=origin, expect_id=expect_id)


def load_file(path: Path, label: str | None = None, origin: str = "learned") -> Pattern:
    """Read and validate one pattern file (the file's stem must be its id)."""
    shown = label or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot read the pattern file ({error})") from None
    return load_text(text, shown, path=path, origin=origin, expect_id=path.stem)


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value and not any(ord(c) < 32 and c not in "\n\t" for c in value) \
            and not value.startswith((" ", "\t")) and value.strip() and \
            not any(line != line.rstrip() for line in value.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_representer)

HEADER = ("# heal pattern (ast-grep rule file + heal metadata). metadata.confidence is derived\n"
          "# from metadata.stats on every load; heal bumps metadata.version when it changes it.\n")


def dump(pattern: Pattern) -> str:
    """The file text for a pattern (safe YAML; multi-line strings as literal blocks)."""
    body = yaml.dump(pattern.to_document(), Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, width=100, default_flow_style=False)
    return HEADER + body

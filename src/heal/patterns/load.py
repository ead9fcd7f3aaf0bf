"""Reading a pattern file: safe YAML, every field checked against the schema (model.py).

`load_file(path)` and `load_text(text, label)` give a `Pattern`; `parse(document, label)`
validates a document already loaded (the store caches validated documents as JSON).

Loading uses `yaml.safe_load` only, so a file can never build Python objects: a tag such as
`!!python/object/apply:os.system` is refused with a `ConfigError`. Every problem is a
`ConfigError` that names the file and the field, e.g. `patterns/x.yaml: metadata.safety must be
one of safe, unsafe, review, not 'maybe'`.

A rule that is ast-grep's `{context, selector}` object keeps, as its pattern, the parameter its
context selects (`template.parameter_in_context`): that is why reading a file needs libcst while
the schema itself does not (`heal --help` and a warm scan import model.py, never libcst).

Schema history: schema 0 (heal before patterns were ast-grep files) kept `triggers`, `safety`,
`category`, `stats` and `source` at the top level and wrote examples as `{input, output}`;
`migrate()` turns such a document into schema 1 (and `heal patterns migrate` rewrites files).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from heal.errors import ConfigError
from heal.model import Category, Safety
from heal.patterns.model import (
    AST_GREP_ONLY,
    COMMENT,
    CONSTRAINT_KEYS,
    ID_RE,
    MAX_FILE_BYTES,
    META_KEYS,
    METAVAR_RE,
    PROVENANCE_KINDS,
    RULE_RE,
    SCHEMA_VERSION,
    SELECTORS,
    SEVERITIES,
    STAT_KEYS,
    STATUSES,
    TOP_KEYS,
    Constraint,
    Example,
    HistoryEntry,
    Pattern,
    Provenance,
    Stats,
    today,
)
from heal.patterns.template import TemplateError, parameter_in_context


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

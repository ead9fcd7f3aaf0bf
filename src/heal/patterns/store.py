"""Pattern files on disk: the built-in library, a repository's learned patterns, and the index.

Two folders hold patterns, one YAML file per pattern named `<id>.yaml`:
  - the built-in library: heal's top-level `patterns/` in a source checkout, or
    `heal/_builtin_patterns` in an installed wheel (pyproject's hatch force-include);
  - learned patterns: `<repo>/.heal/patterns/`, committed and reviewed by the team.

A learned file with the id of a built-in pattern shadows it while its `metadata.version` is at
least the built-in's: that is how `retire`/`disable` of built-in patterns are kept per
repository without touching heal's own files (outcomes are counted in heal's state: usage.py).
A newer heal that ships a higher version of the built-in wins again.

`PatternStore` is one folder. It keeps an index (id, version, status, triggers, root node type
per file), rebuilt only for files whose mtime or size changed and cached as JSON under
`.heal/cache/` (for learned patterns), so looking up the patterns for a rule touches only the
few files whose triggers include it, even with 10,000 files. Every file is fully validated
when it enters the index, so a bad file is a `ConfigError` (naming the file and the field) when
the store is opened, never half-way through a run. Writes are atomic (temp file + rename).

Nothing is ever deleted: `PatternLibrary.retire(id, why)` sets `metadata.status: retired`,
`disable(id)` sets `disabled`, `enable(id)` sets `active` again; each bumps the version and
appends history (the store only saves what it is given).
Outcomes neither bump the version nor touch the file (usage.py): a committed pattern file
changes only when the pattern does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from heal.errors import ConfigError, UsageError
from heal.patterns.load import load_file, parse
from heal.patterns.model import COMMENT, ID_RE, METAVAR_RE, Pattern, dump
from heal.patterns.template import Template, TemplateError, compile_template, in_strings

INDEX_FORMAT = 4
SUFFIXES = (".yaml", ".yml")


def builtin_dir() -> Path:
    """heal's built-in library: the installed copy, else the source checkout's `patterns/`."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "_builtin_patterns"
    if installed.is_dir():
        return installed
    return package.parents[1] / "patterns"


def learned_dir(root: Path) -> Path:
    return root / ".heal" / "patterns"


def cache_dir(root: Path) -> Path:
    return root / ".heal" / "cache"


@dataclass(frozen=True)
class Entry:
    """What the index knows about one file without reading it again."""

    name: str
    mtime_ns: int
    size: int
    id: str
    version: int
    status: str
    triggers: tuple[str, ...]
    root_type: str
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"mtime_ns": self.mtime_ns, "size": self.size, "id": self.id,
                "version": self.version, "status": self.status, "triggers": list(self.triggers),
                "root_type": self.root_type}

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> Entry:
        return cls(name, int(data["mtime_ns"]), int(data["size"]), str(data["id"]),
                   int(data["version"]), str(data["status"]), tuple(data["triggers"]),
                   str(data["root_type"]))


def compiled(pattern: Pattern) -> Template:
    """The pattern's template; ConfigError naming the file when it or the fix cannot parse."""
    label = _label(pattern)
    try:
        template = compile_template(pattern.pattern, pattern.selector)
    except TemplateError as error:
        raise ConfigError(f"{label}: rule.pattern {error}") from None
    if template.kind == COMMENT:  # a regex, and a fix that is a comment (model checks it)
        return template
    inside = in_strings(template)
    if inside:
        raise ConfigError(f"{label}: rule.pattern has {inside[0]} inside a string literal; heal "
                          "matches a string literal whole (a fix may write a metavariable "
                          "into a string: `fix: '{{\"$K\": $A}}'`)")
    try:
        if pattern.fix.strip():  # an empty fix deletes the matched statement (as in ast-grep)
            compile_template(pattern.fix, pattern.selector)
    except TemplateError as error:
        raise ConfigError(f"{label}: fix {error}") from None
    unbound = [name for name in _fix_names(pattern) if name not in pattern.metavariables()]
    if unbound:
        raise ConfigError(f"{label}: fix uses ${unbound[0]}, which rule.pattern does not bind")
    return template


def _fix_names(pattern: Pattern) -> list[str]:
    return [m.group(1) or m.group(2) for m in METAVAR_RE.finditer(pattern.fix)
            if m.group(1) or m.group(2)]


def _label(pattern: Pattern) -> str:
    if pattern.path is None:
        return f"pattern {pattern.id}"
    parent = pattern.path.parent
    return f"{parent.name}/{pattern.path.name}" if parent.name else pattern.path.name


class PatternStore:
    """One folder of pattern files, indexed lazily."""

    def __init__(self, folder: Path, origin: str = "learned", cache: Path | None = None) -> None:
        self.folder = folder
        self.origin = origin
        self.cache = cache
        self._entries: dict[str, Entry] | None = None  # id -> entry
        self._loaded: dict[str, tuple[int, Pattern, Template]] = {}  # id -> (mtime, ...)
        self._by_trigger: dict[str, list[str]] | None = None

    # -- index -------------------------------------------------------------------------------
    def _label(self, name: str) -> str:
        parent = ".heal/" if self.folder.parent.name == ".heal" else ""
        return f"{parent}{self.folder.name}/{name}"

    def _cache_file(self) -> Path | None:
        if self.cache is None:
            return None
        key = hashlib.sha256(str(self.folder.resolve()).encode()).hexdigest()[:12]
        return self.cache / f"patterns-index-{key}.json"

    def _read_cache(self) -> dict[str, Entry]:
        path = self._cache_file()
        if path is None or not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != INDEX_FORMAT:
                return {}
            return {name: Entry.from_dict(name, raw) for name, raw in data["files"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def _write_cache(self, entries: Iterable[Entry]) -> None:
        path = self._cache_file()
        if path is None:
            return
        data = {"format": INDEX_FORMAT, "folder": str(self.folder),
                "files": {e.name: e.to_dict() for e in entries}}
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(data, separators=(",", ":")))

    def entries(self) -> dict[str, Entry]:
        """id -> index entry for every pattern file (changed files are read and validated)."""
        if self._entries is not None:
            return self._entries
        cached = self._read_cache()
        entries: dict[str, Entry] = {}
        dirty = False
        if self.folder.is_dir():
            with os.scandir(self.folder) as listing:
                files = sorted((item.name, item.stat()) for item in listing
                               if item.name.endswith(SUFFIXES) and item.is_file())
            inside = self.folder.resolve()
            for name, stat in files:
                if not (self.folder / name).resolve().is_relative_to(inside):
                    raise ConfigError(f"{self._label(name)}: a symbolic link to a file outside "
                                      f"{self.folder.name}/; heal does not follow it: replace "
                                      "it with the pattern file itself or remove it")
                entry = cached.get(name)
                if entry is None or entry.mtime_ns != stat.st_mtime_ns or entry.size != stat.st_size:
                    try:
                        entry = self._index_file(name, stat.st_mtime_ns, stat.st_size)
                    except ConfigError as error:
                        raise ConfigError(f"{error.message}; fix the file or move it out of "
                                          f"{self._label('')}") from None
                    dirty = True
                if entry.id in entries:
                    raise ConfigError(f"{self._label(name)}: id {entry.id} is also used by "
                                      f"{entries[entry.id].name}; ids must be unique")
                entries[entry.id] = entry
        if dirty or len(entries) != len(cached):
            self._write_cache(entries.values())
        self._entries = entries
        return entries

    def _index_file(self, name: str, mtime_ns: int, size: int) -> Entry:
        pattern, template = self._read(name)
        self._loaded[pattern.id] = (mtime_ns, pattern, template)
        entry = Entry(name, mtime_ns, size, pattern.id, pattern.version, pattern.status,
                      pattern.triggers, template.root_type)
        self._cache_document(entry, pattern)
        return entry

    def _document_file(self, entry: Entry) -> Path | None:
        index = self._cache_file()
        if index is None:
            return None
        key = hashlib.sha256(f"{entry.name}\0{entry.mtime_ns}\0{entry.size}".encode())
        return index.with_suffix("") / f"{key.hexdigest()[:24]}.json"

    def _cache_document(self, entry: Entry, pattern: Pattern) -> None:
        """The validated document as JSON (parsing YAML again costs far more than JSON)."""
        path = self._document_file(entry)
        if path is None:
            return
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(pattern.to_document()), encoding="utf-8")

    def _cached_document(self, entry: Entry) -> dict[str, Any] | None:
        path = self._document_file(entry)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _read(self, name: str) -> tuple[Pattern, Template]:
        path = self.folder / name
        pattern = load_file(path, self._label(name), origin=self.origin)
        return pattern, compiled(pattern)

    def by_trigger(self) -> dict[str, list[str]]:
        if self._by_trigger is None:
            index: dict[str, list[str]] = {}
            for entry in self.entries().values():
                for trigger in entry.triggers:
                    index.setdefault(trigger, []).append(entry.id)
            self._by_trigger = index
        return self._by_trigger

    def ids(self) -> list[str]:
        return sorted(self.entries())

    def __contains__(self, pattern_id: object) -> bool:
        return pattern_id in self.entries()

    # -- reading -----------------------------------------------------------------------------
    def get(self, pattern_id: str) -> Pattern:
        return self.get_compiled(pattern_id)[0]

    def get_compiled(self, pattern_id: str) -> tuple[Pattern, Template]:
        entry = self.entries().get(pattern_id)
        if entry is None:
            raise UsageError(f"no pattern {pattern_id} in {self.folder}; `heal patterns list` "
                             "shows the ids")
        held = self._loaded.get(pattern_id)
        if held is not None and held[0] == entry.mtime_ns:
            return held[1], held[2]
        document = entry.document or self._cached_document(entry)
        if document:  # validated when indexed: no YAML to read again
            label = self._label(entry.name)
            pattern = parse(document, label, path=self.folder / entry.name, origin=self.origin)
            template = compiled(pattern)
        else:
            pattern, template = self._read(entry.name)
            self._cache_document(entry, pattern)
        self._loaded[pattern_id] = (entry.mtime_ns, pattern, template)
        return pattern, template

    def all(self) -> Iterator[Pattern]:
        for pattern_id in self.ids():
            yield self.get(pattern_id)

    # -- writing -----------------------------------------------------------------------------
    def save(self, pattern: Pattern) -> Pattern:
        """Write a pattern file atomically (as `<id>.yaml`); returns it with its path."""
        if not ID_RE.match(pattern.id):  # the id names the file: it may not leave the folder
            raise ConfigError(f"pattern id {pattern.id!r} must be lowercase letters, digits, '.', "
                              "'_' or '-'")
        self.folder.mkdir(parents=True, exist_ok=True)
        entries = self.entries()
        old = entries.get(pattern.id)
        name = old.name if old is not None else f"{pattern.id}.yaml"
        path = self.folder / name
        saved = replace(pattern, path=path, origin=self.origin)
        template = compiled(saved)
        atomic_write(path, dump(saved))
        stat = path.stat()
        entries[pattern.id] = Entry(name, stat.st_mtime_ns, stat.st_size, saved.id,
                                    saved.version, saved.status, saved.triggers,
                                    template.root_type, saved.to_document())
        self._loaded[pattern.id] = (stat.st_mtime_ns, saved, template)
        self._cache_document(entries[pattern.id], saved)
        self._by_trigger = None
        self._write_cache(entries.values())
        return saved


def atomic_write(path: Path, text: str) -> None:
    """Write through a temp file in the same folder and rename it over the target."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise

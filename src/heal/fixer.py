"""The shape of a fixer: it reports a replacement, the engine writes (Fixit's rule).

Both kinds of fixer build on it: the fixers of heal's own rules (`heal.rules`, beside their
detectors) and the fixers of other tools' rules (`heal.healers`).

A fixer declares a unique `CODE`, a `NAME`, the `CATEGORY` it belongs to, the namespaced
`RULES` it heals (`"ruff:*"` for every rule of a tool), its `SAFETY`, and `VALID` / `INVALID`
cases; its docstring has the headings What it does / Why is this bad? / Example / Fix safety.
`fix(finding, context)` returns a `Fix` (edits against `context.text`), a `Declined` with the
reason it will not touch this finding, or None when the finding is not its business.
"""

from __future__ import annotations

import ast
import builtins
import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import libcst as cst
from libcst.metadata import CodeRange

from heal.cases import Invalid, Valid
from heal.config import Config
from heal.cst import Parsed, along_path, children, parsed, target_names
from heal.discover import python_syntax_error
from heal.edits import changed_region, diff_edits
from heal.fixcheck import comment_tokens
from heal.model import Category, Declined, FileEdits, Finding, Fix, Safety, Span, TextEdit


def module_names(module: cst.Module) -> set[str]:
    """Names the module level binds: imports, classes, functions and assignment targets, in
    module-level `if`/`try`/`with`/`for` blocks too (`if TYPE_CHECKING:` imports), not inside
    functions or classes. A `*` import binds nothing here: its names are unknown."""
    names: set[str] = set()

    def visit(node: cst.CSTNode) -> None:
        for child in children(node):
            if isinstance(child, (cst.FunctionDef, cst.ClassDef)):
                names.add(child.name.value)
                continue
            if isinstance(child, cst.Lambda):
                continue
            if isinstance(child, (cst.Import, cst.ImportFrom)) and \
                    not isinstance(child.names, cst.ImportStar):
                names.update((alias.evaluated_alias or alias.evaluated_name).split(".")[0]
                             for alias in child.names)
            elif isinstance(child, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For)):
                names.update(n.value for n in target_names(child.target))
            visit(child)

    visit(module)
    return names



@dataclass
class ModuleContext:
    """One file as a fixer sees it: its text, parsed lazily once, and the run's config."""

    path: str
    text: str
    config: Config = field(default_factory=Config)
    root: Path | None = None
    target: tuple[int, int] = (3, 10)  # the oldest Python the project supports
    # every file of the run as it is now (repo-relative path -> text): what a fix that also
    # edits other files (a private name renamed across the project) must edit
    others: Mapping[str, str] = field(default_factory=dict, repr=False)
    _parsed: Parsed | None = field(default=None, repr=False)

    @property
    def parsed(self) -> Parsed:
        """This text's parse, shared by everything that asks about the same text in the run."""
        if self._parsed is None:
            self._parsed = parsed(self.text)
        return self._parsed

    @property
    def module(self) -> cst.Module:
        return self.parsed.module

    @property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        return self.parsed.positions

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parsed.parents.get(node)

    @property
    def names(self) -> frozenset[str]:
        """Names code at module level can read: the builtins and what `module_names` finds
        (what a fix may write without an import of its own)."""
        return self.parsed.memo("names", lambda: frozenset(
            module_names(self.module) | set(dir(builtins))))

    def comments_on(self, line: int) -> list[cst.Comment]:
        """The comments that start on a line (statements' positions leave them out)."""
        def by_line() -> dict[int, list[cst.Comment]]:
            lines: dict[int, list[cst.Comment]] = {}
            positions = self.positions
            for node in positions:  # a range is made only for the comments, not every node
                if isinstance(node, cst.Comment):
                    lines.setdefault(positions[node].start.line, []).append(node)
            return lines

        return self.parsed.memo("comments", by_line).get(line, [])

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def nodes_at(self, span: Span, kinds: tuple[type[cst.CSTNode], ...] = (cst.CSTNode,)
                 ) -> list[cst.CSTNode]:
        """Nodes of the given kinds whose range is exactly the span, outermost first."""
        key = (span.start.line, span.start.column, span.end.line, span.end.column)
        found = [node for node in self.parsed.spans.get(key, ()) if isinstance(node, kinds)]
        return sorted(found, key=lambda node: sum(1 for _ in self.ancestors(node)))

    def nodes_covering(self, span: Span, kinds: tuple[type[cst.CSTNode], ...]
                       ) -> list[cst.CSTNode]:
        """Nodes of the given kinds that contain the span, innermost first."""
        start = (span.start.line, span.start.column)
        end = (span.end.line, span.end.column)
        positions = self.positions
        found = [node for node in self.parsed.on_line(span.start.line)
                 if isinstance(node, kinds) and (
                     (where := positions[node]).start.line, where.start.column) <= start
                 and end <= (where.end.line, where.end.column)]
        found.sort(key=lambda n: (positions[n].start.line, positions[n].start.column),
                   reverse=True)
        return found

    def code_of(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def replace(self, old: cst.CSTNode, new: cst.CSTNode | cst.RemovalSentinel) -> str:
        """The module's text with one node replaced (by identity; comments elsewhere kept)."""
        if not isinstance(new, cst.RemovalSentinel) and not new._is_removable():
            rebuilt = along_path(old, new, self.parent)  # no visit of the whole tree
            if rebuilt is not None:
                return rebuilt.code
        replaced: object = (self.module.deep_remove(old) if isinstance(new, cst.RemovalSentinel)
                            else self.module.deep_replace(old, new))
        assert isinstance(replaced, cst.Module)
        return replaced.code


def with_imports(text: str, add: Iterable[tuple[str, str | None]] = (),
                 remove: Iterable[tuple[str, str | None]] = ()) -> str:
    """Add `import m` / `from m import n` (and drop unused ones) through libcst's visitors,
    which put them in the right block and keep everything else as it was."""
    from libcst.codemod import CodemodContext  # slow to import; only fixers that add imports pay
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    add, remove = list(add), list(remove)
    if not add and not remove:
        return text
    context = CodemodContext()
    for module_name, name in add:
        AddImportsVisitor.add_needed_import(context, module_name, name)
    for module_name, name in remove:
        RemoveImportsVisitor.remove_unused_import(context, module_name, name)
    if add:  # only the top of a long module is parsed, changed and printed
        cut = _top_length(text)
        top = AddImportsVisitor(context).transform_module(cst.parse_module(text[:cut]))
        text = top.code + text[cut:]
    if remove:
        text = RemoveImportsVisitor(context).transform_module(cst.parse_module(text)).code
    return text


def _top_length(text: str) -> int:
    """The length of the prefix of `text` that libcst's AddImportsVisitor reads and changes:
    the first statement (a docstring it skips), the import lines after it, and the next
    statement (which gets an empty line above it), to the end of their last line. The visitor
    gathers only the imports at the top, adds names only to those and inserts after them, so
    given this prefix as a module it writes the text it writes for the whole module
    (tests/test_cst.py compares the two); the rest is put back unparsed. Cut by `ast`, whose
    lines are libcst's when no line ends in a lone `\r`; else, or when the text does not
    parse, the whole text (and libcst says why it does not parse). A few statements too many
    would only cost time. Comments after the prefix's last statement become its footer,
    which libcst prints as they were."""
    whole = len(text)
    if text.count("\r") != text.count("\r\n"):
        return whole
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return whole
    count = len(body)
    end = 1
    while end < count and isinstance(body[end], (ast.Import, ast.ImportFrom)):
        end += 1
    if end + 1 >= count:
        return whole
    last = max(node.end_lineno or 0 for node in body[:end + 1])
    for node in body[end + 1:]:  # a statement sharing the last line (`x = 1; y = (...)`)
        if node.lineno > last:
            break
        last = max(last, node.end_lineno or 0)
    offset = 0
    for _ in range(last):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return whole
    return offset


@functools.lru_cache(maxsize=8)  # every fix of a file asks about the same text
def dropped_comments(before: str, after: str) -> list[str]:
    """Comments `before` has and `after` no longer has (compared as a multiset of their text):
    a fix that drops one should be unsafe (STYLE.md)."""
    if not _may_change_comments(before, after):
        return []
    return sorted((_comments(before) - _comments(after)).elements())


_LEXICAL = frozenset("#'\"\\")  # what starts a comment, or starts, ends or escapes a string


def _may_change_comments(before: str, after: str) -> bool:
    """False when an edit cannot add, drop or change a comment, told without tokenizing the
    fixed text: what it changes holds no `#`, quote or backslash on either side (every token
    after it is lexed as before), no comment can run into it from the left (no `#` earlier on
    the line it starts in), and the fixed text parses (a text the tokenizer gives up on counts
    as having lost every comment)."""
    start, end_before, end_after = changed_region(before, after)
    changed = (before[start:end_before], after[start:end_after])
    if any(not _LEXICAL.isdisjoint(part) for part in changed):
        return True
    if "#" in before[before.rfind("\n", 0, start) + 1:start]:
        return True
    return python_syntax_error(after) is not None  # what does not parse may not tokenize


@functools.lru_cache(maxsize=16)  # every fix of a file tokenizes the same text before it
def _comments(text: str) -> Counter[str]:
    """The text's comments, counted (read only: the cache hands out the same Counter)."""
    return Counter(comment.rstrip() for _, _, comment in comment_tokens(text))


def alias(rule: str) -> str:
    """The bandit rule a ruff flake8-bandit rule mirrors (ruff:S506 -> bandit:B506), else the
    rule itself: a security fixer written for bandit's finding heals ruff's too."""
    tool, _, code = rule.partition(":")
    if tool == "ruff" and code.startswith("S") and code[1:].isdigit():
        return f"bandit:B{code[1:]}"
    return rule


class Fixer:
    CODE: ClassVar[str]
    NAME: ClassVar[str]
    CATEGORY: ClassVar[Category]
    RULES: ClassVar[tuple[str, ...]]
    SAFETY: ClassVar[Safety]
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []
    # reads the run's other files (`context.others`): its answer for a finding depends on
    # more than the finding's own file, so the planner does not remember it
    READS_OTHER_FILES: ClassVar[bool] = False

    @classmethod
    def handles(cls, rule: str) -> bool:
        tool = rule.split(":", 1)[0]
        return rule in cls.RULES or f"{tool}:*" in cls.RULES or alias(rule) in cls.RULES

    @property
    def source(self) -> str:
        return f"fixer:{self.NAME}"

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        raise NotImplementedError

    # -- helpers for subclasses --------------------------------------------------------------
    def make_fix(
        self,
        finding: Finding,
        edits: tuple[TextEdit, ...],
        description: str,
        safety: Safety | None = None,
        rationale: str = "",
        also: tuple[FileEdits, ...] = (),
    ) -> Fix:
        return Fix(
            fingerprints=(finding.fingerprint,), rule=finding.rule, category=finding.category,
            path=finding.path, edits=edits, source=self.source, safety=safety or self.SAFETY,
            description=description, priority=finding.priority, line=finding.span.start.line,
            rationale=rationale, also=also,
        )

    def fix_from_text(self, finding: Finding, context: ModuleContext, new_text: str,
                      description: str, safety: Safety | None = None, rationale: str = "") -> Fix | None:
        """A fix from a rewritten module (line-level edits); None when nothing changed."""
        if new_text == context.text:
            return None
        return self.make_fix(finding, diff_edits(context.text, new_text), description, safety,
                             rationale)

    def decline(self, finding: Finding, reason: str) -> Declined:
        return Declined(fingerprint=finding.fingerprint, rule=finding.rule, path=finding.path,
                        line=finding.span.start.line, source=self.source, reason=reason)

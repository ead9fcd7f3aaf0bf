"""Every rule heal knows, from every tool: code, category, priority, summary, link and fix.

ruff lists its own rules (`ruff rule --all`), mypy has its error-code table, bandit its plugin
manager, and heal's own rules their registry (`heal.rules.registry`). `--select` / `--ignore`
are checked against this index, `heal rules` prints it and `heal rule CODE` explains one entry.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from heal import catalog, failures
from heal.analyzers.base import find_tool
from heal.discover import SYNTAX_RULE, TOO_LARGE_RULE, UNREADABLE_RULE
from heal.errors import HealError, UsageError
from heal.fixable import fix_level_for
from heal.model import Category, Priority
from heal.ruledoc import docstring, title
from heal.rules import retired

MYPY_DOCS = "https://mypy.readthedocs.io/en/stable/error_code_list.html"
BANDIT_DOCS = "https://bandit.readthedocs.io/en/latest/plugins/index.html"
TOOLS = ("ruff", "mypy", "bandit", "heal", "pytest")


@dataclass(frozen=True)
class RuleInfo:
    rule: str  # namespaced
    name: str
    category: Category
    priority: Priority
    tool: str
    summary: str
    url: str
    fix: str = "none"  # none | safe | unsafe | review
    fixers: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return self.rule.split(":", 1)[1]

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule, "code": self.code, "name": self.name,
            "category": self.category.value, "priority": self.priority.value, "tool": self.tool,
            "summary": self.summary, "url": self.url, "fix": self.fix, "fixers": list(self.fixers),
        }


def _ruff_fix_level(item: dict[str, Any]) -> str:
    """ruff's fix for a rule, as heal applies it: none, or safe/unsafe by ruff's own docs."""
    if item.get("fix_availability", "None") == "None":
        return "none"
    safety = re.search(r"## Fix safety\n(.*?)(?:\n## |\Z)", item.get("explanation") or "", re.S)
    return "unsafe" if safety and "unsafe" in safety.group(1).lower() else "safe"


def _rendered(template: str) -> str:
    """ruff's message template as a reader sees it: `{name}` imported -> `<name>` imported."""
    return re.sub(r"\{(\w+)\}", r"<\1>", template)


def _ruff_rules() -> list[RuleInfo]:
    try:
        out = subprocess.run([find_tool("ruff"), "rule", "--all", "--output-format", "json"],
                             capture_output=True, text=True, check=True, timeout=60).stdout
    except (HealError, subprocess.SubprocessError, OSError):
        return []
    rules = []
    for item in json.loads(out):
        code = item.get("code")
        if not code:
            continue
        category, priority = catalog.ruff_class(code)
        rules.append(RuleInfo(
            rule=f"ruff:{code}", name=item.get("name", ""), category=category, priority=priority,
            tool="ruff", summary=_rendered(item.get("summary", "")),
            url=f"https://docs.astral.sh/ruff/rules/{item.get('name', '')}",
            fix=_ruff_fix_level(item), fixers=("ruff-edits",) if _ruff_fix_level(item) != "none" else (),
        ))
    return rules


def _mypy_rules() -> list[RuleInfo]:
    from mypy import errorcodes

    rules = []
    for code, info in sorted(errorcodes.error_codes.items()):
        category, priority = catalog.mypy_class(code)
        rules.append(RuleInfo(
            rule=f"mypy:{code}", name=code, category=category, priority=priority, tool="mypy",
            summary=info.description, url=f"{MYPY_DOCS}#code-{code}",
        ))
    return rules


def _bandit_rules() -> list[RuleInfo]:
    from bandit.core import extension_loader

    manager = extension_loader.MANAGER
    rules = []
    for test_id, plugin in sorted(manager.plugins_by_id.items()):
        doc = (plugin.plugin.__doc__ or "").strip().splitlines()
        summary = doc[0].strip("*").split(":", 1)[-1].strip() if doc else plugin.name
        rules.append(RuleInfo(
            rule=f"bandit:{test_id}", name=plugin.name, category=Category.SECURITY,
            priority=Priority.P0, tool="bandit", summary=summary or plugin.name, url=BANDIT_DOCS,
        ))
    for test_id, entry in sorted(manager.blacklist_by_id.items()):
        rules.append(RuleInfo(
            rule=f"bandit:{test_id}", name=str(entry["name"]), category=Category.SECURITY,
            priority=catalog.bandit_class(str(entry.get("level", "MEDIUM")))[1], tool="bandit",
            summary=str(entry.get("message", "")).split(".")[0], url=BANDIT_DOCS,
        ))
    return rules


# The pages of the findings heal makes about files it cannot analyze (`heal rule SYNTAX`).
FILE_PROBLEM_PAGES = {
    SYNTAX_RULE: (
        "## What it does\n"
        "Reports a Python file that does not parse.\n\n"
        "## Why it matters\n"
        "No analyzer can check the file and heal fixes nothing in it: every other finding in it "
        "is invisible until it parses again.\n\n"
        "## What to do\n"
        "Fix the syntax error the finding names (`python -m py_compile FILE` shows it too). A "
        "file written for another Python version, or a template that is not Python, goes in "
        "`exclude` in [tool.heal]. heal does not fix it."),
    UNREADABLE_RULE: (
        "## What it does\n"
        "Reports a .py file heal cannot read as Python source: binary content, text that is "
        "not in its declared encoding, a file it has no permission to read, or a symbolic link "
        "that is broken or points out of the repository.\n\n"
        "## Why it matters\n"
        "The file is not analyzed and never fixed; a link out of the repository is not "
        "followed, so heal never reads or writes outside it.\n\n"
        "## What to do\n"
        "Fix the file's encoding or permissions, or add it to `exclude` in [tool.heal]. heal "
        "does not fix it."),
    TOO_LARGE_RULE: (
        "## What it does\n"
        "Reports a file larger than `max-file-size` (default 1,000,000 bytes) in [tool.heal]; "
        "heal skips it.\n\n"
        "## Why it matters\n"
        "Generated or vendored files of that size make every analyzer slow and are rarely "
        "edited by hand; the file is not analyzed.\n\n"
        "## What to do\n"
        "Add the file to `exclude` (or mark it generated), or raise `max-file-size` if it is "
        "code you maintain. heal does not fix it."),
}


def _native_rules() -> list[RuleInfo]:
    from heal.rules.registry import RULES  # libcst and every rule: only when listing rules

    rules = [
        RuleInfo(rule=f"heal:{cls.CODE}", name=cls.NAME, category=cls.CATEGORY,
                 priority=cls.PRIORITY, tool="heal", summary=title(docstring(cls)),
                 url=f"docs/rules/{cls.CODE}.md")
        for cls in RULES.values()
    ]
    rules += [
        RuleInfo(SYNTAX_RULE, "syntax-error", Category.LOGIC, Priority.P1, "heal",
                 "The file does not parse; no other tool can check it", "docs/rules/SYNTAX.md"),
        RuleInfo(UNREADABLE_RULE, "unreadable-file", Category.LOGIC, Priority.P1, "heal",
                 "The file is binary, undecodable, unreadable or a link out of the repo",
                 "docs/rules/UNREADABLE.md"),
        RuleInfo(TOO_LARGE_RULE, "file-too-large", Category.LOGIC, Priority.P2, "heal",
                 "The file is over max-file-size and was not analyzed",
                 "docs/rules/TOO-LARGE.md"),
    ]
    return rules


def _pytest_rules() -> list[RuleInfo]:
    """The rules of failing tests and logged tracebacks (`heal --from-tests`, `--from-log`)."""
    return [RuleInfo(doc.rule, doc.name, doc.category, Priority.P1, "pytest", doc.summary,
                     "docs/reactive.md") for doc in failures.RULES]


@functools.lru_cache(maxsize=1)
def all_rules() -> tuple[RuleInfo, ...]:
    rules = [*_native_rules(), *_ruff_rules(), *_mypy_rules(), *_bandit_rules(),
             *_pytest_rules()]
    out = []
    for rule in rules:
        level, fixers = fix_level_for(rule.rule)
        if level != "none":
            rule = dataclasses.replace(rule, fix=level, fixers=fixers + rule.fixers)
        out.append(rule)
    return tuple(out)


def by_rule() -> dict[str, RuleInfo]:
    return {r.rule: r for r in all_rules()}


def matches(rule: str, selector: str) -> bool:
    """Does a namespaced rule match a selector: `F401`, `ruff:F4`, `mypy:`, `bandit:B5`, `PERF`?
    A retired fixer code selects its rule (`LGC101` is `LOG101`)."""
    selector = retired.current(selector)
    if ":" in selector:
        tool, _, code = selector.partition(":")
        return rule.startswith(f"{tool}:") and rule.split(":", 1)[1].startswith(code)
    return rule.split(":", 1)[1].startswith(selector)


def check_selectors(selectors: Iterable[str], option: str) -> None:
    """A selector that matches no known rule is a usage error naming it."""
    selectors = list(selectors)
    if not selectors:
        return
    known = [r.rule for r in all_rules()]
    for selector in selectors:
        tool = selector.split(":", 1)[0] if ":" in selector else None
        if tool is not None and tool not in TOOLS:
            raise UsageError(f"{option} {selector}: unknown tool `{tool}`; use one of "
                             f"{', '.join(TOOLS)} (e.g. ruff:F401)")
        if not any(matches(rule, selector) for rule in known):
            raise UsageError(f"{option} {selector}: no rule has this code; "
                             "`heal rules` lists the codes heal knows")


def lookup(code: str) -> RuleInfo:
    code = retired.current(code)
    index = by_rule()
    if code in index:
        return index[code]
    hits = [r for r in all_rules() if r.code == code or r.name == code]
    if not hits:
        raise UsageError(f"unknown rule `{code}`; `heal rules` lists the codes heal knows")
    return hits[0]

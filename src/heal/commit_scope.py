"""The hook's scope: the lines a commit changes.

`heal --hook` runs inside `git commit` and heals what the commit brings: the findings on lines
that differ from HEAD (every line of a file HEAD does not have, every file when there is no
HEAD yet). A line next to a deletion counts as changed: removing a line can leave a finding
on its neighbour. Findings elsewhere in the staged files were there before the commit; they
are left for a plain `heal` run, which says so, instead of planning and verifying a file's
whole history on every commit. A finding a deletion causes far from it (the last use of a
name removed, so its import is unused) is on an unchanged line and is left too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

import git

from heal.model import Finding
from heal.sandbox import git as gitops


def changed_lines(before: str | None, after: str) -> set[int] | None:
    """The 1-based lines of `after` that differ from `before`; None when every line does."""
    if before is None:
        return None
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(),
                                      autojunk=False)
    changed: set[int] = set()
    for tag, _, _, start, end in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            changed.update(range(start + 1, end + 1))
        elif tag == "delete":
            changed.update((start, start + 1))  # the lines either side of what went
    return changed


def outside(repo: git.Repo, findings: Iterable[Finding], texts: Mapping[str, str]
            ) -> list[Finding]:
    """The findings on lines the commit does not change (compared with HEAD)."""
    sha = gitops.head_sha(repo)
    lines: dict[str, set[int] | None] = {}
    left = []
    for finding in findings:
        if finding.path not in texts:
            continue
        if finding.path not in lines:
            old = gitops.file_at(repo, sha, finding.path) if sha else None
            lines[finding.path] = changed_lines(
                None if old is None else old.decode("utf-8", "replace"), texts[finding.path])
        changed = lines[finding.path]
        if changed is None:
            continue
        span = range(finding.span.start.line, max(finding.span.end.line,
                                                  finding.span.start.line) + 1)
        if not changed.intersection(span):
            left.append(finding)
    return left

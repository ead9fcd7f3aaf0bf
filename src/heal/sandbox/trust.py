"""What heal may run from the repository it works on.

A file git tracks in the scanned repository is the tree's code, not a tool the user installed:
a committed `.venv/bin/python` or a `[tool.heal] python = "tools/py.sh"` that is tracked runs
whatever the last commit (or a fork's pull request) put there. heal runs such an interpreter
only with `--trust`; otherwise it uses its own and says so. A real local virtualenv is never
tracked, so it is used as before. `heal ci --untrusted` goes further (see `commands/ci.py`): heal's
own interpreter always, no mypy plugins, no tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import git

from heal.config import Config, project_python
from heal.sandbox import git as gitops


def tracked_in(repo: git.Repo, root: Path, path: Path) -> str | None:
    """The repo-relative path by which git tracks `path` (itself, where a symlink leads, or a
    tracked symlink among its folders), else None; None too for a path outside the tree."""
    candidates: set[str] = set()
    for form in (Path(os.path.abspath(path)), path.resolve()):
        try:
            relative = form.relative_to(root)
        except ValueError:
            continue
        candidates.add(relative.as_posix())
        candidates.update(parent.as_posix() for parent in relative.parents if parent.parts)
    if not candidates:
        return None
    hits = sorted(candidates & gitops.tracked_files(repo))
    return hits[0] if hits else None


def interpreter(repo: git.Repo, root: Path, config: Config) -> tuple[str, str | None]:
    """The interpreter heal may run for this project, and a note when it is not the project's
    own (a tracked one without --trust, or any with --untrusted)."""
    chosen = project_python(root, config)
    own = sys.executable
    if Path(chosen) == Path(own):
        return own, None
    if config.untrusted:
        return own, (f"--untrusted: ran heal's own interpreter, not the project's "
                     f"({_shown(root, chosen)})")
    if config.trust:
        return chosen, None
    tracked = tracked_in(repo, root, Path(chosen))
    if tracked is None:
        return chosen, None
    return own, (f"did not run {_shown(root, chosen)}: git tracks {tracked} in this repository "
                 "(code from the tree, not an interpreter you installed); used heal's own "
                 "interpreter instead; pass --trust to run it")


def _shown(root: Path, path: str) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return path

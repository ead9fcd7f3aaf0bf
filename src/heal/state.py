"""heal's state folder in the target repository: `.heal/`.

Layout: history.db, audit/, worktrees/, lock, STOP, patterns/ (committed by the team), caches.
`.heal/.gitignore` ignores everything but `patterns/`, so only learned patterns show up in
`git status` and nothing else heal writes can be committed by accident.
"""

from __future__ import annotations

from pathlib import Path

from heal.errors import HealError

STATE_DIR = ".heal"
GITIGNORE = (
    "# written by heal: only learned patterns are meant to be committed\n"
    "*\n!patterns/\n!patterns/**\n"
)


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def ensure_state_dir(root: Path) -> Path:
    """Create `.heal/` with its .gitignore; a one-line error when it cannot be written."""
    folder = state_dir(root)
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text(GITIGNORE, encoding="utf-8")
    except OSError as error:
        raise HealError(
            f"cannot write heal's state folder {folder} ({error.strerror}); "
            "make it writable or remove it"
        ) from None
    return folder

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
    links = [folder] if folder.is_symlink() else []
    if not links and folder.is_dir():
        links = sorted(entry for entry in folder.iterdir() if entry.is_symlink())
    if links:
        # heal deletes and rewrites what is in here (stale worktrees, the lock, the history):
        # through a link a cloned repository could aim that at any folder of the user's
        raise HealError(
            f"{links[0]} is a symbolic link; heal's state folder may not hold links, since heal "
            "deletes and rewrites what is there: remove the link (and untrack it), then rerun heal"
        )
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

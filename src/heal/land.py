"""Step 5: write verified fixes into the user's working tree, one file at a time, atomically.

A file is written only if its bytes are still the ones heal read at the start; a file the user
saved in the meantime is skipped and named, never merged. Each write goes to a temporary file
in `.heal/landing/` (or, on another file system, next to the file), is flushed to disk, then
replaces the original (`os.replace`), so a crash leaves every file wholly old or wholly new and
no stray temporary file in the user's folders. Nothing is staged.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heal.discover import SourceFile, digest, encode
from heal.state import state_dir

SCRATCH = "landing"


@dataclass
class Landing:
    written: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


def scratch_dir(root: Path) -> Path | None:
    """`.heal/landing/`, emptied of what a killed landing left; None when it cannot be made."""
    folder = state_dir(root) / SCRATCH
    try:
        folder.mkdir(exist_ok=True)
        for leftover in folder.iterdir():
            leftover.unlink()
    except OSError:
        return None
    return folder


def write_atomically(target: Path, data: bytes, scratch: Path | None = None) -> None:
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
    folder = target.parent
    if scratch is not None and os.stat(scratch).st_dev == os.stat(folder).st_dev:
        folder = scratch  # os.replace cannot cross file systems
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".heal-tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def still_as_read(root: Path, source: SourceFile) -> str | None:
    """None when the file on disk is what heal read; else why it must be left alone."""
    target = root / source.path
    if target.is_symlink():
        return "it is a symbolic link; heal does not replace links"
    try:
        current = target.read_bytes()
    except OSError as error:
        return f"it cannot be read now ({error.strerror})"
    if digest(current) != source.digest:
        return "it changed since heal started; rerun heal to fix it"
    return None


def linked(blocked: set[str], groups: Sequence[Sequence[str]]) -> set[str]:
    """`blocked` and every file a group ties to one of them, through as many groups as it takes
    (a fix's files land together or not at all, and groups can share files)."""
    closed = set(blocked)
    sets = [set(group) for group in groups]
    while True:
        grown = closed.union(*(group for group in sets if group & closed))
        if grown == closed:
            return closed
        closed = grown


def land(root: Path, originals: Mapping[str, SourceFile], texts: Mapping[str, str],
         together: Sequence[Sequence[str]] = ()) -> Landing:
    """Write each text over its file, atomically, if the file is still as heal read it.
    `together` groups files one fix edits (a rename across files): when one of a group cannot
    land, none of it does."""
    landing = Landing()
    scratch = scratch_dir(root)
    reasons = {path: still_as_read(root, originals[path]) for path in texts}
    blocked = {path for path, why in reasons.items() if why is not None}
    for path in sorted(linked(blocked, together) - blocked):
        partners = {p for group in together if path in group for p in group} - {path}
        named = sorted(partners & blocked) or sorted(partners)
        reasons[path] = f"it lands only together with {', '.join(named)}, which cannot land"
    for path in sorted(texts):
        source = originals[path]
        why = reasons[path]
        if why is not None:
            landing.skipped.append((path, why))
            continue
        try:
            write_atomically(root / path, encode(source, texts[path]), scratch)
        except OSError as error:
            landing.skipped.append((path, f"it could not be written ({error.strerror})"))
            continue
        landing.written.append(path)
    return landing

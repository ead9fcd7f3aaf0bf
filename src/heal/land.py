"""Step 5: write verified fixes into the user's working tree, one file at a time, atomically
(or commit them: `--commit` on the current branch, `--branch NAME` on a new one).

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

import git

from heal.discover import SourceFile, digest, encode
from heal.edits import unified_diff
from heal.history import History
from heal.model import Verdict
from heal.redact import redact
from heal.sandbox import git as gitops
from heal.sandbox import proc
from heal.state import state_dir
from heal.verify.engine import Engine
from heal.verify.recheck import paths_of
from heal.verify.records import FixRecord

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


@dataclass
class Landed:
    """What a run's landing did: the patch of what lands (also for --dry-run), the files written
    (or committed on --branch), the files skipped with why, and the commit made."""

    patch: dict[str, str] = field(default_factory=dict)  # path -> unified diff
    written: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    commit: str | None = None
    branch: str | None = None


def land_verified(engine: Engine, repo: git.Repo, root: Path, history: History, run_id: str,
                  dry_run: bool = False, commit: bool = False, branch: str | None = None) -> Landed:
    """The engine's verified texts, for the files whose fixes may land: into the user's tree,
    or on a new branch; nothing with --dry-run but the patch."""
    records = engine.ledger.records
    landing_fixes = [r.fix for r in records if r.landable]
    landable = paths_of(landing_fixes)
    groups = [f.paths for f in landing_fixes if f.also]  # files that land together or not at all
    texts = {p: t for p, t in engine.state.items() if p in landable}
    landed = Landed(patch={p: redact(unified_diff(p, engine.originals[p].text, t), engine.secrets)
                           for p, t in sorted(texts.items())})
    if not texts or dry_run:
        return landed
    message = commit_message(records, run_id)
    if branch:
        changed = set(engine.suite.sandbox.changed)
        dirty = linked(changed, groups)
        clean = [p for p in texts if p not in dirty]
        for path in sorted(set(texts) - set(clean)):
            landed.skipped.append((path, "it has uncommitted changes; left out of the branch"
                                   if path in changed else "it goes with a file that has "
                                   "uncommitted changes; left out of the branch"))
        if clean:
            proc.phase_started("commit")
            tree = engine.suite.materialized({p: texts[p] for p in clean})
            landed.commit = gitops.commit_on_branch(tree.path, clean, message, branch)
            landed.branch = branch
            landed.written = sorted(clean)
        return landed
    history.event(run_id, "land", "started", parameters={"files": sorted(texts)})
    with proc.uninterrupted():  # a stop request waits until every file is written
        landing = land(root, engine.originals, texts, together=groups)
    landed.written = landing.written
    landed.skipped += landing.skipped
    if commit and landing.written:
        tracked = sorted(gitops.tracked(repo, landing.written))
        for path in sorted(set(landing.written) - set(tracked)):
            landed.skipped.append((path, "untracked; fixed but not committed"))
        if tracked:
            proc.phase_started("commit")
            landed.commit = gitops.commit_paths(repo, tracked, message)
    return landed


def commit_message(records: Sequence[FixRecord], run_id: str) -> str:
    verified = [r for r in records if r.verdict is Verdict.VERIFIED]
    rules = sorted({r.fix.rule for r in verified})
    body = "\n".join(f"- {r.fix.path}:{r.fix.line} {r.fix.rule} ({r.fix.source})" for r in verified)
    return (f"heal: {len(verified)} verified fixes ({', '.join(rules[:6])}"
            f"{', ...' if len(rules) > 6 else ''})\n\n{body}\n\nheal run {run_id}")


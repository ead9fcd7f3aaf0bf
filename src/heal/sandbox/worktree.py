"""Detached git worktrees under `.heal/worktrees/`, seeded with the user's uncommitted work.

A worktree starts as HEAD; then every file that differs in the user's tree (tracked edits,
untracked not-ignored files, deletions) is copied over, so the tests see exactly what the user
has. The user's tree is only read. `materialize()` writes a set of file texts into a worktree
and puts back the seeded content of anything it wrote before, so one worktree can test one
combination of fixes after another. Worktrees of runs that died are removed at the next start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import git

from heal.discover import SourceFile, encode
from heal.sandbox import git as gitops

WORKTREES = "worktrees"


def write_in_sandbox(target: Path, data: bytes) -> None:
    """Write a file in a worktree. A symbolic link there is replaced by a regular file, never
    written through: an absolute link points into the user's tree, which heal only reads.

    Each write moves the file's modification time on by at least a whole second: mypy's cache
    takes a file whose size and mtime in whole seconds are unchanged for unchanged, so two
    versions of the same length written within one second (`int | None` on one parameter,
    then on the other) would be checked as the first one."""
    if target.is_symlink():
        target.unlink()
    try:
        before = int(target.stat().st_mtime)
    except OSError:
        before = None
    target.write_bytes(data)
    if before is not None and int(target.stat().st_mtime) <= before:
        os.utime(target, (before + 1, before + 1))


class Worktree:
    def __init__(self, path: Path, originals: Mapping[str, SourceFile]) -> None:
        self.path = path
        self.originals = originals
        self.written: dict[str, str] = {}

    def materialize(self, texts: Mapping[str, str]) -> None:
        """Make the worktree hold `texts` for those files and the seed for every other one."""
        for path in sorted(set(self.written) | set(texts)):
            seed = self.originals[path].text
            wanted = texts.get(path, seed)
            if wanted != self.written.get(path, seed):
                write_in_sandbox(self.path / path, encode(self.originals[path], wanted))
            if path in texts:
                self.written[path] = wanted
            else:
                self.written.pop(path, None)

    def read(self, path: str) -> str:
        return self.written.get(path, self.originals[path].text)


class Sandbox:
    """The worktrees of one run; `close()` removes them all (call it in a `finally`)."""

    def __init__(self, repo: git.Repo, root: Path, state_dir: Path, run_id: str,
                 originals: Mapping[str, SourceFile]) -> None:
        self.repo = repo
        self.root = root
        self.folder = state_dir / WORKTREES
        self.run_id = run_id
        self.originals = originals
        self.trees: list[Worktree] = []
        self.changed, self.deleted = gitops.uncommitted(repo)

    def add(self) -> Worktree:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.run_id}-{len(self.trees)}"
        gitops.worktree_add(self.repo, path)
        self._seed(path)
        tree = Worktree(path, self.originals)
        self.trees.append(tree)
        return tree

    def _seed(self, path: Path) -> None:
        for rel in self.changed:
            source = self.root / rel
            target = path / rel
            if source.is_symlink():
                target.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
                os.symlink(os.readlink(source), target)
            elif source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        for rel in self.deleted:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                (path / rel).unlink()
        for rel, original in self.originals.items():
            # the worktree holds what heal analyzed, even if the user saved a file since
            target = path / rel
            data = encode(original, original.text)
            if target.is_symlink() or not target.is_file() or target.read_bytes() != data:
                target.parent.mkdir(parents=True, exist_ok=True)
                write_in_sandbox(target, data)

    def close(self) -> None:
        for tree in self.trees:
            gitops.worktree_remove(self.repo, tree.path)
            shutil.rmtree(tree.path, ignore_errors=True)
        self.trees.clear()


def prune_stale(repo: git.Repo, state_dir: Path) -> list[str]:
    """Remove worktrees left by runs that were killed; returns their names."""
    folder = state_dir / WORKTREES
    removed = []
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            gitops.worktree_remove(repo, path)
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    gitops.worktree_prune(repo)
    return removed

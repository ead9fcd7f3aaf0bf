"""Start-up recovery, one for every command that makes worktrees (`heal`, `heal review
approve`): what killed runs left behind (a stale lock, runs still marked running, a landing cut
short, worktrees, test processes), tidied and said. Called holding the run lock, so nothing it
finds belongs to a live run.
"""

from __future__ import annotations

from pathlib import Path

import git

from heal.history import History
from heal.lock import RunLock
from heal.sandbox import proc
from heal.sandbox.worktree import prune_stale


def recover(history: History, held_lock: RunLock, repo: git.Repo, state_dir: Path) -> list[str]:
    """Tidy what killed runs left; the messages that say what was found."""
    proc.own_children(state_dir)
    messages = [history.warning] if history.warning else []
    if held_lock.recovered is not None:
        pid = held_lock.recovered.get("pid")
        holder = f"pid {pid}" if pid else "a run killed as it took the lock"
        messages.append(f"recovered a stale lock left by {holder}")
    for killed, landing in history.mark_killed():
        messages.append(f"run {killed} was killed while landing {', '.join(landing)}: each of "
                        "them holds either its old or its new text (`git diff` shows which)")
    reaped = proc.reap_leftovers(state_dir)
    if reaped:
        messages.append(f"stopped {reaped} process(es) a killed run left running")
    pruned = prune_stale(repo, state_dir)
    if pruned:
        messages.append(f"removed {len(pruned)} stale worktree(s) of killed runs")
    return messages

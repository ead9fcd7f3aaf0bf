"""Every git call heal makes, in one module, through GitPython.

Keeping git in one place (as pre-commit does) means one spot to audit for what heal may touch:
the functions here only read the user's repository, except the worktree ones, which write
under `.heal/worktrees/`, and `commit_paths`/`commit_to_branch`, which the user asked for.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import git

from heal.errors import HealError, NotARepoError, UsageError

GitError = git.GitCommandError


def _env() -> dict[str, str]:
    # Never prompt or page; never let a locale change the output we parse; and never take the
    # optional index lock, so that reading status does not rewrite the user's index.
    return {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


NO_HOOKS = ("-c", "core.hooksPath=/dev/null")  # heal's own git calls never run the user's hooks

# What git exports to a hook (and `git --git-dir`/`--work-tree` to what they run) to point every
# git command at one repository, index and folder: `git rev-parse --local-env-vars`, less the
# `-c` configuration. Inside `git commit` GIT_INDEX_FILE names `.git/index` relative to the top
# folder, or a temporary index; heal's worktrees would read and write that index.
LOCAL_VARS = ("GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_OBJECT_DIRECTORY", "GIT_DIR",
              "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE",
              "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX",
              "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR")

_given: dict[str, str] | None = None  # the LOCAL_VARS heal started with, once taken out


def leave_hook_environment() -> dict[str, str]:
    """Take git's repository variables out of heal's environment (once; every git call, test
    run and analyzer heal starts then works on the folder it names); the values they had."""
    global _given
    if _given is None:
        _given = {name: os.environ.pop(name) for name in LOCAL_VARS if name in os.environ}
    return dict(_given)


def making_commit() -> bool:
    """Whether git runs heal inside `git commit` (git gives its hooks GIT_INDEX_FILE; `pre-commit
    run` and `pre-commit run --all-files` outside a commit do not)."""
    return "GIT_INDEX_FILE" in leave_hook_environment()


def _same_repository(repo: git.Repo, given: dict[str, str]) -> None:
    """The repository git named (GIT_DIR, GIT_WORK_TREE, relative to the current folder as git
    reads them) must be the one heal found; heal never works on another one silently."""
    named = {"GIT_DIR": Path(repo.git_dir).resolve(), "GIT_WORK_TREE": root_of(repo)}
    for name, found in named.items():
        if name in given and (Path.cwd() / given[name]).resolve() != found:
            raise UsageError(
                f"{name} is {given[name]}, but heal found the repository at {root_of(repo)}; "
                f"heal works on a repository whose .git is in its working tree: unset {name} "
                "or run heal inside that repository")


def open_repo(path: Path) -> git.Repo:
    """The repository that holds `path`; a one-line error when there is none or it is bare.
    git's hook variables leave heal's environment first (`leave_hook_environment`)."""
    given = leave_hook_environment()
    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise NotARepoError(
            f"{path} is not inside a git repository; run `git init` there or pass --repo DIR"
        ) from None
    if repo.bare:
        raise NotARepoError(
            f"{path} is a bare repository; heal needs a working tree: clone it and run heal there"
        )
    repo.git.update_environment(**_env())
    _same_repository(repo, given)
    return repo


def root_of(repo: git.Repo) -> Path:
    assert repo.working_tree_dir is not None
    return Path(repo.working_tree_dir).resolve()


def _split_z(output: str) -> list[str]:
    return [item for item in output.split("\0") if item]


def listed_files(repo: git.Repo) -> list[str]:
    """Tracked files plus untracked ones git does not ignore, repo-relative POSIX paths."""
    output = repo.git.ls_files("-z", "--cached", "--others", "--exclude-standard")
    return sorted(set(_split_z(output)))


def tracked_files(repo: git.Repo) -> set[str]:
    """Every path git tracks (in the index), repo-relative POSIX paths."""
    return set(_split_z(repo.git.ls_files("-z", "--cached")))


def untracked_files(repo: git.Repo) -> list[str]:
    return sorted(_split_z(repo.git.ls_files("-z", "--others", "--exclude-standard")))


def has_head(repo: git.Repo) -> bool:
    try:
        repo.git.rev_parse("--verify", "-q", "HEAD")
    except GitError:
        return False
    return True


def is_detached(repo: git.Repo) -> bool:
    """True when HEAD points at a commit rather than a branch (a detached HEAD)."""
    try:
        repo.git.symbolic_ref("-q", "HEAD")
    except GitError:
        return True
    return False


def head_sha(repo: git.Repo) -> str | None:
    return repo.git.rev_parse("HEAD") if has_head(repo) else None


def verify_revision(repo: git.Repo, rev: str) -> str:
    try:
        return str(repo.git.rev_parse("--verify", "-q", f"{rev}^{{commit}}"))
    except GitError:
        raise UsageError(f"`{rev}` is not a commit in this repository; pass a branch, tag or SHA"
                         ) from None


def changed_files(repo: git.Repo, since: str | None = None) -> list[str]:
    """Files changed against HEAD (or against `since`), staged or not, plus untracked files."""
    base = verify_revision(repo, since) if since else None
    if not has_head(repo):  # no commit yet: everything listed is new
        return listed_files(repo)
    changed, deleted = uncommitted(repo)
    found = set(changed) | set(deleted)
    if base is not None:  # committed since `base`: trees only, the index is not read
        found.update(_split_z(repo.git.diff_tree("-r", "-z", "--name-only", "--no-renames", base,
                                                 "HEAD")))
    return sorted(found)


def state_in_progress(repo: git.Repo) -> str | None:
    """'merge', 'rebase', 'cherry-pick' or 'revert' when one is under way, else None."""
    gitdir = Path(repo.git_dir)
    markers = {
        "MERGE_HEAD": "merge",
        "rebase-merge": "rebase",
        "rebase-apply": "rebase",
        "CHERRY_PICK_HEAD": "cherry-pick",
        "REVERT_HEAD": "revert",
    }
    for name, state in markers.items():
        if (gitdir / name).exists():
            return state
    return None


def ensure_ok(repo: git.Repo, paths: Iterable[str]) -> None:
    """Raise a HealError when a path is outside the repository."""
    root = root_of(repo)
    for raw in paths:
        path = Path(raw)
        resolved = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if not resolved.is_relative_to(root):
            raise UsageError(f"{raw} is outside the repository {root}; pass paths inside it")
        if not resolved.exists():
            raise UsageError(f"{raw} does not exist; check the path")


def relative_to_root(repo: git.Repo, raw: str) -> str:
    root = root_of(repo)
    path = Path(raw)
    resolved = (path if path.is_absolute() else Path.cwd() / path).resolve()
    rel = resolved.relative_to(root).as_posix()
    return "" if rel == "." else rel


def environment_problem(repo: git.Repo) -> HealError | None:
    """Reasons heal refuses to work in this repository at all (for healing, not scanning)."""
    state = state_in_progress(repo)
    if state:
        return HealError(f"a {state} is in progress; finish or abort it, then rerun heal")
    return None



def init_with_commit(path: Path, message: str) -> git.Repo:
    """`git init` a folder and commit everything in it (used by `heal demo`)."""
    repo = git.Repo.init(path, initial_branch="main")
    repo.git.update_environment(**_env())
    with repo.config_writer() as writer:
        writer.set_value("user", "name", "heal demo")
        writer.set_value("user", "email", "demo@heal.invalid")
        writer.set_value("commit", "gpgsign", "false")
    repo.git.add("-A")
    repo.git.commit("-q", "--no-verify", "-m", message)
    return repo


def uncommitted(repo: git.Repo) -> tuple[list[str], list[str]]:
    """(paths whose working-tree content differs from HEAD or is untracked, paths deleted)."""
    if not has_head(repo):
        return listed_files(repo), []
    changed, deleted = set(untracked_files(repo)), []
    # `git status` and not `git diff HEAD`: diff refreshes and rewrites the user's index even
    # with GIT_OPTIONAL_LOCKS=0; status honours it. Entries are "XY path" (index, worktree).
    root = root_of(repo)
    output = repo.git.status("--porcelain=v1", "-z", "--no-renames", "--untracked-files=no")
    for entry in _split_z(output):
        path = entry[3:]
        if (root / path).exists() or (root / path).is_symlink():
            changed.add(path)
        else:
            deleted.append(path)
    return sorted(changed), sorted(deleted)


def is_modified(repo: git.Repo, path: str) -> bool:
    """True when `path` differs from HEAD in the working tree or index, or is untracked."""
    changed, deleted = uncommitted(repo)
    return path in changed or path in deleted


def tracked(repo: git.Repo, paths: Iterable[str]) -> set[str]:
    wanted = list(paths)
    if not wanted:
        return set()
    return set(_split_z(str(repo.git.execute(["git", "ls-files", "-z", "--", *wanted],
                                             start_new_session=True))))


def worktree_add(repo: git.Repo, path: Path) -> None:
    """A detached worktree of HEAD at `path` (the user's checkout is not touched)."""
    if not has_head(repo):
        raise HealError("this repository has no commit yet; commit your code once, then run heal")
    try:
        repo.git.execute(["git", *NO_HOOKS, "worktree", "add", "--detach", "--force", "-q",
                          str(path), "HEAD"])
    except GitError as error:
        lines = [line.strip() for line in str(error.stderr).splitlines() if line.strip()]
        last = lines[-1].removeprefix("stderr:").strip().strip("'") if lines else ""
        why = last.removeprefix("fatal: ") or f"exit code {error.status}"
        raise HealError(f"git could not add a worktree for heal's sandbox ({why}); check that "
                        "`git worktree add` works in this repository, then rerun heal") from None
    wt = git.Repo(path)
    wt.git.update_environment(**_env())


def worktree_remove(repo: git.Repo, path: Path) -> None:
    with contextlib.suppress(GitError):
        repo.git.execute(["git", *NO_HOOKS, "worktree", "remove", "--force", "--force", str(path)])
    worktree_prune(repo)


def worktree_prune(repo: git.Repo) -> None:
    with contextlib.suppress(GitError):
        repo.git.worktree("prune")


def worktree_paths(repo: git.Repo) -> list[Path]:
    output = repo.git.worktree("list", "--porcelain")
    return [Path(line.split(" ", 1)[1]) for line in output.splitlines() if line.startswith("worktree ")]


def commit_paths(repo: git.Repo, paths: Sequence[str], message: str) -> str:
    """Commit exactly `paths` as they are in the working tree on the current branch."""
    if not paths:
        raise HealError("nothing to commit")
    # its own session: a Ctrl-C at the terminal reaches heal (which finishes the unit), not git
    repo.git.execute(["git", *NO_HOOKS, "commit", "-q", "--no-verify", "-m", message, "--only",
                      "--", *paths], start_new_session=True)
    return str(repo.git.rev_parse("HEAD"))


def branch_exists(repo: git.Repo, name: str) -> bool:
    try:
        repo.git.rev_parse("--verify", "-q", f"refs/heads/{name}")
    except GitError:
        return False
    return True


def check_branch_name(repo: git.Repo, name: str) -> None:
    try:
        repo.git.check_ref_format("--branch", name)
    except GitError:
        raise UsageError(f"--branch {name}: not a valid branch name") from None
    if branch_exists(repo, name):
        raise UsageError(f"--branch {name}: the branch already exists; pick a new name or delete it")


def commit_on_branch(worktree: Path, paths: Sequence[str], message: str, branch: str) -> str:
    """In a detached worktree: commit `paths` on top of HEAD and point a new branch at it."""
    wt = git.Repo(worktree)
    wt.git.update_environment(**_env())
    wt.git.execute(["git", *NO_HOOKS, "add", "--", *paths], start_new_session=True)
    wt.git.execute(["git", *NO_HOOKS, "commit", "-q", "--no-verify", "-m", message, "--", *paths],
                   start_new_session=True)
    sha = str(wt.git.rev_parse("HEAD"))
    wt.git.branch(branch, sha)
    return sha


def tree_key(repo: git.Repo) -> str:
    """HEAD's tree id (for caching what depends on the committed code)."""
    return str(repo.git.rev_parse("HEAD^{tree}")) if has_head(repo) else "no-head"


# -- history walking for `heal learn --from-git` (patterns/learn.py) ----------------------------

def commits_between(repo: git.Repo, revision: str = "HEAD", since: str | None = None,
                    max_count: int | None = None) -> list[str]:
    """Non-merge commits reachable from `revision` (first parent only) and not from `since`,
    newest first."""
    if not has_head(repo):
        return []
    tip = verify_revision(repo, revision)
    args = ["--first-parent", "--no-merges", "--format=%H"]
    if max_count is not None:
        args.append(f"--max-count={max_count}")
    args.append(f"{verify_revision(repo, since)}..{tip}" if since else tip)
    return [line for line in repo.git.log(*args).splitlines() if line.strip()]


def changed_python_files(repo: git.Repo, sha: str) -> list[str]:
    """Python files a commit modified (not added, deleted or renamed) against its first parent."""
    commit = repo.commit(sha)
    if not commit.parents:
        return []
    output = repo.git.diff_tree("-r", "-z", "--no-commit-id", "--name-status", "--no-renames",
                                commit.parents[0].hexsha, sha)
    fields = _split_z(output)
    return sorted(path for status, path in zip(fields[::2], fields[1::2], strict=False)
                  if status == "M" and path.endswith(".py"))


def file_at(repo: git.Repo, sha: str, path: str) -> bytes | None:
    """A file's bytes at a commit; None when it is not there."""
    try:
        blob = repo.commit(sha).tree / path
    except (KeyError, ValueError):
        return None
    data: bytes = blob.data_stream.read()
    return data


def file_at_parent(repo: git.Repo, sha: str, path: str) -> bytes | None:
    commit = repo.commit(sha)
    if not commit.parents:
        return None
    return file_at(repo, commit.parents[0].hexsha, path)

"""Fault injection for heal: a repository full of user work, heal run as a user runs it, a fault
at a chosen moment, and the checks that nothing the user had was lost.

The repository (`build_template`) has uncommitted tracked edits, a staged change, untracked
files (one of them fixable) and a stash entry, over nine small modules heal can fix, with a
test suite that passes in a fraction of a second. Its `.heal/` caches are warmed by one
`heal --scan`, and one clean `heal` run on a copy gives the bytes every file has after healing
and the run's duration, over which random kill times are drawn.

Each `Injection` runs on a fresh copy (`inject`):

  kill kinds     sigkill (`kill -9` of heal), sigint (Ctrl-C), stop (`heal stop`)
  triggers       a time in seconds after the start, or a phase marker heal shows itself:
                 `.heal/status.json`'s phase (scan, verify: baseline, plan, verify: batch,
                 land, record), `sandbox` (`.heal/worktrees/` has a worktree), and `landing`
                 (status says land, then a tight poll for the first landed file's new inode)
  other faults   hang (the suite hangs at baseline, or only when one fix is applied: --timeout),
                 fsize (RLIMIT_FSIZE for heal and its children from the start, SIGXFSZ ignored,
                 so writes past the limit fail with EFBIG the way a full disk fails them), or
                 fsize set on the running heal at a phase marker (`prlimit`), and worktree (git
                 cannot add a worktree: `.git/worktrees` is a regular file)

After the fault (`check_after_fault`): the working tree (bytes and modes), index, untracked
files, stash, HEAD and refs are what they were, or, where landing had begun, every changed file
is byte-identical to the clean run's result and the killed run's `land` event in history.db
named it; a stop or Ctrl-C leaves no child process behind. Then the next plain `heal` run must
succeed, report the stale lock and worktrees it cleaned up, leave no worktree, lock or process,
and leave every file as the clean run does (`check_next_run`).

Three ways of running heal (`Template.mode`): `heal` as above; `commit` (`heal --commit`: after
the fault HEAD is where it was or one `heal:` commit further, holding exactly the healed texts
of the files it names, and a stop message names the commit); `approve` (`heal review approve`
of a queued fix on a tree that moved since, so it verifies again: the file is old or approved,
and the next approve finds the item landed exactly when its file was written). A `seam` fault
stops heal through its test seam (`HEAL_TEST_STOP_AT=<phase>`) at exactly that phase. Whenever
heal exits 3 (stopped), what it says must be true: `stopped after landing N fixes in M files`
with M the files that changed, or that nothing changed when nothing did.

Linux only (/proc for processes, prlimit). Used by tests/test_faults.py (the CI-sized set) and
bench/faults.py (100+ injections with a breakdown).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conftest import GIT_ENV, TEST_ENV, init_repo, write

MODULES = "abcdefgh"
KILLS = ("sigkill", "sigint", "stop")
PHASES = ("scan", "sandbox", "verify: baseline", "plan", "verify: batch", "landing", "record")
SEAMS = ("scan", "plan", "land", "record", "review", "learn")  # HEAL_TEST_STOP_AT phases
POLL = 0.002


def _module(name: str) -> str:
    return f'import os\nimport sys\n\n\ndef value_{name}():\n    return "{name}"\n'


PROJECT: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    **{f"pkg/{m}.py": _module(m) for m in MODULES},
    "tests/test_pkg.py": textwrap.dedent(f'''
        import importlib
        import os
        import time

        from pkg import {", ".join(MODULES)}


        def test_values():
            time.sleep(float(os.environ.get("HEAL_FAULTS_SLOW") or 0))  # slow but passing
            assert [{", ".join(f"{m}.value_{m}()" for m in MODULES)}] == list("{MODULES}")


        def test_hang_on_request():
            hang = os.environ.get("HEAL_FAULTS_HANG")
            fixed = not hasattr(importlib.import_module("pkg.h"), "os")
            if hang == "always" or (hang == "when-h-is-fixed" and fixed):
                time.sleep(3600)
    ''').lstrip(),
}
# the CI-sized runs leave out mypy and the coverage map (the two slowest parts of a run on a
# project this small); bench/faults.py runs heal's defaults
CI_CONFIG = '[tool.heal]\nanalyzers = ["ruff", "bandit", "native"]\nverify = "full"\njobs = 1\n'
DEFAULT_CONFIG = "[tool.heal]\n"


def git(repo: Path, *args: str) -> str:
    """git for the harness: never takes the optional index lock, so looking changes nothing."""
    env = {**os.environ, **GIT_ENV, "HOME": str(repo), "GIT_OPTIONAL_LOCKS": "0"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout


def add_user_work(repo: Path) -> None:
    """Uncommitted tracked edits, a staged change, untracked files and a stash entry."""
    (repo / "pkg/c.py").write_text(_module("c") + "\nSTASHED = True\n", encoding="utf-8")
    git(repo, "stash", "push", "-q", "-m", "user stash", "--", "pkg/c.py")
    with (repo / "pkg/a.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# an unsaved thought of the user's\n")
    with (repo / "pkg/b.py").open("a", encoding="utf-8") as handle:
        handle.write("\nSTAGED = 1\n")
    git(repo, "add", "pkg/b.py")
    with (repo / "pkg/b.py").open("a", encoding="utf-8") as handle:
        handle.write("# and unstaged on top\n")
    write(repo, {"scratch.py": "import json\n\nNOTE = 'untracked work'\n",
                 "notes/todo.txt": "untracked, not python\n"})


# -- snapshots ------------------------------------------------------------------------------

def user_files(repo: Path) -> dict[str, tuple[bytes, int]]:
    """Every file outside .git/ and .heal/: its bytes and mode."""
    files = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo).as_posix()
        if rel.split("/")[0] in (".git", ".heal") or "__pycache__" in rel:
            continue
        if path.is_file() and not path.is_symlink():
            files[rel] = (path.read_bytes(), path.stat().st_mode & 0o7777)
    return files


def snapshot(repo: Path) -> dict[str, object]:
    """Everything a user could lose, read without changing anything."""
    index = repo / ".git" / "index"
    stash = git(repo, "stash", "list", "--format=%H %gs")
    return {
        "files": user_files(repo),
        "index": index.read_bytes() if index.exists() else b"",
        "stash": stash,
        "stash_content": git(repo, "stash", "show", "-p", "--include-untracked", "stash@{0}")
        if stash else "",
        "head": git(repo, "rev-parse", "HEAD"),
        "branch": git(repo, "symbolic-ref", "-q", "HEAD"),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        # heal's own .heal/patterns/ (learned patterns, meant to be committed) is not user work
        "untracked": "".join(line for line in git(
            repo, "ls-files", "--others", "--exclude-standard").splitlines(keepends=True)
            if not line.startswith(".heal/patterns/")),
    }


# -- running heal ---------------------------------------------------------------------------

def heal_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("FORCE_COLOR", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "HEAL_FAULTS_SLOW",
                         "HEAL_FAULTS_HANG")}
    return {**base, **GIT_ENV, **TEST_ENV, **(extra or {})}


def run_heal(repo: Path, *args: str, env: dict[str, str] | None = None,
             timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "heal", *args], cwd=repo, env=heal_env(env),
                          capture_output=True, text=True, timeout=timeout)


def processes_in(repo: Path) -> list[int]:
    """Processes whose working folder is inside `repo` (heal's children run in its worktrees)."""
    found = []
    prefix = str(repo.resolve())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            cwd = os.readlink(entry / "cwd")
            if cwd == prefix or cwd.startswith(prefix + "/"):
                found.append(int(entry.name))
    return found


def reap(repo: Path, grace: float = 0.5) -> int:
    """Kill what is left running inside `repo`; returns how many were found."""
    left = processes_in(repo)
    if left:
        time.sleep(grace)
        left = processes_in(repo)
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while processes_in(repo) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(left)


# -- the template ---------------------------------------------------------------------------

@dataclass
class Template:
    path: Path
    before: dict[str, object]
    clean: dict[str, tuple[bytes, int]]  # every user file after one uninterrupted run
    duration: float  # wall seconds of that run
    mode: str = "heal"  # heal | commit | approve
    item: str = ""  # approve: the review item approved

    def command(self) -> list[str]:
        if self.mode == "approve":
            return ["review", "approve", self.item]
        return ["--format", "json", *(["--commit"] if self.mode == "commit" else [])]


REVIEW_MODULE = "def status(code):\n    return 'ok' if code is 200 else 'other'\n"


def build_approve_template(root: Path, config: str = DEFAULT_CONFIG) -> Template:
    """A healed repository with one fix queued for review (LOG109 in pkg/r.py) and a tree that
    moved since (approving verifies again), its `.heal/` warm."""
    config += '\n[tool.ruff.lint]\nignore = ["F632"]\n'  # `is 200` is heal's LOG109's to fix
    repo = init_repo(root / "approve-template",
                     {**PROJECT, "pkg/r.py": REVIEW_MODULE, "pyproject.toml": config})
    add_user_work(repo)
    healed = run_heal(repo, "--format", "json")
    assert healed.returncode in (0, 1), healed.stderr
    queue = json.loads(run_heal(repo, "review", "--format", "json").stdout)["items"]
    assert len(queue) == 1, queue
    with (repo / "pkg/d.py").open("a", encoding="utf-8") as handle:
        handle.write("# the tree moved since the fix was verified\n")
    before = snapshot(repo)
    probe = copy_repo(repo, root / "clean-approve")
    started = time.perf_counter()
    result = run_heal(probe, "review", "approve", queue[0]["id"])
    duration = time.perf_counter() - started
    assert result.returncode == 0 and "approved and landed 1 fixes" in result.stdout, \
        result.stdout + result.stderr
    clean = user_files(probe)
    shutil.rmtree(probe)
    return Template(path=repo, before=before, clean=clean, duration=duration, mode="approve",
                    item=queue[0]["id"])


def build_template(root: Path, config: str = DEFAULT_CONFIG) -> Template:
    repo = init_repo(root / "template", {**PROJECT, "pyproject.toml": config})
    add_user_work(repo)
    warm = run_heal(repo, "--scan")  # analyzer caches in .heal/, as a user's repo has them
    assert warm.returncode in (0, 1), warm.stderr
    before = snapshot(repo)
    probe = copy_repo(repo, root / "clean-run")
    started = time.perf_counter()
    result = run_heal(probe, "--format", "json")
    duration = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert len(doc["summary"]["landed_files"]) == len(MODULES) + 1, doc["summary"]
    clean = user_files(probe)
    assert clean != before["files"]
    shutil.rmtree(probe)
    return Template(path=repo, before=before, clean=clean, duration=duration)


def copy_repo(source: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)
    return target


# -- one injection --------------------------------------------------------------------------

@dataclass(frozen=True)
class Injection:
    kind: str  # sigkill | sigint | stop | seam | hang | fsize | fsize-at | worktree
    at: float | str | None = None  # a fraction of a clean run's duration, a phase marker, None
    limit: int = 0  # fsize: RLIMIT_FSIZE in bytes
    slow: float = 0.0  # seconds the passing test sleeps (slow but passing)
    hang: str = ""  # always | when-h-is-fixed

    @property
    def label(self) -> str:
        at = f"t{self.at:.3f}" if isinstance(self.at, float) else (self.at or "")
        extra = f"{self.limit}B" if self.kind.startswith("fsize") else self.hang
        return "-".join(part.replace(" ", "").replace(":", "") for part in
                        (self.kind, at, extra) if part)


@dataclass
class Outcome:
    injection: Injection
    phase: str = "not started"  # the last phase heal showed before the fault
    returncode: int | None = None
    stderr: str = ""
    landed: list[str] = field(default_factory=list)  # files that hold heal's new text
    orphans: int = 0  # child processes left running after the fault
    violations: list[str] = field(default_factory=list)
    next_messages: list[str] = field(default_factory=list)


def _status_phase(repo: Path) -> str | None:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((repo / ".heal" / "status.json").read_text(encoding="utf-8"))
        return str(data.get("phase", ""))
    return None


def _worktrees(repo: Path) -> list[Path]:
    folder = repo / ".heal" / "worktrees"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _reached(repo: Path, marker: str, first_file: Path, inode: int) -> bool:
    phase = _status_phase(repo) or ""
    if marker == "sandbox":
        return bool(_worktrees(repo))
    if marker == "landing":
        if phase != "land":
            return False
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # landing is about to begin: catch its first file
            with contextlib.suppress(OSError):
                if first_file.stat().st_ino != inode:
                    return True
            if _status_phase(repo) != "land":
                return True
        return True
    return phase.startswith(marker)


def _deliver(kind: str, child: subprocess.Popen[str], repo: Path) -> None:
    if kind == "sigkill":
        child.send_signal(signal.SIGKILL)
    elif kind == "sigint":
        child.send_signal(signal.SIGINT)
    elif kind == "stop":
        run_heal(repo, "stop", timeout=60)


def _in_child(limit: int | None) -> Callable[[], None]:
    def setup() -> None:
        # as a terminal's foreground job does: Ctrl-C raises KeyboardInterrupt in heal (a
        # background shell job or an xdist worker would hand down SIGINT ignored)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a core dump
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return setup


def inject(template: Template, work: Path, injection: Injection,
           max_wait: float = 120) -> Outcome:
    """Copy the template, run heal with the fault, check the user's work, run heal again."""
    repo = copy_repo(template.path, work)
    outcome = Outcome(injection)
    args = template.command()
    env: dict[str, str] = {}
    if injection.kind == "seam":
        env["HEAL_TEST_STOP_AT"] = str(injection.at)
    if injection.slow:
        env["HEAL_FAULTS_SLOW"] = str(injection.slow)
    if injection.hang:
        env["HEAL_FAULTS_HANG"] = injection.hang
        args += ["--timeout", "2"]
    preexec = _in_child(injection.limit if injection.kind == "fsize" else None)
    moved_worktrees = None
    if injection.kind == "worktree":
        moved_worktrees = repo / ".git" / "worktrees"
        if moved_worktrees.exists():
            shutil.rmtree(moved_worktrees)
        moved_worktrees.write_text("not a folder\n", encoding="utf-8")
    first_file = repo / "pkg" / "a.py"
    inode = first_file.stat().st_ino
    child = subprocess.Popen([sys.executable, "-m", "heal", *args], cwd=repo, env=heal_env(env),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=preexec)
    started = time.monotonic()
    fired = False
    try:
        while child.poll() is None and time.monotonic() - started < max_wait:
            phase = _status_phase(repo)
            if phase:
                outcome.phase = phase
            if not fired and injection.kind in (*KILLS, "fsize-at"):
                if isinstance(injection.at, float):
                    due = time.monotonic() - started >= injection.at * template.duration
                else:
                    due = _reached(repo, str(injection.at), first_file, inode)
                if due:
                    fired = True
                    outcome.phase = _status_phase(repo) or outcome.phase
                    if _worktrees(repo) and outcome.phase == "scan":
                        outcome.phase = "sandbox"
                    if injection.kind == "fsize-at":
                        with contextlib.suppress(ProcessLookupError):
                            resource.prlimit(child.pid, resource.RLIMIT_FSIZE,
                                             (injection.limit, injection.limit))
                    else:
                        _deliver(injection.kind, child, repo)
            time.sleep(POLL)
        if child.poll() is None:
            child.kill()
            outcome.violations.append(f"heal did not finish within {max_wait:.0f}s")
        _, outcome.stderr = child.communicate(timeout=60)
        outcome.returncode = child.returncode
        if not fired and injection.kind in (*KILLS, "fsize-at"):
            outcome.phase = "finished"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    outcome.orphans = reap(repo)
    if moved_worktrees is not None:
        moved_worktrees.unlink()
    check_after_fault(template, repo, outcome)
    check_next_run(template, repo, outcome)
    return outcome


# -- the checks -----------------------------------------------------------------------------

def _runs(repo: Path) -> list[dict[str, object]]:
    path = repo / ".heal" / "history.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        runs = [dict(r) for r in conn.execute("SELECT id, status FROM runs ORDER BY started")]
        for run in runs:
            run["landing"] = [json.loads(r["parameters"]).get("files", []) for r in conn.execute(
                "SELECT parameters FROM events WHERE run_id = ? AND action = 'land' "
                "AND status = 'started'", (run["id"],))]
    finally:
        conn.close()
    return runs


def _kept(template: Template) -> tuple[str, ...]:
    """What heal never changes: a commit moves HEAD, the branch and the index (`--commit`)."""
    every = ("index", "stash", "stash_content", "head", "branch", "refs", "untracked")
    return every if template.mode != "commit" else ("stash", "stash_content", "branch",
                                                    "untracked")


def check_after_fault(template: Template, repo: Path, outcome: Outcome) -> None:
    now = snapshot(repo)
    before = template.before
    bad = outcome.violations
    for key in _kept(template):
        if now[key] != before[key]:
            bad.append(f"{key} changed")
    old = before["files"]
    new = now["files"]
    assert isinstance(old, dict) and isinstance(new, dict)
    if set(old) != set(new):
        bad.append(f"files appeared or vanished: {sorted(set(old) ^ set(new))}")
    changed = sorted(p for p in set(old) & set(new) if old[p] != new[p])
    for path in changed:
        if outcome.injection.hang == "when-h-is-fixed" and path == "pkg/h.py":
            # the fix that makes the suite hang is rolled back; h.py's other fixes may land
            if b"import os\n" not in new[path][0]:
                bad.append("pkg/h.py lost `import os`: the fix that hangs the suite landed")
        elif new[path] != template.clean.get(path):
            bad.append(f"{path} is neither its old nor its healed version")
    outcome.landed = changed
    if template.mode == "commit":
        _check_commit(template, repo, outcome)
    if outcome.returncode == 3:
        _check_stop_message(template, outcome)
    if changed and template.mode != "approve":
        named = {f for run in _runs(repo) for files in run["landing"]  # type: ignore[attr-defined]
                 for f in files}
        missing = [p for p in changed if p not in named]
        if missing:
            bad.append(f"landed {missing} but no land event in history.db names them")
    if outcome.injection.kind in (*KILLS, "seam", "hang") and outcome.orphans:
        bad.append(f"{outcome.orphans} child processes outlived heal")
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if outcome.returncode not in (None, -signal.SIGKILL):
        if "Traceback" in outcome.stderr or "internal error" in outcome.stderr or len(lines) > 1:
            bad.append(f"not one clear line on stderr: {outcome.stderr.strip()[:300]}")
        # 130 or -SIGINT: Ctrl-C while the interpreter itself starts, before heal's first line
        expected = {"sigint": (0, 1, 3, 130, -signal.SIGINT), "stop": (0, 1, 3), "seam": (3,),
                    "hang": (0, 1, 2),
                    "fsize": (0, 1, 2), "fsize-at": (0, 1, 2), "worktree": (2,)}
        allowed = expected.get(outcome.injection.kind, (0, 1))
        if outcome.returncode not in allowed:
            bad.append(f"exit code {outcome.returncode}, expected one of {allowed}")


def _check_stop_message(template: Template, outcome: Outcome) -> None:
    """A stopped heal says what landed: `stopped after landing N fixes in M files` with M the
    files that changed (and the commit, if one was made), or nothing when nothing changed."""
    said = " ".join(outcome.stderr.split())
    claim = re.search(r"stopped after landing (\d+) (?:approved )?fixes in (\d+) files", said)
    changed = len(outcome.landed)
    if changed and not claim:
        outcome.violations.append(f"stopped with {changed} files changed, but said: {said[:200]}")
    elif claim and int(claim.group(2)) != changed:
        outcome.violations.append(f"said {claim.group(2)} files landed; {changed} changed")
    elif not changed and "unchanged" not in said and said not in ("", "heal: stopped"):
        outcome.violations.append(f"stopped with nothing changed, but said: {said[:200]}")


def _check_commit(template: Template, repo: Path, outcome: Outcome) -> None:
    """`--commit`: HEAD where it was, or one `heal:` commit on top holding the healed texts."""
    before = str(template.before["head"]).strip()
    head = git(repo, "rev-parse", "HEAD").strip()
    if head == before:
        return
    bad = outcome.violations
    if git(repo, "rev-parse", "HEAD^").strip() != before:
        bad.append("HEAD moved by more than one commit")
    if not git(repo, "log", "-1", "--format=%s").startswith("heal: "):
        bad.append("HEAD moved to a commit that is not heal's")
    for path in git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").split():
        committed = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=repo,
                                   capture_output=True, check=True).stdout
        if committed != template.clean[path][0]:
            bad.append(f"the commit holds a version of {path} that is not the healed one")
    if outcome.returncode == 3 and head[:10] not in outcome.stderr:
        bad.append("stopped after committing, but the message does not name the commit")


def _check_next_approve(template: Template, repo: Path, outcome: Outcome) -> bool:
    """The next approve of the same item: refused as already landed exactly when the fault's
    run wrote the file, else it lands it. False when that went wrong (said why)."""
    landed = "pkg/r.py" in outcome.landed
    result = run_heal(repo, "review", "approve", template.item)
    outcome.next_messages = [line.removeprefix("note: ") for line in result.stdout.splitlines()
                             if line.startswith("note: ")]
    if landed and not (result.returncode == 2 and "is landed, not pending" in result.stderr):
        outcome.violations.append(f"pkg/r.py landed but the item was not recorded landed: "
                                  f"{(result.stdout + result.stderr).strip()[:200]}")
        return False
    if not landed and result.returncode != 0:
        outcome.violations.append(f"the next approve failed ({result.returncode}): "
                                  f"{result.stderr.strip()[:300]}")
        return False
    return True


def check_next_run(template: Template, repo: Path, outcome: Outcome) -> None:
    bad = outcome.violations
    stale = (repo / ".heal" / "lock").exists()
    worktrees = _worktrees(repo)
    if template.mode == "approve":
        if not _check_next_approve(template, repo, outcome):
            return
    else:
        result = run_heal(repo, "--format", "json")
        if result.returncode != 0:
            bad.append(f"the next run failed ({result.returncode}): {result.stderr.strip()[:300]}")
            return
        outcome.next_messages = list(json.loads(result.stdout)["summary"]["messages"])
    if template.mode == "approve" and "pkg/r.py" in outcome.landed:
        stale = False  # the next approve is refused (already landed): it says nothing more
        worktrees = []
    if stale and not any("stale lock" in m for m in outcome.next_messages):
        bad.append("the next run did not report the stale lock")
    if worktrees and not any("stale worktree" in m for m in outcome.next_messages):
        bad.append("the next run did not report the stale worktrees")
    if _worktrees(repo):
        bad.append(f"worktrees left after the next run: {_worktrees(repo)}")
    if git(repo, "worktree", "list", "--porcelain").count("worktree ") != 1:
        bad.append("git still lists heal's worktrees after the next run")
    if (repo / ".heal" / "lock").exists():
        bad.append("the lock is left after the next run")
    if processes_in(repo):
        bad.append("processes left running after the next run")
    for run in _runs(repo)[:-1]:
        if run["status"] == "running":
            bad.append(f"run {run['id']} is still `running` in history after the next run")
    now = snapshot(repo)
    for key in _kept(template):
        if now[key] != template.before[key]:
            bad.append(f"{key} changed after the next run")
    if now["files"] != template.clean:
        files = now["files"]
        assert isinstance(files, dict)
        differ = sorted(p for p in set(files) | set(template.clean)
                        if files.get(p) != template.clean.get(p))
        bad.append(f"after the next run these files differ from a clean run's: {differ}")


# -- plans ----------------------------------------------------------------------------------

def plan(count: int, seed: int, every_pair: bool = False) -> list[Injection]:
    """`count` injections: the hang, disk-full and git faults; kills at every phase marker
    (every kill kind at each with `every_pair`, else one kind per marker in turn, plus all three
    at landing); the rest kills at seeded random fractions of a clean run's duration."""
    rng = random.Random(seed)
    chosen: list[Injection] = [
        Injection("hang", hang="always"),
        Injection("hang", hang="when-h-is-fixed"),
        Injection("worktree"),
        Injection("fsize", limit=0),
        Injection("fsize", limit=64 * 1024),
        Injection("fsize", limit=160 * 1024),
        Injection("fsize-at", at="verify: baseline", limit=1),
        Injection("fsize-at", at="landing", limit=1, slow=0.3),
    ]
    if every_pair:  # the bench: a seam stop at every phase too (tests/test_stop.py has them)
        chosen += [Injection("seam", at=phase) for phase in SEAMS]
    for number, marker in enumerate(PHASES):
        slow = 0.3 if marker == "landing" else 0.0
        kinds = KILLS if every_pair or marker == "landing" else (KILLS[number % len(KILLS)],)
        chosen += [Injection(kind, at=marker, slow=slow) for kind in kinds]
    while len(chosen) < count:
        chosen.append(Injection(rng.choice(KILLS), at=round(rng.random(), 3)))
    return chosen


def plan_commit(count: int, seed: int) -> list[Injection]:
    """`heal --commit`: a seam stop as committing starts and at every phase from landing on,
    every kill kind at landing and recording, the rest seeded random kills."""
    rng = random.Random(seed)
    chosen = [Injection("seam", at=phase) for phase in ("land", "commit", "record", "review")]
    chosen += [Injection(kind, at=marker, slow=0.3 if marker == "landing" else 0.0)
               for marker in ("landing", "record") for kind in KILLS]
    while len(chosen) < count:
        chosen.append(Injection(rng.choice(KILLS), at=round(rng.random(), 3)))
    return chosen[:count]


def plan_approve(count: int, seed: int) -> list[Injection]:
    """`heal review approve`: a seam stop as it lands, every kill kind once its worktree is
    there, the rest seeded random kills over its verification."""
    rng = random.Random(seed)
    chosen = [Injection("seam", at="land")] + [Injection(kind, at="sandbox") for kind in KILLS]
    while len(chosen) < count:
        chosen.append(Injection(rng.choice(KILLS), at=round(rng.random(), 3)))
    return chosen[:count]

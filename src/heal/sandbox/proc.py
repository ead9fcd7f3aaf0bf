"""Child processes heal starts (analyzers, test suites), and stopping them all at once.

Every child runs in its own process group with an argument list (never a shell), its output in
a temporary file (no pipe to fill up), and a poll loop that enforces the timeout and notices a
stop request within a tenth of a second. `request_stop()` (from `heal stop`, SIGTERM or Ctrl-C)
kills every live group, so a stopped heal exits in well under two seconds.

Children die with heal even when heal is SIGKILLed: each carries `HEAL_OWNER=<pid>:<state
dir>` in its environment, and a watchdog process (started with the first child, holding the
read end of a pipe only heal writes to) kills every process carrying heal's mark once the pipe
closes, which it does when heal exits in any way. What a watchdog could not reach (a killed
watchdog, a machine that lost power) the next run in the repository reaps at start-up
(`reap_leftovers`, under the run lock, so every marked process is a dead run's).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from heal.errors import StoppedError

POLL_SECONDS = 0.05
_live: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()
_stop = threading.Event()
_held = threading.Event()  # inside `uninterrupted()`: a stop waits until the unit is done
_this_thread = threading.local()  # .cancel: the Event that stops this thread's children (`Beside`)
T = TypeVar("T")

# The test seam: `HEAL_TEST_STOP_AT=land` makes heal send itself SIGTERM (what `heal stop`
# sends) as the named phase starts, so a test stops a run at an exact point without sleeps.
STOP_AT_ENV = "HEAL_TEST_STOP_AT"
OWNER_ENV = "HEAL_OWNER"
_owner: dict[str, object] = {}  # "label": HEAL_OWNER of this process's children; "watchdog"


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False


def stop_requested() -> bool:
    return _stop.is_set()


def request_stop() -> None:
    """Ask every running child to die now, and every later `run` to refuse to start."""
    _stop.set()
    with _lock:
        for child in list(_live):
            _kill_group(child)


def quiet_finalizers() -> None:
    """Once a run is stopped, an object whose constructor the signal interrupted (GitPython's
    config parser, say) fails again in its finalizer: noise after the one-line message, not
    news. Called by whoever turns the interrupt into that message."""
    sys.unraisablehook = lambda unraisable: None


def reset_stop() -> None:
    _stop.clear()


def phase_started(name: str) -> None:
    """A phase of the run begins: where the test seam (`HEAL_TEST_STOP_AT`) stops a run."""
    if os.environ.get(STOP_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGTERM)


def check_stop() -> None:
    if (_stop.is_set() and not _held.is_set()) or _cancelled():
        raise StoppedError("stopped on request; the working tree is unchanged")


def _cancelled() -> bool:
    cancel = getattr(_this_thread, "cancel", None)
    return cancel is not None and cancel.is_set()


class Beside(Generic[T]):
    """`work()` in a thread beside the caller's own work (the baseline's test runs while the
    first round is planned). `result()` waits for it and returns what it returned or raises
    what it raised; `cancel()` kills the children it has running (they raise StoppedError) and
    waits for it: the caller failed or stopped, and the worktree it runs in is about to go."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._cancel = threading.Event()
        self._value: list[T] = []  # what work() returned, once it did
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), name="heal-beside",
                                        daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], T]) -> None:
        _this_thread.cancel = self._cancel
        try:
            self._value.append(work())
        except BaseException as error:  # handed to the caller by result()
            self._error = error

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value[0]

    def cancel(self) -> None:
        self._cancel.set()
        self._thread.join()


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)


def run(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    input: str | None = None,
) -> Completed:
    """Run a command to completion, a timeout, or a stop request (then StoppedError); `input`
    is the child's stdin (from a temporary file too), else stdin is empty."""
    check_stop()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryFile() as given:
        if input is not None:
            given.write(input.encode("utf-8"))
            given.seek(0)
        child = subprocess.Popen(list(argv), cwd=cwd, env=_marked(env),
                                 stdin=subprocess.DEVNULL if input is None else given,
                                 stdout=out, stderr=err, start_new_session=True)
        with _lock:
            _live.add(child)
        timed_out = False
        try:
            while not _exited(child):
                if (_stop.is_set() and not _held.is_set()) or _cancelled():
                    _kill_group(child)
                    child.wait()
                    raise StoppedError("stopped on request; the working tree is unchanged")
                if timeout is not None and time.perf_counter() - start > timeout:
                    timed_out = True
                    _kill_group(child)
                    child.wait()
                    break
            _kill_group(child)  # grandchildren a test suite left behind
            # a stop that killed the child from another thread (`request_stop`) may be seen
            # only now: its exit is the stop's, not the child's own failure
            check_stop()
        finally:
            with _lock:
                _live.discard(child)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
        stderr = err.read().decode("utf-8", errors="replace")
    return Completed(child.returncode, stdout, stderr, time.perf_counter() - start, timed_out)


def _exited(child: subprocess.Popen[bytes]) -> bool:
    """Whether the child has exited, waiting up to POLL_SECONDS for it: it is seen the moment
    it exits (a formatter's 10 ms run does not cost a whole poll interval), and a stop or a
    timeout is seen within one interval."""
    try:
        child.wait(timeout=POLL_SECONDS)
    except subprocess.TimeoutExpired:
        return False
    return True


def own_children(state_dir: Path) -> None:
    """Mark every child from now on as this heal's (for the repository whose state is in
    `state_dir`), and start the watchdog that kills them if heal dies first."""
    label = f"{os.getpid()}:{state_dir.resolve()}"
    if _owner.get("label") == label:
        return
    _owner["label"] = label
    # in heal's own environment too: git's children carry it, and a child forked but not yet
    # started shows it already
    os.environ[OWNER_ENV] = label
    with contextlib.suppress(OSError):
        _owner["watchdog"] = subprocess.Popen(
            [sys.executable, "-c", WATCHDOG, label], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd="/",
            env={k: v for k, v in os.environ.items() if k != OWNER_ENV})


def _marked(env: Mapping[str, str] | None) -> dict[str, str] | None:
    label = _owner.get("label")
    if not isinstance(label, str):
        return dict(env) if env else None
    return {**(env if env is not None else os.environ), OWNER_ENV: label}


def marked_processes(match: Callable[[str], bool]) -> dict[int, int]:
    """{pid: process group} of the live processes whose HEAL_OWNER mark `match`es (Linux
    /proc; empty elsewhere)."""
    found: dict[int, int] = {}
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return found
    key = f"{OWNER_ENV}=".encode()
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            group = os.getpgid(int(entry.name))
        except (OSError, ProcessLookupError):
            continue
        marks = [item[len(key):].decode("utf-8", "replace") for item in environ
                 if item.startswith(key)]
        if marks and match(marks[0]):
            found[int(entry.name)] = group
    return found


def reap_leftovers(state_dir: Path) -> int:
    """Kill what killed runs of this repository left running (test suites and their children);
    call it holding the run lock, so that no live run's child is among them. Returns how many
    processes there were."""
    suffix = f":{state_dir.resolve()}"
    found = marked_processes(lambda mark: mark.endswith(suffix) and not _alive(mark))
    for pid, group in found.items():
        if group == pid:  # a group heal started (a test run): all of it; never a shared group
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return len(found)


def _alive(mark: str) -> bool:
    """Is the heal that made this mark still running (a dashboard that approved, say)?"""
    owner = mark.partition(":")[0]
    if not owner.isdigit():
        return False
    try:
        os.kill(int(owner), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# The watchdog: waits for heal's end (its stdin closes), then kills every process still
# carrying heal's mark (the whole group of one that leads its own: a test run heal started;
# never a group heal shared with whoever started it), twice, for what was being forked as
# heal died. It imports nothing of heal's (it must start fast).
WATCHDOG = """
import os, signal, sys, time
label = sys.argv[1]
sys.stdin.buffer.read()
key = b"HEAL_OWNER=" + label.encode()
for sweep in range(2):
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                marked = key in handle.read().split(b"\\0")
            if marked:
                pid = int(name)
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass
    time.sleep(0.1)
"""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM (from `heal stop`) and Ctrl-C stop the run: children die, cleanup runs, exit 3."""
    def on_signal(signum: int, frame: object) -> None:
        request_stop()
        quiet_finalizers()
        raise StoppedError("stopped on request; your working tree is unchanged")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # Ctrl-C too: as a KeyboardInterrupt it reached the main thread only, which may be waiting
    # for a worker thread whose test run then went on to its end before anything stopped it
    previous = signal.signal(signal.SIGTERM, on_signal)
    previous_int = signal.signal(signal.SIGINT, on_signal)
    reset_stop()
    try:
        yield
    except KeyboardInterrupt:
        request_stop()
        quiet_finalizers()
        raise StoppedError("interrupted; your working tree is unchanged") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


@contextlib.contextmanager
def uninterrupted() -> Iterator[None]:
    """Landing, recording and committing as one step: Ctrl-C or `heal stop` meanwhile is held
    until the unit is done (each write is atomic, but only the whole set was verified, and what
    landed must be recorded and committed as asked); the caller honours the stop request right
    after it (`stop_requested()`). Children started inside (git) run to their end."""
    if threading.current_thread() is not threading.main_thread() or _held.is_set():
        yield
        return

    def hold(signum: int, frame: object) -> None:
        _stop.set()

    previous = {number: signal.signal(number, hold) for number in (signal.SIGINT, signal.SIGTERM)}
    _held.set()
    try:
        yield
    finally:
        _held.clear()
        for number, handler in previous.items():
            signal.signal(number, handler)


"""`.heal/lock`: one heal run at a time per repository, and `heal stop` for the running one.

The lock file holds the run's pid, start time and command, and is held with `flock` for the
run's lifetime: when a run is killed the kernel drops the flock, so the next run sees the file,
finds it unlocked, and takes it over (a stale lock) instead of refusing forever.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from heal.errors import HealError, LockedError

LOCK_NAME = "lock"
STOP_NAME = "STOP"


def read_lock(state_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((state_dir / LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_held(state_dir: Path) -> bool:
    """True when a live heal run holds the lock."""
    path = state_dir / LOCK_NAME
    if not path.exists():
        return False
    try:
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


class RunLock:
    def __init__(self, state_dir: Path, command: str, run_id: str) -> None:
        self.path = state_dir / LOCK_NAME
        self.stop_path = state_dir / STOP_NAME
        self.command = command
        self.run_id = run_id
        self.handle: IO[str] | None = None
        self.recovered: dict[str, Any] | None = None

    def acquire(self) -> None:
        """Hold the lock: a new lock file appears under its name whole and already held (made
        aside, then hard-linked in); an existing one is taken over when no live run holds it,
        whatever a killed run managed to write into it (`recovered`)."""
        for _ in range(100):
            handle = self._create() or self._take_over()
            if handle is not None:
                self.handle = handle
                break
        else:
            raise HealError(f"cannot take {self.path}: it keeps changing; rerun heal")
        for leftover in self.path.parent.glob(f"{LOCK_NAME}.*"):
            with contextlib.suppress(OSError):
                leftover.unlink()  # a killed run's lock made aside, never linked in
        with contextlib.suppress(FileNotFoundError):
            self.stop_path.unlink()

    def _create(self) -> IO[str] | None:
        """A new lock file, held and written before it takes the lock's name; None when the
        name is taken."""
        aside = self.path.with_name(f"{LOCK_NAME}.{os.getpid()}")
        handle = self._open(aside, "w+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._write(handle)
            os.link(aside, self.path)
        except (FileExistsError, FileNotFoundError):  # taken, or swept by the run that holds it
            handle.close()
            return None
        except OSError:  # a file system without hard links: made in place, then held
            handle.close()
            return self._create_in_place()
        finally:
            with contextlib.suppress(OSError):
                aside.unlink()
        return handle

    def _create_in_place(self) -> IO[str] | None:
        try:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return None
        except OSError as error:
            raise self._unusable(self.path, error) from None
        handle = os.fdopen(descriptor, "w+", encoding="utf-8")
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._write(handle)
        return handle

    def _take_over(self) -> IO[str] | None:
        """The existing lock file held by this run, when no live run holds it (LockedError when
        one does); None when the file went away or was replaced meanwhile (try again)."""
        try:
            handle = self.path.open("r+", encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._unusable(self.path, error) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            holder = read_lock(self.path.parent) or {}
            started = time.strftime("%H:%M:%S", time.localtime(holder.get("start", 0)))
            raise LockedError(
                f"another heal is running here (pid {holder.get('pid', '?')}, started {started}: "
                f"{holder.get('command', '?')}); wait for it or run `heal stop`"
            ) from None
        try:
            same = os.stat(self.path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # its run released it (unlinked, then unlocked) while we opened it
            handle.close()
            return None
        previous = handle.read().strip()
        recovered: Any = None
        with contextlib.suppress(ValueError):
            recovered = json.loads(previous)
        self.recovered = recovered if isinstance(recovered, dict) else {}
        try:
            handle.seek(0)
            handle.truncate()
            self._write(handle)
        except HealError:
            with contextlib.suppress(OSError):
                self.path.unlink()  # held by this run: no half-written lock left behind
            raise
        return handle

    def _open(self, path: Path, mode: str) -> IO[str]:
        try:
            return path.open(mode, encoding="utf-8")
        except OSError as error:
            raise self._unusable(self.path, error) from None

    @staticmethod
    def _unusable(path: Path, error: OSError) -> HealError:
        return HealError(f"cannot create {path} ({error.strerror}); make heal's state folder "
                         "writable, then rerun heal")

    def _write(self, handle: IO[str]) -> None:
        try:
            json.dump({"pid": os.getpid(), "start": time.time(), "command": self.command,
                       "run_id": self.run_id}, handle)
            handle.flush()
        except OSError as error:  # a full disk
            handle.close()
            raise HealError(f"cannot write {self.path} ({error.strerror}); free some disk space "
                            "or lift the file size limit, then rerun heal") from None

    def release(self) -> None:
        if self.handle is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with contextlib.suppress(FileNotFoundError):
            self.stop_path.unlink()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        self.handle = None

    def stop_flagged(self) -> bool:
        return self.stop_path.exists()


@contextlib.contextmanager
def held(state_dir: Path, command: str, run_id: str) -> Iterator[RunLock]:
    lock = RunLock(state_dir, command, run_id)
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()


def stop_running(state_dir: Path, wait: float = 10.0) -> dict[str, Any]:
    """Ask the running heal to stop (STOP flag plus SIGTERM) and wait until it has."""
    holder = read_lock(state_dir)
    if holder is None or not is_held(state_dir):
        raise HealError("no heal is running in this repository; nothing to stop")
    (state_dir / STOP_NAME).write_text(str(time.time()), encoding="utf-8")
    pid = int(holder.get("pid", 0))
    if pid > 0:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not is_held(state_dir):
            return holder
        time.sleep(0.05)
    raise HealError(f"heal (pid {pid}) did not stop within {wait:.0f}s; kill it, then rerun heal")

"""Per-file result caches under `.heal/cache/`, keyed by what the result depends on.

ruff and mypy keep caches of their own; bandit and heal's native detectors do not, so heal
keeps theirs: one small JSON file per (tool, key), where the key hashes the file's text with
everything else that could change the answer (the tool's version, its configuration, the set
of detectors). A warm scan of an unchanged file costs one read. Writes are atomic; a cache file
that cannot be read is treated as a miss. Nothing secret is kept (bandit's entries hold where a
hard-coded password is, not its value); a cache folder written by an older format, which may
have, is removed when it is first opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CACHE_DIR = "cache"
FORMAT = "2"  # 2: no secret at rest


def key_of(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


class ResultCache:
    def __init__(self, state_dir: Path, tool: str, salt: Iterable[str]) -> None:
        self.folder = state_dir / CACHE_DIR / tool
        self.salt = key_of(FORMAT, *salt)
        marker = self.folder / "FORMAT"
        with contextlib.suppress(OSError):
            if self.folder.is_dir() and not (marker.is_file() and marker.read_text() == FORMAT):
                shutil.rmtree(self.folder)
            if not marker.is_file():
                self.folder.mkdir(parents=True, exist_ok=True)
                marker.write_text(FORMAT)

    def key(self, text: str) -> str:
        return key_of(self.salt, text)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(value, out)
            os.replace(temp, path)

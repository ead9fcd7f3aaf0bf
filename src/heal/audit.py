"""`.heal/audit/<run-id>.jsonl`: an append-only record of every heal, with before/after diff.

Each line is one JSON object (run start, each fix with its verdict and diff, landing, run end).
Everything passes through `redact` first: no secret value reaches the audit log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from heal.redact import redact


class AuditLog:
    def __init__(self, state_dir: Path, run_id: str, secrets: Iterable[str] = ()) -> None:
        self.folder = state_dir / "audit"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / f"{run_id}.jsonl"
        self.run_id = run_id
        self.secrets = set(secrets)

    def write(self, kind: str, **payload: Any) -> None:
        record = {"ts": time.time(), "run_id": self.run_id, "kind": kind, **payload}
        line = redact(json.dumps(record, ensure_ascii=False, default=str), self.secrets)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

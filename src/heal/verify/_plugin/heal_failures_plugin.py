"""pytest plugin heal puts on the path of a `heal --from-tests` run to read its failures.

For every failing test (and every file that fails to collect) it writes the exception's type,
its message and the traceback's frames (file, line, function, columns where Python knows them)
as one JSON document to `HEAL_FAILURES_FILE` when the session ends. heal reads that, never the
terminal text. It needs nothing but pytest and the standard library.
"""

from __future__ import annotations

import json
import os
import traceback
from typing import Any

_failures: list[dict[str, Any]] = []


def _frames(tb: Any) -> list[dict[str, Any]]:
    return [{"file": os.path.realpath(summary.filename), "line": summary.lineno,
             "function": summary.name, "end_line": getattr(summary, "end_lineno", None),
             "column": getattr(summary, "colno", None),
             "end_column": getattr(summary, "end_colno", None)}
            for summary in traceback.extract_tb(tb)]


def pytest_exception_interact(node: Any, call: Any, report: Any) -> None:
    excinfo = call.excinfo
    if excinfo is None:
        return
    error = excinfo.value
    tb = excinfo.tb
    if type(error).__name__ == "CollectError" and error.__cause__ is not None:
        error = error.__cause__  # a test module that fails to import: the import's error
        tb = error.__traceback__
    _failures.append({
        "test": node.nodeid or str(getattr(node, "path", "")), "when": call.when,
        "type": type(error).__name__, "message": str(error), "frames": _frames(tb),
    })


def pytest_unconfigure(config: Any) -> None:
    target = os.environ.get("HEAL_FAILURES_FILE")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump({"format": 1, "failures": _failures}, out)

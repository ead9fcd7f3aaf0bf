"""LOG112: an `except` handler that does nothing (`except ...: pass`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.model import Category, Priority
from heal.rules.base import Detector

# `try: import x / except ImportError: pass` is the optional-dependency idiom
OPTIONAL_IMPORT = frozenset({"ImportError", "ModuleNotFoundError"})
BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})


def _does_nothing(suite: cst.BaseSuite) -> bool:
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(suite, cst.SimpleStatementSuite):
        smalls.extend(suite.body)
    elif isinstance(suite, cst.IndentedBlock):
        for line in suite.body:
            if not isinstance(line, cst.SimpleStatementLine):
                return False
            smalls.extend(line.body)
    return all(
        isinstance(small, cst.Pass)
        or (isinstance(small, cst.Expr)
            and isinstance(small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)))
        for small in smalls)


def _caught(kind: cst.BaseExpression | None) -> set[str]:
    if kind is None:
        return set()
    if isinstance(kind, cst.Tuple):
        return {name for e in kind.elements if (name := dotted_name(e.value)) is not None}
    name = dotted_name(kind)
    return {name} if name is not None else set()


class SwallowedException(Detector):
    """`except` handler whose body does nothing.

    ## What it does
    Flags a broad `except` (or `except*`) handler (bare `except:`, `except Exception`,
    `except BaseException`) whose whole body is `pass`, `...` or a bare string. A handler for a
    specific exception that does nothing (`except KeyError: pass`) is a deliberate idiom and is
    left alone (ruff's SIM105 suggests `contextlib.suppress` for it); so are handlers for
    `ImportError` / `ModuleNotFoundError`, the usual way to make a dependency optional.

    ## Why is this bad?
    The error disappears without a trace. When the `try` block later fails for a reason nobody
    anticipated (a typo raising `NameError` under a broad `except Exception`), the program
    carries on in a broken state and nothing points at the cause.

    ## Example
    ```python
    try:
        config = load(path)
    except Exception:
        pass
    ```
    Use instead:
    ```python
    try:
        config = load(path)
    except FileNotFoundError:
        logger.debug("no config at %s", path)
    ```

    ## Fix safety
    There is no automatic fix: whether to log, re-raise or narrow the exception is a design
    decision. When ignoring a specific exception is intended, `contextlib.suppress(...)` says so.
    """

    CODE = "LOG112"
    NAME = "swallowed-exception"
    CATEGORY = Category.LOGIC
    PRIORITY = Priority.P2
    MESSAGE = "broad exception silently swallowed; log it or narrow the except clause"
    VALID = [
        Valid("""
            try:
                del cache[key]
            except KeyError:
                pass
        """),
        Valid("""
            try:
                import ujson as json
            except ImportError:
                pass
        """),
        Valid("""
            try:
                load()
            except OSError as error:
                log.warning("load failed: %s", error)
        """),
        Valid("""
            try:
                import yaml
            except (ImportError, AttributeError):
                yaml = None
        """),
    ]
    INVALID = [
        Invalid("""
            try:
                load()
            except Exception:
                pass
        """, line=3),
        Invalid("""
            try:
                load()
            except:
                ...
        """, line=3),
        Invalid("""
            try:
                os.remove(path)
            except (OSError, Exception):
                "already gone"
        """, line=3),
    ]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node, node.type, node.body)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node, node.type, node.body)

    def _check(self, node: cst.CSTNode, kind: cst.BaseExpression | None,
               body: cst.BaseSuite) -> None:
        caught = _caught(kind)
        if caught & OPTIONAL_IMPORT or not _does_nothing(body):
            return
        if kind is None or caught & BROAD:
            self.report(node)

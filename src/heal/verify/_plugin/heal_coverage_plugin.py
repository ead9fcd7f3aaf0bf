"""pytest plugin heal puts on the path of a baseline run to learn which test runs which lines.

It starts coverage.py before the first conftest is imported, switches coverage's dynamic
context to each test's node id while that test runs, and saves the data where heal asked
(`HEAL_COVERAGE_DATA`), measuring only the code under `HEAL_COVERAGE_SOURCE`. Lines run while no
test runs (imports, collection) get the empty context. It needs coverage in the project's
environment; heal checks that before it asks for the plugin.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

_coverage: Any = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: Any, parser: Any, args: Any) -> None:
    global _coverage
    import coverage

    _coverage = coverage.Coverage(
        data_file=os.environ["HEAL_COVERAGE_DATA"], branch=False, config_file=False,
        source=[os.environ["HEAL_COVERAGE_SOURCE"]],
    )
    _coverage.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any) -> Generator[None, None, None]:
    if _coverage is not None:
        _coverage.switch_context(item.nodeid)
    yield
    if _coverage is not None:
        _coverage.switch_context("")


def pytest_unconfigure(config: Any) -> None:
    if _coverage is not None:
        _coverage.stop()
        _coverage.save()

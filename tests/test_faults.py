"""No data lost: heal killed, stopped, starved of disk or refused a worktree at points across a
whole run leaves the user's work as it was, or each landed file wholly new and named in history,
and the next run cleans up and succeeds. The harness is tests/faults.py; bench/faults.py runs
100+ injections with heal's default configuration and prints the breakdown.

30 injections, sized for CI: a warm template per xdist worker, heal's defaults minus mypy and
the coverage map (faults.CI_CONFIG) so one run takes a few seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from faults import CI_CONFIG, Injection, Template, build_template, inject, plan

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and prlimit"),
]

SEED = 20251122
INJECTIONS = plan(30, SEED)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return build_template(tmp_path_factory.mktemp("faults"), CI_CONFIG)


def test_the_plan_covers_every_kill_kind_phase_and_fault() -> None:
    kinds = {i.kind for i in INJECTIONS}
    assert {"sigkill", "sigint", "stop", "hang", "fsize", "fsize-at", "worktree"} <= kinds
    markers = {i.at for i in INJECTIONS if isinstance(i.at, str)}
    assert {"scan", "sandbox", "verify: baseline", "plan", "verify: batch", "landing",
            "record"} <= markers
    assert sum(isinstance(i.at, float) for i in INJECTIONS) >= 10
    assert len(INJECTIONS) >= 30


@pytest.mark.parametrize("injection", INJECTIONS, ids=lambda i: i.label)
def test_fault_loses_nothing(template: Template, tmp_path: Path, injection: Injection) -> None:
    outcome = inject(template, tmp_path / "repo", injection)
    assert outcome.violations == [], (injection.label, outcome.phase, outcome.returncode,
                                      outcome.stderr[-500:])

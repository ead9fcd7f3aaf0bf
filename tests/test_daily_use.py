"""heal in a team's daily loop, run as a user would on throwaway repositories (issue 19)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import git

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": "def double(x):\n    return x * 2\n",
    "tests/test_util.py": "from pkg.util import double\n\n\ndef test_double():\n"
                          "    assert double(2) == 4\n",
}


@pytest.mark.slow
def test_pattern_files_change_only_with_the_pattern(make_repo, heal):
    repo = make_repo({**PROJECT, "pkg/a.py": "import os\n\n\ndef a():\n    return 1\n"})
    first = heal("--select", "F401", cwd=repo)
    assert first.returncode == 0, first.stdout + first.stderr
    learned = sorted((repo / ".heal/patterns").glob("*.yaml"))
    assert learned, first.stdout
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "heal's fix and its pattern")
    texts = [path.read_text() for path in learned]

    # the pattern fixes a new file: its outcome is counted in .heal/, not in the file
    (repo / "pkg/b.py").write_text("import sys\n\n\ndef b():\n    return 2\n")
    git(repo, "add", "pkg/b.py")
    git(repo, "commit", "-qm", "b")
    second = heal("--select", "F401", cwd=repo)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "pattern:" in second.stdout
    assert git(repo, "status", "--porcelain") == " M pkg/b.py\n"
    assert [path.read_text() for path in learned] == texts
    git(repo, "commit", "-qam", "heal's second fix")

    # nothing left to do: two more runs leave the tree clean
    for _ in range(2):
        again = heal(cwd=repo)
        assert again.returncode == 0, again.stdout + again.stderr
        assert git(repo, "status", "--porcelain") == ""
    shown = heal("patterns", "show", learned[0].stem, cwd=repo)
    assert "verified 2" in shown.stdout or "verified: 2" in shown.stdout, shown.stdout


FORMATTED = {
    "pkg/a.py": '"""Module a."""\n\nimport os\nimport sys\n\n\ndef a():\n    return 1\n',
    "pkg/b.py": "import json\n\n\ndef b():\n    return 2\n",
    "pkg/c.py": "X = 1\n\nimport re\n\n\ndef c():\n    import shutil\n\n    return X\n",
}


def _format_check(repo: Path) -> subprocess.CompletedProcess[str]:
    ruff = Path(sys.executable).parent / "ruff"
    return subprocess.run([str(ruff), "format", "--check", "--no-cache", "pkg"], cwd=repo,
                          capture_output=True, text=True)


@pytest.mark.slow
def test_fixes_keep_a_formatted_file_formatted(make_repo, heal):
    repo = make_repo({**PROJECT, **FORMATTED})  # no formatter declared
    assert _format_check(repo).returncode == 0
    done = heal("--select", "F401", "--no-verify", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "import" not in (repo / "pkg/b.py").read_text()
    assert (repo / "pkg/b.py").read_text().startswith("def b():")
    assert (repo / "pkg/a.py").read_text() == '"""Module a."""\n\n\ndef a():\n    return 1\n'
    checked = _format_check(repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _pre_commit_env(repo: Path) -> dict[str, str]:
    import os

    from conftest import GIT_ENV, TEST_ENV
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, **GIT_ENV, **TEST_ENV, "PATH": path,
            "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}


@pytest.mark.slow
def test_init_pre_commit_writes_hooks_that_run_as_written(make_repo, heal):
    repo = make_repo({**PROJECT, "pkg/util.py": "import os\n\n\ndef double(x):\n"
                                                "    return x * 2\n"})
    env = _pre_commit_env(repo)
    done = heal("init", "--pre-commit", cwd=repo, env={"PATH": env["PATH"]})
    assert done.returncode == 0, done.stderr
    assert "added heal's hooks" in done.stdout and "the hooks run `heal` from PATH" in done.stdout
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "heal's hooks")

    def run_all() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=600)

    first = run_all()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (repo / "pkg/util.py").read_text() == "def double(x):\n    return x * 2\n"
    second = run_all()
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("Passed") == 2, second.stdout


def test_review_list_is_a_command(make_repo, heal):
    repo = make_repo(PROJECT)
    listed = heal("review", "list", cwd=repo)
    assert listed.returncode == 0, listed.stderr
    assert "the review queue is empty" in listed.stdout
    assert heal("review", "list", "--format", "json", cwd=repo).stdout.count('"items": []') == 1


def test_help_and_messages_say_what_they_mean(make_repo, heal):
    wide = {"COLUMNS": "200"}
    repo = make_repo({"a.py": "import os\n"})
    assert "Write [tool.heal] defaults" in heal("init", "--help", cwd=repo, env=wide).stdout
    run_help = heal("run", "--help", cwd=repo, env=wide).stdout
    assert "[default: P1]" in run_help and "[default: 600]" in run_help
    assert "Test command [default: python -m pytest" in run_help
    f401 = heal("rule", "F401", cwd=repo, env=wide).stdout
    assert "{name}" not in f401 and "`<name>` imported but unused" in f401
    for code in ("SYNTAX", "UNREADABLE", "TOO-LARGE"):
        page = heal("rule", code, cwd=repo, env=wide).stdout
        assert "## What it does" in page and "## What to do" in page, page
    assert "(key = value  [source])" in heal("debug", cwd=repo, env=wide).stdout
    scanned = heal("--scan", "--select", "F401", cwd=repo, env=wide)
    assert "1 finding (0 at or above P1) in 1 file," in scanned.stdout, scanned.stdout


@pytest.mark.slow
def test_dry_runs_are_previews_not_heals(make_repo, heal):
    import json

    from heal import metrics

    repo = make_repo({**PROJECT, "pkg/util.py": "import os\n\n\ndef double(x):\n"
                                                "    return x * 2\n"})
    preview = heal("--dry-run", "--select", "F401", cwd=repo)
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "review them with `heal review`" not in preview.stdout
    healed = heal("--select", "F401", cwd=repo)
    assert healed.returncode == 0, healed.stdout + healed.stderr
    again = heal("--dry-run", cwd=repo)  # nothing left: a preview of nothing
    assert again.returncode == 0, again.stdout + again.stderr

    report = json.loads(heal("report", "--format", "json", cwd=repo).stdout)
    totals = report["totals"]
    assert (totals["heal_runs"], totals["dry_runs"]) == (1, 2)
    assert (totals["fixes"], totals["previews"]) == (1, 1)
    assert len(report["successful_heals"]) == 1 and report["success_rate"] == 1.0
    markdown = heal("report", cwd=repo).stdout
    assert "| fixes tried | 1 (and 1 previewed by dry runs" in markdown
    view = metrics.overview(repo / ".heal", now=time.time())  # the dashboard's numbers
    assert [point.rate for point in view.trend] == [1.0]  # the heal's, no preview's 0%
    assert (view.rates["7d"].good, view.rates["7d"].total) == (1, 1)


IGNORES = ('[tool.heal]\nanalyzers = ["bandit", "ruff"]\n\n[tool.heal.per-file-ignores]\n'
           '"tests/**" = ["bandit:B101", "ruff:S101"]\n"__init__.py" = ["F401"]\n')
CHECKED = {
    "pkg/__init__.py": "import os\n",
    "pkg/core.py": "def check(x):\n    assert x\n    return x\n",
    "tests/test_core.py": "from pkg.core import check\n\n\ndef test_check():\n"
                          "    assert check(1)\n",
    "tools/build.py": "import sys\n",
}


def _rules(result: subprocess.CompletedProcess[str]) -> set[tuple[str, str]]:
    import json

    assert result.returncode in (0, 1), result.stdout + result.stderr
    return {(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]}


@pytest.mark.slow
def test_per_file_ignores_and_a_subfolder_scope(make_repo, heal):
    repo = make_repo({**CHECKED, "pyproject.toml": IGNORES})
    found = _rules(heal("--scan", "-f", "json", "--select", "B101,F401", cwd=repo))
    assert ("pkg/core.py", "bandit:B101") in found  # an assert in the code is reported
    assert not any(path.startswith("tests/") for path, _ in found)  # not in the tests
    assert ("pkg/__init__.py", "ruff:F401") not in found  # a name glob, anywhere
    assert ("tools/build.py", "ruff:F401") in found
    # run from a subfolder, heal looks at that folder only (as ruff does)
    inside = _rules(heal("--scan", "-f", "json", "--select", "B101,F401", cwd=repo / "tools"))
    assert inside == {("tools/build.py", "ruff:F401")}
    # an unknown code is a one-line error
    (repo / "pyproject.toml").write_text(IGNORES.replace('"F401"', '"XYZ999"'))
    bad = heal("--scan", cwd=repo)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1, bad.stderr
    assert "per-file-ignores '__init__.py' XYZ999" in bad.stderr, bad.stderr


@pytest.mark.slow
def test_a_fix_no_test_imports_does_not_claim_tests_passed(make_repo, heal):
    repo = make_repo({**PROJECT, "pkg/extra.py": "def one():\n    return 1\n"})
    (repo / "pkg/extra.py").write_text("import os\n\n\ndef one():\n    return 1\n")
    hooked = heal("--hook", "pkg/extra.py", cwd=repo, env={"COLUMNS": "200"})
    assert hooked.returncode == 1, hooked.stdout + hooked.stderr  # files changed
    assert "no test imports the files in scope" in hooked.stdout
    assert "the analyzers pass; no test imports the file" in hooked.stdout
    assert "tests pass" not in hooked.stdout and "0 test runs" in hooked.stdout

"""heal in a team's daily loop, run as a user would on throwaway repositories (issue 19)."""

from __future__ import annotations

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

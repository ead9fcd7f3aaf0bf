"""`heal ci` (SARIF, annotations, job summary, shards, autofix branch) and `heal init`."""

from __future__ import annotations

import json

from conftest import git, user_status

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/a.py": "import os\nimport subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    "pkg/b.py": "import sys\n",
    "pkg/c.py": "import json\n\n\ndef f(x: int = None) -> int:\n    return 1\n",
    "pkg/d.py": "import re\n",
    "pkg/e.py": "def g(x):\n    return x is 1\n",
    "tests/test_pkg.py": "import pkg.a\n\n\ndef test_ok():\n    assert pkg.a\n",
}


def test_ci_on_github_actions(make_repo, heal, tmp_path):
    repo = make_repo(PROJECT)
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    result = heal("ci", "--sarif", str(tmp_path / "out.sarif"), cwd=repo,
                  env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1  # B602 is P0
    assert "::error file=pkg/a.py,line=6" in result.stdout
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert sarif["runs"][0]["automationDetails"]["id"] == "heal/"
    text = summary.read_text()
    assert text.startswith("# earlier step\n") and "## heal scan" in text
    assert "`pkg/a.py:6`" in text
    quiet = heal("ci", "--sarif", str(tmp_path / "x.sarif"), "--fail-on", "P0", "pkg/b.py",
                 cwd=repo)
    assert quiet.returncode == 0 and "::" not in quiet.stdout  # not on GitHub: no annotations


def _results(path) -> set[tuple]:
    run = json.loads(path.read_text())["runs"][0]
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["partialFingerprints"]["healFingerprint/v1"]) for r in run["results"]}


def test_shards_partition_the_scan(make_repo, heal, tmp_path):
    repo = make_repo(PROJECT)
    heal("ci", "--sarif", str(tmp_path / "all.sarif"), cwd=repo)
    union: set[tuple] = set()
    categories = set()
    for index in (1, 2, 3):
        out = tmp_path / f"shard{index}.sarif"
        result = heal("ci", "--shard", f"{index}/3", "--sarif", str(out), cwd=repo)
        assert result.returncode in (0, 1), result.stderr
        part = _results(out)
        assert not (union & part)  # no finding in two shards
        union |= part
        categories.add(json.loads(out.read_text())["runs"][0]["automationDetails"]["id"])
    assert union == _results(tmp_path / "all.sarif")
    assert categories == {"heal/shard-1-of-3/", "heal/shard-2-of-3/", "heal/shard-3-of-3/"}
    bad = heal("ci", "--shard", "4/3", cwd=repo)
    assert bad.returncode == 2 and "--shard" in bad.stderr


def test_ci_autofix_branch(make_repo, heal, tmp_path):
    repo = make_repo(PROJECT)
    head = git(repo, "rev-parse", "HEAD").strip()
    result = heal("ci", "--autofix-branch", "heal/ci-fixes", "--sarif", str(tmp_path / "s.sarif"),
                  cwd=repo, env={"GITHUB_STEP_SUMMARY": str(tmp_path / "sum.md")})
    assert result.returncode == 1, result.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert user_status(repo) == ""
    changed = git(repo, "show", "--name-only", "--format=", "heal/ci-fixes").split()
    assert "pkg/b.py" in changed
    assert "## heal autofix" in (tmp_path / "sum.md").read_text()


def test_init_writes_config_and_hooks(make_repo, heal):
    repo = make_repo({"pyproject.toml": '[project]\nname = "x"\n', "a.py": "X = 1\n"})
    result = heal("init", cwd=repo)
    assert result.returncode == 0
    assert "id: heal" in result.stdout and "id: heal-scan" in result.stdout
    text = (repo / "pyproject.toml").read_text()
    assert text.startswith('[project]\nname = "x"\n') and "[tool.heal]" in text
    assert heal("debug", cwd=repo).returncode == 0  # what init wrote is valid config
    again = heal("init", "--pre-commit", cwd=repo)
    assert "already has [tool.heal]" in again.stdout
    config = (repo / ".pre-commit-config.yaml").read_text()
    assert config.startswith("repos:\n") and "id: heal-scan" in config

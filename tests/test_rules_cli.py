"""`heal rule`, `heal rules`, `heal debug`, `heal demo` and `--help` as a user runs them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path


def test_rule_prints_native_doc(heal, tmp_path):
    result = heal("rule", "PERF101", cwd=tmp_path)
    assert result.returncode == 0
    assert "heal:PERF101" in result.stdout
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in result.stdout


def test_rule_of_a_native_rule_with_a_fix_is_one_page(heal, tmp_path):
    """The rule and its fixer share the code LOG108: one explanation, fix included."""
    out = heal("rule", "LOG108", cwd=tmp_path).stdout
    assert "heal:LOG108" in out and "category logic, priority P1, tool heal" in out
    assert "fix: review (assert-tuple-to-condition)" in out
    assert out.count("## What it does") == 1 and "The fix (which also heals ruff's twin F631)" in out


def test_rule_for_other_tools_links_docs(heal, tmp_path):
    out = heal("rule", "B506", cwd=tmp_path).stdout
    assert "bandit:B506" in out and "category security, priority P0" in out
    out = heal("rule", "mypy:union-attr", cwd=tmp_path).stdout
    assert "mypy.readthedocs.io" in out and "category type" in out
    out = heal("rule", "F401", cwd=tmp_path).stdout
    assert "docs.astral.sh/ruff/rules/unused-import" in out and "category import" in out


def test_rule_of_a_failing_test_prints_its_fixers_doc(heal, tmp_path):
    out = heal("rule", "pytest:attribute-none", cwd=tmp_path).stdout
    assert "category type, priority P1, tool pytest, fix: review (none-early-return)" in out
    assert "## What it does" in out and "if user.profile is None:" in out
    assert "heal --from-tests" in out


def test_unknown_rule(heal, tmp_path):
    result = heal("rule", "NOPE1", cwd=tmp_path)
    assert result.returncode == 2 and "heal rules" in result.stderr


def test_rules_json_lists_every_tool(heal, tmp_path):
    doc = json.loads(heal("rules", "--format", "json", cwd=tmp_path).stdout)
    tools = {r["tool"] for r in doc["rules"]}
    assert tools == {"ruff", "mypy", "bandit", "heal", "pytest"}
    by_rule = {r["rule"]: r for r in doc["rules"]}
    assert by_rule["pytest:name-error"]["fix"] == "safe"  # a failing test's rule (--from-tests)
    assert by_rule["heal:PERF101"]["category"] == "performance"
    assert by_rule["bandit:B602"]["category"] == "security"
    assert all(r["fix"] in {"none", "safe", "unsafe", "review"} for r in doc["rules"])
    assert len([r for r in doc["rules"] if r["tool"] == "heal"]) >= 18 + 3


def test_rules_text_filter(heal, tmp_path):
    out = heal("rules", "--tool", "heal", cwd=tmp_path).stdout
    assert "heal:PERF101" in out and "ruff:" not in out


def test_debug_explains_config(make_repo, heal):
    repo = make_repo({"pyproject.toml": '[tool.heal]\nfail-on = "P2"\nanalyzers = ["ruff", "native"]\n'})
    out = heal("debug", cwd=repo).stdout
    assert "fail-on = P2  [pyproject.toml]" in out
    assert "mypy: off" in out and "ruff: on" in out
    assert "PERF101 string-concat-in-loop: on" in out


def test_help_and_version(heal, tmp_path):
    out = heal("--help", cwd=tmp_path).stdout
    assert "--scan" in out and "demo" in out and "rules" in out
    out = heal("run", "--help", cwd=tmp_path).stdout
    for flag in ("--scan", "--select", "--ignore", "--changed", "--since", "--fail-on", "--format"):
        assert flag in out
    assert heal("--version", cwd=tmp_path).stdout.startswith("heal ")


def test_demo_scans_the_bundled_project(heal, tmp_path):
    result = heal("demo", "--keep", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for category in ("type", "import", "style", "security", "performance", "logic"):
        assert f"{category} " in result.stdout.split("by category:")[1].splitlines()[0]
    # the third step the README promises: the report of what heal did
    assert "3. heal report" in result.stdout and "## Summary" in result.stdout
    # --keep names the healed project itself: a git repository with the landed fixes in it
    kept = Path(re.search(r"the demo copy is kept at (\S+)", result.stdout).group(1))
    try:
        changed = subprocess.run(["git", "status", "--porcelain"], cwd=kept, text=True,
                                 capture_output=True, check=True).stdout
        assert " M inventory/store.py" in changed.splitlines()
    finally:
        shutil.rmtree(kept.parent)


def test_rule_of_a_retired_fixer_code_explains_its_rule(heal, tmp_path):
    """LGC101 was the code of LOG101's fixer: it shows the one rule, and says so once."""
    result = heal("rule", "LGC101", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "heal:LOG101" in result.stdout and "LGC101" not in result.stdout
    assert "## Fix safety" in result.stdout
    assert result.stderr.count("heal: LGC101 is now LOG101") == 1
    assert "LGC101 still works" in result.stderr


def test_rules_lists_no_retired_fixer_code(heal, tmp_path):
    out = heal("rules", "--tool", "heal", cwd=tmp_path).stdout
    assert "heal:LOG101" in out
    assert not re.search(r"\b(LGC|PRF)\d{3}\b", out)

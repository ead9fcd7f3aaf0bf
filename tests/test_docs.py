"""The rule docs are generated from the docstrings; they must never be stale."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "gen_rule_docs.py"


def test_rule_docs_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], cwd=REPO_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}\nrun `python scripts/gen_rule_docs.py` to regenerate")


def test_every_rule_and_fixer_has_a_page() -> None:
    from heal.healers import FIXERS
    from heal.rules.registry import RULES

    pages = {p.stem for p in (REPO_ROOT / "docs" / "rules").glob("*.md")}
    assert {*RULES, *FIXERS} <= pages
    cycle = (REPO_ROOT / "docs" / "rules" / "LOG113.md").read_text(encoding="utf-8")
    assert "## Why is this bad?" in cycle and "pkg.a -> pkg.b -> pkg.a" in cycle
    index = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "[LOG113](rules/LOG113.md)" in index and "[STY101](rules/STY101.md)" in index


def test_check_fails_on_a_stale_page(tmp_path) -> None:
    """--check compares against the files: a page that differs is reported (run on a copy)."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "docs", copy / "docs")
    shutil.copytree(REPO_ROOT / "scripts", copy / "scripts")
    page = copy / "docs" / "rules" / "STY101.md"
    page.write_text(page.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(copy / "scripts" / "gen_rule_docs.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "docs/rules/STY101.md" in result.stdout


def test_generated_fix_levels_agree_with_the_fixers() -> None:
    """`heal --scan` reads heal.fixable instead of importing the fixers: it must answer as
    heal.healers does for every rule a fixer names, its ruff twin, and rules no fixer names."""
    from heal import fixable
    from heal.healers import FIXERS, fix_level_for

    named = {rule for cls in FIXERS.values() for rule in cls.RULES if not rule.endswith(":*")}
    twins = {f"ruff:S{r.removeprefix('bandit:B')}" for r in named if r.startswith("bandit:B")}
    others = {"ruff:E501", "mypy:attr-defined", "bandit:B101", "heal:LOG113", "ruff:S101"}
    for rule in sorted(named | twins | others):
        assert fixable.fix_level_for(rule) == fix_level_for(rule), rule
    assert fixable.fix_level_for("ruff:S506")[0] == "safe"  # healed as bandit:B506

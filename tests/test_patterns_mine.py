"""Mining git history: findings a commit removed in a small edit become patterns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import git
from heal.analyze import findings_in
from heal.config import Config
from heal.patterns.library import PatternLibrary
from heal.patterns.mine import mine_git, save_mined


@pytest.mark.slow
def test_mine_git_turns_repeated_fixes_into_a_pattern(make_repo: Callable[..., Path]) -> None:
    repo = make_repo({
        "one.py": "def f(a):\n    if a == None:\n        return 0\n    return a\n",
        "two.py": "def g(b):\n    return b.c == None\n",
        "three.py": "def h(x):\n    return x != None\n",
    })
    for name, old, new in (("one.py", "a == None", "a is None"),
                           ("two.py", "b.c == None", "b.c is None"),
                           ("three.py", "x != None", "x is not None")):
        path = repo / name
        path.write_text(path.read_text().replace(old, new))
        git(repo, "commit", "-qam", f"fix E711 in {name}")
    result = mine_git(repo, findings_in, rules=("ruff:E711",))
    assert result.commits == 3
    assert len(result.fixes) == 3
    assert [(e.pattern, e.fix, len(e.origins)) for e in result.patterns] == [
        ("$A == None", "$A is None", 2)]
    assert [(e.pattern, e.fix) for e in result.candidates] == [("$A != None", "$A is not None")]
    library = PatternLibrary(repo, Config(), builtin=False)
    saved = save_mined(library, result)
    assert len(saved) == 1 and saved[0].provenance.kind == "mined"
    assert len(saved[0].provenance.commits) == 2
    assert saved[0].triggers == ("ruff:E711",)
    assert save_mined(library, result) == []  # already known: no second file
    limited = mine_git(repo, findings_in, rules=("ruff:E711",), max_commits=1)
    assert limited.commits == 1 and not limited.patterns


def test_mining_leaves_out_layout_rules(make_repo: Callable[..., Path]) -> None:
    """A commit that removes an unused name also makes a too-long line short: the edit is a
    fix of F401, not a way to fix E501 (heal's own history taught `from $A import $$$B, $C,
    $$$D` as an E501 candidate)."""
    repo = make_repo({
        "pyproject.toml": '[tool.ruff]\nline-length = 30\n\n[tool.ruff.lint]\n'
                          'select = ["E501", "F401"]\n',
        "one.py": "from os.path import join, exists\n\nprint(join)\n",
        "two.py": "from subprocess import run, PIPE\n\nprint(run)\n",
    })
    for name, unused in (("one.py", ", exists"), ("two.py", ", PIPE")):
        path = repo / name
        path.write_text(path.read_text().replace(unused, ""))
        git(repo, "commit", "-qam", f"drop an unused import in {name}")
    result = mine_git(repo, findings_in)
    assert sorted(f.rule for f in result.fixes) == ["ruff:F401", "ruff:F401"]
    assert [(e.triggers, e.pattern) for e in result.patterns] == [
        (("ruff:F401",), "from $A import $$$B, $C, $$$D")]


@pytest.mark.parametrize(("target", "mined"), [("py38", 0), ("py310", 2)])
def test_mining_reads_the_project_target(make_repo: Callable[..., Path], target: str,
                                         mined: int) -> None:
    """`List[int]` -> `list[int]` is a UP006 fix only where the project runs on 3.9+: on a 3.8
    project it is no fix to learn (mining ran ruff at py310 whatever the project said)."""
    repo = make_repo({
        "pyproject.toml": f'[tool.ruff]\ntarget-version = "{target}"\n\n[tool.ruff.lint]\n'
                          'select = ["UP006"]\n',
        "one.py": "from typing import List\n\n\ndef f(x: List[int]) -> None:\n    pass\n",
        "two.py": "from typing import List\n\n\ndef g(y: List[str]) -> None:\n    pass\n",
    })
    for name in ("one.py", "two.py"):
        path = repo / name
        path.write_text(path.read_text().replace("x: List", "x: list").replace("y: List",
                                                                                "y: list"))
        git(repo, "commit", "-qam", f"builtin generics in {name}")
    assert len(mine_git(repo, findings_in).fixes) == mined

"""`heal patterns ...` and `heal learn --from-git` as a user runs them."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO_ROOT, git
from heal.patterns.pages import doc_page, index_page
from heal.patterns.store import PatternStore, builtin_dir

Heal = Callable[..., subprocess.CompletedProcess[str]]
WIDE = {"COLUMNS": "200"}


def test_list_shows_the_builtin_library(heal: Heal, make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    done = heal("patterns", "list", cwd=repo, env=WIDE)
    assert done.returncode == 0, done.stderr
    assert "ruff-e711-eq-none" in done.stdout and "builtin" in done.stdout
    data = json.loads(heal("patterns", "list", "--format", "json", cwd=repo).stdout)
    ids = {p["id"] for p in data["patterns"]}
    assert {"ruff-e711-eq-none", "ruff-up004-useless-object"} <= ids


def test_list_works_outside_a_repository(heal: Heal, tmp_path: Path) -> None:
    done = heal("patterns", "list", cwd=tmp_path, env=WIDE)
    assert done.returncode == 0, done.stderr
    assert "ruff-e713-not-in" in done.stdout


def test_show_prints_template_fix_stats_and_examples(heal: Heal, tmp_path: Path) -> None:
    done = heal("patterns", "show", "ruff-e713-not-in", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for part in ("not $X in $Y", "$X not in $Y", "triggers:    ruff:E713", "confidence:",
                 "example 1, before:", "history:"):
        assert part in done.stdout


def test_unknown_id_is_one_line_and_exit_2(heal: Heal, tmp_path: Path) -> None:
    done = heal("patterns", "show", "no-such-pattern", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "no pattern no-such-pattern" in done.stderr


def test_retire_enable_disable_write_the_repo_copy(heal: Heal,
                                                   make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    done = heal("patterns", "retire", "ruff-e714-not-is", "--reason", "house style", cwd=repo)
    assert done.returncode == 0, done.stderr
    local = repo / ".heal" / "patterns" / "ruff-e714-not-is.yaml"
    text = local.read_text()
    assert "status: retired" in text and "house style" in text and "version: 2" in text
    listed = json.loads(heal("patterns", "list", "--format", "json", cwd=repo).stdout)
    assert "ruff-e714-not-is" not in {p["id"] for p in listed["patterns"]}
    everything = json.loads(heal("patterns", "list", "--all", "--format", "json", cwd=repo).stdout)
    assert {p["id"]: p["status"] for p in everything["patterns"]}["ruff-e714-not-is"] == "retired"
    assert heal("patterns", "enable", "ruff-e714-not-is", cwd=repo).returncode == 0
    assert "status: active" in local.read_text()
    assert heal("patterns", "disable", "ruff-e714-not-is", cwd=repo).returncode == 0
    assert "status: disabled" in local.read_text() and "version: 4" in local.read_text()
    # the project's copy of a built-in pattern is still shown as built-in, kept in the project
    row = next(line for line in heal("patterns", "list", "--all", cwd=repo, env=WIDE)
               .stdout.splitlines() if "ruff-e714-not-is" in line)
    assert "builtin" in row and "learned" not in row
    shown = heal("patterns", "show", "ruff-e714-not-is", cwd=repo).stdout
    assert f"file:        this project's copy ({local})" in shown
    assert "provenance:  built-in" in shown
    outside = heal("patterns", "retire", "ruff-e714-not-is", "--reason", "x",
                   cwd=repo.parent)
    assert outside.returncode == 2 and "not inside a git repository" in outside.stderr


def test_a_bad_learned_file_is_one_line_naming_file_and_field(
        heal: Heal, make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    folder = repo / ".heal" / "patterns"
    folder.mkdir(parents=True)
    source = (builtin_dir() / "ruff-e713-not-in.yaml").read_text()
    (folder / "mine.yaml").write_text(source.replace("id: ruff-e713-not-in", "id: mine")
                                      .replace("safety: safe", "safety: maybe"))
    done = heal("patterns", "list", cwd=repo)
    assert done.returncode == 2
    assert "patterns/mine.yaml: metadata.safety must be one of safe, unsafe, review" in done.stderr


def test_migrate_rewrites_old_files(heal: Heal, make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    folder = repo / ".heal" / "patterns"
    folder.mkdir(parents=True)
    (folder / "old-one.yaml").write_text(
        "id: old-one\nlanguage: python\nrule: {pattern: $X == None}\nfix: $X is None\n"
        "triggers: [ruff:E711]\nsafety: unsafe\ncategory: logic\nstats: {verified: 2}\n")
    done = heal("patterns", "migrate", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "old-one.yaml: schema 0 -> 1" in done.stdout
    text = (folder / "old-one.yaml").read_text()
    assert "schema: 1" in text and "migrated from schema 0 to 1" in text
    again = heal("patterns", "migrate", cwd=repo)
    assert "all pattern files are at schema 1" in again.stdout


def test_export_docs_writes_one_page_per_pattern(heal: Heal, tmp_path: Path) -> None:
    out = tmp_path / "pages"
    done = heal("patterns", "export-docs", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = (out / "ruff-up004-useless-object.md").read_text()
    assert "## Examples" in page and "class Point(object):" in page and "## History" in page
    assert (out / "README.md").is_file()


def test_the_docs_of_the_builtin_library_are_up_to_date() -> None:
    """docs/patterns is generated: `heal patterns export-docs` from the repository root."""
    patterns = list(PatternStore(REPO_ROOT / "patterns", "builtin").all())
    folder = REPO_ROOT / "docs" / "patterns"
    for pattern in patterns:
        page = folder / f"{pattern.id}.md"
        assert page.is_file() and page.read_text() == doc_page(pattern), \
            f"{page} is stale: run `heal patterns export-docs`"
    assert (folder / "README.md").read_text() == index_page(patterns)


@pytest.mark.slow
def test_learn_from_git(heal: Heal, make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"one.py": "def f(a):\n    return a == None\n",
                      "two.py": "def g(b):\n    return b[0] == None\n",
                      "three.py": "def h(c):\n    return c == None\n"})
    for name, old, new in (("one.py", "a == None", "a is None"),
                           ("two.py", "b[0] == None", "b[0] is None"),
                           # the finding goes, but the edit is no fix a pattern can repeat
                           ("three.py", "def h(c):\n    return c == None\n", "h = None\n")):
        path = repo / name
        path.write_text(path.read_text().replace(old, new))
        git(repo, "commit", "-qam", f"fix {name}")
    done = heal("learn", "--from-git", "--select", "ruff:E711", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "walked 3 commits" in done.stdout and "3 findings fixed" in done.stdout
    assert "'$A == None' -> '$A is None'" in done.stdout
    assert re.search(r"no pattern: [0-9a-f]{10} three\.py:2 ruff:E711: \S", done.stdout)
    files = list((repo / ".heal" / "patterns").glob("*.yaml"))
    assert len(files) == 1 and "kind: mined" in files[0].read_text()
    shown = heal("patterns", "show", files[0].stem, cwd=repo)
    assert "mined from commits" in shown.stdout
    assert heal("learn", cwd=repo).returncode == 2


PARAMETER_PATTERN = """\
id: implicit-optional
language: Python
rule:
  pattern:
    context: 'def f($A: $B = None): ...'
    selector: typed_default_parameter
constraints:
  B: {not: {regex: '^Optional\\[.*\\]$'}}
fix: '$A: Optional[$B] = None'
metadata:
  schema: 1
  version: 1
  category: type
  triggers: [mypy:assignment]
  safety: safe
  examples:
    - before: "def f(x: str = None): ...\\n"
      after: "def f(x: Optional[str] = None): ...\\n"
"""


def test_a_parameter_pattern_is_shown_as_the_parameter_its_context_selects(
        heal: Heal, make_repo: Callable[..., Path]) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    folder = repo / ".heal" / "patterns"
    folder.mkdir(parents=True)
    (folder / "implicit-optional.yaml").write_text(PARAMETER_PATTERN)
    done = heal("patterns", "show", "implicit-optional", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "pattern: (a parameter of a def: typed_default_parameter)\n    $A: $B = None" in done.stdout
    listed = json.loads(heal("patterns", "list", "--format", "json", cwd=repo).stdout)
    [mine] = [p for p in listed["patterns"] if p["id"] == "implicit-optional"]
    assert (mine["pattern"], mine["selector"]) == ("$A: $B = None", "typed_default_parameter")
    assert heal("patterns", "export-docs", cwd=repo).returncode == 0
    page = (repo / "docs" / "patterns" / "implicit-optional.md").read_text()
    assert "## Pattern (a parameter of a def: typed_default_parameter)" in page

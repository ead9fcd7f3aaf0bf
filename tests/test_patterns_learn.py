"""Learning: anti-unification, verified fixes into patterns, reuse, outcomes, mining git."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import git
from heal.config import Config
from heal.edits import apply_fixes
from heal.healers.base import ModuleContext
from heal.healers.logic.is_literal import IsLiteral
from heal.model import Category, Finding, Fix, Priority, Span, Verdict
from heal.patterns.learn import anti_unify, generalise, mine_git, record_outcome, save_mined
from heal.patterns.library import PatternLibrary
from heal.pipeline import FixRecord


@pytest.mark.parametrize(("before", "after", "pattern", "fix"), [
    ("if x == None:\n    pass\n", "if x is None:\n    pass\n", "$A == None", "$A is None"),
    ("import yaml\nd = yaml.load(s, Loader=yaml.Loader)\n", "import yaml\nd = yaml.safe_load(s)\n",
     "yaml.load($A, Loader=yaml.Loader)", "yaml.safe_load($A)"),
    ("ok = type(a) == type(b)\n", "ok = type(a) is type(b)\n", "type($A) == type($B)",
     "type($A) is type($B)"),
    ("ok = not a.b in c\n", "ok = a.b not in c\n", "not $A in $B", "$A not in $B"),
    ("r = x is 200\n", "r = x == 200\n", "$A is 200", "$A == 200"),
    ("def f(d, k):\n    return d.has_key(k)\n", "def f(d, k):\n    return k in d\n",
     "$A.has_key($B)", "$B in $A"),
    ("r = get(url)\n", "r = get(url, timeout=30)\n", "get($A)", "get($A, timeout=30)"),
    ("class A(object):\n    x = 1\n\n    def f(self):\n        return 2\n",
     "class A:\n    x = 1\n\n    def f(self):\n        return 2\n",
     "class $A(object):\n    $$$B", "class $A:\n    $$$B"),
])
def test_generalise_one_edit(before: str, after: str, pattern: str, fix: str) -> None:
    edit = generalise(before, after, ("ruff:X",), origin="run1")
    assert not isinstance(edit, str), edit
    assert (edit.pattern, edit.fix) == (pattern, fix)


def test_generalise_refuses_what_it_cannot_reproduce() -> None:
    assert generalise("a = 1\n", "a = 1\n", ("ruff:X",)) == \
        "no expression or statement holds the change on both sides"
    assert generalise("a = (\n", "a = 1\n", ("ruff:X",)) == "the code does not parse"


def test_anti_unify_two_instances_abstracts_what_varies() -> None:
    one = generalise("r = x is 200\n", "r = x == 200\n", ("heal:LOG109",), origin="c1")
    two = generalise("q = y.z is 404\n", "q = y.z == 404\n", ("heal:LOG109",), origin="c2")
    assert not isinstance(one, str) and not isinstance(two, str)
    merged = anti_unify(one, two)
    assert merged is not None
    assert (merged.pattern, merged.fix) == ("$A is $B", "$A == $B")
    assert merged.constraints["B"].regex is not None  # both were integers: only integers
    assert merged.origins == ["c1", "c2"]


def test_anti_unify_different_arities_into_many() -> None:
    one = generalise("f(a)\n", "g(a)\n", ("ruff:X",), origin="c1")
    two = generalise("f(a, b)\n", "g(a, b)\n", ("ruff:X",), origin="c2")
    assert not isinstance(one, str) and not isinstance(two, str)
    merged = anti_unify(one, two)
    assert merged is not None and (merged.pattern, merged.fix) == ("f($$$A)", "g($$$A)")


def test_anti_unify_refuses_unrelated_edits() -> None:
    one = generalise("r = x == None\n", "r = x is None\n", ("ruff:E711",), origin="c1")
    two = generalise("r = x != None\n", "r = x is not None\n", ("ruff:E711",), origin="c2")
    assert not isinstance(one, str) and not isinstance(two, str)
    assert anti_unify(one, two) is None


def is_literal_fix(path: str, text: str, line: int) -> tuple[Fix, Finding]:
    """The real LGC109 fixer's fix for the `is` comparison on `line`."""
    context = ModuleContext(path, text)
    row = text.splitlines()[line - 1]
    start = row.rfind(" ", 0, row.index(" is ")) + 1
    finding = Finding(rule="heal:LOG109", category=Category.LOGIC, priority=Priority.P1, path=path,
                      span=Span.of(line, start, line, len(row.rstrip().rstrip(":"))),
                      message="is literal", tool="heal", fingerprint=f"fp-{path}-{line}")
    fix = IsLiteral().fix(finding, context)
    assert isinstance(fix, Fix), fix
    return fix, finding


def test_a_learned_pattern_is_reused_in_another_project(tmp_path: Path) -> None:
    text_a = "def ok(code):\n    return code is 200\n"
    fix, _ = is_literal_fix("a.py", text_a, 2)
    library_a = PatternLibrary(tmp_path / "A", Config(), builtin=False)
    report = library_a.learn("run-a", [FixRecord(fix, Verdict.VERIFIED, "tests pass", "", 1)],
                             {fix.id: text_a})
    assert len(report.created) == 1, report.skipped
    learned = library_a.get(report.created[0])
    assert (learned.pattern, learned.fix) == ("$A is 200", "$A == 200")
    assert learned.provenance.kind == "learned" and learned.provenance.run == "run-a"
    assert learned.provenance.source == "fixer:is-literal-to-equality"
    assert learned.path is not None and learned.path.parent == tmp_path / "A" / ".heal" / "patterns"

    # the same fix again is evidence for the pattern, not a second file
    again = library_a.learn("run-a2", [FixRecord(fix, Verdict.VERIFIED, "tests pass", "", 1)],
                            {fix.id: text_a})
    assert again.reinforced == [learned.id] and not again.created
    assert library_a.get(learned.id).stats.verified == 2

    # project B gets A's pattern file (committed, shared) and heals a similar finding with it
    (tmp_path / "B" / ".heal" / "patterns").mkdir(parents=True)
    shutil.copy(learned.path, tmp_path / "B" / ".heal" / "patterns")
    library_b = PatternLibrary(tmp_path / "B", Config(), builtin=False)
    text_b = "def check(response):\n    if response.status is 200:\n        return True\n"
    finding = Finding(rule="heal:LOG109", category=Category.LOGIC, priority=Priority.P1,
                      path="b.py", span=Span.of(2, 7, 2, 29), message="m", tool="heal",
                      fingerprint="fp-b")
    reused = library_b.propose(finding, ModuleContext("b.py", text_b))
    assert isinstance(reused, Fix)
    assert reused.source == f"pattern:{learned.id}@1"
    assert apply_fixes(text_b, [reused]) == text_b.replace("is 200", "== 200")
    outcome = library_b.learn("run-b", [FixRecord(reused, Verdict.VERIFIED, "ok", "", 1)], {})
    assert outcome.outcomes == [(learned.id, "applied"), (learned.id, "verified")]
    assert library_b.get(learned.id).stats.applied == 2  # 1 when learned in A, 1 in B


def test_confidence_moves_and_a_failing_pattern_is_retired(tmp_path: Path) -> None:
    library = PatternLibrary(tmp_path, Config(circuit_breaker=3))
    before = library.get("ruff-e711-eq-none")
    assert before.origin == "builtin"
    for _ in range(5):
        record_outcome(library, "ruff-e711-eq-none", "verified")
    up = library.get("ruff-e711-eq-none")
    assert up.confidence > before.confidence
    assert up.origin == "learned"  # a local copy in .heal/patterns shadows the built-in
    assert (tmp_path / ".heal" / "patterns" / "ruff-e711-eq-none.yaml").is_file()
    assert up.version == before.version  # stats do not make a new version
    record_outcome(library, "ruff-e711-eq-none", "rejected")
    down = library.get("ruff-e711-eq-none")
    assert down.confidence < up.confidence and down.status == "active"
    record_outcome(library, "ruff-e711-eq-none", "rejected")
    record_outcome(library, "ruff-e711-eq-none", "declined_by_review")
    retired = library.get("ruff-e711-eq-none")
    assert retired.status == "retired"
    assert retired.version == before.version + 1
    assert "3 times in a row" in retired.history[-1].why
    assert "ruff:E711" not in library.index() or all(
        pid != "ruff-e711-eq-none" for pid, _ in library.index()["ruff:E711"])
    # a fresh library (another run) reads the same state from the file
    assert PatternLibrary(tmp_path, Config()).get("ruff-e711-eq-none").status == "retired"


def test_retire_enable_and_versions_grow(tmp_path: Path) -> None:
    library = PatternLibrary(tmp_path, Config())
    retired = library.retire("ruff-e713-not-in", "we prefer the other spelling")
    assert retired.status == "retired" and retired.version == 2
    enabled = library.enable("ruff-e713-not-in", "changed our minds")
    assert enabled.status == "active" and enabled.version == 3
    assert [h.change for h in enabled.history][-2:] == ["retired (was active)",
                                                         "enabled (was retired)"]


def test_rejected_pattern_fixes_lower_confidence_through_learn(tmp_path: Path) -> None:
    library = PatternLibrary(tmp_path, Config())
    text = "r = x == None\n"
    finding = Finding(rule="ruff:E711", category=Category.LOGIC, priority=Priority.P2,
                      path="m.py", span=Span.of(1, 9, 1, 13), message="m", tool="ruff",
                      fingerprint="fp")
    fix = library.propose(finding, ModuleContext("m.py", text))
    assert isinstance(fix, Fix)
    library.learn("r1", [FixRecord(fix, Verdict.VERIFIED, "ok", "", 1)], {})
    high = library.get("ruff-e711-eq-none").confidence
    library.learn("r2", [FixRecord(fix, Verdict.REJECTED, "breaks tests", "", 1)], {})
    assert library.get("ruff-e711-eq-none").confidence < high


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
    result = mine_git(repo, rules=("ruff:E711",))
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
    limited = mine_git(repo, rules=("ruff:E711",), max_commits=1)
    assert limited.commits == 1 and not limited.patterns


def test_generalise_cuts_out_the_statement_that_holds_the_change() -> None:
    from heal.patterns.learn import narrow

    filler = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(200))
    before = filler + "class Box:\n\tdef get(self, x):\n\t\treturn x == None\n"
    after = before.replace("x == None", "x is None")
    cut = narrow(before, after)
    assert cut.before == "return x == None\n" and cut.after == "return x is None\n"
    assert cut.lines == before.count("\n") - 1 and cut.indent == 2
    edit = generalise(before, after, ("ruff:E711",))
    assert not isinstance(edit, str) and (edit.pattern, edit.fix) == ("$A == None", "$A is None")
    assert edit.example.before == "return x == None\n"

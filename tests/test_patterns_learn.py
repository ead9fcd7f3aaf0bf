"""Learning: anti-unification, verified fixes into patterns, reuse, outcomes (mining git:
test_patterns_mine.py)."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from heal.config import Config
from heal.edits import apply_fixes, changed_region
from heal.fixer import ModuleContext
from heal.healers.imports.unused_imports import UnusedImport
from heal.healers.style.ruff_edits import RuffEdits
from heal.healers.types.implicit_optional import ImplicitOptional
from heal.healers.types.return_none import ReturnNone
from heal.model import (
    Category,
    Declined,
    Finding,
    Fix,
    Priority,
    Safety,
    Span,
    TextEdit,
    ToolFix,
    Verdict,
)
from heal.patterns.anti_unify import anti_unify
from heal.patterns.generalise import generalise
from heal.patterns.learn import LearnReport, record_outcome
from heal.patterns.library import PatternLibrary
from heal.patterns.model import Provenance
from heal.patterns.rewrite import apply_to_text
from heal.plan import Planner
from heal.rules.logic.log109_is_literal import IsLiteralToEquality
from heal.verify.records import FixRecord


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
    # only parentheses removed: nothing else is the point (callee and literals abstracted too)
    ('print(("a %s" % b))\n', 'print("a %s" % b)\n', "$A(($B))", "$A($B)"),
    ("x = type((0))\n", "x = type(0)\n", "$A(($B))", "$A($B)"),
    # a keyword the fix writes as a string key: the string is whatever the keyword is
    ('x = dict(loop=f(a))\n', 'x = {"loop": f(a)}\n', "dict($A=$B)", '{"$A": $B}'),
    ("x = dict(a=y, b=z)\n", "x = {'a': y, 'b': z}\n", "dict($A=$B, $C=$D)",
     "{'$A': $B, '$C': $D}"),
    # one name removed from an import: which module and names is the finding's business
    ("from m import a, b\n\nprint(b)\n", "from m import b\n\nprint(b)\n",
     "from $A import $$$B, $C, $$$D", "from $A import $$$B, $$$D"),
    ("from typing import (\n    Any,\n    Iterable,\n)\n", "from typing import (\n    Any,\n)\n",
     "from $A import $$$B, $C, $$$D", "from $A import $$$B, $$$D"),
    ("import os, sys\n\nprint(sys)\n", "import sys\n\nprint(sys)\n",
     "import $$$A, $B, $$$C", "import $$$A, $$$C"),
    # a relative module is one node, as tree-sitter parses it: `$A` binds `..` and `.m` too
    ("from .. import a, b\n\nprint(b)\n", "from .. import b\n\nprint(b)\n",
     "from $A import $$$B, $C, $$$D", "from $A import $$$B, $$$D"),
    ("from ._m import a, b\n\nprint(b)\n", "from ._m import b\n\nprint(b)\n",
     "from $A import $$$B, $C, $$$D", "from $A import $$$B, $$$D"),
    # one statement deleted from a block that keeps others: an empty fix
    ("import os\nimport sys\n\nprint(sys.argv)\n", "import sys\n\nprint(sys.argv)\n",
     "import $A", ""),
    ("def f():\n    from m import a\n    return 1\n", "def f():\n    return 1\n",
     "from $A import $B", ""),
    ("from . import a\nfrom .m import b\n\nb()\n", "from .m import b\n\nb()\n",
     "from $A import $B", ""),
    ('class A:\n    """doc"""\n    pass\n', 'class A:\n    """doc"""\n', "pass", ""),
])
def test_generalise_one_edit(before: str, after: str, pattern: str, fix: str) -> None:
    edit = generalise(before, after, ("ruff:X",), origin="run1")
    assert not isinstance(edit, str), edit
    assert (edit.pattern, edit.fix) == (pattern, fix)


def test_a_removed_import_name_generalises_only_where_the_finding_points() -> None:
    before, after = "from m import (\n    a,\n    b,\n)\n", "from m import (\n    a,\n)\n"
    edit = generalise(before, after, ("ruff:F401",), line=3)
    assert not isinstance(edit, str) and edit.pattern == "from $A import $$$B, $C, $$$D"
    assert edit.instances[0].span == Span.of(3, 4, 3, 5)  # where a finding would point
    # a finding on `a` whose fix removed `b`: "remove the name the finding names" is not it
    other = generalise(before, after, ("ruff:F811",), line=2)
    assert not isinstance(other, str) and "$" not in other.pattern


def test_what_stands_beside_a_deleted_element_stays_concrete() -> None:
    """ruff's UP024 fix `except (OSError, IOError)` -> `except OSError` is right because
    IOError *is* OSError; learned as `except ($B, IOError)` -> `except $B` it would turn
    `except (ValueError, IOError)` into `except ValueError` and stop catching OSError."""
    before = "try:\n    f()\nexcept (OSError, IOError):\n    pass\n"
    edit = generalise(before, before.replace("(OSError, IOError)", "OSError"), ("ruff:UP024",))
    assert not isinstance(edit, str)
    assert (edit.pattern, edit.fix) == ("try:\n    $$$A\nexcept (OSError, IOError):\n    $$$B",
                                        "try:\n    $$$A\nexcept OSError:\n    $$$B")
    learned = edit.as_pattern("up024", Category.STYLE, Safety.SAFE, Provenance("learned"), "m")
    other = "try:\n    g()\nexcept (ValueError, IOError):\n    raise\n"
    assert apply_to_text(learned, other) == other
    assert apply_to_text(learned, before.replace("f()", "g()")) == \
        "try:\n    g()\nexcept OSError:\n    pass\n"
    # a collection that keeps its length is no deletion
    renamed = generalise("e = (IOError, ValueError)\n", "e = (OSError, ValueError)\n",
                         ("ruff:UP024",))
    assert not isinstance(renamed, str) and (renamed.pattern, renamed.fix) == ("IOError, $A",
                                                                               "OSError, $A")
    # nor are a call's arguments or a class's bases peers: `object` goes whatever the base
    base = generalise("class A(Base, object):\n    x = 1\n", "class A(Base):\n    x = 1\n",
                      ("ruff:UP004",))
    assert not isinstance(base, str) and (base.pattern, base.fix) == (
        "class $A($B, object):\n    $$$C", "class $A($B):\n    $$$C")


def test_generalise_refuses_what_it_cannot_reproduce() -> None:
    assert generalise("a = 1\n", "a = 1\n", ("ruff:X",)) == \
        "no expression or statement holds the change on both sides"
    assert generalise("a = (\n", "a = 1\n", ("ruff:X",)) == "the code does not parse"
    # `"$HOME"` in a pattern is a metavariable to ast-grep, and a load error to heal
    assert generalise('x = f("$HOME", None)\n', "x = f(None)\n", ("ruff:X",)) == \
        "a string literal of the pattern holds $HOME, which reads as a metavariable"


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
    """The real LOG109 fixer's fix for the `is` comparison on `line`."""
    context = ModuleContext(path, text)
    row = text.splitlines()[line - 1]
    start = row.rfind(" ", 0, row.index(" is ")) + 1
    finding = Finding(rule="heal:LOG109", category=Category.LOGIC, priority=Priority.P1, path=path,
                      span=Span.of(line, start, line, len(row.rstrip().rstrip(":"))),
                      message="is literal", tool="heal", fingerprint=f"fp-{path}-{line}")
    fix = IsLiteralToEquality().fix(finding, context)
    assert isinstance(fix, Fix), fix
    return fix, finding


def test_a_learned_pattern_is_reused_in_another_project(tmp_path: Path) -> None:
    text_a = "def ok(code):\n    return code is 200\n"
    fix, _ = is_literal_fix("a.py", text_a, 2)
    library_a = PatternLibrary(tmp_path / "A", Config(), builtin=False)
    report = library_a.learn("run-a", [FixRecord(fix, Verdict.VERIFIED, "tests pass", "", 1,
                                                 base=text_a)])
    assert len(report.created) == 1, report.skipped
    learned = library_a.get(report.created[0])
    assert (learned.pattern, learned.fix) == ("$A is 200", "$A == 200")
    assert learned.provenance.kind == "learned" and learned.provenance.run == "run-a"
    assert learned.provenance.source == "fixer:is-literal-to-equality"
    assert learned.path is not None and learned.path.parent == tmp_path / "A" / ".heal" / "patterns"

    # the same fix again is evidence for the pattern, not a second file
    again = library_a.learn("run-a2", [FixRecord(fix, Verdict.VERIFIED, "tests pass", "", 1,
                                                 base=text_a)])
    assert again.reinforced == [learned.id] and not again.created
    assert library_a.get(learned.id).stats.verified == 2
    assert "verified: 1" in learned.path.read_text()  # the file is left as the team has it

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
    outcome = library_b.learn("run-b", [FixRecord(reused, Verdict.VERIFIED, "ok", "", 1)])
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
    # outcomes are counted in heal's state: no local copy of the file, no new version
    assert up.origin == "builtin"
    assert not (tmp_path / ".heal" / "patterns" / "ruff-e711-eq-none.yaml").exists()
    assert up.version == before.version
    assert PatternLibrary(tmp_path, Config()).get("ruff-e711-eq-none").stats == up.stats
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
    # a fresh library (another run) reads the same state from the file: the new version,
    # written with the counts that retired it
    written = (tmp_path / ".heal" / "patterns" / "ruff-e711-eq-none.yaml").read_text()
    assert "status: retired" in written and "declined_by_review: 1" in written
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
    library.learn("r1", [FixRecord(fix, Verdict.VERIFIED, "ok", "", 1)])
    high = library.get("ruff-e711-eq-none").confidence
    library.learn("r2", [FixRecord(fix, Verdict.REJECTED, "breaks tests", "", 1)])
    assert library.get("ruff-e711-eq-none").confidence < high


def test_generalise_cuts_out_the_statement_that_holds_the_change() -> None:
    from heal.patterns.region import narrow

    filler = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(200))
    before = filler + "class Box:\n\tdef get(self, x):\n\t\treturn x == None\n"
    after = before.replace("x == None", "x is None")
    cut = narrow(before, after)
    assert cut.before == "return x == None\n" and cut.after == "return x is None\n"
    assert cut.lines == before.count("\n") - 1 and cut.indent == 2
    edit = generalise(before, after, ("ruff:E711",))
    assert not isinstance(edit, str) and (edit.pattern, edit.fix) == ("$A == None", "$A is None")
    assert edit.example.before == "return x == None\n"


def unused_import(path: str, text: str, line: int, name: str) -> tuple[Fix | Declined | None,
                                                                        Finding]:
    """The real unused-import fixer's answer to ruff's F401 for `name` on `line`."""
    column = re.search(rf"\b{name}\b", text.splitlines()[line - 1])
    assert column is not None
    finding = Finding(rule="ruff:F401", category=Category.IMPORT, priority=Priority.P3,
                      path=path, span=Span.of(line, column.start(), line, column.end()),
                      message=f"`{name}` imported but unused", tool="ruff",
                      fingerprint=f"fp-{path}-{line}-{name}")
    return UnusedImport().fix(finding, ModuleContext(path, text)), finding


def test_an_unused_import_pattern_learned_in_one_project_serves_another(tmp_path: Path) -> None:
    text_a = ("from typing import (\n    Any,\n    Iterable,\n    Iterator,\n)\n\n"
              "x: Any = 1\ny: Iterator[int]\n")
    fix, _ = unused_import("a.py", text_a, 3, "Iterable")
    assert isinstance(fix, Fix)
    library_a = PatternLibrary(tmp_path / "A", Config(), builtin=False)
    report = library_a.learn("run-a", [FixRecord(fix, Verdict.VERIFIED, "tests pass", "", 1,
                                                 base=text_a)])
    assert len(report.created) == 1, report.skipped
    learned = library_a.get(report.created[0])
    assert (learned.pattern, learned.fix) == ("from $A import $$$B, $C, $$$D",
                                              "from $A import $$$B, $$$D")
    assert learned.path is not None
    (tmp_path / "B" / ".heal" / "patterns").mkdir(parents=True)
    shutil.copy(learned.path, tmp_path / "B" / ".heal" / "patterns")
    library_b = PatternLibrary(tmp_path / "B", Config(), builtin=False)
    planner = Planner(Config(), library_b.propose)

    # another module, one line, and the finding's name picks which one goes (the last here)
    for text, name, left in (
            ("from subprocess import Popen, PIPE\n\nPopen\n", "PIPE",
             "from subprocess import Popen\n\nPopen\n"),
            ("from subprocess import Popen, PIPE\n\nPIPE\n", "Popen",
             "from subprocess import PIPE\n\nPIPE\n"),
            ("def f():\n    import os.path, sys\n    from os import sep, curdir, pardir\n"
             "    return sys, sep, pardir\n", "curdir",
             "def f():\n    import os.path, sys\n    from os import sep, pardir\n"
             "    return sys, sep, pardir\n"),
            # relative imports: learned on `typing`, it serves `..` and `._state` (as ast-grep)
            ("from .._state import (\n    CLIENT,  # who we are\n    SERVER,\n)\n\nCLIENT\n",
             "SERVER", "from .._state import (\n    CLIENT,  # who we are\n)\n\nCLIENT\n"),
            ("from . import load, dump\n\ndump\n", "load", "from . import dump\n\ndump\n")):
        line = next(n for n, row in enumerate(text.splitlines(), 1) if name in row)
        fixer_fix, finding = unused_import("b.py", text, line, name)
        assert isinstance(fixer_fix, Fix)
        served, _, crash = planner.propose(finding, ModuleContext("b.py", text))
        assert served is not None and crash is None
        assert served.source == f"pattern:{learned.id}@1"  # the fixer vouched for it
        assert apply_fixes(text, [served]) == apply_fixes(text, [fixer_fix]) == left

    # a package's __init__.py: the fixer declines (its API), and the pattern does not step in
    text = "from pkg.core import load, dump\n"
    declined, finding = unused_import("pkg/__init__.py", text, 1, "dump")
    assert isinstance(declined, Declined)
    assert isinstance(library_b.propose(finding, ModuleContext("pkg/__init__.py", text)), Fix)
    served, reasons, _ = planner.propose(finding, ModuleContext("pkg/__init__.py", text))
    assert served is None and reasons == [declined]
    # not even once the pattern is trusted enough to go without a fixer's word
    library_b.record(learned.id, "verified", 40)
    trusted = library_b.propose(finding, ModuleContext("pkg/__init__.py", text))
    assert isinstance(trusted, Fix) and trusted.confidence >= Config().auto_apply_confidence
    served, reasons, _ = planner.propose(finding, ModuleContext("pkg/__init__.py", text))
    assert served is None and reasons == [declined]


def ruff_fix(rule: str, path: str, text: str, span: Span, edit: TextEdit
             ) -> tuple[Fix, Finding]:
    """The real ruff-edits fixer applying ruff's own edit for a finding at `span`."""
    finding = Finding(rule=rule, category=Category.STYLE, priority=Priority.P3, path=path,
                      span=span, message="m", tool="ruff", fingerprint=f"fp-{path}-{span}",
                      tool_fix=ToolFix("safe", "Fix", (edit,)))
    fix = RuffEdits().fix(finding, ModuleContext(path, text))
    assert isinstance(fix, Fix)
    return fix, finding


def replaced(rule: str, path: str, text: str, line: int, old: str, new: str
             ) -> tuple[Fix, Finding]:
    """ruff's edit for a finding at `old` (first seen on `line`): `old` replaced by `new`."""
    start = text.splitlines()[line - 1].index(old)
    span = Span.of(line, start, line, start + len(old))
    return ruff_fix(rule, path, text, span, TextEdit(span, new))


def learned_from(library: PatternLibrary, run: str, fix: Fix, base: str) -> LearnReport:
    """What learning one verified fix made on `base` did."""
    return library.learn(run, [FixRecord(fix, Verdict.VERIFIED, "ok", "", 1, base=base)])


def served(library: PatternLibrary, finding: Finding, text: str) -> Fix | None:
    fix, _, _ = Planner(Config(), library.propose).propose(finding, ModuleContext("x.py", text))
    return fix


def test_a_removed_pass_learned_in_one_body_serves_another(tmp_path: Path) -> None:
    text_a = "def f() -> None:\n    run()\n    pass\n"
    fix, _ = ruff_fix("ruff:PIE790", "a.py", text_a, Span.of(3, 4, 3, 8),
                      TextEdit(Span.of(3, 0, 4, 0), ""))  # ruff deletes the line
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    learned = library.get(learned_from(library, "run-a", fix, text_a).created[0])
    assert (learned.pattern, learned.fix) == ("pass", "")
    text_b = 'class Empty(Exception):\n    """Nothing more."""\n    pass\n\n\nx = 1\n'
    fix_b, finding = ruff_fix("ruff:PIE790", "b.py", text_b, Span.of(3, 4, 3, 8),
                              TextEdit(Span.of(3, 0, 4, 0), ""))
    plan = Planner(Config(), library.propose).plan([finding], {"b.py": text_b})
    assert [f.source for f in plan.fixes] == [f"pattern:{learned.id}@1"] and not plan.bugs
    assert apply_fixes(text_b, plan.fixes) == apply_fixes(text_b, [fix_b]) == \
        'class Empty(Exception):\n    """Nothing more."""\n\n\nx = 1\n'


def test_a_dict_call_learned_with_its_keyword_serves_other_keywords(tmp_path: Path) -> None:
    """ruff's C408 fix writes the keyword as a string key: learned as `dict($A=$B)` ->
    `{"$A": $B}`, it serves a dict of another keyword (with `dict(loop=$A)` it served none)."""
    text_a = "opts = dict(loop=make())\n"
    fix, _ = replaced("ruff:C408", "a.py", text_a, 1, "dict(loop=make())", '{"loop": make()}')
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    learned = library.get(learned_from(library, "run-a", fix, text_a).created[0])
    assert (learned.pattern, learned.fix) == ("dict($A=$B)", '{"$A": $B}')
    text_b = "def f(tag):\n    return render(dict(name=tag.lower()))\n"
    fix_b, finding = replaced("ruff:C408", "b.py", text_b, 2, "dict(name=tag.lower())",
                              '{"name": tag.lower()}')
    plan = Planner(Config(), library.propose).plan([finding], {"b.py": text_b})
    assert [f.source for f in plan.fixes] == [f"pattern:{learned.id}@1"] and not plan.bugs
    assert apply_fixes(text_b, plan.fixes) == apply_fixes(text_b, [fix_b]) == \
        'def f(tag):\n    return render({"name": tag.lower()})\n'


def unused_noqa(path: str, text: str, line: int) -> tuple[Fix, Finding]:
    """ruff's RUF100 fix: the `# noqa` at the end of `line` goes with the blanks before it."""
    row = text.splitlines()[line - 1]
    column = row.index("#")
    return ruff_fix("ruff:RUF100", path, text, Span.of(line, column, line, len(row)),
                    TextEdit(Span.of(line, len(row[:column].rstrip()), line, len(row)), ""))


def test_unused_noqa_comments_learned_in_one_project_serve_another(tmp_path: Path) -> None:
    """ruff's RUF100 fix deletes an unused `# noqa`: heal learns it as ast-grep's `{kind:
    comment, regex}` rule; two whose codes differ become `^# noqa: [A-Za-z0-9_]+$`, which
    serves a third code in another project (the real ast-grep matches it too); a blanket
    `# noqa` is another shape and stays a pattern of its own."""
    library = PatternLibrary(tmp_path / "A", Config(), builtin=False)
    for text in ("def f():\n    global X  # noqa: PLW0603\n    X = 1\n",
                 "def g():\n    import jwt  # noqa: PLC0415\n    return jwt\n"):
        fix, _ = unused_noqa("a.py", text, 2)
        learned_from(library, "run-a", fix, text)
    [general] = [p for p in library.all() if p.active]
    assert (general.pattern, general.fix, general.selector) == ("^# noqa: [A-Za-z0-9_]+$", "",
                                                                "comment")
    assert general.version == 2 and "rule:\n  kind: comment\n  regex: '^# noqa: [A-Za-z0-9_]+$'" \
        in (general.path.read_text() if general.path else "")
    text = "import os\nx = 1  # noqa\n"
    fix, _ = unused_noqa("a.py", text, 2)
    blanket = library.get(learned_from(library, "run-a", fix, text).created[0])
    assert blanket.pattern == "^# noqa$"

    (tmp_path / "B" / ".heal" / "patterns").mkdir(parents=True)
    assert general.path is not None
    shutil.copy(general.path, tmp_path / "B" / ".heal" / "patterns")
    library_b = PatternLibrary(tmp_path / "B", Config(), builtin=False)
    text_b = "def h(d, k):\n    return d[k] if k in d else None  # noqa: SIM401\n"
    fixer_fix, finding = unused_noqa("b.py", text_b, 2)
    served, _, crash = Planner(Config(), library_b.propose).propose(
        finding, ModuleContext("b.py", text_b))
    assert served is not None and crash is None and served.source == f"pattern:{general.id}@2"
    assert apply_fixes(text_b, [served]) == apply_fixes(text_b, [fixer_fix]) == \
        "def h(d, k):\n    return d[k] if k in d else None\n"
    # two codes in one comment: another shape (ruff would keep the one still used)
    two = "import os  # noqa: F401, E402\n"
    _, finding = unused_noqa("c.py", two, 1)
    assert library_b.propose(finding, ModuleContext("c.py", two)) is None

    import json
    import subprocess

    source = tmp_path / "b.py"
    source.write_text(text_b, encoding="utf-8")
    binary = shutil.which("ast-grep", path=str(Path(sys.executable).parent))
    if binary is None:
        pytest.skip("the ast-grep binary is missing: pip install ast-grep-cli (the `test` extra)")
    scan = subprocess.run([binary, "scan", "--rule", str(general.path), "--json=compact",
                           str(source)], capture_output=True, text=True, check=True)
    assert [m["text"] for m in json.loads(scan.stdout)] == ["# noqa: SIM401"]


def test_a_parentheses_pattern_learned_on_print_serves_another_call(tmp_path: Path) -> None:
    def up034(path: str, text: str, line: int, inner: str) -> tuple[Fix, Finding]:
        """UP034 as ruff reports it: the extraneous `(inner)`, replaced by `inner`."""
        return replaced("ruff:UP034", path, text, line, f"({inner})", inner)

    text_a = 'def show(v):\n    print(("version %s" % v))\n'
    fix, _ = up034("a.py", text_a, 2, '"version %s" % v')
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    learned = library.get(learned_from(library, "run-a", fix, text_a).created[0])
    assert (learned.pattern, learned.fix) == ("$A(($B))", "$A($B)")
    text_b = "assert type(res) == type((0))\n"
    fix_b, finding = up034("b.py", text_b, 1, "0")
    fix = served(library, finding, text_b)
    assert fix is not None and fix.source == f"pattern:{learned.id}@1"
    assert apply_fixes(text_b, [fix]) == apply_fixes(text_b, [fix_b]) == \
        "assert type(res) == type(0)\n"


def up008(path: str, text: str, line: int) -> tuple[Fix, Finding]:
    """UP008 as ruff reports it: `super(Name, self)` replaced by `super()`."""
    row = text.splitlines()[line - 1]
    call = row[row.index("super("):row.index(")", row.index("super(")) + 1]
    return replaced("ruff:UP008", path, text, line, call, "super()")


def up045(path: str, text: str, line: int) -> tuple[Fix, Finding]:
    """UP045 as ruff reports it: `Optional[X]` replaced by `X | None`."""
    row = text.splitlines()[line - 1]
    inner = row[row.index("Optional[") + len("Optional["):row.index("]", row.index("Optional["))]
    return replaced("ruff:UP045", path, text, line, f"Optional[{inner}]", f"{inner} | None")


CLASSES = {name: f"class {name}(Base):\n    def __init__(self):\n        super({name}, self).__init__()\n"
           for name in ("Parser", "Lexer", "Token")}


def test_two_fixes_of_one_rule_generalise_one_pattern_that_serves_a_third(tmp_path: Path) -> None:
    """Getafix's step: `super(Parser, self)` and `super(Lexer, self)`, each -> `super()`, give
    one pattern `super($A, self)` -> `super()` (a new version, with the reason in its history),
    not two patterns that each serve only their own class; it then serves a third class."""
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    created = learned_from(library, "run-1", up008("a.py", CLASSES["Parser"], 3)[0],
                           CLASSES["Parser"]).created
    assert len(created) == 1
    assert library.get(created[0]).pattern == "super(Parser, self)"
    report = learned_from(library, "run-2", up008("b.py", CLASSES["Lexer"], 3)[0],
                          CLASSES["Lexer"])
    assert report.generalised == created and not report.created, report
    general = library.get(created[0])
    assert (general.pattern, general.fix) == ("super($A, self)", "super()")
    assert general.version == 2 and general.history[-1].change == "generalised"
    assert "run-2" in general.history[-1].why and len(general.examples) == 2
    assert general.stats.verified == 2
    assert [p.id for p in library.all() if p.origin == "learned"] == created

    fix_c, finding = up008("c.py", CLASSES["Token"], 3)
    fix = served(library, finding, CLASSES["Token"])
    assert fix is not None and fix.source == f"pattern:{general.id}@2"
    assert apply_fixes(CLASSES["Token"], [fix]) == apply_fixes(CLASSES["Token"], [fix_c])


def test_a_generalised_pattern_retires_the_learned_patterns_it_now_covers(tmp_path: Path) -> None:
    """A library learned before generalisation holds one pattern per class (`super(Parser,
    self)`, `super(Lexer, self)`, ...). The next such fix generalises one of them, and the
    others, which it now covers, are retired as subsumed (kept, with the reason)."""
    library = PatternLibrary(tmp_path / "a", Config(), builtin=False)
    other = PatternLibrary(tmp_path / "b", Config(), builtin=False)
    [first] = learned_from(library, "run-1", up008("a.py", CLASSES["Parser"], 3)[0],
                           CLASSES["Parser"]).created
    [second] = learned_from(other, "run-1", up008("b.py", CLASSES["Lexer"], 3)[0],
                            CLASSES["Lexer"]).created
    copy = other.get(second).path
    assert copy is not None
    shutil.copy(copy, tmp_path / "a" / ".heal" / "patterns")
    library = PatternLibrary(tmp_path / "a", Config(), builtin=False)
    assert {library.get(i).pattern for i in (first, second)} == {
        "super(Parser, self)", "super(Lexer, self)"}
    report = learned_from(library, "run-2", up008("c.py", CLASSES["Token"], 3)[0],
                          CLASSES["Token"])
    [general] = report.generalised
    assert library.get(general).pattern == "super($A, self)"
    [retired] = report.retired
    assert {general, retired} == {first, second}
    assert library.get(retired).status == "retired"
    assert library.get(retired).history[-1].why == f"subsumed by {general}, generalised in run run-2"


def test_fixes_that_differ_in_what_they_write_stay_separate_patterns(tmp_path: Path) -> None:
    """`re.I` -> `re.IGNORECASE` and `re.M` -> `re.MULTILINE` (FURB167) share a shape, but the
    fix writes a different name for each: merging them would write one for the other."""
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    created = []
    for path, flag, full in (("a.py", "I", "IGNORECASE"), ("b.py", "M", "MULTILINE")):
        text = f'import re\nPATTERN = re.compile("x", re.{flag})\n'
        fix, _ = replaced("ruff:FURB167", path, text, 2, f"re.{flag}", f"re.{full}")
        report = learned_from(library, "run-1", fix, text)
        assert not report.generalised
        created += report.created
    assert sorted(library.get(i).fix for i in created) == [
        're.compile("x", re.IGNORECASE)', 're.compile("x", re.MULTILINE)']


def test_each_record_is_learned_on_the_text_it_was_made_for(tmp_path: Path) -> None:
    """One finding can be recorded in two rounds, on two versions of its file, with one fix id:
    a map by fix id once gave the first record the later text, and ruff's edit of
    `Optional[str]` at its old columns wrote garbage (`str | NoneNone`) into a learned
    pattern. Each record carries the text it was made on, and the record of the later round
    (whose columns do not fit that fix) teaches nothing."""
    text = "from typing import Optional\n\n\ndef f(path: Optional[str] = None) -> None:\n    pass\n"
    fix, _ = up045("a.py", text, 4)
    later = text.replace("def f(", "def f(version: str | None = None, ")  # another round's text
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    records = [FixRecord(fix, Verdict.VERIFIED, "tests pass", "", 1, base=text),
               FixRecord(fix, Verdict.VERIFIED, "tests pass", "", 2, base=later)]
    report = library.learn("run-1", records)
    assert len(report.created) == 1, report
    learned = library.get(report.created[0])
    assert (learned.pattern, learned.fix) == ("Optional[$A]", "$A | None"), learned
    assert "None" + "None" not in learned.examples[0].after


def test_a_pattern_learned_in_a_parameter_annotation_is_the_annotation_and_serves_another(
        tmp_path: Path) -> None:
    """libcst places a parameter at its name only: learning climbed from `Optional[str]` to
    the whole `def` (one pattern per signature shape), and matching never looked inside a
    parameter. Both now reach into its annotation."""
    text_a = "def f(path: Optional[str] = None) -> None:\n    pass\n"
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    [created] = learned_from(library, "run-1", up045("a.py", text_a, 1)[0], text_a).created
    learned = library.get(created)
    assert (learned.pattern, learned.fix) == ("Optional[$A]", "$A | None")
    text_b = "class C:\n    def g(self, *, size: Optional[int] = 3, key=None):\n        return size\n"
    fix_b, finding = up045("b.py", text_b, 2)
    fix = served(library, finding, text_b)
    assert fix is not None and fix.source == f"pattern:{learned.id}@1"
    assert apply_fixes(text_b, [fix]) == apply_fixes(text_b, [fix_b])


def implicit_optional(path: str, text: str, line: int, name: str) -> tuple[Fix, Finding]:
    """mypy's finding for `name: X = None` on `line`, and the real TYP101 fixer's fix."""
    row = text.splitlines()[line - 1]
    default = row.index("None", row.index(f"{name}:"))
    finding = Finding(rule="mypy:assignment", category=Category.TYPE, priority=Priority.P1,
                      path=path, span=Span.of(line, default, line, default + 4),
                      message=f'Incompatible default for argument "{name}" (default has type '
                              f'"None", argument has type "str")',
                      tool="mypy", fingerprint=f"fp-{path}-{line}-{name}")
    fix = ImplicitOptional().fix(finding, ModuleContext(path, text))
    assert isinstance(fix, Fix), fix
    return fix, finding


OPTIONAL = "from typing import Optional\n\n\n"


def test_a_parameter_fix_is_learned_as_the_parameter_and_serves_other_signatures(
        tmp_path: Path) -> None:
    """An implicit-Optional fix changes one parameter; a `def` pattern would hold the whole
    signature (`def $A($B, $C: $D = None, *, $E=True)`) and serve only that shape. The
    pattern is the parameter (ast-grep's `context` + `selector`), and it must not apply to
    what it wrote (`Optional[Optional[str]]`), nor where the file has no `Optional`."""
    text_a = OPTIONAL + "def load(path, mode: str = None, *, strict=True) -> str:\n    return path\n"
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    fix_a, _ = implicit_optional("a.py", text_a, 4, "mode")
    [created] = learned_from(library, "run-1", fix_a, text_a).created
    learned = library.get(created)
    assert (learned.pattern, learned.fix, learned.selector) == (
        "$A: $B = None", "$A: Optional[$B] = None", "typed_default_parameter")
    assert learned.constraints["B"].not_regex == r"^Optional\[.*\]$"
    document = yaml.safe_load((tmp_path / ".heal" / "patterns" / f"{created}.yaml").read_text())
    assert document["rule"] == {"pattern": {"context": "def f($A: $B = None): ...",
                                            "selector": "typed_default_parameter"}}
    text_b = OPTIONAL + ("class Store:\n"
                         "    def get(self, key: int, *, default: 'Item' = None) -> None:\n"
                         "        pass\n")
    fix_b, finding = implicit_optional("b.py", text_b, 5, "default")
    fix = served(library, finding, text_b)
    assert fix is not None and fix.source == f"pattern:{learned.id}@1"
    assert apply_fixes(text_b, [fix]) == apply_fixes(text_b, [fix_b])
    assert "default: Optional['Item'] = None" in apply_fixes(text_b, [fix])
    again = apply_fixes(text_b, [fix])
    assert apply_to_text(learned, again) == again  # not `Optional[Optional['Item']]`
    text_c = "def get(key: int, default: str = None) -> None:\n    pass\n"  # no Optional here
    fix_c, finding_c = implicit_optional("c.py", text_c, 1, "default")
    fix = served(library, finding_c, text_c)
    assert fix is not None and fix.source == fix_c.source == "fixer:implicit-optional"
    assert "default: str | None = None" in apply_fixes(text_c, [fix])


def test_a_return_annotation_is_learned_with_any_parameters_and_serves_a_finding_in_a_body(
        tmp_path: Path) -> None:
    """`-> None` added to a `def` does not depend on its parameters (they become `$$$`, as
    the body does), and mypy's annotation-unchecked note points at a statement in the body:
    the function around it is a candidate too."""
    def unchecked(path: str, text: str, line: int) -> tuple[Fix, Finding]:
        finding = Finding(rule="mypy:annotation-unchecked", category=Category.TYPE,
                          priority=Priority.P3, path=path, span=Span.of(line, 8, line, 20),
                          message="By default the bodies of untyped functions are not checked",
                          tool="mypy", fingerprint=f"fp-{path}-{line}")
        fix = ReturnNone().fix(finding, ModuleContext(path, text))
        assert isinstance(fix, Fix), fix
        return fix, finding

    text_a = "class A:\n    def run(self, n: int):\n        total: int = n\n        print(total)\n"
    library = PatternLibrary(tmp_path, Config(), builtin=False)
    [created] = learned_from(library, "run-1", unchecked("a.py", text_a, 3)[0], text_a).created
    learned = library.get(created)
    assert (learned.pattern, learned.fix) == ("def $A($$$B):\n    $$$C",
                                              "def $A($$$B) -> None:\n    $$$C")
    text_b = ("def main(argv: list[str] | None = None, *rest: str, verbose: bool = False):\n"
              "    code: int = 0\n    print(code)\n")
    fix_b, finding = unchecked("b.py", text_b, 2)
    fix = served(library, finding, text_b)
    assert fix is not None and fix.source == f"pattern:{learned.id}@1"
    assert apply_fixes(text_b, [fix]) == apply_fixes(text_b, [fix_b]) == text_b.replace(
        "verbose: bool = False):", "verbose: bool = False) -> None:")
    returns = "def size(items: list[int], default: int = 0):\n    n: int = len(items)\n    return n or default\n"
    _, finding = unchecked("c.py", returns.replace("return n or default", "print(n)"), 2)
    fix = served(library, finding, returns)  # the fixer that owns the rule says no: it returns
    assert fix is None or fix.source != f"pattern:{learned.id}@1"


def test_a_lambda_parameter_is_not_learned_as_a_def_parameter() -> None:
    """ast-grep's context is a `def`: a lambda's parameter is learned with its lambda."""
    edit = generalise("f = lambda x=1: x\n", "f = lambda x=2: x\n", ("ruff:X",))
    assert not isinstance(edit, str) and (edit.pattern, edit.selector) == ("lambda $A=1: $A", "")


def test_a_comment_of_the_instance_is_never_part_of_a_learned_pattern() -> None:
    """parso taught `except ($B, IOError):  # TODO Maybe log this?` -> `except $B:  # TODO
    Maybe log this?`: the fix would have written parso's comment into other projects. A
    template has no comments; an edit that could only be reproduced by writing the comment
    from the template (not from a binding) is not learned."""
    before = "try:\n    run()\nexcept (ValueError, IOError):{}\n    pass\n"
    plain = generalise(before.format(""), before.format("").replace("(ValueError, IOError)",
                                                                    "ValueError"), ("ruff:UP024",))
    assert not isinstance(plain, str) and "#" not in plain.pattern + plain.fix
    commented = before.format("  # TODO log")
    edit = generalise(commented, commented.replace("(ValueError, IOError)", "ValueError"),
                      ("ruff:UP024",))
    assert isinstance(edit, str), edit


@pytest.mark.parametrize("before, after", [
    ("", ""), ("abc", "abc"), ("abc", ""), ("", "abc"), ("import os, sys\n", "import sys\n"),
    ("x = List[int]\n", "x = list[int]\n"), ("    pass\n    pass\n", "    pass\n"),
    ("aXb" * 500, "aYb" * 500), ("a" * 1000, "a" * 999),
])
def test_the_changed_region_is_between_the_common_prefix_and_suffix(before: str, after: str
                                                                       ) -> None:
    start, end_before, end_after = changed_region(before, after)
    assert before[:start] == after[:start]
    assert before[end_before:] == after[end_after:]
    assert before[:start] + after[start:end_after] + before[end_before:] == after
    prefix = _common(before, after)
    suffix = _common(before[prefix:][::-1], after[prefix:][::-1])
    assert end_before - start == len(before) - prefix - suffix  # as small as it can be


def _common(a: str, b: str) -> int:
    """How many first characters two texts share, one character at a time."""
    count, limit = 0, min(len(a), len(b))
    while count < limit and a[count] == b[count]:
        count += 1
    return count


MODULE = '''import sys
import os
from typing import List


@decorated
def first(items: List[int]) -> int:
    return len(items)  # a comment


x = 1; y = 2
'''


BODY = "def f():\n    a = 1\n\n    b = 2\n"


@pytest.mark.parametrize("check, before, after, expected", [
    ("across", MODULE, MODULE.replace("import sys\nimport os\n", "import os\nimport sys\n"),
     True),  # I001
    ("across", MODULE, MODULE.replace("List[int]", "list[int]").replace(
        "from typing import List\n", ""), True),
    ("across", MODULE, MODULE.replace("import os\n", "import os\nimport re\n"), False),
    ("across", MODULE, MODULE.replace("@decorated", "@other"), False),  # a decorator: its def's
    ("across", MODULE, MODULE.replace("\n\n@decorated", "\nz = 0\n\n@decorated"), False),
    ("across", MODULE, MODULE.replace("from typing import List\n", ""), False),  # one line
    ("across", MODULE, MODULE.replace("import os\n", "import os  # kept\n").replace(
        "int]) -> int:", "int]) -> None:"), True),
    ("across", MODULE, MODULE.replace("x = 1; y = 2", "x = 2; y = 1"), False),  # one line
    ("across", MODULE, MODULE.replace("len(items)", "len(items) + 1"), False),
    # blank lines removed between two top-level statements (ruff's I001 joining two groups)
    ("between", MODULE, MODULE.replace("import os\nfrom typing", "import os\n\nfrom typing"),
     False),  # one added: not a deletion at all
    ("between", MODULE, MODULE.replace("List\n\n\n@decorated", "List\n\n@decorated"), True),
    ("between", MODULE, MODULE.replace("# a comment\n\n\nx", "# a comment\n\nx"), True),
    ("between", BODY, BODY.replace("\n\n", "\n"), False),  # inside the function: its own
])
def test_an_edit_no_statement_holds_has_no_root_below_the_module(
        check: str, before: str, after: str, expected: bool) -> None:
    """`across_statements` (an edit reaching into two top-level statements) and
    `between_statements` (blank lines removed outside every statement's code) tell, with
    `ast` alone, the edits that no node but the module holds: learning then skips them
    without libcst's parse of the whole file. Where they say so, `edit_roots` (on libcst's
    parse) finds no root and `generalise` says the same as before."""
    from heal.patterns.region import Parsed, across_statements, between_statements, edit_roots

    told = {"across": across_statements, "between": between_statements}[check]
    assert told(before, after) is expected
    if expected:
        assert edit_roots(Parsed.of(before), Parsed.of(after)) is None
        assert generalise(before, after, ("ruff:I001",)) == \
            "no expression or statement holds the change on both sides"


TWICE = "import os\nimport os\n\nprint(os.sep)\n"
LONG = MODULE + "".join(f"\n\ndef g{n}():\n    return {n}\n" for n in range(20))


@pytest.mark.parametrize("before, after", [
    (MODULE, MODULE.replace("import os\n", "")),  # between two statements
    (MODULE, MODULE.replace("import sys\n", "")),  # the first
    (MODULE, MODULE.replace("from typing import List\n", "")),  # two blank lines follow
    (MODULE, MODULE.replace("\n\nx = 1; y = 2\n", "")),  # the last, with the lines above it
    (MODULE, MODULE.replace("@decorated\ndef first(items: List[int]) -> int:\n"
                            "    return len(items)  # a comment\n\n\n", "")),  # a whole def
    (TWICE, TWICE.replace("import os\n", "", 1)),  # one of two equal lines: either
    (LONG, LONG.replace("import os\n", "")),
    (LONG, LONG.replace("def g7():\n    return 7\n\n\n", "")),
    ("import os\n" + TWICE + LONG, "import os\n" + TWICE.replace("import os\n", "", 1) + LONG),
])
def test_a_deleted_top_level_statement_is_learned_from_the_statements_around_it(
        before: str, after: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A top-level statement deleted line and all (ruff's F401 on a module's import, the
    hook's commonest fix) lies in no statement: learning cuts out the statements around it
    rather than parsing the whole file with positions, and learns the same pattern."""
    from heal.patterns import region
    from heal.patterns.edit import apply_at

    region.narrow.cache_clear()
    cut = region.narrow(before, after)
    if before.count("\n") > 50:  # a cut of a few statements, not the file
        assert cut.before.count("\n") <= 20, cut.before
    assert before.splitlines(keepends=True)[cut.lines:cut.lines + cut.before.count("\n")] == \
        cut.before.splitlines(keepends=True)
    edit = generalise(before, after, ("ruff:F401",), line=None)
    region.narrow.cache_clear()
    monkeypatch.setattr(region, "_around_deletion", lambda before, after: None)
    assert region.narrow(before, after).before == before  # the whole file, as before the cut
    whole = generalise(before, after, ("ruff:F401",), line=None)
    region.narrow.cache_clear()
    if isinstance(whole, str):
        assert edit == whole
        return
    assert not isinstance(edit, str), edit
    assert (edit.pattern, edit.fix, edit.example, edit.key) == \
        (whole.pattern, whole.fix, whole.example, whole.key)
    instance = edit.instances[0]
    assert apply_at(edit.pattern, edit.fix, edit.constraints, instance.before, instance.span) \
        == instance.after == cut.after

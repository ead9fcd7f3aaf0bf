"""Template matching over libcst, fixes built from bindings, and the built-in library."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from heal.config import Config
from heal.fixer import ModuleContext
from heal.model import Category, Declined, Finding, Fix, Priority, Safety, Span
from heal.patterns.library import PatternLibrary
from heal.patterns.model import Constraint, Pattern, Stats
from heal.patterns.rewrite import apply_to_text, rewrite
from heal.patterns.store import PatternStore, builtin_dir
from heal.patterns.template import compile_template
from heal.patterns.unify import matches_text

BUILTINS = sorted(PatternStore(builtin_dir(), "builtin").all(), key=lambda p: p.id)
EXAMPLES = [(p, n, e) for p in BUILTINS for n, e in enumerate(p.examples, 1)]


def pattern(text: str, fix: str, **extra: object) -> Pattern:
    return Pattern(id="t", pattern=text, fix=fix, triggers=("ruff:X",), category=Category.STYLE,
                   safety=Safety.SAFE, **extra)  # type: ignore[arg-type]


def codes(template: str, code: str) -> list[dict[str, str]]:
    from libcst import Module

    found = matches_text(compile_template(template), code)
    return [{k: (Module([]).code_for_node(v) if not isinstance(v, tuple) else
                 ", ".join(Module([]).code_for_node(n).strip(", ") for n in v))
             for k, v in m.items()} for m in found]


def test_a_metavariable_binds_one_node() -> None:
    assert codes("$X == None", "a = f(x) == None\n") == [{"X": "f(x)"}]


def test_whitespace_comments_and_parentheses_do_not_matter() -> None:
    code = "r = (  f( x ,  # why\n  )  ==   None )\n"
    assert codes("f($A) == None", code) == [{"A": "x"}]
    assert codes("$X == 'a'", 'r = y == "a"\n') == [{"X": "y"}]
    assert codes("$X == 16", "r = y == 0x10\n") == [{"X": "y"}]


def test_everything_else_must_be_exact() -> None:
    assert codes("f($A) == None", "r = g(x) == None\n") == []
    assert codes("f($A) == None", "r = f(x) != None\n") == []
    assert codes("f($A)", "f(x, y)\n") == []
    assert codes("f($A)", "f(x=1)\n") == [{"A": "x=1"}]  # one argument, keyword or not


def test_many_metavariables_bind_zero_or_more_arguments() -> None:
    assert codes("foo($$$ARGS)", "foo()\n") == [{"ARGS": ""}]
    assert codes("foo($$$ARGS)", "foo(1, b, c=2)\n") == [{"ARGS": "1, b, c=2"}]
    assert codes("foo($$$A, last)", "foo(1, 2, last)\n") == [{"A": "1, 2"}]
    assert codes("[$$$A, 0]", "x = [1, 0]\ny = [0, 1]\n") == [{"A": "1"}]


def test_repeated_metavariables_must_bind_equal_code() -> None:
    assert codes("$X + $X", "a = b + b\nc = b + d\ne = (f(1)) + f( 1 )\n") == [
        {"X": "b"}, {"X": "(f(1))"}]


def test_nested_calls() -> None:
    found = codes("outer(inner($X), $Y)", "r = outer(inner(g(h(1))), k)\nr = outer(other(1), k)\n")
    assert found == [{"X": "g(h(1))", "Y": "k"}]
    assert apply_to_text(pattern("outer(inner($X), $Y)", "outer($Y, $X)"),
                         "r = outer(inner(g(h(1))), k)\n") == "r = outer(k, g(h(1)))\n"


def test_statement_bodies_bind_as_many() -> None:
    code = "class A(object):\n    # keep me\n    x = 1\n\n    def f(self):\n        return 2\n"
    fixed = apply_to_text(pattern("class $C(object):\n    $$$BODY", "class $C:\n    $$$BODY"),
                          code)
    assert fixed == code.replace("A(object)", "A")


def test_a_body_moved_to_another_depth_is_reindented() -> None:
    code = "def f():\n    if True:\n        a = 1\n        b = 2\n"
    fixed = apply_to_text(pattern("if True:\n    $$$BODY", "while True:\n    $$$BODY\n    break"),
                          code)
    assert fixed == "def f():\n    while True:\n        a = 1\n        b = 2\n        break\n"


def test_constraints_filter_bindings_by_regex() -> None:
    numbers = pattern("$X is $N", "$X == $N", constraints={"N": Constraint(regex=r"^-?\d+$")})
    assert apply_to_text(numbers, "a = x is 1\nb = x is y\nc = x is -5\n") == \
        "a = x == 1\nb = x is y\nc = x == -5\n"
    not_self = pattern("$X == $Y", "$Y == $X", constraints={"X": Constraint(not_regex="self")})
    assert apply_to_text(not_self, "a = self == b\n") == "a = self == b\n"


def test_the_fix_keeps_comments_inside_bindings_and_grouping() -> None:
    assert apply_to_text(pattern("not $X", "$X is False"), "r = not (a or b)\n") == \
        "r = (a or b) is False\n"
    assert apply_to_text(pattern("abs($X)", "-$X"), "r = abs(a + b)\n") == "r = -(a + b)\n"
    kept = apply_to_text(pattern("f($X)", "g($X)"), "from m import f, g\nr = f(a +  # why\n      b)\n")
    assert kept == "from m import f, g\nr = g(a +  # why\n      b)\n"


def test_a_fix_that_would_use_a_name_the_file_does_not_have_is_declined() -> None:
    """`Optional[$B]` in a file that does not import Optional would be a NameError: the
    pattern declines (with the reason) and the fixer that owns the rule gets the finding."""
    optional = pattern("$A: $B = None", "$A: Optional[$B] = None", selector="typed_default_parameter",
                       constraints={"B": Constraint(not_regex=r"^Optional\[.*\]$")})
    code = "def f(x: str = None, *, y=1):\n    return x\n"
    assert apply_to_text(optional, code) == code
    context = ModuleContext("x.py", code)
    param = context.module.body[0].params.params[0]  # type: ignore[attr-defined]
    reason = rewrite(optional, compile_template(optional.pattern, optional.selector), context, param)
    assert reason == "the fix uses Optional, which this file does not import or define"
    for header in ("from typing import Optional\n", "if TYPE_CHECKING:\n    from typing import Optional\n",
                   "try:\n    Optional = object\nexcept ImportError:\n    pass\n"):
        assert apply_to_text(optional, header + code) == \
            header + code.replace("x: str = None", "x: Optional[str] = None")


def test_multiline_strings_are_not_reindented() -> None:
    code = "def f():\n    if True:\n        x = '''a\n b'''\n"
    fixed = apply_to_text(pattern("if True:\n    $$$BODY", "$$$BODY"), code)
    assert fixed == code  # declined: moving the string would change it


def test_parentheses_written_around_a_metavariable_must_be_there() -> None:
    assert len(matches_text(compile_template("print(($A))"), "print((x))\nprint(y)\n")) == 1
    unwrap = pattern("$F(($A))", "$F($A)")
    assert apply_to_text(unwrap, "x = type((0))\n") == "x = type(0)\n"
    assert apply_to_text(unwrap, "f(((a)))\n") == "f(a)\n"  # one pair at a time
    # only the parentheses go: the call keeps its own layout and comments
    assert apply_to_text(unwrap, "print(\n    ('%s' % name)  # why\n)\n") == \
        "print(\n    '%s' % name  # why\n)\n"
    # a tuple is no argument in parentheses: `f(a, b)` would pass two
    assert apply_to_text(unwrap, "f((a, b))\n") == "f((a, b))\n"
    assert apply_to_text(unwrap, "f((yield))\n") == "f((yield))\n"  # `f(yield)`: no Python
    # the parentheses that group an operation stay
    drop = pattern("$A * ($B)", "$A * $B")
    assert apply_to_text(drop, "x = a * (b + c)\ny = a * (b)\n") == "x = a * (b + c)\ny = a * b\n"


def test_a_metavariable_the_fix_drops_binds_what_the_finding_points_at(tmp_path: Path) -> None:
    from heal.edits import apply_fixes

    library = PatternLibrary(None, Config(), builtin=False, folder=tmp_path / "p")
    library.save(pattern("from $M import $$$A, $B, $$$C", "from $M import $$$A, $$$C"))
    text = "from m import a, b, c\n"
    context = ModuleContext("m.py", text)
    for column, left in ((14, "from m import b, c\n"), (17, "from m import a, c\n"),
                         (20, "from m import a, b\n")):
        fix = library.propose(finding("ruff:X", Span.of(1, column, 1, column + 1)), context)
        assert isinstance(fix, Fix) and apply_fixes(text, [fix]) == left
    # the statement keeps its layout and the comments of the names that stay
    text = "from m import (\n    a,  # why\n    b,\n    c,\n)\n"
    fix = library.propose(finding("ruff:X", Span.of(4, 4, 4, 5)), ModuleContext("m.py", text))
    assert isinstance(fix, Fix)
    assert apply_fixes(text, [fix]) == "from m import (\n    a,  # why\n    b,\n)\n"
    # the comment would go with the name: not the pattern's call (the fixer makes it unsafe)
    result = library.propose(finding("ruff:X", Span.of(2, 4, 2, 5)), ModuleContext("m.py", text))
    assert isinstance(result, Declined) and "`# why`" in result.reason
    # a finding about the whole statement (an import block) points at no one name
    assert library.propose(finding("ruff:X", Span.of(1, 0, 1, 21)),
                           ModuleContext("m.py", "from m import a, b, c\n")) is None
    # without its last name the statement goes with its line, as the unused-import fixers do
    # (`from m import` is no statement): a pattern learned on `a, b, c` serves `import a`
    text = "import os\nfrom m import (\n    a,\n)\n\nx = 1\n"
    fix = library.propose(finding("ruff:X", Span.of(3, 4, 3, 5)), ModuleContext("m.py", text))
    assert isinstance(fix, Fix) and apply_fixes(text, [fix]) == "import os\n\nx = 1\n"
    # ... unless a comment would go with it, or it is all its block has (that needs a `pass`)
    commented = text.replace("(\n", "(  # the one\n")
    result = library.propose(finding("ruff:X", Span.of(3, 4, 3, 5)), ModuleContext("m.py", commented))
    assert isinstance(result, Declined) and "`# the one`" in result.reason
    assert library.propose(finding("ruff:X", Span.of(1, 14, 1, 15)),
                           ModuleContext("m.py", "from m import a\n")) is None
    text = "try:\n    from m import a\nexcept ImportError:\n    a = None\n"
    assert library.propose(finding("ruff:X", Span.of(2, 18, 2, 19)),
                           ModuleContext("m.py", text)) is None


def test_an_empty_fix_deletes_the_statement_with_its_line() -> None:
    drop = pattern("pass", "")
    assert apply_to_text(drop, 'class A:\n    """doc"""\n    pass\n') == 'class A:\n    """doc"""\n'
    assert apply_to_text(drop, "if x:\n    y()\n    pass\nelse:\n    pass\n") == \
        "if x:\n    y()\nelse:\n    pass\n"  # a block is never left empty
    assert apply_to_text(drop, "x = 1\n    \nif y:\n    z()\n    pass  # why\n") == \
        "x = 1\n    \nif y:\n    z()\n    # why\n"  # the comment stays, as ruff keeps it
    assert apply_to_text(drop, "x = 1\npass  # type: ignore\n") == "x = 1\npass  # type: ignore\n"
    assert apply_to_text(drop, "x = 1; pass\ny = 2\n") == "x = 1; pass\ny = 2\n"  # nor half a line
    assert apply_to_text(pattern("foo", ""), "x = 1\nfoo\nbar(foo)\n") == "x = 1\nbar(foo)\n"


def test_a_deleted_import_holds_the_finding(tmp_path: Path) -> None:
    from heal.edits import apply_fixes

    library = PatternLibrary(None, Config(), builtin=False, folder=tmp_path / "p")
    library.save(pattern("from $A import $B", ""))
    text = "import os\nfrom m import a\nfrom n import b, c\n\nprint(os)\n"
    context = ModuleContext("m.py", text)
    fix = library.propose(finding("ruff:X", Span.of(2, 14, 2, 15)), context)
    assert isinstance(fix, Fix)
    assert apply_fixes(text, [fix]) == "import os\nfrom n import b, c\n\nprint(os)\n"
    assert library.propose(finding("ruff:X", Span.of(3, 14, 3, 15)), context) is None  # 2 names


def finding(rule: str, span: Span, path: str = "m.py") -> Finding:
    return Finding(rule=rule, category=Category.LOGIC, priority=Priority.P2, path=path, span=span,
                   message="m", tool=rule.split(":")[0], fingerprint="fp1")


def test_the_library_proposes_a_fix_at_the_finding(tmp_path: Path) -> None:
    library = PatternLibrary(None, Config())
    text = "def f(x):\n    if x == None:\n        return 1\n"
    context = ModuleContext("m.py", text)
    fix = library.propose(finding("ruff:E711", Span.of(2, 12, 2, 16)), context)  # the span of `None`
    assert isinstance(fix, Fix)
    assert fix.source == "pattern:ruff-e711-eq-none@1"
    assert fix.safety is Safety.REVIEW  # no evidence yet
    assert fix.rationale == "pattern confidence 0.00 is below auto-apply-confidence 0.9"
    from heal.edits import apply_fixes

    assert apply_fixes(text, [fix]) == text.replace("x == None", "x is None")
    assert library.propose(finding("ruff:F401", Span.of(2, 12, 2, 16)), context) is None
    assert library.confident(finding("ruff:E711", Span.of(2, 12, 2, 16)), context) is None
    assert isinstance(library.fallback(finding("ruff:E711", Span.of(2, 12, 2, 16)), context), Fix)


def test_a_trusted_pattern_keeps_its_declared_safety(tmp_path: Path) -> None:
    library = PatternLibrary(None, Config(), builtin=False, folder=tmp_path / "p")
    library.save(pattern("not $X in $Y", "$X not in $Y", stats=Stats(verified=40)))
    context = ModuleContext("m.py", "ok = not a in b\n")
    fix = library.propose(finding("ruff:X", Span.of(1, 9, 1, 15)), context)
    assert isinstance(fix, Fix)
    assert fix.safety is Safety.SAFE and fix.confidence > 0.9
    assert library.confident(finding("ruff:X", Span.of(1, 9, 1, 15)), context) == fix


def test_a_match_that_cannot_be_fixed_is_declined(tmp_path: Path) -> None:
    library = PatternLibrary(None, Config(), builtin=False, folder=tmp_path / "p")
    library.save(pattern("if True:\n    $$$B", "$$$B"))
    text = "def f():\n    if True:\n        x = '''a\n b'''\n"
    result = library.propose(finding("ruff:X", Span.of(2, 7, 2, 11)), ModuleContext("m.py", text))
    assert isinstance(result, Declined)
    assert "multi-line string" in result.reason


@pytest.mark.parametrize(("item", "number", "example"), EXAMPLES,
                         ids=[f"{p.id}-{n}" for p, n, _ in EXAMPLES])
def test_builtin_examples_pass_through_the_matcher(item: Pattern, number: int,
                                                   example: object) -> None:
    from heal.patterns.model import Example

    assert isinstance(example, Example)
    assert apply_to_text(item, example.before) == example.after
    assert apply_to_text(item, example.after) == example.after  # a fixpoint


def test_the_builtin_library_is_valid_and_big_enough() -> None:
    assert len(BUILTINS) >= 6
    for item in BUILTINS:
        assert item.examples, f"{item.id} has no examples"
        assert item.provenance.kind == "builtin"
        assert item.path is not None and item.path.stem == item.id


def ast_grep() -> str:
    found = shutil.which("ast-grep", path=str(Path(sys.executable).parent)) or shutil.which(
        "ast-grep")
    if found is None:
        pytest.skip("the ast-grep binary is missing: pip install ast-grep-cli (the `test` extra)")
    return found


@pytest.mark.parametrize(("item", "number", "example"), EXAMPLES,
                         ids=[f"{p.id}-{n}" for p, n, _ in EXAMPLES])
def test_ast_grep_runs_the_builtin_files(tmp_path: Path, item: Pattern, number: int,
                                         example: object) -> None:
    """The real ast-grep accepts each file, matches its example and rewrites it the same way."""
    import json

    from heal.patterns.model import Example

    assert isinstance(example, Example) and item.path is not None
    binary = ast_grep()
    source = tmp_path / "example.py"
    source.write_text(example.before, encoding="utf-8")
    scan = subprocess.run([binary, "scan", "--rule", str(item.path), "--json=compact",
                           str(source)], capture_output=True, text=True, check=True)
    matches = json.loads(scan.stdout)
    assert matches, f"ast-grep found nothing for {item.id}: {scan.stderr}"
    assert all(m["ruleId"] == item.id for m in matches)
    subprocess.run([binary, "scan", "--rule", str(item.path), "--update-all", str(source)],
                   capture_output=True, text=True, check=True)
    assert source.read_text(encoding="utf-8") == example.after


def test_bodies_keep_the_files_own_indentation() -> None:
    useless = pattern("class $C(object):\n    $$$BODY", "class $C:\n    $$$BODY")
    tabs = "class A(object):\n\tx = 1\n\n\tdef f(self):\n\t\treturn 2\n"
    assert apply_to_text(useless, tabs) == tabs.replace("A(object)", "A")
    two = "if x:\n  class A(object):\n    x = 1\n    y = 2\n"
    assert apply_to_text(useless, two) == two.replace("A(object)", "A")


@pytest.mark.parametrize(("before", "after"), [
    ("from typing import Optional\n\n\ndef f(self, mode: str = None, *, n=1) -> None:\n    pass\n",
     "from typing import Optional\n\n\ndef f(self, mode: Optional[str] = None, *, n=1) -> None:\n    pass\n"),
    ("def f(a: int, /, *rest: str, b: bool = False):\n    print(a)\n",
     "def f(a: int, /, *rest: str, b: bool = False) -> None:\n    print(a)\n"),
    ('args = dict(loop=f(x), mode=m)\n', 'args = {"loop": f(x), "mode": m}\n'),
], ids=["parameter-selector", "any-parameters", "keywords-as-strings"])
def test_ast_grep_runs_learned_patterns(tmp_path: Path, before: str, after: str) -> None:
    """What heal learns about a parameter (ast-grep's `context` + `selector`), around any
    parameters (`def $A($$$B):`) or with a keyword the fix writes into a string (`dict($A=$B)`
    -> `{"$A": $B}`) is a file the real ast-grep reads, matches and applies as heal does, and a
    second ast-grep run changes nothing (the learned `not` constraint)."""
    from heal.model import Category, Safety
    from heal.patterns.generalise import generalise
    from heal.patterns.model import Provenance, dump

    edit = generalise(before, after, ("mypy:X",), origin="run-1")
    assert not isinstance(edit, str), edit
    learned = edit.as_pattern("learned-x", Category.TYPE, Safety.SAFE, Provenance("learned", run="r"),
                              "m")
    rule = tmp_path / "learned-x.yaml"
    rule.write_text(dump(learned), encoding="utf-8")
    source = tmp_path / "example.py"
    source.write_text(before, encoding="utf-8")
    binary = ast_grep()
    for _ in range(2):
        subprocess.run([binary, "scan", "--rule", str(rule), "--update-all", str(source)],
                       capture_output=True, text=True, check=True)
        assert source.read_text(encoding="utf-8") == after
    assert apply_to_text(learned, before) == after


@pytest.mark.parametrize("before", [
    "from ._state import SERVER, CLIENT\n\nprint(CLIENT)\n",
    "from .. import SERVER, CLIENT\n\nprint(CLIENT)\n",
    "from ..pkg.m import (\n    SERVER,\n    CLIENT,\n)\n\nprint(CLIENT)\n",
    "from pkg import SERVER, CLIENT\n\nprint(CLIENT)\n",
])
def test_import_patterns_match_relative_modules_as_ast_grep_does(tmp_path: Path, before: str
                                                                 ) -> None:
    """`from $A import ...` matches a relative import in ast-grep (tree-sitter's
    `relative_import` is one node), so heal's matcher binds `$A` to the dots and module too."""
    import json

    rule = tmp_path / "t.yaml"
    rule.write_text("id: t\nlanguage: Python\nrule:\n  pattern: from $A import $$$B, $C, $$$D\n"
                    "fix: from $A import $$$B, $$$D\n", encoding="utf-8")
    source = tmp_path / "example.py"
    source.write_text(before, encoding="utf-8")
    scan = subprocess.run([ast_grep(), "scan", "--rule", str(rule), "--json=compact",
                           str(source)], capture_output=True, text=True, check=True)
    module = before.split()[1]
    assert [m["metaVariables"]["single"]["A"]["text"] for m in json.loads(scan.stdout)] == [module]
    removal = pattern("from $A import $$$B, $C, $$$D", "from $A import $$$B, $$$D")
    after = apply_to_text(removal, before, limit=1)
    assert after.startswith(f"from {module} import") and "SERVER" not in after
    assert after.count("CLIENT") == 2
    assert codes("from .$A import $B", "from .m import x\nfrom ..m import y\nfrom m import z\n"
                 ) == [{"A": "m", "B": "x"}]  # dots written in the pattern must be there


def test_a_comment_rule_deletes_or_rewrites_the_comments_its_regex_matches() -> None:
    """ast-grep's `rule: {kind: comment, regex}`: an empty fix deletes the comment with the
    blanks before it, or its line when it stands alone; another fix is the new comment."""
    noqa = pattern("^# noqa: E402$", "", selector="comment")
    code = "import os  # noqa: E402\n# noqa: E402\nx = 1  # noqa: E501\n    # noqa: E402\n"
    assert apply_to_text(noqa, code) == "import os\nx = 1  # noqa: E501\n"
    todo = pattern(r"^# todo\b", "# TODO", selector="comment")
    assert apply_to_text(todo, "x = 1  # todo later\n", limit=1) == "x = 1  # TODO\n"


def test_a_fix_laid_out_on_several_lines_stays_on_one_for_code_on_one() -> None:
    """A learned fix has its instance's layout (`dict(\n    loop=x,\n)` taught `{\n    "$A":
    $B,\n}`); code on one line gets it on one line, as ruff's fix leaves it."""
    literal = pattern("dict(\n    $A=$B,\n)", '{\n    "$A": $B,\n}')
    assert apply_to_text(literal, 'x = dict(string="a")\n') == 'x = {"string": "a"}\n'
    assert apply_to_text(literal, "y = dict(\n    name=f(a),\n)\n") == \
        'y = {\n    "name": f(a),\n}\n'
    one = pattern("tuple([$A])", "(\n    $A,\n)")
    assert apply_to_text(one, "t = tuple([x])\n") == "t = (x,)\n"


def test_a_kept_body_keeps_its_header_comment_and_blank_lines() -> None:
    """`class $C(object):\\n    $$$BODY` -> `class $C:\\n    $$$BODY` (the built-in UP004
    pattern) changes the header only: rendering the template's body anew dropped the comment
    after the `:` and the blank lines before the first statement (as the corpus's held-out
    ruff fixes showed: heal's output differed from ruff's)."""
    [useless] = [p for p in BUILTINS if p.id == "ruff-up004-useless-object"]
    code = ("if ready:\n    class A(\n        object,\n    ):  # keep me\n\n        x = 1\n"
            "class B(object):\n    \n    y = 2\n")
    assert apply_to_text(useless, code) == ("if ready:\n    class A:  # keep me\n\n        x = 1\n"
                                            "class B:\n    \n    y = 2\n")


def test_a_fix_that_would_drop_a_comment_is_declined_with_the_reason() -> None:
    rename = pattern("foo($X)", "bar($X)")
    code = "from m import bar, foo\nr = foo(  # why\n    x)\n"
    context = ModuleContext("x.py", code)
    call = context.module.body[1].body[0].value  # type: ignore[attr-defined]
    assert rewrite(rename, compile_template("foo($X)"), context, call) == \
        "the comment `# why` would go"
    kept = "from m import bar, foo\nr = foo(x)  # why\n"
    assert apply_to_text(rename, kept) == kept.replace("foo(x)", "bar(x)")

"""A finding's identity through a run's rounds (`attribute.keep_identity`), and the fixes whose
signature holds a new finding's function (`attribute.in_bodies`), on findings fingerprinted
as a scan fingerprints them."""

from __future__ import annotations

from pathlib import Path

from heal.analyze import with_fingerprints
from heal.discover import SourceFile
from heal.model import Category, Finding, Fix, Priority, Safety, Span, TextEdit
from heal.verify import attribute

PATH = "pkg/calls.py"
LINE = "    request: Request = make()"


def _findings(text: str) -> list[Finding]:
    """mypy's note on the `request: Request = make()` line of every untyped function,
    fingerprinted as a scan does."""
    lines = text.splitlines()
    raw = [Finding(rule="mypy:annotation-unchecked", category=Category.TYPE,
                   priority=Priority.P3, path=PATH, span=Span.of(number, 4, number, 4),
                   message="By default the bodies of untyped functions are not checked",
                   tool="mypy", fingerprint="")
           for number, line in enumerate(lines, 1)
           if line == LINE and not lines[number - 2].endswith("-> None:")]
    return with_fingerprints(raw, {PATH: SourceFile(PATH, Path(PATH), text)})


def _module(typed: set[int], count: int = 4) -> str:
    return "".join(f"def check_{n}(){' -> None' if n in typed else ''}:\n{LINE}\n\n"
                   for n in range(count))


def test_fixing_the_first_of_identical_nodes_leaves_the_others_their_fingerprints() -> None:
    before_text, after_text = _module(set()), _module({0})
    before = _findings(before_text)  # four notes; `-> None` on check_0 takes the first away
    fresh = _findings(after_text)
    assert len(before) == 4 and len(fresh) == 3
    # counted afresh, the three left take the fingerprints of the first three
    assert [f.fingerprint for f in fresh] == [f.fingerprint for f in before[:3]]
    kept = attribute.keep_identity(before, fresh, attribute.line_maps(
        {PATH: before_text}, {PATH: after_text}, [PATH]))
    assert [f.fingerprint for f in kept] == [f.fingerprint for f in before[1:]]
    assert [f.span.start.line for f in kept] == [f.span.start.line for f in fresh]


def test_a_new_twin_gets_a_fingerprint_no_old_finding_has() -> None:
    before_text = _module(set(), count=2)
    after_text = f"def check_new():\n{LINE}\n\n" + before_text  # a third, above the two
    before = _findings(before_text)
    kept = attribute.keep_identity(before, _findings(after_text), attribute.line_maps(
        {PATH: before_text}, {PATH: after_text}, [PATH]))
    old = {f.fingerprint for f in before}
    assert [f.fingerprint in old for f in kept] == [False, True, True]
    assert [f.fingerprint for f in kept[1:]] == [f.fingerprint for f in before]
    assert len({f.fingerprint for f in kept}) == 3


def test_the_fix_on_the_signature_of_a_findings_function_is_its_suspect() -> None:
    text = _module(set(), count=3)
    typed = _module({1}, count=3)
    fix = Fix(fingerprints=("x",), rule="mypy:annotation-unchecked", category=Category.TYPE,
              path=PATH, edits=(TextEdit(Span.of(4, 0, 4, len("def check_1():")),
                                         "def check_1() -> None:"),),
              source="fixer:return-none", safety=Safety.SAFE, description="")
    assert text.splitlines()[3] == "def check_1():"
    other = Fix(fingerprints=("y",), rule="ruff:E501", category=Category.STYLE, path=PATH,
                edits=(TextEdit(Span.of(8, 4, 8, 11), "req"),), source="fixer:x",
                safety=Safety.SAFE, description="")  # in check_2's body
    new = Finding(rule="mypy:attr-defined", category=Category.TYPE, priority=Priority.P2,
                  path=PATH, span=Span.of(5, 4, 5, 10), message='"Request" has no attribute',
                  tool="mypy", fingerprint="z")
    maps = attribute.line_maps({PATH: text}, {PATH: typed}, [PATH])
    assert attribute.in_bodies([new], [other, fix], {PATH: text}, maps) == [fix]
    outside = Finding(rule="mypy:attr-defined", category=Category.TYPE, priority=Priority.P2,
                      path=PATH, span=Span.of(2, 4, 2, 10), message="x", tool="mypy",
                      fingerprint="w")  # check_0's body: its signature is nobody's fix
    assert attribute.in_bodies([outside], [other, fix], {PATH: text}, maps) == []


def test_a_line_moved_by_a_rewrite_keeps_its_findings_fingerprint() -> None:
    """Sorting an import block can move a line out of the line map's reach (deleted here,
    inserted there): its unused-import finding is still the one it was, not a new one that
    a fix turned down for it could be tried again under."""
    path = "pkg/imports.py"
    before_text = "if X:\n    from b import B\n    from lxml import etree\n"
    after_text = "if X:\n    from lxml import etree\n    from b import B\n"

    def unused(text: str, line: int) -> list[Finding]:
        column = text.splitlines()[line - 1].index("etree")
        raw = Finding(rule="ruff:F401", category=Category.IMPORT, priority=Priority.P3,
                      path=path, span=Span.of(line, column, line, column + 5),
                      message="`lxml.etree` imported but unused", tool="ruff", fingerprint="")
        return with_fingerprints([raw], {path: SourceFile(path, Path(path), text)})

    before, after = unused(before_text, 3), unused(after_text, 2)
    maps = attribute.line_maps({path: before_text}, {path: after_text}, [path])
    kept = attribute.keep_identity(before, after, maps)
    assert [f.fingerprint for f in kept] == [before[0].fingerprint]
    assert kept[0].span.start.line == 2

"""Pattern files: the schema, its errors, safe loading, migration, confidence and versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from heal.errors import ConfigError
from heal.patterns.load import load_file, load_text, migrate, parse
from heal.patterns.model import SCHEMA_VERSION, Stats, dump, wilson_lower_bound
from heal.patterns.store import PatternStore

GOOD = """\
id: demo-eq-none
language: Python
rule:
  pattern: $X == None
fix: $X is None
metadata:
  schema: 1
  version: 1
  status: active
  category: logic
  triggers: [ruff:E711]
  safety: unsafe
  provenance: {kind: builtin}
  stats: {applied: 3, verified: 2, rejected: 1}
  confidence: 0.99
  history:
    - {date: '2025-11-01', version: 1, change: created, why: test}
  examples:
    - before: "x == None\\n"
      after: "x is None\\n"
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_and_confidence_is_derived_not_read(tmp_path: Path) -> None:
    pattern = load_file(write(tmp_path / "patterns", "demo-eq-none.yaml", GOOD))
    assert pattern.id == "demo-eq-none"
    assert pattern.triggers == ("ruff:E711",)
    assert pattern.stats.verified == 2
    assert pattern.confidence == pytest.approx(wilson_lower_bound(2, 3))
    assert pattern.confidence < 0.5  # the file's 0.99 is ignored
    assert pattern.source == "pattern:demo-eq-none@1"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("  safety: unsafe", "  safety: maybe",
     "patterns/demo-eq-none.yaml: metadata.safety must be one of safe, unsafe, review, not 'maybe'"),
    ("  status: active", "  status: sleeping", "metadata.status must be one of active, retired"),
    ("  triggers: [ruff:E711]", "  triggers: []", "metadata.triggers must be a non-empty list"),
    ("  triggers: [ruff:E711]", "  triggers: [E711]", "metadata.triggers[0] must be a namespaced"),
    ("  version: 1", "  version: zero", "metadata.version must be a version number"),
    ("  category: logic", "  category: vibes", "metadata.category must be one of type, import"),
    ("  schema: 1", "  schema: 7", "metadata.schema is 7, newer than this heal understands"),
    ("  stats: {applied: 3, verified: 2, rejected: 1}", "  stats: {applied: -1}",
     "metadata.stats.applied must be a whole number"),
    ("  stats: {applied: 3, verified: 2, rejected: 1}", "  stats: {wins: 1}",
     "metadata.stats.wins is not a known field"),
    ("language: Python", "language: Rust", "language must be Python"),
    ("fix: $X is None", "fix: 3", "fix must be a string"),
    ("id: demo-eq-none", "id: Demo Eq", "id must be lowercase letters"),
    ("  pattern: $X == None", "  pattern: $X == None\n  inside: {kind: if_statement}",
     "rule.inside is not supported by heal"),
    ("metadata:", "transform: {}\nmetadata:", "transform is an ast-grep feature heal does not"),
    ("  pattern: $X == None", "  pattern: {context: 'def f($X=None): ...', selector: identifier}",
     "rule.pattern.selector must be one of typed_default_parameter, typed_parameter"),
    ("  pattern: $X == None", "  pattern: {context: 'def f($X): ...', selector: default_parameter}",
     "rule.pattern.context the context has no default_parameter"),
    ("  pattern: $X == None", "  pattern: {context: 'def f($X=None): ...', strictness: ast}",
     "rule.pattern.strictness is not a known field; known: context, selector"),
    ("  pattern: $X == None", "  kind: string\n  regex: a", "rule.kind must be comment"),
    ("  pattern: $X == None", "  kind: comment", "rule with `kind: comment` must have a `regex`"),
    ("  pattern: $X == None", "  kind: comment\n  regex: '('",
     "rule.regex is not a valid regular expression"),
    ("  pattern: $X == None", "  kind: comment\n  regex: noqa",
     "fix of a `kind: comment` rule must be empty (delete the comment) or one comment line"),
    ("metadata:", "colour: blue\nmetadata:", "colour is not a known field"),
    ("  provenance: {kind: builtin}", "  provenance: {kind: mined}",
     "metadata.provenance.commits must name the commits"),
    ("  history:\n    - {date: '2025-11-01', version: 1, change: created, why: test}",
     "  history:\n    - {date: '2025-11-01', change: created}", "metadata.history[0].version"),
    ("  examples:\n    - before", "  examples:\n    - befor", "metadata.examples[0].befor is not"),
    ("fix: $X is None", "fix: $X is None\nconstraints: {Y: {regex: a}}",
     "constraints.Y names no metavariable of rule.pattern"),
    ("fix: $X is None", "fix: $X is None\nconstraints: {X: {regex: '('}}",
     "constraints.X.regex is not a valid regular expression"),
])
def test_schema_errors_name_the_file_and_the_field(tmp_path: Path, old: str, new: str,
                                                   message: str) -> None:
    assert old in GOOD
    path = write(tmp_path / "patterns", "demo-eq-none.yaml", GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_file(path, "patterns/demo-eq-none.yaml")
    assert message in caught.value.message
    assert caught.value.message.startswith("patterns/demo-eq-none.yaml: ")


def test_the_file_name_must_be_the_id(tmp_path: Path) -> None:
    path = write(tmp_path, "other.yaml", GOOD)
    with pytest.raises(ConfigError, match=r"the file is named other\.yaml"):
        load_file(path)


def test_a_fix_that_uses_an_unbound_metavariable_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "p", "demo-eq-none.yaml", GOOD.replace("fix: $X is None", "fix: $Y is None"))
    with pytest.raises(ConfigError, match=r"p/demo-eq-none.yaml: fix uses \$Y"):
        PatternStore(tmp_path / "p").entries()


def test_a_pattern_that_is_not_python_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "p", "demo-eq-none.yaml", GOOD.replace("$X == None", "$X === None"))
    with pytest.raises(ConfigError, match=r"demo-eq-none\.yaml: rule\.pattern not valid Python"):
        PatternStore(tmp_path / "p").entries()


def test_a_metavariable_inside_a_string_of_the_pattern_is_refused(tmp_path: Path) -> None:
    """ast-grep would bind `$X` to the string's text; heal matches literals whole, so it says
    so rather than never matching (a fix may write one into a string: `{"$K": $A}`)."""
    write(tmp_path / "p", "demo-eq-none.yaml", GOOD.replace("$X == None", "f('$X') == None"))
    with pytest.raises(ConfigError, match=r"demo-eq-none\.yaml: rule\.pattern has \$X inside a "
                                          r"string literal"):
        PatternStore(tmp_path / "p").entries()


@pytest.mark.parametrize("payload", [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system",
])
def test_malicious_yaml_is_refused_and_runs_nothing(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "pwned"
    text = GOOD.replace("fix: $X is None", "fix: " + payload.format(marker=marker))
    path = write(tmp_path / "patterns", "demo-eq-none.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_file(path, "patterns/demo-eq-none.yaml")
    assert "refused" in caught.value.message
    assert "!!python/" in caught.value.message
    assert "may not construct Python objects" in caught.value.message
    assert not marker.exists()


def test_not_yaml_at_all_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"x.yaml: not valid YAML at line \d+"):
        load_text("id: [unclosed\n", "x.yaml")


def test_dump_and_load_round_trip(tmp_path: Path) -> None:
    pattern = load_text(GOOD, "demo-eq-none.yaml")
    again = load_text(dump(pattern), "demo-eq-none.yaml")
    assert again == pattern
    assert "confidence: 0.2" in dump(pattern) or "confidence: 0.1" in dump(pattern)


SCHEMA_0 = """\
id: old-eq-none
language: python
rule: {pattern: $X == None}
fix: $X is None
triggers: [ruff:E711]
safety: unsafe
category: logic
source: learned
stats: {applied: 1, verified: 1}
examples:
  - {input: "a == None\\n", output: "a is None\\n"}
"""


def test_migrate_schema_0_to_1() -> None:
    import yaml

    document, notes = migrate(yaml.safe_load(SCHEMA_0))
    assert document["metadata"]["schema"] == SCHEMA_VERSION
    assert "triggers" not in document and document["metadata"]["triggers"] == ["ruff:E711"]
    assert document["language"] == "Python"
    assert document["metadata"]["examples"] == [{"before": "a == None\n", "after": "a is None\n"}]
    assert any("schema 0 -> 1" in n for n in notes)
    pattern = parse(document, "old-eq-none.yaml")
    assert pattern.stats.verified == 1
    assert pattern.history[-1].change == "migrated from schema 0 to 1"
    assert pattern.provenance.kind == "learned"


def test_loading_an_old_schema_migrates_in_memory() -> None:
    pattern = load_text(SCHEMA_0, "old-eq-none.yaml")
    assert pattern.triggers == ("ruff:E711",)


def test_confidence_moves_with_outcomes() -> None:
    stats = Stats()
    assert stats.confidence == 0.0
    for _ in range(10):
        stats = stats.record("verified")
    high = stats.confidence
    assert 0.7 < high < 0.9
    stats = stats.record("rejected")
    assert stats.confidence < high
    assert stats.rejected_in_a_row == 1
    stats = stats.record("approved")
    assert stats.rejected_in_a_row == 0
    for _ in range(20):
        stats = stats.record("verified")
    assert stats.confidence > 0.8
    assert wilson_lower_bound(25, 25) >= 0.9 > wilson_lower_bound(20, 20)


def test_a_change_bumps_the_version_and_appends_history() -> None:
    pattern = load_text(GOOD, "demo-eq-none.yaml")
    changed = pattern.changed("fix changed", "a reviewer asked", fix="($X) is None")
    assert changed.version == 2
    assert changed.history[-1].version == 2
    assert changed.history[-1].why == "a reviewer asked"
    assert len(changed.history) == len(pattern.history) + 1
    assert changed.source == "pattern:demo-eq-none@2"

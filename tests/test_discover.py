"""Discovery: which files are read, and what becomes a finding instead of reaching the tools."""

from __future__ import annotations

from heal.config import Config
from heal.discover import (
    SYNTAX_RULE,
    TOO_LARGE_RULE,
    UNREADABLE_RULE,
    SourceFile,
    discover,
    excluded,
    read_source,
    select_paths,
    syntax_cache,
    syntax_error,
)


def test_exclude_globs():
    assert excluded("vendor/a.py", ["vendor"])
    assert excluded("vendor/deep/a.py", ["vendor/"])
    assert excluded("pkg/migrations/0001.py", ["migrations"])
    assert excluded("x_pb2.py", ["*_pb2.py"])
    assert excluded("tests/data/a.py", ["tests/data/**"])
    assert not excluded("vendored.py", ["vendor"])
    assert not excluded("src/a.py", ["tests/**"])


def test_select_paths_keeps_python_under_prefixes():
    listed = ["a.py", "a.txt", "pkg/b.py", "pkg/c.pyi", "other/d.py"]
    assert select_paths(listed, ["pkg"], Config()) == ["pkg/b.py"]
    assert select_paths(listed, [], Config(exclude=("other",))) == ["a.py", "pkg/b.py"]
    assert select_paths(listed, [], Config(), only={"a.py"}) == ["a.py"]


def test_read_source_cases(tmp_path):
    files = {
        "ok.py": b"x = 1\n",
        "bom.py": b"\xef\xbb\xbfx = 1\n",
        "bad.py": b"def f(:\n",
        "bin.py": b"\x00\x00",
        "latin.py": b"x = '\xe9'\n",
        "gen.py": b"# @" + b"generated\n" + b"x = 1\n" * 10,
        "big.py": b"x = 1\n" * 100,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    config = Config(max_file_size=300)
    results = {name: read_source(tmp_path, name, config) for name in files}
    assert isinstance(results["ok.py"], SourceFile)
    assert isinstance(results["bom.py"], SourceFile) and results["bom.py"].text == "x = 1\n"
    assert results["bad.py"].rule == SYNTAX_RULE
    assert results["bin.py"].rule == UNREADABLE_RULE
    assert results["latin.py"].rule == UNREADABLE_RULE
    assert results["gen.py"] is None
    assert results["big.py"].rule == TOO_LARGE_RULE


def test_syntax_error_position_and_newer_grammar():
    assert syntax_error("x = (\n") is not None
    line, _, _ = syntax_error("a = 1\nb = = 2\n")
    assert line == 2
    assert syntax_error("match x:\n    case 1:\n        pass\n") is None


def test_symlink_out_of_repo_is_not_read(tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "link.py").symlink_to(outside)
    result = read_source(repo, "link.py", Config())
    assert result.rule == UNREADABLE_RULE and "outside the repository" in result.message


def test_syntax_answers_are_remembered_per_content(tmp_path):
    """A warm discover reads the syntax answer instead of parsing; an edited file is parsed
    again, and an answer of either kind survives the cache."""
    (tmp_path / "bad.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    (tmp_path / "good.py").write_text("X = 1\n", encoding="utf-8")
    cache = syntax_cache(tmp_path / ".heal")
    cold = discover(tmp_path, ["bad.py", "good.py"], Config(), cache)
    assert [f.rule for f in cold.findings] == ["heal:SYNTAX"] and len(cold.files) == 1
    assert len(list((tmp_path / ".heal" / "cache" / "syntax").rglob("*.json"))) == 2
    warm = discover(tmp_path, ["bad.py", "good.py"], Config(), cache)
    assert warm.findings == cold.findings and [f.path for f in warm.files] == ["good.py"]
    (tmp_path / "bad.py").write_text("def f():\n    pass\n", encoding="utf-8")
    fixed = discover(tmp_path, ["bad.py", "good.py"], Config(), cache)
    assert not fixed.findings and len(fixed.files) == 2

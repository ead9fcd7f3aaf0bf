"""Step 1 of the pipeline: which Python files to look at, and which of them can be read at all.

Files come from git (tracked plus untracked-not-ignored), narrowed by the paths the user gave,
`--changed` / `--since`, and `exclude` globs. Each file is read once here; a file that is binary,
undecodable, too large or unparsable becomes one finding instead of reaching the analyzers
(mypy stops checking everything at the first syntax error, so they must not see it). Files whose
header carries the generated-code marker are skipped, as LibCST's codemod runner does.
"""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import functools
import hashlib
import io
import sys
import tokenize
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heal import __version__
from heal.cache import ResultCache
from heal.config import Config
from heal.model import Category, Finding, Priority, Span

GENERATED_MARKER = b"@" + b"generated"  # spelled apart so heal does not skip this very file
HEADER_BYTES = 2048
SYNTAX_RULE = "heal:SYNTAX"
UNREADABLE_RULE = "heal:UNREADABLE"
TOO_LARGE_RULE = "heal:TOO-LARGE"


@dataclass(frozen=True)
class SourceFile:
    path: str  # repo-relative POSIX
    abspath: Path
    text: str
    encoding: str = "utf-8"
    digest: str = ""  # sha256 of the bytes read: landing writes only if the file still has them

    @functools.cached_property
    def lines(self) -> list[str]:  # once per file, not once per finding
        return self.text.splitlines()


@dataclass
class Discovery:
    files: list[SourceFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # syntax errors, unreadable files
    generated: list[str] = field(default_factory=list)


def is_python(path: str) -> bool:
    return path.endswith(".py")


def excluded(path: str, patterns: Sequence[str]) -> bool:
    """gitignore-ish globs: `build`, `build/`, `build/**`, `*_pb2.py`, `tests/data/*.py`."""
    parts = path.split("/")
    for raw in patterns:
        pattern = raw.rstrip("/")
        if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern + "/*"):
            return True
        if "/" not in pattern and any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def module_name(root: Path, path: str) -> str:
    """A file's module name as Python and mypy see it: its stem plus every parent folder that
    has an `__init__.py` (`pkg/sub/a.py` -> `pkg.sub.a`; with no `__init__.py`, just `a`)."""
    parts = Path(path).with_suffix("").parts
    names = [parts[-1]] if parts[-1] != "__init__" else []
    folder = (root / path).parent
    for name in reversed(parts[:-1]):
        if not (folder / "__init__.py").is_file():
            break
        names.insert(0, name)
        folder = folder.parent
    return ".".join(names) or parts[-1]


def under(path: str, prefixes: Sequence[str]) -> bool:
    """True when `path` is one of `prefixes` or inside one of them ('' means everything)."""
    return any(p == "" or path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def select_paths(
    listed: Iterable[str],
    prefixes: Sequence[str],
    config: Config,
    only: set[str] | None = None,
) -> list[str]:
    chosen = []
    for path in listed:
        if not is_python(path) or excluded(path, config.exclude):
            continue
        if prefixes and not under(path, prefixes):
            continue
        if only is not None and path not in only:
            continue
        chosen.append(path)
    return chosen


def _problem(path: str, rule: str, message: str, priority: Priority = Priority.P1) -> Finding:
    return Finding(
        rule=rule, category=Category.LOGIC, priority=priority, path=path,
        span=Span.of(1, 0, 1, 0), message=message, tool="heal", fingerprint="",
    )


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of Python source, honouring a PEP 263 coding line and a BOM
    (`utf-8-sig` strips the BOM on the way in and puts it back on the way out)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def encode(source: SourceFile, text: str) -> bytes:
    """`text` as bytes in the file's own encoding (BOM and line endings as the text has them)."""
    return text.encode(source.encoding)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_hash(text: str) -> str:
    """A file version's identity, which the run's caches and the review queue key on."""
    return digest(text.encode("utf-8", "surrogatepass"))


@functools.lru_cache(maxsize=64)  # a fix's text is asked about by more than one check
def python_syntax_error(text: str) -> tuple[int, int, str] | None:
    """(line, column, message) where the running interpreter's own parser rejects the text, or
    None when it parses (the one place heal asks `ast` whether Python code is Python)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences are not our finding
            ast.parse(text)
    except SyntaxError as error:
        return (error.lineno or 1, max((error.offset or 1) - 1, 0), error.msg)
    except (ValueError, RecursionError) as error:  # null bytes; nesting too deep
        return (1, 0, str(error) or type(error).__name__)
    return None


def syntax_error(text: str) -> tuple[int, int, str] | None:
    """(line, column, message) of the first syntax error, or None when the file parses.

    The running interpreter's parser goes first (fast); when it fails, LibCST gets a say, since
    it knows newer grammar than an older interpreter does.
    """
    first = python_syntax_error(text)
    if first is None:
        return None
    import libcst  # only when the interpreter's parser says no: libcst knows newer grammar

    try:
        libcst.parse_module(text)
    except libcst.ParserSyntaxError:
        return first
    return None


def checked_syntax(text: str, data_digest: str,
                   cache: ResultCache | None) -> tuple[int, int, str] | None:
    """`syntax_error`, remembered per file content: a warm scan does not parse at all."""
    if cache is None:
        return syntax_error(text)
    key = cache.key(data_digest)
    known = cache.get(key)
    if isinstance(known, list):
        return (int(known[0]), int(known[1]), str(known[2])) if known else None
    problem = syntax_error(text)
    cache.put(key, list(problem) if problem else [])
    return problem


def syntax_cache(state_dir: Path) -> ResultCache:
    """The syntax answers depend on the interpreter's parser and on libcst's grammar."""
    from importlib.metadata import version

    return ResultCache(state_dir, "syntax", [__version__, sys.version, version("libcst")])


def read_source(root: Path, path: str, config: Config,
                cache: ResultCache | None = None) -> SourceFile | Finding | None:
    """The file's text, a finding that says why it cannot be read, or None for generated code."""
    abspath = root / path
    if abspath.is_symlink() and not abspath.exists():
        return _problem(path, UNREADABLE_RULE, "broken symbolic link (what it points to does not "
                        "exist); fix the link or remove it")
    if abspath.is_symlink() and not abspath.resolve().is_relative_to(root):
        return _problem(path, UNREADABLE_RULE,
                        "symlink to a file outside the repository; heal leaves it alone", Priority.P3)
    try:
        size = abspath.stat().st_size
        with abspath.open("rb") as handle:
            header = handle.read(HEADER_BYTES)
            if GENERATED_MARKER in header:
                return None
            if size > config.max_file_size:
                return _problem(path, TOO_LARGE_RULE,
                                f"file is {size:,} bytes, over max-file-size ({config.max_file_size:,});"
                                " exclude it or raise max-file-size in [tool.heal]", Priority.P2)
            data = header + handle.read()
    except OSError as error:
        return _problem(path, UNREADABLE_RULE,
                        f"cannot read file ({error.strerror}); fix its permissions or exclude it")
    if b"\0" in data:
        return _problem(path, UNREADABLE_RULE, "binary content in a .py file; exclude it in [tool.heal]")
    try:
        text, encoding = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        reason = error.reason if isinstance(error, UnicodeDecodeError) else str(error)
        return _problem(path, UNREADABLE_RULE,
                        f"not valid UTF-8 or declared encoding ({reason}); re-save it as UTF-8")
    data_digest = digest(data)
    problem = checked_syntax(text, data_digest, cache)
    if problem:
        line, column, message = problem
        finding = _problem(path, SYNTAX_RULE, f"syntax error: {message}")
        return dataclasses.replace(finding, span=Span.of(line, column, line, column))
    return SourceFile(path=path, abspath=abspath, text=text, encoding=encoding,
                      digest=data_digest)


def discover(root: Path, candidates: Sequence[str], config: Config,
             cache: ResultCache | None = None) -> Discovery:
    """Read every candidate once; `cache` (a `syntax_cache`) remembers which texts parse."""
    found = Discovery()
    for path in candidates:
        result = read_source(root, path, config, cache)
        if result is None:
            found.generated.append(path)
        elif isinstance(result, Finding):
            found.findings.append(result)
        else:
            found.files.append(result)
    return found

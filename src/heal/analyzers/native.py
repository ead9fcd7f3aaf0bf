"""heal's own rules' detectors (`heal/rules/`), batched into one libcst traversal per file.

Every enabled detector visits each module in one shared traversal. Answers are cached per file
text (and detector code) under `.heal/cache/native/`, so a warm scan re-reads only what changed;
a large cold scan spreads files over child processes. A detector that crashes on a file becomes
an `AnalyzerError` naming the file, never a failed scan. A finding is suppressed by
`# heal: ignore` or `# heal: ignore[CODE, ...]` on its first line (a retired fixer code names
its rule: `LGC101` is `LOG101`).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from heal import __version__
from heal.analyzers.base import AnalyzeContext, AnalyzerResult
from heal.cache import ResultCache
from heal.discover import SourceFile
from heal.model import AnalyzerError, Category, Finding, Priority, Span
from heal.rules import retired

if TYPE_CHECKING:  # libcst and the detectors load only when a file is not in the cache
    from heal.rules.base import Detector, Report
    from heal.rules.logic.log113_import_cycles import ImportFact

# one file per rule, `rules/<category>/<code>_<name>.py`
RULES_DIR = Path(__file__).resolve().parents[1] / "rules"

NAME = "native"
_IGNORE = re.compile(r"#\s*heal:\s*ignore(?:\[(?P<codes>[^\]]*)\])?")


def suppressed(line: str, code: str) -> bool:
    match = _IGNORE.search(line)
    if not match:
        return False
    codes = match.group("codes")
    return codes is None or code in {retired.current(c.strip()) for c in codes.split(",")}


CACHE_FORMAT = "rows-v3"
PROJECT_RULE = "LOG113"  # import cycles: a rule over the whole project, not one file
# one report as cached: [code, category, priority, line, column, end line, end column, message]
Row = list[object]


def detect_file(text: str, detectors: list[type[Detector]], shared: bool = False
                ) -> tuple[list[Report], list[ImportFact]]:
    """All detectors over one module's text, in one shared traversal, and the module's eager
    imports for the import-cycle rule, from the same parse (raises on a crash). `shared`: the
    parse is the run's (`heal.cst.parsed`), kept for the fixers that plan on this very text (a
    re-check's texts are the next round's)."""
    import libcst as cst

    from heal.cst import parsed
    from heal.rules.base import run_detectors
    from heal.rules.logic.log113_import_cycles import import_facts

    module = parsed(text).module if shared else cst.parse_module(text)
    visitors = run_detectors(module, detectors)
    return [report for visitor in visitors for report in visitor.reports], import_facts(module)


def to_findings(source: SourceFile, rows: list[Row]) -> list[Finding]:
    lines = source.lines
    findings = []
    for code, category, priority, line, column, end_line, end_column, message in rows:
        assert isinstance(line, int) and isinstance(column, int)
        assert isinstance(end_line, int) and isinstance(end_column, int)
        text = lines[line - 1] if line <= len(lines) else ""
        if suppressed(text, str(code)):
            continue
        findings.append(Finding(
            rule=f"heal:{code}", category=Category(category), priority=Priority(priority),
            path=source.path, span=Span.of(line, column, end_line, end_column),
            message=str(message), tool=NAME, fingerprint="",
        ))
    return findings


def detect(source: SourceFile, detectors: list[type[Detector]]) -> list[Finding]:
    return to_findings(source, _encode(detect_file(source.text, detectors)[0], detectors))


def _salt(codes: list[str]) -> list[str]:
    """A cached answer is valid for this heal, these detectors and their code only (read from
    the files, so that a warm scan does not need to import libcst at all)."""
    sources = sorted(RULES_DIR.rglob("*.py"))
    return [__version__, CACHE_FORMAT, *sorted(codes),
            *(p.read_text(encoding="utf-8") for p in sources)]


def _encode(reports: list[Report], detectors: list[type[Detector]]) -> list[Row]:
    kinds = {cls.CODE: cls for cls in detectors}
    return [[r.code, kinds[r.code].CATEGORY.value, kinds[r.code].PRIORITY.value,
             r.span.start.line, r.span.start.column, r.span.end.line, r.span.end.column,
             r.message] for r in reports]


# what the cache holds per file text: {"rows": [Row, ...], "imports": [ImportFact, ...]}
Answer = dict[str, list[list[object]]]


def _detect_chunk(texts: list[str], codes: list[str], shared: bool = False
                  ) -> list[Answer | str]:
    """Worker: encoded reports and import facts per text, or the error message (in a child
    process; `shared` in heal's own, where the parses are kept for the run: `detect_file`)."""
    from libcst import ParserSyntaxError

    from heal.rules.registry import DETECTORS

    detectors = [DETECTORS[code] for code in codes]
    out: list[Answer | str] = []
    for text in texts:
        try:
            reports, imports = detect_file(text, detectors, shared)
            out.append({"rows": _encode(reports, detectors), "imports": imports})
        except ParserSyntaxError as error:  # Python parsed it (discover checks): libcst cannot
            out.append(f"libcst cannot parse this file (line {error.raw_line}: valid Python it "
                       "does not support), so heal's own detectors skipped it")
        except Exception as error:
            where = traceback.extract_tb(error.__traceback__)[-1]
            out.append(f"{type(error).__name__}: {error} (at {where.filename}:{where.lineno}); "
                       "please report this")
    return out


class NativeAnalyzer:
    name = NAME
    PARALLEL_FROM = 120  # uncached files; below this, child processes cost more than they save
    # uncached files whose parses the run keeps (a re-check's, a commit's: the fixers plan on
    # the very same texts next); a whole project's would only churn what it keeps
    SHARED_UP_TO = 16

    def __init__(self, codes: list[str] | None = None) -> None:
        self.codes = codes if codes is not None else [
            path.stem.split("_", 1)[0].upper() for path in sorted(RULES_DIR.glob("*/*.py"))
            if path.stem[:4] in ("perf", "log1")]  # LOG113 (PROJECT_RULE) among them

    def check_available(self) -> None:
        return None

    def run(self, context: AnalyzeContext) -> AnalyzerResult:
        result = AnalyzerResult(NAME)
        start = time.perf_counter()
        cache = ResultCache(context.state_dir, NAME, _salt(self.codes))
        todo: list[tuple[SourceFile, str]] = []
        imports: dict[str, list[ImportFact]] = {}
        for source in context.files:
            key = cache.key(source.text)
            cached = cache.get(key)
            if isinstance(cached, dict) and isinstance(cached.get("rows"), list):
                result.findings += to_findings(source, cached["rows"])
                imports[source.path] = cached.get("imports") or []
            else:
                todo.append((source, key))
        for (source, key), answer in zip(todo, self._detect([s.text for s, _ in todo]),
                                         strict=True):
            if isinstance(answer, str):
                result.errors.append(AnalyzerError(NAME, f"{source.path}: {answer}"))
                continue
            cache.put(key, answer)
            result.findings += to_findings(source, answer["rows"])
            imports[source.path] = answer["imports"]
        if PROJECT_RULE in self.codes:
            result.findings += self._cycles(context, cache, imports)
        result.duration = time.perf_counter() - start
        return result

    def _cycles(self, context: AnalyzeContext, cache: ResultCache,
                imports: dict[str, list[ImportFact]]) -> list[Finding]:
        """heal:LOG113 import cycles need the whole project: cached on every file's text, and
        made from each file's import facts (cached per file, so that a changed file does not
        make every other file parsed again)."""
        key = cache.key("\0".join(f"{s.path}\0{s.digest or hash(s.text)}"
                                   for s in sorted(context.files, key=lambda s: s.path)))
        cached = cache.get("cycles-" + key)
        if not isinstance(cached, list):
            from heal.rules.logic.log113_import_cycles import cycle_findings

            found = cycle_findings(context.files, context.root, imports)
            cached = [[f.path, f.span.start.line, f.span.start.column, f.span.end.line,
                       f.span.end.column, f.message] for f in found]
            cache.put("cycles-" + key, cached)
        return [Finding(rule=f"heal:{PROJECT_RULE}", category=Category.LOGIC,
                        priority=Priority.P2, path=path, span=Span.of(a, b, c, d),
                        message=message, tool=NAME, fingerprint="")
                for path, a, b, c, d, message in cached]

    def _detect(self, texts: list[str]) -> list[Answer | str]:
        if not texts:  # all cached: the detectors (and libcst) are not even imported
            return []
        codes = [code for code in self.codes if code != PROJECT_RULE]
        workers = min(os.cpu_count() or 1, 4)
        if len(texts) < self.PARALLEL_FROM or workers < 2:
            return _detect_chunk(texts, codes, shared=len(texts) <= self.SHARED_UP_TO)
        chunks = [texts[i::workers] for i in range(workers)]
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(pool.map(_detect_chunk, chunks, [codes] * workers))
        merged: list[Answer | str] = ["" for _ in texts]
        for index, part in enumerate(parts):
            for offset, answer in enumerate(part):
                merged[index + offset * workers] = answer
        return merged

"""Which tests can see a fix: the coverage map, each fix's evidence, and affected-test selection.

With `--verify affected` (the default) the baseline also records which test runs which line
(`verify/coverage.py`); a batch then runs only the tests that cover its changed lines. A change
to import-time code (an import, a constant) runs the tests that run any of the module's code,
import it by name, or run code of a module that imports it; a file the map cannot answer for
(edited since, or run by no test) gets the test files that import it. `--verify imports` (the
pre-commit profile) selects the tests that import the changed modules, without a map.
"""

from __future__ import annotations

import ast
import difflib
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

from heal.config import Config
from heal.discover import SourceFile, text_hash
from heal.history import History
from heal.model import Fix
from heal.verify import coverage as coverage_map
from heal.verify.coverage import CoverageMap, Selection
from heal.verify.runner import TestRun, TestRunner

# a selection of at least this share of the suite runs the whole suite instead: it costs about
# the same, and a passing full run is also the final check the combined patch needs anyway
SELECT_ALL_SHARE = 0.8


class Selector:
    def __init__(self, root: Path, state_dir: Path, config: Config, run_id: str,
                 originals: Mapping[str, SourceFile], listed: Sequence[str], history: History,
                 python: str) -> None:
        self.root = root
        self.state_dir = state_dir
        self.run_id = run_id
        self.originals = originals
        self.listed = listed  # the files git lists: where the test files are found
        self.history = history
        self.python = python
        self.selective = config.verify_mode == "affected"
        self.imports_only = config.verify_mode == "imports"  # the pre-commit fast profile
        self.coverage: CoverageMap | None = None
        self.test_files: list[str] = []
        self.used = False  # a run executed only selected tests (a full run must follow)
        self.messages: list[str] = []
        self._importing: dict[str, set[str]] | None = None  # module -> what it imports
        self._exercised: dict[str, set[str] | None] = {}  # by exercising, per path

    # -- the coverage map -----------------------------------------------------------------
    def digests(self) -> dict[str, str]:
        return {path: text_hash(source.text) for path, source in self.originals.items()}

    def recording_plan(self, runner: TestRunner) -> Path | None:
        """Load the map; return the file to record it into when it must be (re)recorded (the
        recording environment of a worktree: `coverage.recording_env`)."""
        if not self.selective:
            return None
        self.test_files = coverage_map.test_files(self.root, self.listed)
        if not runner.is_pytest:
            self.selective = False
            self.messages.append("the test command is not pytest: every batch runs the whole "
                                 "suite and evidence is not measured")
            return None
        loaded = coverage_map.load(self.state_dir)
        if loaded is not None and len(loaded.stale(self.digests())) * 2 <= max(len(loaded.files), 1):
            self.coverage = loaded
            return None
        if not coverage_map.available(self.python, self.root):
            self.selective = False
            self.messages.append("coverage is not installed in the project's environment: every "
                                 "batch runs the whole suite and evidence is not measured "
                                 "(pip install coverage there to enable it)")
            return None
        data = self.state_dir / coverage_map.MAP_DIR / f"data-{self.run_id}"
        data.parent.mkdir(parents=True, exist_ok=True)
        return data

    def read_recording(self, worktree: Path, recording: dict[str, str], duration: float,
                       plain_duration: float | None) -> None:
        data = Path(recording["HEAL_COVERAGE_DATA"])
        try:
            recorded = coverage_map.read_data(data, worktree, self.digests())
        except Exception as error:  # an unreadable data file: fall back to full runs
            self.selective = False
            self.messages.append(f"could not read the coverage data ({error}); full runs instead")
            return
        finally:
            for leftover in data.parent.glob(data.name + "*"):
                leftover.unlink()
        if plain_duration:
            recorded.overhead_s = max(duration - plain_duration, 0.0)
        coverage_map.save(self.state_dir, recorded)
        self.coverage = recorded
        self.history.event(self.run_id, "coverage_map", "recorded", tool="tests",
                           parameters={"files": len(recorded.files), "tests": len(recorded.tests)},
                           duration=duration,
                           resources={"overhead_s": round(recorded.overhead_s, 3)})

    def give_up(self) -> None:
        """After a selection miss: every later run is a full one."""
        self.selective = False
        self.used = False

    # -- selection ------------------------------------------------------------------------
    def share_of_suite(self, tests: Sequence[str]) -> float:
        """The share of the recorded tests a selection (test ids or whole test files) runs."""
        recorded = self.coverage.tests if self.coverage is not None else []
        if not recorded:
            return 0.0
        chosen = set(tests)
        return sum(t in chosen or t.split("::", 1)[0] in chosen for t in recorded) / len(recorded)

    def narrow(self, selection: Selection | None) -> list[str] | None:
        """The test ids a run with this selection executes ([] = the whole suite), or None
        when no test covers the changed lines (nothing to run)."""
        if selection is None or selection.everything:
            return []
        if not selection.tests:  # a test may still read the file as data: the final full
            self.used = True  # run is what can tell, as a selection miss
            return None
        if self.share_of_suite(selection.tests) < SELECT_ALL_SHARE:
            self.used = True
            return selection.tests
        return []

    def importers_of_scope(self, state: Mapping[str, str], fixes: Sequence[Fix]) -> list[str]:
        if not self.test_files:
            self.test_files = coverage_map.test_files(self.root, self.listed)
        touched = {fix.path for fix in fixes} | set(state)
        return coverage_map.importers(self.root, self.test_files, touched)

    def select(self, fixes: Sequence[Fix], state: Mapping[str, str],
               failed_last: set[str]) -> Selection:
        """The tests that can see these fixes (on top of `state`, the run's verified texts),
        and which tests cover each fix."""
        if self.imports_only:
            return Selection(tests=self.importers_of_scope(state, fixes), reason="imports")
        if not self.selective or self.coverage is None:
            return Selection(tests=[], everything=True, reason="full")
        tests: set[str] = set()
        covering: dict[str, list[str]] = {}
        module_level: set[str] = set()
        blind: set[str] = set()  # files the map cannot answer for (stale, or import-time code)
        for fix in fixes:
            blind.update(fix.paths[1:])  # a rename's other files: names bound at import time
            original = self.originals[fix.path].text
            base = state.get(fix.path, original)
            entry = self.coverage.valid_for(fix.path, text_hash(original))
            if entry is None:
                blind.add(fix.path)
                continue
            # heal's own earlier fixes moved lines: map them back to the recorded text
            back = line_map(base, original) if base != original else None
            ids: set[str] = set()
            for line in changed_lines(fix):
                recorded = back.get(line) if back is not None else line
                if recorded is not None and recorded not in entry.module_level:
                    ids.update(entry.lines.get(recorded, ()))
                    continue
                if recorded is None and line not in import_time_lines(base):
                    blind.add(fix.path)  # a line an earlier fix rewrote: the map cannot tell
                    continue
                module_level.add(fix.id)  # import-time code: who uses the module sees it
                users = self.exercising(fix.path)
                if users is None:
                    blind.add(fix.path)
                else:
                    ids |= users
            covering[fix.id] = sorted(ids)
            tests |= ids
        if blind:
            importing = coverage_map.importers(self.root, self.test_files, blind)
            importing += sorted(blind & set(self.test_files) - set(importing))  # edited tests
            for fix in fixes:
                if blind & set(fix.paths):
                    covering[fix.id] = sorted(set(covering.get(fix.id, [])) | set(importing))
            tests.update(importing)
        if tests:
            tests |= {t for t in failed_last if "::" in t or t.endswith(".py")}
        return Selection(tests=sorted(tests), covering=covering, module_level=module_level)

    def exercising(self, path: str) -> set[str] | None:
        """The tests that can see a change to `path`'s import-time code (an import, a constant,
        a decorator): those that run any of its lines, those that import it by name, and those
        that run a line of a project module importing it (which took its names when it was
        imported). None when the map cannot answer for one of those modules (edited since).
        Remembered per path: the map and the originals do not change during a run."""
        assert self.coverage is not None
        if path in self._exercised:
            return self._exercised[path]
        if self._importing is None:
            self._importing = coverage_map.import_index(
                {p: s.text for p, s in self.originals.items() if p not in self.test_files})
        users = [path, *coverage_map.importers_of(self._importing, path)]
        # a module not in the map ran in no test when it was recorded (one added since is left
        # to the final full run); one edited since leaves the map unable to answer
        recorded = {u: self.coverage.files[u] for u in users if u in self.coverage.files}
        found: set[str] | None = None
        if all(e.digest == text_hash(self.originals[u].text) for u, e in recorded.items()):
            found = {test for e in recorded.values() for ids in e.lines.values() for test in ids}
            found.update(coverage_map.importers(self.root, self.test_files, [path], exact=True))
        self._exercised[path] = found
        return found

    def evidence(self, fix: Fix, state: Mapping[str, str], failed_last: set[str]
                 ) -> tuple[str, tuple[str, ...]]:
        """`covered` (with the covering tests) or `uncovered`; "" when nothing is measured."""
        if not self.selective or self.coverage is None:
            return "", ()
        covering = self.select([fix], state, failed_last).covering.get(fix.id, [])
        return ("covered" if covering else "uncovered"), tuple(covering)

    def covering_line(self, path: str, line: int) -> list[str]:
        """The tests the map saw run this line of the file as it is ([] without a map)."""
        if self.coverage is None or path not in self.originals:
            return []
        entry = self.coverage.valid_for(path, text_hash(self.originals[path].text))
        return sorted(entry.lines.get(line, ())) if entry is not None else []

    def suspects(self, run: TestRun, fixes: Sequence[Fix], state: Mapping[str, str],
                 failed_last: set[str]) -> list[Fix]:
        """The fixes a failing run's tests execute, by the map; [] without one."""
        if not run.failed or self.coverage is None:
            return []
        failed = set(run.failed)
        return [fix for fix in fixes
                if failed & set(self.select([fix], state, failed_last).covering.get(fix.id, ()))]


@functools.lru_cache(maxsize=128)
def line_map(current: str, recorded: str) -> dict[int, int]:
    """Line numbers of `current` that are unchanged from `recorded`, mapped to their lines there
    (remembered: selection asks for every fix of a file, with the same two texts)."""
    matcher = difflib.SequenceMatcher(a=current.splitlines(), b=recorded.splitlines(),
                                      autojunk=False)
    mapping = {}
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            mapping[block.a + offset + 1] = block.b + offset + 1
    return mapping


@functools.lru_cache(maxsize=64)
def import_time_lines(text: str) -> frozenset[int]:
    """Lines of `text` that run when the module is imported: all but function bodies."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return frozenset()
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            inside.update(range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(set(range(1, text.count("\n") + 2)) - inside)


def changed_lines(fix: Fix) -> set[int]:
    """Lines of the base text a fix touches (an insertion touches the lines around it)."""
    lines: set[int] = set()
    for edit in fix.edits:
        start, end = edit.span.start.line, edit.span.end.line
        if edit.span.end.column == 0 and end > start:
            end -= 1
        lines.update(range(start, end + 1))
        if edit.span.start == edit.span.end:
            lines.add(max(start - 1, 1))
    return lines

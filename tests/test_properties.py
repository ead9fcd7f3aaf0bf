"""Never broken code: every fixer on generated modules, through the real analyzers.

hypothesis composes Python modules from small templates: the problems heal's fixers heal
(unused imports, `x == None`, `is` with a literal, mutable defaults, assert on a tuple, string
`+=` in loops, `range(len(x))` indexing, constant regexes in loops, `list.pop(0)`, `yaml.load`,
requests without a timeout, implicit Optional, missing `-> None`, self-assignment, unreachable
code, ...) inside the constructs fixers must survive (comments in odd places, decorators, nested
functions and classes, async def / await, f-strings, walrus, match, `TypeAlias`, CRLF line
endings, tab or two-space indentation, a UTF-8 BOM, non-ASCII identifiers, no final newline).

Each example is a batch of modules, so ruff, mypy, bandit and the native detectors run twice per
example (once on the inputs, once on every output) instead of once per fix. heal's Planner asks
the fixers for fixes (and every other fixer of the rule is asked directly too); each fix is
applied alone, and the round's fixes together, and `heal.soundness` checks that the output
parses (libcst and ast), keeps every comment, and that the same fixer, asked again on the
re-analyzed output, changes nothing more for that finding.

No type aliases with `type X = ...`: the analyzers run on Python 3.10 syntax (mypy's
`python_version`, ruff's target) and on this interpreter's `ast`.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from heal.analyze import analyze, merge
from heal.config import Config
from heal.discover import SourceFile, discover
from heal.edits import apply_fixes
from heal.fixcheck import parse_error
from heal.model import Finding, Fix
from heal.plan import Planner
from heal.soundness import (
    CRASH,
    IDEMPOTENCE,
    UNPARSABLE,
    Problem,
    diff_of,
    output_problems,
    propose_all,
    relocate,
    repeats,
    together,
)
from heal.testing import DEFAULT_CASE_CONFIG

pytestmark = pytest.mark.slow

# The default case config, plus what TYP102-104 (mypy's disallow_untyped_defs) and IMP105
# (ruff's TC rules) need to see their findings.
CONFIG_TEXT = DEFAULT_CASE_CONFIG.replace('"RUF"]', '"RUF", "TC"]').replace(
    "check_untyped_defs = true", "check_untyped_defs = true\ndisallow_untyped_defs = true")
MODULES_PER_EXAMPLE = 6
# CI runs a few; HEAL_PROPERTY_EXAMPLES=200 for a long hunt
EXAMPLES = int(os.environ.get("HEAL_PROPERTY_EXAMPLES", "4"))

# -- templates ---------------------------------------------------------------------------------
# Written with 4-space indentation. Placeholders: {n} a number unique in the module, {v} a
# variable name (sometimes non-ASCII), {c} a trailing-comment slot, a line holding only {L} a
# comment-line slot, a line holding only {A} the place for `await` when the function is async.


@dataclass(frozen=True)
class Template:
    name: str  # the function or class the chunk defines (with {n})
    code: str
    imports: tuple[str, ...] = ()
    kind: str = "def"  # def (any wrapper) | class (nest only) | module (no wrapper)
    needs_future: bool = False


TEMPLATES = [
    Template("check_none_{n}", """\
def check_none_{n}({v}):{c}
    {A}
    if {v} == None:{c}
        return 1{c}
    {L}
    return 0
"""),
    Template("status_{n}", """\
def status_{n}(code):{c}
    {A}
    return code is 200{c}
"""),
    Template("collect_{n}", """\
def collect_{n}(item, {v}=[], *, seen={1}):{c}
    {L}
    {v}.append(item){c}
    return {v}, seen
"""),
    Template("check_{n}", """\
def check_{n}({v}):{c}
    assert ({v} > 0, "must be positive"){c}
"""),
    Template("check_more_{n}", """\
def check_more_{n}({v}):
    assert (
        {v} > 0,{c}
        "must be positive",
    )
"""),
    Template("render_{n}", """\
def render_{n}({v}):{c}
    out = ""{c}
    for item in {v}:{c}
        {L}
        out += f"<{item!r:>4}>"{c}
    return out
"""),
    Template("show_{n}", """\
def show_{n}({v}):{c}
    {A}
    for i in range(len({v})):{c}
        print({v}[i]){c}
"""),
    Template("grep_{n}", """\
def grep_{n}(lines):{c}
    for line in lines:{c}
        if re.match(r"\\s*#", line):{c}
            print(line)
""", imports=("import re",)),
    Template("walk_{n}", """\
def walk_{n}(start):{c}
    queue = [start]{c}
    while queue:
        node = queue.pop(0){c}
        print(node)
"""),
    Template("read_{n}", """\
def read_{n}(text):{c}
    return yaml.load(text){c}
""", imports=("import yaml",)),
    Template("fetch_{n}", """\
def fetch_{n}(url):{c}
    {A}
    return requests.get(
        url,{c}
        headers={"x": "1"},
    )
""", imports=("import requests",)),
    Template("opt_{n}", """\
def opt_{n}({v}: int = None) -> None:{c}
    print({v})
"""),
    Template("main_{n}", """\
def main_{n}():{c}
    {A}
    print(f"{__name__=} {len(__name__):03d}"){c}
"""),
    Template("same_{n}", """\
def same_{n}({v}):{c}
    {v} = {v}{c}
    return {v}
"""),
    Template("early_{n}", """\
def early_{n}({v}):{c}
    return sum({v}){c}
    {L}
    print("done"){c}
"""),
    Template("pick_{n}", """\
def pick_{n}({v}):{c}
    for name in {v}:
        if name in ["apple", "pear"]:{c}
            yield name
"""),
    Template("names_{n}", """\
def names_{n}({v}):{c}
    result = []{c}
    for item in {v}:
        {L}
        if item:
            result.append(item){c}
    return result
"""),
    Template("Registry_{n}", """\
class Registry_{n}:{c}
    def __init__(self) -> None:
        self.index = {}{c}

    def add(self) -> None:
        {L}
        self.index["a"] = 1.5
""", kind="class"),
    Template("shout_{n}", """\
def shout_{n}(name: str | None) -> str:{c}
    {L}
    return name.upper(){c}
"""),
    Template("first_{n}", """\
def first_{n}(items: List[int]) -> Optional[int]:{c}
    return items[0] if items else None
"""),
    Template("price_{n}", """\
def price_{n}() -> object:{c}
    return Decimal("1.5"), json.dumps({"a": 1})
"""),
    Template("joined_{n}", """\
def joined_{n}() -> str:{c}
    return join("a", "b")
""", imports=("from os.path import *",)),
    Template("apply_{n}", """\
def apply_{n}(x: Sequence[int], c: Callable[[], int]) -> int:{c}
    return c() + len(x)
""", imports=("from typing import Callable, Sequence",)),
    Template("table_{n}", """\
def table_{n}({v}) -> Dict[str, int]:{c}
    squares = list([x * x for x in {v}]){c}
    if squares:{c}
        return {}
    else:{c}
        return {"n": len(squares)}
""", imports=("from typing import Dict",)),
    Template("listing_{n}", """\
def listing_{n}():
    return subprocess.call("ls -l /var/log", shell=True){c}
""", imports=("import subprocess",)),
    Template("clean_{n}", """\
def clean_{n}():
    os.system("make clean"){c}
""", imports=("import os",)),
    Template("cache_key_{n}", """\
def cache_key_{n}(url):
    return hashlib.md5(url.encode()).hexdigest(){c}
""", imports=("import hashlib",)),
    Template("parse_{n}", """\
def parse_{n}(text):
    return eval(text){c}
"""),
    Template("insecure_{n}", """\
def insecure_{n}(url):
    return requests.get(url, verify=False, timeout=5){c}
""", imports=("import requests",)),
    Template("connect_{n}", """\
def connect_{n}(host, password="hunter22"):{c}
    return (host, password)
"""),
    Template("find_{n}", """\
def find_{n}(conn, name):
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'"){c}
    return cur.fetchall()
"""),
    Template("LOG_{n}", """\
LOG_{n} = "/tmp/app.log"{c}
""", kind="module"),
    Template("ENV_{n}", """\
ENV_{n} = jinja2.Environment(loader=None){c}
""", imports=("import jinja2",), kind="module"),
    Template("reset_{n}", """\
def reset_{n}(user):
    user.reset_password_pin = random.randint(0, 9999){c}
""", imports=("import random",)),
    Template("retry_{n}", """\
def retry_{n}(url: str, retries=3, verbose=False) -> None:{c}
    print(url, retries, verbose)
"""),
    Template("P_{n}", """\
class P_{n}:
    def __init__(self, size):{c}
        self.size = size

    def __repr__(self):{c}
        return "P()"

    def __len__(self):
        return self.size
""", kind="class"),
    Template("stem_{n}", """\
def stem_{n}(p: Path) -> str:{c}
    return p.name
""", imports=("from pathlib import Path",), needs_future=True),
    Template("managers_{n}", """\
def managers_{n}() -> object:
    return manager.BanditManager{c}
""", imports=("from bandit.core import manager",)),
    # constructs without a problem of their own
    Template("count_{n}", """\
def count_{n}({v}):{c}
    if (size := len({v})) > 3:{c}
        return size
    return 0
"""),
    Template("route_{n}", """\
def route_{n}(command):{c}
    match command:{c}
        case ["go", direction]:{c}
            return direction
        {L}
        case {"x": x} if x == None:
            return None
        case _:{c}
            return command
"""),
    Template("Pair_{n}", """\
Pair_{n}: TypeAlias = "tuple[int, int]"{c}
""", imports=("from typing import TypeAlias",), kind="module"),
    Template("fmt_{n}", """\
def fmt_{n}({v}, width=8):
    return f"{ {v}!r:>{width}} {'#'} {len({v})=}"  # not # a comment in the string
"""),
    Template("key_{n}", """\
key_{n} = lambda x, seen=set(): x in seen{c}
""", kind="module"),
    Template("total_{n}", """\
def total_{n}({v}):
    total = 1 + \\
        len({v}); other = 2{c}
    try:{c}
        total += other
    {L}
    except (ValueError,  # odd
            TypeError):
        pass
    else:{c}
        total -= 1
    finally:
        print('''# not a comment
    either''')
    return total
"""),
]
# undefined on purpose (F821 for TYP107 / IMP104): never imported by anything else
UNDEFINED = {"List", "Optional", "Decimal", "json"}
# imports nothing uses (no template imports these modules); {c} is a comment slot
UNUSED_POOL = ("import shutil{c}", "import glob, string{c}", "import itertools{c}",
               "from collections import OrderedDict{c}", "import functools as ft{c}",
               "from textwrap import dedent, indent{c}", "import xml.dom{c}",
               "import zlib; import bz2{c}",
               "from decimal import (\n    Context,{c}\n    localcontext,{c}\n){c}",
               "from fractions import (Fraction,{c}\n    Decimal as D){c}")
NAMES = ("items", "values", "données", "ĉiuj", "名前", "xs")
COMMENTS = ("# note {k}", "#tight {k}", "#: doc {k}", "# тест {k}", "# TODO({k}): later",
            "#   spaced   {k}", "# noqa-ish {k}")


@dataclass
class Generated:
    name: str
    text: str  # as the fixers see it (no BOM)
    bom: bool
    chunks: list[str] = field(default_factory=list)

    def data(self) -> bytes:
        return ("\ufeff" if self.bom else "").encode() + self.text.encode("utf-8")


def odd(draw: st.DrawFn) -> bool:
    """A coin whose shrink-to-simplest side is the odd construct, so the first (simplest)
    example hypothesis tries is the richest one."""
    return not draw(st.booleans())


def _fill(code: str, n: int, name: str, draw: st.DrawFn, comment: list[int],
          is_async: bool) -> str:
    def slot(_: re.Match[str]) -> str:
        if not odd(draw):
            return ""
        comment[0] += 1
        return "  " + draw(st.sampled_from(COMMENTS)).format(k=comment[0])

    lines = []
    for line in code.replace("{n}", str(n)).replace("{v}", name).splitlines():
        stripped = line.strip()
        indent = line[:len(line) - len(line.lstrip())]
        if stripped == "{L}":
            if odd(draw):
                comment[0] += 1
                lines.append(indent + draw(st.sampled_from(COMMENTS)).format(k=comment[0]))
            continue
        if stripped == "{A}":
            if is_async:
                lines.append(indent + "await asyncio.sleep(0)")
            continue
        lines.append(re.sub(r"\{c\}", slot, line))
    return "\n".join(lines) + "\n"


def _indent(code: str, prefix: str = "    ") -> str:
    return "".join(prefix + line if line.strip() else line for line in code.splitlines(True))


@st.composite
def module(draw: st.DrawFn, name: str, templates: list[Template]) -> Generated:
    comment = [0]
    imports: set[str] = set()
    chunks: list[str] = []
    pieces = []
    future = False
    decorated = False
    for n, template in enumerate(templates, start=1):
        wrapper = "plain"
        if template.kind == "def":
            wrapper = draw(st.sampled_from(("async", "nested", "static", "decorated", "plain",
                                            "plain")))
        elif template.kind == "class":
            wrapper = draw(st.sampled_from(("nested", "plain")))
        var = draw(st.sampled_from(NAMES))
        code = _fill(template.code, n, var, draw, comment, wrapper == "async")
        chunk_name = template.name.replace("{n}", str(n))
        if wrapper == "async":
            code = code.replace("def ", "async def ", 1)
            imports.add("import asyncio")
        elif wrapper == "nested":
            code = f"def outer_{n}():\n" + _indent(code) + f"    return {chunk_name}\n"
        elif wrapper == "static":
            code = (f"class Holder_{n}:\n    # holds {n}\n    @staticmethod\n"
                    + _indent(code))
        elif wrapper == "decorated":
            code = "@traced\n" + code
            decorated = True
        imports.update(line + "{c}" for line in template.imports)
        future = future or template.needs_future
        chunks.append(f"{template.name}/{wrapper}")
        pieces.append(code)
    unused = draw(st.lists(st.sampled_from(UNUSED_POOL), min_size=1, max_size=3, unique=True))
    imports.update(unused)
    ordered = sorted(imports)
    if odd(draw):
        ordered = draw(st.permutations(ordered))
    header = []
    if odd(draw):
        header.append('"""A generated module: façade for ünïcode."""')
    if future or odd(draw):
        header.append("from __future__ import annotations")
    if odd(draw):
        comment[0] += 1
        header.append(f"# header comment {comment[0]}")
    header += [_fill(line, 0, "", draw, comment, False).rstrip("\n") for line in ordered]
    body = "\n".join(header) + "\n\n\n"
    if decorated:
        body += "def traced(fn):  # keeps fn\n    return fn\n\n\n"
    body += "\n\n".join(pieces)
    if odd(draw):
        comment[0] += 1
        body += f"# the end {comment[0]}\n"
    indent = draw(st.sampled_from(("\t", "    ", "  ", "    ")))
    if indent != "    ":
        body = re.sub(r"(?m)^((?:    )+)", lambda m: indent * (len(m.group(1)) // 4), body)
    if odd(draw):
        body = body.rstrip("\n")  # no final newline
    if odd(draw):
        body = body.replace("\n", "\r\n")
    return Generated(name, body, bom=odd(draw), chunks=chunks)


@st.composite
def batch(draw: st.DrawFn) -> list[Generated]:
    """Every template at least once per example, dealt over the modules, plus a few repeats."""
    extra = draw(st.lists(st.sampled_from(TEMPLATES), max_size=MODULES_PER_EXAMPLE))
    deck = draw(st.permutations([*TEMPLATES, *extra]))
    return [draw(module(f"m{i}", deck[i::MODULES_PER_EXAMPLE]))
            for i in range(MODULES_PER_EXAMPLE)]


# -- running the analyzers and the fixers --------------------------------------------------------

@dataclass
class Trial:
    label: str  # where in the batch: the layer folder
    path: str  # the original module's path
    fixes: list[Fix]
    after: str


class Bench:
    """One folder the analyzers run over, with one state dir (and mypy cache) for every example."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / ".heal"
        self.state.mkdir(parents=True, exist_ok=True)
        (root / "pyproject.toml").write_text(CONFIG_TEXT, encoding="utf-8")
        self.config = Config(unsafe_fixes=True)
        self.runs = 0

    def analyze(self, files: dict[str, bytes]) -> tuple[dict[str, list[Finding]], dict[str, str],
                                                        list[str]]:
        """(findings per path, texts as read, analyzer errors) for files written afresh."""
        for old in self.root.glob("[LT]*"):
            for item in sorted(old.rglob("*"), reverse=True):
                item.unlink() if item.is_file() else item.rmdir()
            old.rmdir()
        for path, data in files.items():
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            (target.parent / "__init__.py").touch()
            target.write_bytes(data)
        found = discover(self.root, sorted(files), self.config)
        results, _ = analyze(self.root, found.files, self.config, self.state, sys.executable)
        self.runs += 1
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in merge(results, found, self.config):
            by_path[finding.path].append(finding)
        errors = [f"{e.tool}: {e.message}" for r in results for e in r.errors]
        errors += [f"{f.path}: {f.message}" for f in found.findings]
        return by_path, {f.path: f.text for f in found.files}, errors


def check_batch(bench: Bench, modules: list[Generated]) -> list[Problem]:
    """Everything wrong with the fixers' work on these modules (empty: all sound)."""
    originals = {f"L0/{m.name}.py": m for m in modules}
    by_path, texts, errors = bench.analyze({p: m.data() for p, m in originals.items()})
    assert not errors, f"the generated modules do not analyze cleanly: {errors}"
    planner = Planner(bench.config)
    fixes, problems, _ = propose_all(planner, [f for p in sorted(by_path) for f in by_path[p]], texts)

    trials: list[Trial] = []
    per_path: dict[str, int] = defaultdict(int)
    for fix in fixes:
        per_path[fix.path] += 1
        trials.append(Trial(f"T{per_path[fix.path]}", fix.path, [fix],
                            apply_fixes(texts[fix.path], [fix])))
    for path in sorted({fix.path for fix in fixes}):
        combined = together(path, texts[path], fixes)
        trials.append(Trial("ALL", path, combined, apply_fixes(texts[path], combined)))
    runnable = []
    for trial in trials:
        found = output_problems(trial.path, texts[trial.path], trial.fixes)
        problems += found
        if not any(p.kind == UNPARSABLE for p in found):
            runnable.append(trial)

    # every output re-analyzed in one go, each in its own layer folder (a package, so mypy
    # tells the copies apart); findings are moved back to the original path to compare
    layer = {f"{t.label}/{Path(t.path).name}": t for t in runnable}
    after_by_path, after_texts, _ = bench.analyze({
        p: (("\ufeff" if originals[t.path].bom else "") + t.after).encode("utf-8")
        for p, t in layer.items()})
    for path, trial in layer.items():
        if path not in after_texts:
            continue
        source = SourceFile(path, bench.root / path, after_texts[path])
        after = relocate(after_by_path.get(path, []), source, trial.path)
        if trial.label == "ALL":  # the next round: the planner on the combined output
            second, found, _ = propose_all(planner, after, {trial.path: trial.after})
            problems += found
            for fix in second:
                problems += output_problems(trial.path, trial.after, [fix], "round 2: ")
            continue
        fix = trial.fixes[0]
        try:
            again = repeats(fix, texts[trial.path], by_path[trial.path], trial.after, after,
                            bench.config)
        except Exception as error:
            problems.append(Problem(CRASH, trial.path, fix.line, fix.source, "on its own output: "
                                    f"{type(error).__name__}: {error}"))
            continue
        problems += [Problem(IDEMPOTENCE, trial.path, fix.line, fix.source,
                             f"on its output ({fix.rule}) it proposes again:\n"
                             f"{diff_of(trial.after, [redo])}\nthe first fix:\n"
                             f"{diff_of(texts[trial.path], [fix])}") for redo in again]
    return problems


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Bench:
    return Bench(tmp_path_factory.mktemp("properties"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=(Phase.explicit, Phase.generate), print_blob=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(modules=batch())
def test_fixers_never_break_code(bench: Bench, modules: list[Generated]) -> None:
    for generated in modules:
        assert parse_error(generated.text) is None, f"generator bug:\n{generated.text}"
    problems = check_batch(bench, modules)
    listing = "\n\n".join(f"--- {m.name}.py ({', '.join(m.chunks)}; bom={m.bom})\n{m.text}"
                          for m in modules)
    assert not problems, "\n\n".join(map(str, problems)) + "\n\nthe modules:\n" + listing


# Modules that once broke a check (each found by this test or by bench/sweep.py): run as one
# batch every time, whatever hypothesis draws.
KNOWN = {
    # IMP101 and ruff's own F401 edit dropped the comment of a removed name while safe
    "imports": (
        "import os, sys  # both unused\n"
        "from collections import (OrderedDict,  # odd\n    defaultdict)\n"
        "import json; import re  # semis\n\n\n"
        "def f(a, b):\n    x = a; a = a  # self\n    if a == None == b:\n        return 1\n"
        "    return (a) is (200)  # paren\n"
    ),
    # ruff's UP007 on a nested Union rewrites the inner one first; the outer one is the same
    # finding as before, not a repeat (bench/sweep.py on pathspec/util.py)
    "unions": (
        "from typing import Callable, Union\n\n\n"
        "def g(f: Union[Callable[[Union[str, bytes]], int], int]) -> None:\n    print(f)\n"
    ),
    # RUF100 removing the unused directive after `# type: ignore` edits inside the comment:
    # that is its job, not a lost comment (pathspec's tools/toxnox.py)
    "noqa": (
        "import collections\n\n\ndef f(args: list[str]) -> object:\n"
        "    return collections.namedtuple(\"o\", args)  # type: ignore  # no" "qa: E501\n"
    ),
    # identical duplicates share a finding group: removing one of them is no repeat because
    # the same fixer then removes the other (parso's test/normalizer_issue_files/E30.py, E40.py)
    "twins": (
        "import os, sys\n# Okay\nimport os\nimport sys\n\n\n"
        "def a():\n    x = 1\n\n    def b():\n        pass\n\n\n"
        "def d():\n    x = 2\n\n    def b():\n        x = 1\n\n"
        "        def c():\n            pass\n"
    ),
    # TC003 moving an import that follows a try/except block took the blank line before it,
    # outside the import block as the bounds check drew it (pathspec's benchmarks/)
    "moved": (
        "from __future__ import annotations\n\nimport sys\n\ntry:\n    import json\n"
        "except ImportError:\n    json = None\n\nfrom os import PathLike\nfrom os.path import join\n\n\n"
        "def h(p: PathLike[str]) -> str:\n    return join(str(p), str(json), sys.prefix)\n"
    ),
}


def test_known_cases(bench: Bench) -> None:
    modules = [Generated(name, text, bom=False) for name, text in KNOWN.items()]
    problems = check_batch(bench, modules)
    assert not problems, "\n\n".join(map(str, problems))

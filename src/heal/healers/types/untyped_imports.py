"""TYP108: imports of packages without type information get a scoped `# type: ignore`."""

from __future__ import annotations

import re

from heal.cases import Invalid, Valid
from heal.fixcheck import comment_tokens
from heal.fixer import Fixer, ModuleContext
from heal.model import Category, Declined, Finding, Fix, Safety, Span, TextEdit

CODE = "import-untyped"
_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?")
_STUBS = re.compile(r'pip install (?P<package>[\w.\-]+)"')
_MODULE = re.compile(r'(?:for|analyzing) "(?P<module>[^"]+)"')


def comments_on(text: str, line: int) -> list[tuple[int, str]]:
    """(column, text) of the comments on a line, from the tokenizer (not fooled by strings)."""
    return [(column, comment) for at, column, comment in comment_tokens(text) if at == line]


class UntypedImport(Fixer):
    """Silence mypy's import-untyped error on the import line, naming the stub package.

    ## What it does
    Where mypy reports `Library stubs not installed for "requests"` or `module is installed,
    but missing library stubs or py.typed marker` (`import-untyped`), appends
    `# type: ignore[import-untyped]` to that import line, ahead of any comment already there
    (mypy only reads a `type: ignore` that comes first), or adds the code to an existing
    `# type: ignore[...]`. The stub package mypy suggests (`types-requests`) is named in the
    fix's description and rationale: installing it is the better fix.

    ## Why is this bad?
    Without stubs every name from the package is `Any`, and mypy reports the import as an error
    on every run. Ignoring it on the line keeps the rest of the file checked and documents the
    gap, where a global `ignore_missing_imports` would hide every such package.

    ## Example
    ```python
    import requests  # noqa: F401
    ```
    becomes
    ```python
    import requests  # type: ignore[import-untyped]  # noqa: F401
    ```

    ## Fix safety
    Review: a comment changes no behaviour, but a human should decide between the ignore and
    adding the stub package (`pip install types-requests`) to the development dependencies.
    """

    CODE = "TYP108"
    NAME = "untyped-import-ignore"
    CATEGORY = Category.TYPE
    RULES = ("mypy:import-untyped",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("import requests  # type: ignore[import-untyped]\n\nprint(requests)\n")]
    INVALID = [
        Invalid("import requests  # noqa: F401\n",
                expected="import requests  # type: ignore[import-untyped]  # noqa: F401\n"),
        Invalid("from requests import (\n    get,\n)\nfrom requests.adapters import x  "
                "# type: ignore[attr-defined]\n\nprint(get, x)\n",
                expected="from requests import (  # type: ignore[import-untyped]\n    get,\n)\n"
                "from requests.adapters import x  # type: ignore[attr-defined, import-untyped]\n"
                "\nprint(get, x)\n"),
        Invalid("import requests \\\n    as r\n\nprint(r)\n"),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        module = _MODULE.search(finding.message)
        name = module.group("module") if module else "the package"
        stubs = _STUBS.search(finding.hint or "")
        top = name.split(".")[0]
        if stubs:
            advice = f"install `{stubs.group('package')}` for real types"
        elif finding.message.startswith("Library stubs not installed"):
            advice = f"install the stub package mypy names for `{top}` (its hint on the first import)"
        else:
            advice = f"ask `{top}` to ship type information (py.typed)"
        line_no = finding.span.start.line
        lines = context.text.splitlines()
        if not 0 < line_no <= len(lines):
            return self.decline(finding, "the reported line is not in the file")
        line = lines[line_no - 1]
        comments = comments_on(context.text, line_no)
        if comments:
            column, comment = comments[0]
            existing = _IGNORE.match(comment)
            if existing and existing.group("codes"):
                inner = existing.group("codes")[1:-1]
                codes = [c.strip() for c in inner.split(",") if c.strip()]
                if CODE in codes:
                    return self.decline(finding, "the line already ignores import-untyped")
                start = column + existing.start("codes")
                span = Span.of(line_no, start, line_no, column + existing.end("codes"))
                edit = TextEdit(span, "[" + ", ".join([*codes, CODE]) + "]")
            elif existing:
                return self.decline(finding, "the line already has a bare `# type: ignore`")
            else:
                edit = TextEdit(Span.of(line_no, column, line_no, column),
                                f"# type: ignore[{CODE}]  ")
        else:
            code = line.rstrip()
            if code.endswith("\\"):
                return self.decline(finding, "the import continues on the next line with a "
                                             "backslash; a comment cannot go there")
            end = len(code)
            edit = TextEdit(Span.of(line_no, end, line_no, end), f"  # type: ignore[{CODE}]")
        return self.make_fix(finding, (edit,), f"ignore import-untyped for `{name}` ({advice})",
                             rationale=f"mypy has no types for `{name}`: {advice}, or keep "
                                       "the ignore")

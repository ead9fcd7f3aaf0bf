"""SEC110: hard-coded `/tmp` paths go through `tempfile.gettempdir()` (review)."""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

TMP = "/tmp"  # noqa: S108  # nosec B108 - what the fixer looks for
OTHER_TMP = ("/var/tmp", "/dev/shm")  # noqa: S108  # nosec B108
# string methods whose argument is compared with, not used as, a path
COMPARING = frozenset({"startswith", "endswith", "replace", "split", "rsplit", "find", "rfind",
                       "index", "rindex", "count", "strip", "lstrip", "rstrip",
                       "removeprefix", "removesuffix", "partition", "rpartition"})
NOT_A_PATH = re.compile(r"[\s%{}*?\[\]$`;|&<>]|\.\.")


class TempPath(Fixer):
    """Build temporary paths from the system's temporary directory.

    ## What it does
    Rewrites a hard-coded `"/tmp"` to `tempfile.gettempdir()` and `"/tmp/x.log"` (or
    `f"/tmp/{name}.log"`) to `os.path.join(tempfile.gettempdir(), "x.log")`, adding the
    imports.

    ## Why is this bad?
    `/tmp` is shared by every user of the machine: a predictable name there can be created
    first by someone else (as a symlink to a file the program will then overwrite, or with
    content the program will trust). It also ignores `TMPDIR`/`TEMP`, and does not exist on
    Windows.

    ## Example
    ```python
    LOG = "/tmp/app.log"
    ```
    becomes
    ```python
    LOG = os.path.join(tempfile.gettempdir(), "app.log")
    ```

    ## Fix safety
    Review: the path now follows `TMPDIR`, so another process that expects the old fixed path
    will not find the file. The name is still predictable; where the code creates the file, a
    human should move it to `tempfile.mkstemp()` / `NamedTemporaryFile` / `TemporaryDirectory`.
    Declined: `/var/tmp` and `/dev/shm` (different lifetimes), strings that are compared
    (`==`, `startswith`, ...) rather than used, docstrings, patterns and commands (spaces,
    `%`, `{}`, globs), implicit concatenations, and test files (where `/tmp` paths are test data).
    """

    CODE = "SEC110"
    NAME = "tempfile-directory"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B108",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import os
        import tempfile

        LOG = os.path.join(tempfile.gettempdir(), "app.log")
        """)]
    INVALID = [
        Invalid("""
            import os

            LOG = "/tmp/app.log"  # rotated daily
            """, expected="""
            import os
            import tempfile

            LOG = os.path.join(tempfile.gettempdir(), "app.log")  # rotated daily
            """),
        Invalid("""
            import tempfile


            def dump_path(name):
                return f"/tmp/{name}.json"
            """, expected="""
            import tempfile
            import os


            def dump_path(name):
                return os.path.join(tempfile.gettempdir(), f"{name}.json")
            """),
        Invalid("""
            import os


            def scratch(path):
                return os.path.join("/tmp", path)
            """, expected="""
            import os
            import tempfile


            def scratch(path):
                return os.path.join(tempfile.gettempdir(), path)
            """),
        Invalid("""
            def is_scratch(path):
                return path.startswith("/tmp/")
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        if c.is_test_path(finding.path):
            return self.decline(finding, "in a test, /tmp paths are usually test data")
        node = c.located(context, finding, c.STRING_NODES)
        if node is None:
            return self.decline(finding, "no string at the reported position")
        if isinstance(context.parent(node), cst.ConcatenatedString) or \
                isinstance(node, cst.ConcatenatedString):
            return self.decline(finding, "the path is an implicit string concatenation")
        problem = self._context_problem(context, node)
        if problem:
            return self.decline(finding, problem)
        tail: cst.BaseExpression | None
        if isinstance(node, cst.SimpleString):
            value = c.string_value(node)
            rest = self._rest(value)
            if rest is None and value != TMP:
                return self.decline(finding, self._why(value))
            if rest == "" and self._joined(context, node):
                rest = None  # os.path.join("/tmp/", x): join adds the separator itself
            tail = None if rest is None else c.string_literal(rest, node)
        elif isinstance(node, cst.FormattedString):
            tail_or_reason = self._formatted_tail(node)
            if isinstance(tail_or_reason, str):
                return self.decline(finding, tail_or_reason)
            tail = tail_or_reason
        else:
            return self.decline(finding, "not a string literal")
        tempfile = c.module_ref(context, node, "tempfile")
        if tempfile is None:
            return self.decline(finding, "the name tempfile is taken in this scope")
        gettempdir = cst.Call(func=tempfile.attr("gettempdir").expr())
        refs = [tempfile]
        if tail is None:
            new: cst.BaseExpression = gettempdir
        else:
            os_ref = c.module_ref(context, node, "os")
            if os_ref is None:
                return self.decline(finding, "the name os is taken in this scope")
            refs.append(os_ref)
            new = cst.Call(func=os_ref.attr("path").attr("join").expr(),
                           args=[cst.Arg(gettempdir), cst.Arg(tail)])
        new = new.with_changes(lpar=node.lpar, rpar=node.rpar)
        text = c.replace_nodes(context, {node: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=c.needed_imports(refs))
        return self.fix_from_text(
            finding, context, text, "build the temporary path from tempfile.gettempdir()",
            rationale="the path now follows TMPDIR; the name is still predictable, so prefer "
                      "tempfile.mkstemp()/TemporaryDirectory() where the file is created")

    @staticmethod
    def _joined(context: ModuleContext, node: cst.CSTNode) -> bool:
        """`node` is an argument of os.path.join other than the last."""
        arg = context.parent(node)
        call = context.parent(arg) if arg is not None else None
        return isinstance(arg, cst.Arg) and isinstance(call, cst.Call) and \
            bool(c.call_names(context, call) & {"os.path.join", "posixpath.join"}) and \
            call.args[-1] is not arg

    @staticmethod
    def _why(value: str | None) -> str:
        if value is None:
            return "not a text string"
        if value.startswith(OTHER_TMP):
            return "only /tmp maps to tempfile.gettempdir(); /var/tmp and /dev/shm differ"
        if not (value == TMP or value.startswith(TMP + "/")):
            return "the string does not name the /tmp directory"
        return "the string looks like a pattern or a command, not a path"

    @staticmethod
    def _rest(value: str | None) -> str | None:
        """What follows `/tmp/` in a plain tmp path; None for anything else (and `/tmp`)."""
        if value is None or not value.startswith(TMP + "/"):
            return None
        rest = value[len(TMP) + 1:]
        return None if NOT_A_PATH.search(rest) else rest

    @staticmethod
    def _formatted_tail(node: cst.FormattedString) -> cst.FormattedString | str:
        if "b" in node.prefix.lower():
            return "not a text string"
        if not node.parts or not isinstance(node.parts[0], cst.FormattedStringText):
            return "the string does not start with /tmp"
        first = node.parts[0].value
        if not first.startswith(TMP + "/"):
            return "the string does not name the /tmp directory"
        rest = first[len(TMP) + 1:]
        if "\\" in rest or NOT_A_PATH.search(rest.replace("{{", "").replace("}}", "")):
            return "the string looks like a pattern or a command, not a path"
        parts = list(node.parts[1:])
        if rest:
            parts.insert(0, node.parts[0].with_changes(value=rest))
        if not parts:
            return "the string is only /tmp/"
        return node.with_changes(parts=parts, lpar=[], rpar=[])

    @staticmethod
    def _context_problem(context: ModuleContext, node: cst.CSTNode) -> str | None:
        parent = context.parent(node)
        if isinstance(parent, cst.Expr):
            return "a docstring or a bare string, not a path in use"
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget, cst.MatchValue)):
            return "the string is compared with, not used as a path"
        if isinstance(parent, cst.DictElement) and parent.key is node:
            return "the string is a dict key"
        if isinstance(parent, cst.Index):
            return "the string is a subscript"
        if isinstance(parent, cst.Arg):
            call = context.parent(parent)
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and \
                    call.func.attr.value in COMPARING:
                return f"the string is an argument of .{call.func.attr.value}(), compared " \
                       "with rather than used as a path"
        return None

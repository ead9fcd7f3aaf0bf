"""SEC103: `os.system("cmd")` becomes `subprocess.run([...], check=False)` (review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.healers.security import _shell as sh
from heal.healers.security._template import UnsupportedError
from heal.model import Category, Declined, Finding, Fix, Safety

SHELL_CALLS = frozenset({"os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4",
                         "subprocess.getoutput", "subprocess.getstatusoutput",
                         "commands.getoutput", "commands.getstatusoutput"})


def _status_only(context: ModuleContext, call: cst.CSTNode) -> bool:
    """The exit status is only tested for zero (truthiness, `== 0`, `!= 0`), where the wait
    status of os.system and the exit code of subprocess agree."""
    parent = context.parent(call)
    if isinstance(parent, (cst.If, cst.While)) and parent.test is call:
        return True
    if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
        return True
    if isinstance(parent, cst.Comparison) and parent.left is call and \
            len(parent.comparisons) == 1:
        target = parent.comparisons[0]
        return isinstance(target.operator, (cst.Equal, cst.NotEqual)) and \
            isinstance(target.comparator, cst.Integer) and target.comparator.value == "0"
    return False


class OsSystemToSubprocess(Fixer):
    """Run commands with subprocess, not `os.system`.

    ## What it does
    Rewrites `os.system("cmd args")` to `subprocess.run(["cmd", "args"], check=False)` (the
    list computed with `shlex.split` at fix time), or to
    `subprocess.run([...], check=False).returncode` where the result is used, and imports
    `subprocess`. Values that are `shlex.quote()`d whole words become list items.

    ## Why is this bad?
    `os.system` always runs the string through `/bin/sh`, which interprets `;`, `|`, `$(...)`
    and globs: a value that reaches the string can run commands of its own. An argument list
    goes to the program as is.

    ## Example
    ```python
    os.system("make clean")
    ```
    becomes
    ```python
    subprocess.run(["make", "clean"], check=False)
    ```

    ## Fix safety
    Review: `os.system` returns the wait status (on POSIX the exit code times 256) while
    `.returncode` is the exit code (negative for a signal); the two agree only when tested for
    zero, which heal checks and says in the rationale otherwise. A missing program raises
    `FileNotFoundError` instead of returning 127, and `os.system` ignored SIGINT while waiting.
    Declined: commands that use the shell (pipes, redirections, globs, `$`, `&&`, `;`,
    backticks, builtins such as `cd`), values that are not `shlex.quote()`d, and `os.popen` and
    friends (they return output, not a status).
    """

    CODE = "SEC103"
    NAME = "os-system-to-subprocess"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B605",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import subprocess


        def clean():
            subprocess.run(["make", "clean"], check=False)
        """)]
    INVALID = [
        Invalid("""
            import os


            def clean():
                os.system("make clean")  # best effort
            """, expected="""
            import subprocess


            def clean():
                subprocess.run(["make", "clean"], check=False)  # best effort
            """),
        Invalid("""
            import os
            import sys


            def dirty():
                if os.system("git diff --quiet") != 0:
                    sys.exit("commit first")
            """, expected="""
            import sys
            import subprocess


            def dirty():
                if subprocess.run(["git", "diff", "--quiet"], check=False).returncode != 0:
                    sys.exit("commit first")
            """),
        Invalid("""
            import os


            def clean():
                os.system("rm -rf build/*")
            """),
        Invalid("""
            import os


            def listing(folder):
                return os.popen("ls " + folder).read()
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding,
                              lambda n: bool(c.call_names(context, n) & SHELL_CALLS))
        if call is None:
            return self.decline(finding, "no os.system call at the reported position")
        if "os.system" not in c.call_names(context, call):
            return self.decline(finding, f"{context.code_of(call.func)} returns the command's "
                                         "output; rewrite it with subprocess.run(..., "
                                         "capture_output=True) by hand")
        args = c.positional(call)
        if len(call.args) != 1 or len(args) != 1:
            return self.decline(finding, "os.system takes one command")
        try:
            arguments = sh.argv(context, args[0].value)
        except UnsupportedError as why:
            return self.decline(finding, str(why))
        subprocess = c.module_ref(context, call, "subprocess")
        if subprocess is None:
            return self.decline(finding, "the name subprocess is taken in this scope")
        listed = sh.argv_list(arguments, sh.template_look(args[0].value))
        run = c.append_arg(
            call.with_changes(func=subprocess.attr("run").expr(), lpar=[], rpar=[],
                              args=[args[0].with_changes(value=listed)]),
            cst.Arg(keyword=cst.Name("check"), value=cst.Name("False"),
                    equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                          whitespace_after=cst.SimpleWhitespace(""))))
        rationale = "a missing program now raises FileNotFoundError instead of status 127"
        new: cst.BaseExpression = run
        if not isinstance(context.parent(call), cst.Expr):
            new = cst.Attribute(value=run, attr=cst.Name("returncode"))
            if not _status_only(context, call):
                rationale = ("os.system returned the wait status (exit code * 256 on POSIX); "
                             ".returncode is the exit code: check how the value is used; " +
                             rationale)
        new = new.with_changes(lpar=call.lpar, rpar=call.rpar)
        remove: list[tuple[str, str | None]] = [
            ("os", call.func.value if isinstance(call.func, cst.Name) else None)]
        if any(not isinstance(a, str) for a in arguments):
            remove += [("shlex", None), ("pipes", None)]
        text = c.replace_nodes(context, {call: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=subprocess.imports, remove=remove)
        return self.fix_from_text(finding, context, text,
                                  "run the command with subprocess.run, without a shell",
                                  rationale=rationale)

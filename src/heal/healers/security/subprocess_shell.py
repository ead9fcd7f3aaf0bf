"""SEC102: `subprocess.*("cmd", shell=True)` runs an argument list without a shell."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.healers.security import _shell as sh
from heal.healers.security._template import UnsupportedError
from heal.model import Category, Declined, Finding, Fix, Safety

SUBPROCESS = frozenset({"subprocess.Popen", "subprocess.call", "subprocess.check_call",
                        "subprocess.check_output", "subprocess.run"})


def _has_shell(call: cst.Call) -> bool:
    return c.keyword(call, "shell") is not None


class SubprocessWithoutShell(Fixer):
    """Run commands as argument lists, without a shell.

    ## What it does
    Rewrites `subprocess.run/call/check_call/check_output/Popen("cmd args", shell=True)` to
    `subprocess.run(["cmd", "args"])`: the list is computed with `shlex.split` when heal fixes
    the code, and `shell=True` goes. A command built at run time is rewritten only when every
    value in it is `shlex.quote()`d and stands as a whole word (`f"gzip {shlex.quote(p)}"`
    becomes `["gzip", p]`), which the shell would pass as exactly one argument too.

    ## Why is this bad?
    With `shell=True` the string goes to `/bin/sh`, which interprets `;`, `|`, `$(...)`,
    backticks and globs: a value that reaches the string (a file name, a branch name) can run
    commands of its own. An argument list is passed to the program as is.

    ## Example
    ```python
    subprocess.call("ls -l /var/log", shell=True)
    ```
    becomes
    ```python
    subprocess.call(["ls", "-l", "/var/log"])
    ```

    ## Fix safety
    Review: for a command without shell features the program gets the same arguments, but a
    missing program now raises `FileNotFoundError` where the shell returned 127, and on
    Windows `shell=True` meant `cmd.exe`, whose quoting differs. Declined: commands that use
    the shell (pipes, redirections, globs, `$`, `&&`, `;`, backticks, `~`, builtins such as
    `cd`, `VAR=value cmd`), values that are not `shlex.quote()`d, a list with `shell=True` (only
    its first item is the command), `executable=` (with a shell it replaces `/bin/sh`), a
    non-literal `shell=`, and functions that are not subprocess's (bandit B604: what their
    `shell=` means is up to them).
    """

    CODE = "SEC102"
    NAME = "subprocess-without-shell"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B602", "bandit:B604")
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import subprocess


        def listing():
            return subprocess.run(["ls", "-l"], check=True)
        """)]
    INVALID = [
        Invalid("""
            import subprocess


            def listing():
                return subprocess.call("ls -l /var/log", shell=True)
            """, expected="""
            import subprocess


            def listing():
                return subprocess.call(["ls", "-l", "/var/log"])
            """),
        Invalid("""
            import subprocess


            def head():
                return subprocess.check_output(
                    'git log -1 --format="%H %s"',
                    shell=True,  # one line
                    text=True,
                )
            """, expected="""
            import subprocess


            def head():
                return subprocess.check_output(
                    ['git', 'log', '-1', '--format=%H %s'],  # one line
                    text=True,
                )
            """),
        Invalid("""
            import shlex
            import subprocess


            def compress(path):
                subprocess.run(f"gzip -k {shlex.quote(path)}", shell=True, check=True)
            """, expected="""
            import subprocess


            def compress(path):
                subprocess.run(["gzip", "-k", path], check=True)
            """),
        Invalid("""
            import subprocess


            def count():
                return subprocess.check_output("ls *.py | wc -l", shell=True)
            """),
        Invalid("""
            import subprocess


            def show(path):
                return subprocess.run(f"cat {path}", shell=True)
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, _has_shell)
        if call is None:
            return self.decline(finding, "no call with shell= at the reported position")
        if not c.call_names(context, call) & SUBPROCESS:
            return self.decline(finding, f"`{context.code_of(call.func)}` is not a subprocess "
                                         "function; what its shell= means is up to it")
        shell = c.keyword(call, "shell")
        assert shell is not None
        if not (isinstance(shell.value, cst.Name) and shell.value.value == "True"):
            return self.decline(finding, "shell= is not a literal True")
        if c.keyword(call, "executable") is not None:
            return self.decline(finding, "executable= replaces the shell; without the shell it "
                                         "would name the program instead")
        if c.has_any_star(call):
            return self.decline(finding, "*args/**kwargs may carry more options")
        args = c.positional(call)
        command = args[0] if args else c.keyword(call, "args")
        if command is None:
            return self.decline(finding, "no command argument")
        if isinstance(command.value, (cst.List, cst.Tuple)):
            return self.decline(finding, "a list with shell=True runs only its first item as the "
                                         "command (the rest become the shell's own arguments); "
                                         "what was meant needs a human")
        try:
            arguments = sh.argv(context, command.value)
        except UnsupportedError as why:
            return self.decline(finding, str(why))
        listed = sh.argv_list(arguments, sh.template_look(command.value))
        new = c.replace_arg_value(call, command, listed.with_changes(
            lpar=[], rpar=[]))
        shell_arg = c.keyword(new, "shell")
        assert shell_arg is not None
        new = c.remove_arg(new, shell_arg)
        quoted = any(not isinstance(a, str) for a in arguments)
        text = c.replace_nodes(context, {call: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text,
                            remove=[("shlex", None), ("pipes", None)] if quoted else [])
        return self.fix_from_text(
            finding, context, text, "run the command as an argument list, without a shell",
            rationale="a missing program now raises FileNotFoundError instead of the shell's "
                      "exit status 127; confirm nothing relied on shell behaviour")

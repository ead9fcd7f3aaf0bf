"""Shell command strings to argument lists, only where the shell would do the same.

Not a fixer. `argv(context, expr)` splits a literal command with `shlex.split` at fix time;
a command built at run time is split only when every value in it went through `shlex.quote`
and stands as a whole word (the shell then passes it as exactly one argument). Anything the
shell would interpret (pipes, redirections, globs, variables, `&&`, `;`, backticks, `~`,
comments, `VAR=value cmd`, builtins such as `cd`) raises `UnsupportedError` with the reason.
"""

from __future__ import annotations

import re
import shlex

import libcst as cst

from heal.fixer import ModuleContext
from heal.healers.security import _common as c
from heal.healers.security import _template as t
from heal.healers.security._template import UnsupportedError

SHELL_FEATURES = re.compile(r"[|&;<>()$`\\*?\[\]{}~#!\n\r]")
QUOTE_FUNCTIONS = frozenset({"shlex.quote", "pipes.quote"})
# commands a shell runs itself: there is no program of that name to run without one
BUILTINS = frozenset({
    "cd", "export", "source", ".", "exit", "set", "unset", "alias", "unalias", "eval", "exec",
    "shift", "return", "ulimit", "umask", "wait", "trap", "read", "type", "hash", "command",
    "builtin", "local", "declare", "typeset", "readonly", "times", "getopts", "jobs", "fg", "bg",
    "break", "continue", "if", "then", "else", "fi", "for", "while", "until", "do", "done",
    "case", "esac", "function", "select", "time", "coproc", "pushd", "popd", "dirs", "history",
    "let", "logout", "enable", "help", "shopt", "suspend", "disown", "caller", "compgen",
    "complete", "mapfile", "readarray", "bind",
})
_SENTINEL = "HEALSLOT{}X"

Argument = str | cst.BaseExpression


def shell_features(command: str) -> list[str]:
    """Characters the shell would interpret: any of SHELL_FEATURES outside quotes, `$`,
    backticks and backslashes inside double quotes (single quotes keep everything)."""
    found: list[str] = []
    quote = ""
    for char in command:
        if quote == "'":
            if char == "'":
                quote = ""
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char in "$`\\!":
                found.append(char)
        elif char in "'\"":
            quote = char
        elif SHELL_FEATURES.match(char):
            found.append(char)
    if quote:
        found.append(quote)
    return found


def _quoted_value(context: ModuleContext, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """`x` of `shlex.quote(x)`, else None."""
    if isinstance(expr, cst.Call) and len(expr.args) == 1 and expr.args[0].keyword is None and \
            not expr.args[0].star and c.call_names(context, expr) & QUOTE_FUNCTIONS:
        return expr.args[0].value
    return None


def argv(context: ModuleContext, expr: cst.BaseExpression) -> list[Argument]:
    """The argument list the shell would build from `expr`; raises UnsupportedError."""
    template = t.parse(expr)
    text = []
    values: list[cst.BaseExpression] = []
    for item in template.items:
        if isinstance(item, t.Text):
            text.append(item.value)
        elif isinstance(item, t.Slot):
            value = _quoted_value(context, item.expr)
            if value is None:
                raise UnsupportedError(f"the command is built at run time from "
                                  f"`{context.code_of(item.expr)}`, which the shell splits and "
                                  "expands (only shlex.quote()d values can move into a list)")
            text.append(_SENTINEL.format(len(values)))
            values.append(value)
    command = "".join(text)
    found = shell_features(command)
    if found:
        shown = " ".join(sorted(set(found))).replace("\n", "\\n").replace("\r", "\\r")
        raise UnsupportedError(f"the command uses shell features ({shown})")
    for index in range(len(values)):
        mark = _SENTINEL.format(index)
        if not re.search(rf"(^|\s){mark}(\s|$)", command):
            raise UnsupportedError("a shlex.quote()d value is glued to other text or inside quotes")
    try:
        words = shlex.split(command, posix=True)
    except ValueError as error:
        raise UnsupportedError(f"the command does not split ({error})") from None
    if not words:
        raise UnsupportedError("the command is empty")
    first = words[0]
    if "=" in first:
        raise UnsupportedError("the command starts with a variable assignment")
    if first in BUILTINS:
        raise UnsupportedError(f"`{first}` is a shell builtin; there is no program to run without "
                          "a shell")
    out: list[Argument] = []
    for word in words:
        match = re.fullmatch(r"HEALSLOT(\d+)X", word)
        if match:
            out.append(values[int(match.group(1))])
        elif "HEALSLOT" in word:
            raise UnsupportedError("a shlex.quote()d value is glued to other text")
        else:
            out.append(word)
    if isinstance(out[0], cst.BaseExpression):
        raise UnsupportedError("the program itself comes from a value")
    return out


def argv_list(arguments: list[Argument], like: cst.BaseExpression) -> cst.List:
    """`["ls", "-l", path]`, strings quoted as the original literal was."""
    look = like if isinstance(like, cst.SimpleString) else None
    if look is not None and len(look.quote) == 3:
        look = cst.SimpleString(f"{look.prefix}{look.quote[0] * 2}")
    elements = [cst.Element(c.string_literal(a, look) if isinstance(a, str) else a)
                for a in arguments]
    return cst.List(elements=elements)


def template_look(expr: cst.BaseExpression) -> cst.BaseExpression:
    try:
        return t.parse(expr).look
    except UnsupportedError:
        return expr

"""Helpers the security fixers share: finding the reported node, names, imports, arguments.

Not a fixer. Everything here reads a `ModuleContext` (whose module was parsed once, and
whose metadata was resolved on the very same nodes, so identities line up) and builds libcst
nodes with `with_changes` so that comments and formatting around them stay.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    GlobalScope,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)

from heal.cst import dotted_name
from heal.fixer import ModuleContext
from heal.model import Finding
from heal.rules.rewrite import rewrite

STRING_NODES: tuple[type[cst.CSTNode], ...] = (
    cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


# -- metadata -------------------------------------------------------------------------------
@dataclass
class Meta:
    qualified: Mapping[cst.CSTNode, object]
    scopes: Mapping[cst.CSTNode, Scope | None]
    contexts: Mapping[cst.CSTNode, ExpressionContext]




def meta(context: ModuleContext) -> Meta:
    """Qualified names, scopes and load/store contexts of the context's own module nodes
    (resolved once per file version, with every other fixer's metadata)."""
    wrapper = context.parsed.wrapper
    return context.parsed.memo("security-meta", lambda: Meta(
        wrapper.resolve(QualifiedNameProvider), wrapper.resolve(ScopeProvider),
        wrapper.resolve(ExpressionContextProvider)))


def qualified_names(context: ModuleContext, node: cst.CSTNode) -> set[str]:
    """What a name or attribute refers to (`yaml.load`, `builtins.eval`); the dotted source
    text when the name is not bound in the module (a global heal cannot see)."""
    value = meta(context).qualified.get(node)
    if callable(value):  # libcst gives lazy values
        value = value()
    names = {q.name for q in value} if isinstance(value, (set, frozenset)) else set()
    if not names and isinstance(node, (cst.Name, cst.Attribute)):
        text = dotted_name(node)
        if text is not None:
            names.add(text)
    return names


def scope_of(context: ModuleContext, node: cst.CSTNode) -> Scope | None:
    return meta(context).scopes.get(node)


def is_store(context: ModuleContext, node: cst.CSTNode) -> bool:
    return meta(context).contexts.get(node) in (ExpressionContext.STORE, ExpressionContext.DEL)


# -- finding the reported node --------------------------------------------------------------
def located(context: ModuleContext, finding: Finding, kinds: tuple[type[cst.CSTNode], ...],
            accept: Callable[[cst.CSTNode], bool] = lambda node: True) -> cst.CSTNode | None:
    """The node of the given kinds bandit reported: exactly at the span, else the innermost
    one that covers it (bandit's span leaves out parentheses, and for some checks starts at
    the line of the offending keyword), else the largest one that starts where it starts (for
    a string, bandit may stretch the span to the end of the expression around it)."""
    for node in [*context.nodes_at(finding.span, kinds),
                 *context.nodes_covering(finding.span, kinds)]:
        if accept(node):
            return node
    start = (finding.span.start.line, finding.span.start.column)
    positions = context.positions
    starting = [(node, where) for node in positions if isinstance(node, kinds)
                and ((where := positions[node]).start.line, where.start.column) == start]
    starting.sort(key=lambda item: (item[1].end.line, item[1].end.column), reverse=True)
    return next((node for node, _ in starting if accept(node)), None)


def located_call(context: ModuleContext, finding: Finding,
                 accept: Callable[[cst.Call], bool] = lambda node: True) -> cst.Call | None:
    node = located(context, finding, (cst.Call,),
                   lambda n: isinstance(n, cst.Call) and accept(n))
    return node if isinstance(node, cst.Call) else None


def call_names(context: ModuleContext, call: cst.Call) -> set[str]:
    return qualified_names(context, call.func)


# -- names ----------------------------------------------------------------------------------
def words(name: str) -> list[str]:
    """`apiToken_v2` -> ["api", "token", "v2"]: snake, kebab and camel case parts, lowered."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    out: list[str] = []
    for part in parts:
        out += [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", part)]
    return [w for w in out if w]


def upper_snake(name: str) -> str:
    return "_".join(w.upper() for w in words(name))


def enclosing_functions(context: ModuleContext, node: cst.CSTNode) -> list[cst.FunctionDef]:
    return [a for a in context.ancestors(node) if isinstance(a, cst.FunctionDef)]


def assigned_names(context: ModuleContext, node: cst.CSTNode) -> list[str]:
    """Names the value of `node` ends up in: assignment targets, keyword arguments, dict keys
    and a returning function's name, walking up through the expression."""
    names: list[str] = []
    child = node
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, cst.Arg) and ancestor.keyword is not None:
            names.append(ancestor.keyword.value)
        elif isinstance(ancestor, cst.DictElement) and ancestor.value is child:
            key = string_value(ancestor.key)
            if key:
                names.append(key)
        elif isinstance(ancestor, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets: list[cst.BaseExpression] = (
                [t.target for t in ancestor.targets] if isinstance(ancestor, cst.Assign)
                else [ancestor.target])
            for target in targets:
                names += _stored_names(target)
            break
        elif isinstance(ancestor, cst.Return):
            functions = enclosing_functions(context, ancestor)
            if functions:
                names.append(functions[0].name.value)
            break
        elif isinstance(ancestor, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            break
        child = ancestor
    return names


def _stored_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Attribute):
        return [target.attr.value]
    if isinstance(target, cst.Subscript):
        key = subscript_key(target)
        return [key] if key else []
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _stored_names(e.value)]
    return []


def subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return string_value(node.slice[0].slice.value)
    return None


# -- strings --------------------------------------------------------------------------------
def string_value(node: cst.CSTNode) -> str | None:
    """The value of a plain (not f-, not bytes) string literal, implicit concatenation too."""
    if isinstance(node, cst.SimpleString):
        if "b" in node.prefix.lower():
            return None
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return None if left is None or right is None else left + right
    return None


def escape(text: str, quote: str, triple: bool = False) -> str:
    """The body of a non-raw string literal with the given quote that evaluates to `text`."""
    out = []
    must_escape_quote = not triple or quote * 3 in text or text.endswith(quote)
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == quote and must_escape_quote:
            out.append("\\" + char)
        elif char == "\n":
            out.append("\n" if triple else "\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def string_literal(text: str, like: cst.SimpleString | None = None) -> cst.SimpleString:
    """A plain string literal for `text`, in the quote style of `like` when given."""
    quote = '"'
    prefix = ""
    if like is not None:
        quote = like.quote
        prefix = "".join(c for c in like.prefix if c.lower() in "ur")
    triple = len(quote) == 3
    single = quote[0]
    if "r" in prefix.lower():
        raw_ok = ("\\" not in text or not text.endswith("\\")) and (
            (triple and quote not in text and not text.endswith(single))
            or (not triple and single not in text and "\n" not in text))
        if raw_ok:
            return cst.SimpleString(f"{prefix}{quote}{text}{quote}")
        prefix = "".join(c for c in prefix if c.lower() != "r")
    if not triple and single in text and ('"' if single == "'" else "'") not in text:
        single = '"' if single == "'" else "'"
        quote = single
    return cst.SimpleString(f"{prefix}{quote}{escape(text, single, triple)}{quote}")


# -- modules and imports --------------------------------------------------------------------
def imported_modules(context: ModuleContext) -> set[str]:
    """Every module the file imports, anywhere (dotted, and each of its parents)."""
    found: set[str] = set()
    for node in context.positions:
        names: list[str] = []
        if isinstance(node, cst.Import):
            names = [dotted_name(alias.name) or "" for alias in node.names]
        elif isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
            names = [dotted_name(node.module) or ""]
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    found.discard("")
    return found


def _bound_elsewhere(scope: Scope | None, name: str, module: str, imported_name: str | None
                     ) -> bool:
    """`name` is bound where `scope` sees it, to something other than the import we want
    (`import module [as name]`, or `from module import imported_name [as name]`)."""
    if scope is None:
        return False
    for assignment in scope[name]:
        node = getattr(assignment, "node", None)
        if isinstance(node, cst.Import) and imported_name is None and any(
                _alias_name(a) == name and (
                    dotted_name(a.name) == module if a.asname is not None
                    else (dotted_name(a.name) or "").split(".")[0] == module.split(".")[0])
                for a in node.names):
            continue
        if isinstance(node, cst.ImportFrom) and imported_name is not None and \
                node.module is not None and dotted_name(node.module) == module and \
                not node.relative and not isinstance(node.names, cst.ImportStar) and any(
                    dotted_name(a.name) == imported_name and _alias_name(a) == name
                    for a in node.names):
            continue
        return True
    return False


def _alias_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return (dotted_name(alias.name) or "").split(".")[0]


@dataclass(frozen=True)
class Ref:
    """How code at one place refers to a module or a name from it, and the import it needs."""

    code: str
    imports: tuple[tuple[str, str | None], ...] = ()

    def expr(self) -> cst.BaseExpression:
        return cst.parse_expression(self.code)

    def attr(self, name: str) -> Ref:
        return Ref(f"{self.code}.{name}", self.imports)


def _module_imports(context: ModuleContext, module: str) -> list[cst.ImportAlias]:
    """`import module [as alias]` aliases at module level."""
    found = []
    for statement in context.module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import):
                    found += [a for a in small.names if dotted_name(a.name) == module]
    return found


def module_ref(context: ModuleContext, at: cst.CSTNode, module: str) -> Ref | None:
    """`module` as seen from `at`: an existing `import module [as alias]` at module level,
    else `module` itself with the import to add; None when the name is taken there."""
    scope = scope_of(context, at)
    for alias in _module_imports(context, module):
        if alias.asname is not None:
            name = _alias_name(alias)
            if not _bound_elsewhere(scope, name, module, None):
                return Ref(name)
    root = module.split(".")[0]
    if _bound_elsewhere(scope, root, module, None):
        return None
    return Ref(module, ((module, None),))


def name_ref(context: ModuleContext, at: cst.CSTNode, module: str, name: str) -> Ref | None:
    """`module.name` as seen from `at`: through the file's `import module` when it has one,
    else a `from module import name` (added when missing); None when the name is taken."""
    if _module_imports(context, module):
        ref = module_ref(context, at, module)
        if ref is not None:
            return ref.attr(name)
    if _bound_elsewhere(scope_of(context, at), name, module, name):
        return None
    return Ref(name, ((module, name),))


# -- call arguments -------------------------------------------------------------------------
def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def has_star(call: cst.Call, star: str = "**") -> bool:
    return any(a.star == star for a in call.args)


def has_any_star(call: cst.Call) -> bool:
    return any(a.star for a in call.args)


def _has_newline(node: cst.CSTNode | cst.MaybeSentinel) -> bool:
    return isinstance(node, cst.ParenthesizedWhitespace)


def append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """Add an argument at the end, in the layout the call already has (one line, one argument
    per line, with or without a trailing comma)."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[arg])
    last = args[-1]
    previous = args[-2].comma if len(args) >= 2 else None
    separator: cst.Comma
    if isinstance(previous, cst.Comma):
        separator = previous
    elif _has_newline(call.whitespace_before_args):
        separator = cst.Comma(whitespace_after=call.whitespace_before_args)
    else:
        separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new_last = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
    new_arg = arg.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    return call.with_changes(args=[*args[:-1], new_last, new_arg])


def remove_arg(call: cst.Call, arg: cst.Arg) -> cst.Call:
    """Drop one argument, keeping the layout of the rest (and a comment after its comma)."""
    args = list(call.args)
    index = next(i for i, a in enumerate(args) if a is arg)
    if index > 0:
        previous = args[index - 1]
        changes: dict[str, object] = {"comma": arg.comma}
        if index == len(args) - 1:
            changes["whitespace_after_arg"] = arg.whitespace_after_arg
        args[index - 1] = previous.with_changes(**changes)
    del args[index]
    return call.with_changes(args=args)


def replace_arg_value(call: cst.Call, arg: cst.Arg, value: cst.BaseExpression) -> cst.Call:
    return call.with_changes(args=[a.with_changes(value=value) if a is arg else a
                                   for a in call.args])


# -- rewriting the module -------------------------------------------------------------------
def replace_nodes(context: ModuleContext, mapping: Mapping[cst.CSTNode, cst.CSTNode]
                  ) -> str | None:
    """The module's text with several (non-nested) nodes replaced by identity; None when a
    replacement would drop a comment the old node held (the fixer then declines)."""
    if any(loses_comments(old, new) for old, new in mapping.items()):
        return None
    if len(mapping) == 1:
        (old, new), = mapping.items()
        return context.replace(old, new)
    return rewrite(context, mapping)


def needed_imports(refs: Iterable[Ref | None]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for ref in refs:
        if ref is not None:
            out += [i for i in ref.imports if i not in out]
    return out


# -- where the code lives -------------------------------------------------------------------
def is_test_path(path: str) -> bool:
    pure = PurePosixPath(path)
    name = pure.name
    return (any(part in ("test", "tests", "testing") for part in pure.parts[:-1])
            or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def module_calls(context: ModuleContext, accept: Callable[[set[str]], bool]) -> bool:
    """Some call in the module has a qualified name `accept` likes."""
    return any(isinstance(node, cst.Call) and accept(call_names(context, node))
               for node in context.positions)


def in_global_scope(context: ModuleContext, node: cst.CSTNode) -> bool:
    return isinstance(scope_of(context, node), GlobalScope)


# -- what a value is for --------------------------------------------------------------------
SECURITY_WORDS = frozenset({
    "password", "passwords", "passwd", "pwd", "pass", "passphrase", "secret", "secrets",
    "token", "tokens", "auth", "authenticate", "authentication", "authorization", "sign",
    "signed", "signer", "signing", "signature", "signatures", "sig", "hmac", "salt", "salted",
    "nonce", "nonces", "credential", "credentials", "cred", "creds", "otp", "csrf", "crypt",
    "crypto", "encrypt", "decrypt", "encryption", "cipher", "apikey", "session", "sessions",
})
# "key" alone is usually a cache or dict key; with one of these it is a secret
KEY_QUALIFIERS = frozenset({"api", "private", "secret", "signing", "encryption", "access",
                            "session", "auth", "master", "shared", "crypto", "hmac"})


def security_words(names: Iterable[str], bare_key: bool = False) -> list[str]:
    """The names that say a value is for security (passwords, tokens, signatures, keys...).
    `bare_key`: a name with the word "key" alone counts (`random_key`, `key`)."""
    found = []
    for name in names:
        parts = set(words(name))
        if parts & SECURITY_WORDS or ({"key", "keys"} & parts and (
                bare_key or parts & KEY_QUALIFIERS)):
            found.append(name)
    return found


def context_names(context: ModuleContext, node: cst.CSTNode,
                  include_arguments: bool = True) -> list[str]:
    """Names around an expression that tell what it is for: where its value goes, the
    functions and classes it is in, and (for a call) the names in its arguments."""
    names = assigned_names(context, node)
    for ancestor in context.ancestors(node):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
            names.append(ancestor.name.value)
    if include_arguments and isinstance(node, cst.Call):
        for arg in node.args:
            for sub in _names_in(arg.value):
                names.append(sub)
    return names


def _names_in(node: cst.CSTNode) -> list[str]:
    found: list[str] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name.value)

        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            found.append(attribute.attr.value)

    node.visit(Collect())
    return found


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?",
                   re.IGNORECASE)


def suppressed(context: ModuleContext, finding: Finding) -> str | None:
    """Why the project has already accepted this finding: a `# noqa` for it (bare, or naming
    ruff's twin code, S506 for B506) on one of its lines; bandit honours only `# nosec`."""
    if not finding.code.startswith("B"):
        return None
    twin = "S" + finding.code[1:]
    lines = context.text.splitlines()
    for number in range(finding.span.start.line, finding.span.end.line + 1):
        if number > len(lines):
            break
        match = _NOQA.search(lines[number - 1])
        if match is None:
            continue
        codes = re.split(r"[\s,]+", (match.group("codes") or "").upper())
        if not match.group("codes") or twin in codes:
            shown = f"# noqa: {twin}" if match.group("codes") else "# noqa"
            return f"the project accepts this finding (`{shown}` on line {number})"
    return None


def comments(node: cst.CSTNode) -> list[str]:
    found: list[str] = []

    class Collect(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment.value)

    node.visit(Collect())
    return found


def loses_comments(old: cst.CSTNode, new: cst.CSTNode) -> bool:
    """The replacement drops a comment the replaced node held."""
    return bool(Counter(comments(old)) - Counter(comments(new)))


LOSES_COMMENT = "the rewrite would drop a comment inside the expression"

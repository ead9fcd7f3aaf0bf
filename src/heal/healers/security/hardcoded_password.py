"""SEC108: hard-coded passwords and tokens are read from the environment (review).

The secret value never leaves the edits: descriptions, rationales and decline reasons name
the variable and the environment variable only.
"""

from __future__ import annotations

import re

import libcst as cst

from heal.cases import Invalid, Valid
from heal.cst import dotted_name
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

# bandit's own test for a password-like name (general_hardcoded_password.py)
_WORDS = r"(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)"
CANDIDATE = re.compile(rf"(^{_WORDS}$|_{_WORDS}_|^{_WORDS}_|_{_WORDS}$)", re.IGNORECASE)
# a last word that says the value describes a secret (its type, name, URL...), not is one
DESCRIBING = frozenset({
    "type", "types", "kind", "url", "uri", "urls", "endpoint", "path", "file", "filename",
    "dir", "name", "names", "field", "fields", "param", "params", "parameter", "header",
    "headers", "prefix", "suffix", "pattern", "regex", "re", "template", "len", "length",
    "format", "fmt", "label", "placeholder", "hint", "message", "msg", "error", "errors",
    "attr", "attribute", "column", "col", "env", "var", "variable", "mode", "style", "id",
    "expiry", "expires", "ttl", "timeout", "lifetime", "scope", "scopes", "location", "method",
    "class", "cls", "handler", "validator", "generator", "char", "chars", "charset",
    "alphabet", "prompt", "title", "text", "help", "description", "doc", "policy",
    "placement", "encoding", "algorithm", "setting", "option", "choice", "status", "state",
    "flag", "required", "enabled",
})

# values that name a field or mark a gap rather than hold a secret
MARKERS = frozenset({"password", "passwd", "pwd", "token", "secret", "pass", "passphrase",
                     "none", "null", "xxx", "redacted"})
SCHEMES = frozenset({"bearer", "basic", "digest", "mac", "negotiate", "ntlm", "hoba", "mutual",
                     "jwt", "oauth", "hmac", "apikey"})

REGEX = re.compile(r"\[[^\]]*\][+*?{]|\\[dwsbDWSB]|\(\?[:=!P<]|^\^|\.[*+]")

SYNTAX_MODULES = frozenset({"tokenize", "tokenizer", "lexer", "lex", "parser", "grammar",
                            "scanner", "pgen"})


def _placeholder(name: str, value: str, path: str = "") -> str | None:
    """Why `name = value` is not a secret worth moving, or None when it may be one."""
    if not value.strip():
        return "the value is empty: a placeholder, not a secret"
    if len(value) < 4 or not any(ch.isalnum() for ch in value):
        return "the value is too short or has no letters or digits: not a secret"
    if "token" in c.words(name) and set(c.words(path)) & SYNTAX_MODULES:
        return "in a tokenizer or parser a token is a piece of syntax, not a secret"
    parts = c.words(name)
    if parts and parts[-1] in DESCRIBING:
        return f"`{name}` names a {parts[-1]} of a secret, not the secret itself"
    squashed = re.sub(r"[^a-z0-9]", "", value.lower())
    if squashed and (squashed == re.sub(r"[^a-z0-9]", "", name.lower())
                     or squashed in MARKERS or re.fullmatch(r"[a-z]+(_[a-z]+)+", value)):
        return "the value is a name or marker, not a secret"
    if squashed in SCHEMES:
        return "the value is an authentication scheme name, not a secret"
    if any(ch.isspace() for ch in value):
        return "the value is text, not a secret"
    if "://" in value or value.startswith(("/", "./", "../")):
        return "the value is a URL or path, not a secret"
    if re.search(r"%[sd(]|\{\w*\}|\$\{", value):
        return "the value is a template, not a secret"
    if REGEX.search(value):
        return "the value is a pattern (a regular expression), not a secret"
    return None


def env_name(name: str) -> str | None:
    env = c.upper_snake(name.lstrip("_"))
    return env if env and re.fullmatch(r"[A-Z_][A-Z0-9_]*", env) else None


class PasswordFromEnvironment(Fixer):
    """Read passwords and tokens from the environment, not the source.

    ## What it does
    Replaces a hard-coded password, token or secret with an `os.environ["NAME"]` lookup, NAME
    being the variable, keyword, dict key or parameter name in UPPER_SNAKE case
    (`db_password` -> `DB_PASSWORD`), and imports `os`. For a parameter default
    (`def connect(password="...")`) the default becomes `None` and the function reads the
    environment when it is called without one.

    ## Why is this bad?
    A secret in the source is in every clone, fork, backup and CI log of the repository, and
    cannot be rotated without a commit. Anyone who can read the code can use it.

    ## Example
    ```python
    DB_PASSWORD = "..."
    ```
    becomes
    ```python
    DB_PASSWORD = os.environ["DB_PASSWORD"]
    ```

    ## Fix safety
    Review: the program now needs the variable set wherever it runs (a missing one raises
    `KeyError`, at import time for module-level constants), and the old secret must still be
    rotated, since it stays in the history. The secret itself never appears in what heal
    prints: descriptions, rationales and decline reasons name the variables only, and diffs are
    redacted. Declined: test files (test credentials), empty, very short or punctuation-only
    values, values that describe a secret rather than hold one (`token_type = "Bearer"`,
    `password_field = "password"`, URLs, paths, messages, templates, regular expressions),
    "tokens" in tokenizers and parsers, comparisons (`if password == "..."`), and annotated
    parameters heal cannot widen to `X | None`.
    """

    CODE = "SEC108"
    NAME = "password-from-environment"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B105", "bandit:B106", "bandit:B107")
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import os

        DB_PASSWORD = os.environ["DB_PASSWORD"]
        """)]
    INVALID = [
        Invalid("""
            import logging

            DB_PASSWORD = "s3cr3t-Pa55"  # production
            """, expected="""
            import logging
            import os

            DB_PASSWORD = os.environ["DB_PASSWORD"]  # production
            """),
        Invalid("""
            import os


            def connect(client):
                return client.login(user="admin", api_token="tok-1234567890")
            """, expected="""
            import os


            def connect(client):
                return client.login(user="admin", api_token=os.environ["API_TOKEN"])
            """),
        Invalid("""
            import os


            def connect(host, password="hunter22"):
                \"\"\"Open a session.\"\"\"
                return (host, password)
            """, expected="""
            import os


            def connect(host, password=None):
                \"\"\"Open a session.\"\"\"
                if password is None:
                    password = os.environ["PASSWORD"]
                return (host, password)
            """),
        Invalid("""
            import os

            SETTINGS = {"user": "app", "password": "Tr0ub4dor3"}
            """, expected="""
            import os

            SETTINGS = {"user": "app", "password": os.environ["PASSWORD"]}
            """),
        Invalid("""
            TOKEN_TYPE = "Bearer"
            """),
        Invalid("""
            def check(password):
                return password == "letmein99"
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        if c.is_test_path(finding.path):
            return self.decline(finding, "a credential in a test is test data")
        if finding.rule == "bandit:B106":
            return self._keyword(finding, context)
        if finding.rule == "bandit:B107":
            return self._default(finding, context)
        return self._string(finding, context)

    # B105: an assignment, a dict value or a subscript assignment
    def _string(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        node = c.located(context, finding, (cst.SimpleString, cst.ConcatenatedString))
        if node is None:
            return self.decline(finding, "no string literal at the reported position")
        parent = context.parent(node)
        if isinstance(parent, cst.ConcatenatedString):
            node, parent = parent, context.parent(parent)
        grand = context.parent(parent) if parent is not None else None
        value_node: cst.CSTNode
        if isinstance(parent, cst.Assign) and parent.value is node:
            names = [n for t in parent.targets for n in self._target_name(t.target)]
            name = next((n for n in names if CANDIDATE.search(n)), None)
            value_node = node
        elif isinstance(parent, cst.DictElement) and parent.key is node:
            name = c.string_value(node)
            value_node = parent.value
        elif isinstance(parent, cst.Index) and isinstance(grand, cst.SubscriptElement):
            name = c.string_value(node)
            assign = next((a for a in context.ancestors(node) if isinstance(a, cst.Assign)), None)
            if assign is None:
                return self.decline(finding, "the subscript is not assigned a string")
            value_node = assign.value
        elif isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
            return self.decline(finding, "the string is compared with a password, not stored as "
                                         "one; a human must decide where the expected value "
                                         "comes from")
        else:
            return self.decline(finding, "not an assignment heal can rewrite")
        if name is None:
            return self.decline(finding, "no password-like name to derive the variable from")
        secret = c.string_value(value_node)
        if secret is None:
            return self.decline(finding, "the value is not a string literal (None, a number, "
                                         "an expression)")
        return self._replace(finding, context, value_node, name, secret)

    @staticmethod
    def _target_name(target: cst.BaseExpression) -> list[str]:
        if isinstance(target, cst.Name):
            return [target.value]
        if isinstance(target, cst.Attribute):
            return [target.attr.value]
        return []

    # B106: a keyword argument
    def _keyword(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        call = c.located_call(context, finding, lambda n: any(
            a.keyword is not None and CANDIDATE.search(a.keyword.value)
            and c.string_value(a.value) is not None for a in n.args))
        if call is None:
            return self.decline(finding, "no call with a password-like keyword at the reported "
                                         "position")
        arg = next(a for a in call.args if a.keyword is not None
                   and CANDIDATE.search(a.keyword.value) and c.string_value(a.value) is not None)
        assert arg.keyword is not None
        secret = c.string_value(arg.value)
        assert secret is not None
        return self._replace(finding, context, arg.value, arg.keyword.value, secret)

    def _replace(self, finding: Finding, context: ModuleContext,
                 node: cst.CSTNode, name: str, secret: str) -> Fix | Declined:
        why = _placeholder(name, secret, finding.path)
        if why:
            return self.decline(finding, why)
        env = env_name(name)
        if env is None:
            return self.decline(finding, "no environment variable name can be derived from "
                                         "the name")
        os_ref = c.module_ref(context, node, "os")
        if os_ref is None:
            return self.decline(finding, "the name os is taken in this scope")
        lookup = cst.parse_expression(f'{os_ref.code}.environ["{env}"]')
        if isinstance(node, cst.BaseExpression):
            lookup = lookup.with_changes(lpar=node.lpar, rpar=node.rpar)
        text = c.replace_nodes(context, {node: lookup})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=os_ref.imports)
        return self._fix(finding, context, text, name, env)

    def _fix(self, finding: Finding, context: ModuleContext, text: str, name: str, env: str
             ) -> Fix | Declined:
        fix = self.fix_from_text(
            finding, context, text, f"read {name} from the environment variable {env}",
            rationale=f"set {env} wherever the code runs (a missing one raises KeyError), and "
                      "rotate the old secret: it stays in the git history")
        if fix is None:
            return self.decline(finding, "the rewrite changes nothing")
        return fix

    # B107: a parameter default
    def _default(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        node = c.located(context, finding, (cst.FunctionDef,))
        if not isinstance(node, cst.FunctionDef):
            return self.decline(finding, "no function at the reported position")
        params = [*node.params.posonly_params, *node.params.params]
        param = next((p for p in params if p.default is not None
                      and CANDIDATE.search(p.name.value)
                      and c.string_value(p.default) is not None), None)
        if param is None or param.default is None:
            return self.decline(finding, "no password-like parameter with a string default")
        name = param.name.value
        secret = c.string_value(param.default)
        assert secret is not None
        why = _placeholder(name, secret, finding.path)
        if why:
            return self.decline(finding, why)
        env = env_name(name)
        if env is None:
            return self.decline(finding, "no environment variable name can be derived from "
                                         "the name")
        if not isinstance(node.body, cst.IndentedBlock):
            return self.decline(finding, "a one-line function body")
        if self._uses_none(node, name):
            return self.decline(finding, f"the function already treats {name}=None specially")
        annotation = param.annotation
        new_annotation = None
        if annotation is not None:
            future = "annotations" in {
                n for s in context.module.body if isinstance(s, cst.SimpleStatementLine)
                for i in s.body if isinstance(i, cst.ImportFrom) and i.module is not None
                and dotted_name(i.module) == "__future__" and not isinstance(i.names, cst.ImportStar)
                for n in [dotted_name(a.name) or "" for a in i.names]}
            if context.target < (3, 10) and not future:
                return self.decline(finding, "the parameter is annotated and the project supports "
                                             "Pythons without `X | None`")
            new_annotation = annotation.with_changes(annotation=cst.BinaryOperation(
                left=annotation.annotation, operator=cst.BitOr(), right=cst.Name("None")))
        os_ref = c.module_ref(context, node.body, "os")
        if os_ref is None:
            return self.decline(finding, "the name os is taken in this function")
        new_param = param.with_changes(default=cst.Name("None"))
        if new_annotation is not None:
            new_param = new_param.with_changes(annotation=new_annotation)
        guard = cst.parse_statement(
            f'if {name} is None:\n    {name} = {os_ref.code}.environ["{env}"]\n')
        body = list(node.body.body)
        at = 1 if body and self._is_docstring(body[0]) else 0
        body.insert(at, guard)
        new_params = node.params.with_changes(
            posonly_params=[new_param if p is param else p for p in node.params.posonly_params],
            params=[new_param if p is param else p for p in node.params.params])
        new = node.with_changes(params=new_params, body=node.body.with_changes(body=body))
        text = c.replace_nodes(context, {node: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=os_ref.imports)
        fix = self.fix_from_text(
            finding, context, text, f"read {name} from the environment variable {env} when "
                                    "not given",
            rationale=f"set {env} wherever the code runs (a missing one raises KeyError); "
                      f"callers that passed {name}=None now get the environment's value; "
                      "rotate the old secret: it stays in the git history")
        return fix if fix is not None else self.decline(finding, "the rewrite changes nothing")

    @staticmethod
    def _is_docstring(statement: cst.BaseStatement) -> bool:
        return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and \
            isinstance(statement.body[0], cst.Expr) and \
            isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))

    @staticmethod
    def _uses_none(function: cst.FunctionDef, name: str) -> bool:
        found = False

        class Look(cst.CSTVisitor):
            def visit_Comparison(self, node: cst.Comparison) -> None:
                nonlocal found
                operands = [node.left, *(t.comparator for t in node.comparisons)]
                if any(isinstance(o, cst.Name) and o.value == name for o in operands) and \
                        any(isinstance(o, cst.Name) and o.value == "None" for o in operands):
                    found = True

        function.body.visit(Look())
        return found

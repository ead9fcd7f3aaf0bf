"""SEC112: `random` used for tokens, passwords and keys becomes `secrets` (review)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext, with_imports
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

ATOMIC = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer)


def _random_leaf(context: ModuleContext, call: cst.Call) -> str | None:
    for name in c.call_names(context, call):
        parts = name.split(".")
        if len(parts) == 2 and parts[0] == "random":
            return parts[1]
    return None


def _int(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        value = node.evaluated_value
        return value if isinstance(value, int) else None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _int(node.expression)
        return None if inner is None else -inner
    return None


def _plus_one(node: cst.BaseExpression) -> cst.BaseExpression:
    value = _int(node)
    if value is not None:
        return cst.Integer(str(value + 1))
    left = node if isinstance(node, ATOMIC) and not node.lpar else node.with_changes(
        lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.BinaryOperation(left=left, operator=cst.Add(), right=cst.Integer("1"))


class SecretsForTokens(Fixer):
    """Draw security values from `secrets`, not `random`.

    ## What it does
    Where `random` makes a token, password, secret, key, salt or nonce (the variable, keyword,
    dict key or function the value goes to says so, or the call's arguments do), rewrites the
    call to the `secrets` module: `random.choice(s)` to `secrets.choice(s)`,
    `random.randrange(n)` / `random.randint(0, n)` to `secrets.randbelow(...)`,
    `random.getrandbits(k)` to `secrets.randbits(k)`, `random.randbytes(n)` to
    `secrets.token_bytes(n)` (and `.hex()` of it to `secrets.token_hex(n)`), and anything else
    to the same method of `secrets.SystemRandom()`.

    ## Why is this bad?
    `random` is a Mersenne Twister: after 624 outputs an observer can predict every later one,
    so tokens and passwords drawn from it can be guessed. `secrets` draws from the operating
    system's cryptographic generator.

    ## Example
    ```python
    def make_token(length=32):
        return "".join(random.choice(ALPHABET) for _ in range(length))
    ```
    becomes
    ```python
    def make_token(length=32):
        return "".join(secrets.choice(ALPHABET) for _ in range(length))
    ```

    ## Fix safety
    Review: the distribution of values is the same, but they can no longer be reproduced with
    `random.seed`, which tests sometimes rely on. heal declines where nothing names a security
    use ("random is fine for non-security use": dice, sampling, jitter, shuffling test data), in
    modules that call `random.seed` (reproducibility is wanted there), and for a seeded
    `random.Random(seed)`.
    """

    CODE = "SEC112"
    NAME = "secrets-for-tokens"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B311",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import secrets
        import string

        ALPHABET = string.ascii_letters + string.digits


        def make_token(length=32):
            return "".join(secrets.choice(ALPHABET) for _ in range(length))
        """)]
    INVALID = [
        Invalid("""
            import random
            import string

            ALPHABET = string.ascii_letters + string.digits


            def make_token(length=32):
                return "".join(random.choice(ALPHABET) for _ in range(length))
            """, expected="""
            import string
            import secrets

            ALPHABET = string.ascii_letters + string.digits


            def make_token(length=32):
                return "".join(secrets.choice(ALPHABET) for _ in range(length))
            """),
        Invalid("""
            import random


            def reset(user):
                user.reset_password_pin = random.randint(0, 9999)
            """, expected="""
            import secrets


            def reset(user):
                user.reset_password_pin = secrets.randbelow(10000)
            """),
        Invalid("""
            from random import randbytes


            def new_salt():
                return randbytes(16).hex()
            """, expected="""
            import secrets


            def new_salt():
                return secrets.token_hex(16)
            """),
        Invalid("""
            import random


            def roll():
                return random.randint(1, 6)
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, lambda n: _random_leaf(context, n) is not None)
        if call is None:
            return self.decline(finding, "no random call at the reported position")
        leaf = _random_leaf(context, call)
        assert leaf is not None
        if any(n.startswith("secrets.") for n in c.call_names(context, call)):
            return self.decline(finding, f"{context.code_of(call.func)} comes from secrets where "
                                         "it can; random is only the fallback import")
        if leaf == "Random" and call.args:
            return self.decline(finding, "a seeded random.Random is meant to be reproducible")
        if c.module_calls(context, lambda names: "random.seed" in names):
            return self.decline(finding, "the module calls random.seed, so its random values "
                                         "are meant to be reproducible")
        telling = c.security_words(c.context_names(context, call), bare_key=True)
        if not telling:
            return self.decline(finding, "random is fine for non-security use (nothing around "
                                         "the call names a token, password, secret, key, salt "
                                         "or nonce)")
        secrets = c.module_ref(context, call, "secrets")
        if secrets is None:
            return self.decline(finding, "the name secrets is taken in this scope")
        old, new = self._rewrite(context, call, leaf, secrets)
        remove: list[tuple[str, str | None]] = [("random", None)]
        if isinstance(call.func, cst.Name):
            remove = [("random", call.func.value)]
        text = c.replace_nodes(context, {old: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        text = with_imports(text, add=secrets.imports, remove=remove)
        return self.fix_from_text(
            finding, context, text, "draw the value from secrets (it is for "
            f"{', '.join(sorted(set(telling)))})",
            rationale="values are no longer reproducible with random.seed; confirm nothing "
                      "(a test, a replay) relies on that")

    @staticmethod
    def _rewrite(context: ModuleContext, call: cst.Call, leaf: str, secrets: c.Ref
                 ) -> tuple[cst.BaseExpression, cst.BaseExpression]:
        """(node to replace, its replacement)."""
        def secrets_call(name: str, args: list[cst.Arg]) -> cst.Call:
            return call.with_changes(func=secrets.attr(name).expr(), args=args)

        args = list(call.args)
        plain = all(a.keyword is None and not a.star for a in args)
        values = [a.value for a in args]
        if plain and leaf == "choice" and len(args) == 1:
            return call, secrets_call("choice", args)
        if plain and leaf == "getrandbits" and len(args) == 1:
            return call, secrets_call("randbits", args)
        if plain and leaf == "randbytes" and len(args) == 1:
            parent = context.parent(call)
            grand = context.parent(parent) if parent is not None else None
            if isinstance(parent, cst.Attribute) and parent.attr.value == "hex" and \
                    isinstance(grand, cst.Call) and not grand.args and grand.func is parent:
                return grand, grand.with_changes(func=secrets.attr("token_hex").expr(),
                                                 args=[args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
            return call, secrets_call("token_bytes", args)
        if plain and leaf == "randrange" and (
                len(args) == 1 or (len(args) == 2 and _int(values[0]) == 0)):
            bound = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return call, secrets_call("randbelow", [bound])
        if plain and leaf == "randint" and len(args) == 2:
            low, high = _int(values[0]), _int(values[1])
            if low == 0:
                return call, secrets_call("randbelow", [cst.Arg(_plus_one(values[1]))])
            if low is not None and high is not None:
                below = secrets_call("randbelow", [cst.Arg(cst.Integer(str(high - low + 1)))])
                return call, cst.BinaryOperation(left=cst.Integer(str(low)), operator=cst.Add(),
                                                 right=below, lpar=call.lpar, rpar=call.rpar)
        system = cst.Call(func=secrets.attr("SystemRandom").expr())
        if leaf == "Random":
            return call, call.with_changes(func=secrets.attr("SystemRandom").expr())
        return call, call.with_changes(func=cst.Attribute(value=system, attr=cst.Name(leaf)))

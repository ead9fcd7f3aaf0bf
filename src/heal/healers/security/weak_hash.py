"""SEC104: MD5/SHA-1 digests that are not for security say so (`usedforsecurity=False`)."""

from __future__ import annotations

import libcst as cst

from heal.cases import Invalid, Valid
from heal.fixer import Fixer, ModuleContext
from heal.healers.security import _common as c
from heal.model import Category, Declined, Finding, Fix, Safety

WEAK = ("md4", "md5", "sha", "sha1")


def _is_hashlib(context: ModuleContext, call: cst.Call) -> bool:
    return any("hashlib" in n.split(".") for n in c.call_names(context, call))


class WeakHashNotForSecurity(Fixer):
    """Mark MD5/SHA-1 digests that are checksums, not security.

    ## What it does
    Adds `usedforsecurity=False` to `hashlib.md5(...)`, `hashlib.sha1(...)` and
    `hashlib.new("md5", ...)` when nothing around the call says it is for security: the policy
    is to *declare* the use, never to swap the algorithm.

    ## Why is this bad?
    MD5 and SHA-1 are broken for security: collisions are cheap, so they must not sign, hash
    passwords or derive tokens. They remain fine as checksums, cache keys and ETags, and the
    flag says so to readers, to bandit, and to FIPS-mode Pythons (which refuse the call
    without it).

    ## Example
    ```python
    def cache_key(url):
        return hashlib.md5(url.encode()).hexdigest()
    ```
    becomes
    ```python
    def cache_key(url):
        return hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
    ```

    ## Fix safety
    Review: the digest is byte for byte the same; a human confirms the use really is not
    security. When the names around the call (the variable, function or class it is in, its
    arguments) speak of passwords, tokens, secrets, signatures, salts or keys, heal declines:
    there the answer is a stronger algorithm, and moving to SHA-256 changes every stored and
    exchanged digest (and its length), a migration no rewrite can make for you. Also declined:
    `hashlib.new` with a non-literal name, an explicit `usedforsecurity=True`, `**kwargs`,
    `crypt`, and targets older than Python 3.9 (which lack the flag).
    """

    CODE = "SEC104"
    NAME = "weak-hash-not-for-security"
    CATEGORY = Category.SECURITY
    RULES = ("bandit:B324",)
    SAFETY = Safety.REVIEW
    VALID = [Valid("""
        import hashlib


        def etag(body):
            return hashlib.md5(body, usedforsecurity=False).hexdigest()
        """)]
    INVALID = [
        Invalid("""
            import hashlib


            def cache_key(url):
                return hashlib.md5(url.encode()).hexdigest()
            """, expected="""
            import hashlib


            def cache_key(url):
                return hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
            """),
        Invalid("""
            import hashlib


            def checksum(path):
                digest = hashlib.new("sha1")
                with open(path, "rb") as stream:
                    digest.update(stream.read())
                return digest.hexdigest()
            """, expected="""
            import hashlib


            def checksum(path):
                digest = hashlib.new("sha1", usedforsecurity=False)
                with open(path, "rb") as stream:
                    digest.update(stream.read())
                return digest.hexdigest()
            """),
        Invalid("""
            import hashlib


            def hash_password(password):
                return hashlib.md5(password.encode()).hexdigest()
            """),
    ]

    def fix(self, finding: Finding, context: ModuleContext) -> Fix | Declined | None:
        accepted = c.suppressed(context, finding)
        if accepted:
            return self.decline(finding, accepted)
        call = c.located_call(context, finding, lambda n: _is_hashlib(context, n))
        if call is None:
            return self.decline(finding, "no hashlib call at the reported position (crypt and "
                                         "other weak hashes need a human)")
        leaf = next(iter(sorted(n.rsplit(".", 1)[-1] for n in c.call_names(context, call))), "")
        if leaf == "new":
            name_arg = c.keyword(call, "name") or next(iter(c.positional(call)), None)
            name = c.string_value(name_arg.value) if name_arg is not None else None
            if name is None:
                return self.decline(finding, "hashlib.new with a non-literal algorithm name")
            if name.lower() not in WEAK:
                return self.decline(finding, f"hashlib.new({name!r}) is not a weak hash")
        elif leaf not in WEAK:
            return self.decline(finding, "not an MD5/SHA-1 constructor")
        if c.keyword(call, "usedforsecurity") is not None:
            return self.decline(finding, "usedforsecurity is set explicitly")
        if c.has_star(call, "**"):
            return self.decline(finding, "**kwargs may already set usedforsecurity")
        if context.target < (3, 9):
            return self.decline(finding, "usedforsecurity needs Python 3.9; the project supports "
                                         f"{context.target[0]}.{context.target[1]}")
        telling = c.security_words(c.context_names(context, call))
        if telling:
            return self.decline(
                finding, f"the digest looks security-relevant ({', '.join(sorted(set(telling)))})"
                         ": it needs a stronger algorithm, and changing it changes every stored "
                         "digest; a human must plan that migration")
        new = c.append_arg(call, cst.Arg(
            keyword=cst.Name("usedforsecurity"), value=cst.Name("False"),
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                  whitespace_after=cst.SimpleWhitespace(""))))
        text = c.replace_nodes(context, {call: new})
        if text is None:
            return self.decline(finding, c.LOSES_COMMENT)
        return self.fix_from_text(
            finding, context, text,
            f"declare the {leaf if leaf != 'new' else 'weak'} digest not for security "
            "(usedforsecurity=False)",
            rationale="confirm the digest is a checksum/identifier, not a signature, password "
                      "hash or token")

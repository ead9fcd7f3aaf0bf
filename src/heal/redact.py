"""Keep secrets out of everything heal writes or prints about a fix.

Three sources: values bandit flags as hard-coded passwords (B105-B107, the quoted value in its
message), which the scan collects; well-known token shapes (cloud keys, GitHub and Slack
tokens, private key blocks); and what looks like a secret whoever flagged it (a `# nosec` hides
it from bandit, not from a diff's context lines): a literal assigned to, or keyed by, a name
such as `DB_PASS`, `api_key` or `authToken`, and a quoted literal shaped like a generated key
(20 or more characters of the base64/hex alphabet mixing upper case, lower case and digits).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable

MASK = "***REDACTED***"
SECRET_RULES = ("bandit:B105", "bandit:B106", "bandit:B107", "ruff:S105", "ruff:S106", "ruff:S107")
_QUOTED = re.compile(r"""['"]([^'"]{3,})['"]""")
TOKEN_SHAPES = (
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"gh[pousr]_[A-Za-z0-9]{30,}"),
    re.compile(r"github_pat_[A-Za-z0-9_]{30,}"),
    re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    re.compile(r"sk-[A-Za-z0-9]{20,}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"""(?i)((?:password|passwd|secret|token|api_?key)\w*\s*[:=]\s*)(['"])[^'"\n]{6,}\2"""),
)
# a name (or a quoted key) given a literal: `DB_PASS = "..."`, `"apiKey": "..."`, `token="..."`
_ASSIGNED = re.compile(r"""(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)(?P<close>['"]?)(?P<op>\s*(?::|=|:=)\s*)"""
                       r"""(?P<quote>['"])(?P<value>[^'"\n]{4,})(?P=quote)""")
SECRET_WORDS = frozenset({"pass", "passwd", "password", "passphrase", "pwd", "secret", "token",
                          "credential", "credentials", "auth", "apikey", "privatekey",
                          "accesskey", "secretkey", "signingkey"})
_KEY_LIKE = re.compile(r"""(['"])([A-Za-z0-9+/=_\-]{20,})\1""")
MIN_ENTROPY = 3.5  # bits a character: generated keys have ~5, words and snake_case names less


def _name_words(name: str) -> set[str]:
    """`DB_PASS` -> {db, pass}; `authToken` -> {auth, token}; joined pairs too (`api_key` ->
    apikey), so a secret named in two words is recognised."""
    words = [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)]
    return set(words) | {a + b for a, b in itertools.pairwise(words)}


def _secret_assignment(match: re.Match[str]) -> str:
    if not (_name_words(match["name"]) & SECRET_WORDS) or match["value"] == MASK:
        return match.group(0)
    q = match["quote"]
    return f"{match['name']}{match['close']}{match['op']}{q}{MASK}{q}"


def looks_generated(value: str) -> bool:
    """A literal shaped like a generated key: mixed case and digits, high entropy."""
    if not (any(c.isupper() for c in value) and any(c.islower() for c in value)
            and any(c.isdigit() for c in value)):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= MIN_ENTROPY


def _key_like(match: re.Match[str]) -> str:
    return f"{match[1]}{MASK}{match[1]}" if looks_generated(match[2]) else match.group(0)


def secret_from_message(message: str) -> str | None:
    """The value bandit quotes in "Possible hardcoded password: 'value'"."""
    match = _QUOTED.search(message)
    return match.group(1) if match else None


SHORT = 12  # a shorter secret is masked only where it stands as a string literal


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask known secret values and token shapes. A short value ('secret', 'admin') is masked
    only inside quotes, so that `import secrets` stays readable; a long one everywhere."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if not secret:
            continue
        if len(secret) >= SHORT:
            text = text.replace(secret, MASK)
        else:
            quoted = re.escape(secret)
            text = re.sub(rf"""(['"]){quoted}\1""", lambda m: f"{m.group(1)}{MASK}{m.group(1)}",
                          text)
    for shape in TOKEN_SHAPES:
        if shape.groups >= 2:
            text = shape.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)
        else:
            text = shape.sub(MASK, text)
    text = _ASSIGNED.sub(_secret_assignment, text)
    return _KEY_LIKE.sub(_key_like, text)

"""Keep secrets out of everything heal writes or prints about a fix.

Two sources: values bandit flags as hard-coded passwords (B105-B107, the quoted value in its
message), which the scan collects, and well-known token shapes (cloud keys, GitHub and Slack
tokens, private key blocks, `password = "..."`-style assignments of long literals).
"""

from __future__ import annotations

import re
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
    return text

"""Security fixers (driven by bandit findings), collected here by hand.

SEC101-SEC112, one per file; `_common`, `_template` and `_shell` hold what they share. Every
one of them declines a finding the project has already accepted with a `# noqa` on its lines
(bare, or naming ruff's twin code: S506 for B506), since bandit itself honours only `# nosec`,
and declines rather than drop a comment inside the expression it rewrites.
"""

from __future__ import annotations

from heal.fixer import Fixer
from heal.healers.security.eval_literal import EvalToLiteralEval
from heal.healers.security.hardcoded_password import PasswordFromEnvironment
from heal.healers.security.jinja_autoescape import JinjaAutoescape
from heal.healers.security.os_system import OsSystemToSubprocess
from heal.healers.security.requests_timeout import RequestsTimeout
from heal.healers.security.requests_verify import RequestsVerify
from heal.healers.security.secure_random import SecretsForTokens
from heal.healers.security.sql_parameters import SqlParameters
from heal.healers.security.subprocess_shell import SubprocessWithoutShell
from heal.healers.security.temp_path import TempPath
from heal.healers.security.weak_hash import WeakHashNotForSecurity
from heal.healers.security.yaml_load import YamlSafeLoad

FIXERS: tuple[type[Fixer], ...] = (
    YamlSafeLoad,
    SubprocessWithoutShell,
    OsSystemToSubprocess,
    WeakHashNotForSecurity,
    RequestsTimeout,
    EvalToLiteralEval,
    RequestsVerify,
    PasswordFromEnvironment,
    SqlParameters,
    TempPath,
    JinjaAutoescape,
    SecretsForTokens,
)

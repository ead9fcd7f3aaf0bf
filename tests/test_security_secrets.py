"""A hard-coded secret never leaves the source through what SEC108 returns.

Each shape bandit reports (B105 assignment, dict value and subscript, B106 keyword, B107
parameter default) runs through the real bandit and the fixer, as the fixer cases do. The
secret may only disappear from the file: a fix's description, rationale and added text, and a
decline's reason, must not hold it, and the finding's message is already redacted.
"""

from __future__ import annotations

import json

import pytest

from heal.cases import Invalid
from heal.config import Config
from heal.healers.security.hardcoded_password import PasswordFromEnvironment
from heal.testing import CaseRun, run_cases

SECRET = "Zq8-v3ry-s3cr3t-Value"

FIXED = {
    "assignment": f'DB_PASSWORD = "{SECRET}"\n',
    "attribute": f'class Settings:\n    def __init__(self):\n        self.password = "{SECRET}"\n',
    "dict": f'SETTINGS = {{"user": "app", "password": "{SECRET}"}}\n',
    "subscript": f'SETTINGS = {{}}\nSETTINGS["password"] = "{SECRET}"\n',
    "keyword": f'def go(client):\n    return client.login(user="app", password="{SECRET}")\n',
    "default": f'def go(host, password="{SECRET}"):\n    return (host, password)\n',
}
DECLINED = {
    "comparison": f'def check(password):\n    return password == "{SECRET}"\n',
    "describing-name": f'def go(password_field="{SECRET}"):\n    return password_field\n',
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CaseRun]:
    cases = {**FIXED, **DECLINED}
    probe = type("Probe", (PasswordFromEnvironment,), {
        "VALID": [], "INVALID": [Invalid(code) for code in cases.values()]})
    found = run_cases([probe], tmp_path_factory.mktemp("secrets"), Config())
    return dict(zip(cases, found, strict=True))


def _returned_text(run: CaseRun) -> list[str]:
    """Everything the fixer handed back, except the text its edits remove."""
    out = []
    for fix in run.fixes:
        data = fix.to_dict()
        out.append(json.dumps({k: v for k, v in data.items() if k != "edits"}))
        out += [edit.content for edit in fix.edits]
    out += [declined.reason for declined in run.declined]
    return out


@pytest.mark.parametrize("shape", list(FIXED))
def test_secret_is_replaced_and_never_returned(runs: dict[str, CaseRun], shape: str) -> None:
    run = runs[shape]
    assert run.crashed is None
    assert run.findings, "bandit reported nothing for this shape"
    assert all(SECRET not in finding.message for finding in run.findings)
    assert run.fixes, f"no fix for {shape}: {[d.reason for d in run.declined]}"
    assert SECRET not in run.text
    assert 'os.environ["' in run.text
    for fix in run.fixes:
        assert fix.description and SECRET not in fix.description
        assert fix.rationale and SECRET not in fix.rationale
    assert not [text for text in _returned_text(run) if SECRET in text]


@pytest.mark.parametrize("shape", list(DECLINED))
def test_declines_without_revealing_the_secret(runs: dict[str, CaseRun], shape: str) -> None:
    run = runs[shape]
    assert run.crashed is None
    assert run.findings
    assert not run.fixes and run.text == run.original
    assert run.declined
    assert not [text for text in _returned_text(run) if SECRET in text]


def test_environment_names_come_from_the_names(runs: dict[str, CaseRun]) -> None:
    assert 'DB_PASSWORD = os.environ["DB_PASSWORD"]' in runs["assignment"].text
    assert 'self.password = os.environ["PASSWORD"]' in runs["attribute"].text
    assert 'password=os.environ["PASSWORD"]' in runs["keyword"].text
    assert 'password = os.environ["PASSWORD"]' in runs["default"].text

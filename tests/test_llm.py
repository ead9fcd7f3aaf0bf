"""The optional LLM fixer against a local fake OpenAI-compatible server: its answers are
verified like every fix and wait for review; bad answers, timeouts and a missing key are said
in one line; requests never exceed the concurrency cap."""

from __future__ import annotations

import json
import sys

import pytest

from fake_llm import HANG, serving
from heal.config import parse_table
from heal.errors import ConfigError

SECRET = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/calc.py": f'''
        def label(code: int) -> str:
            return code


        def double(text: str) -> int:
            return text * 2


        def first(items: list[int]) -> str:
            token = "{SECRET}"  # the service's key, never sent to a model
            return items[0] if token else items[1]


        def name(number: int) -> str:
            return number
    ''',
    "tests/test_calc.py": '''
        from pkg.calc import double, first, label, name


        def test_label():
            assert label(3) in (3, "3")


        def test_double():
            assert double("ab") == "abab"


        def test_first():
            assert first([4, 2]) == 4


        def test_name():
            assert name(1) == 1
    ''',
}

GOOD = "Here it is:\n```python\ndef label(code: int) -> str:\n    return str(code)\n```\n"
BREAKING = "```python\ndef double(text: str) -> int:\n    return len(text) * 2\n```"


def answer(prompt: str) -> object:
    if "def label" in prompt:
        return GOOD
    if "def double" in prompt:
        return BREAKING
    if "def first" in prompt:
        return "I am not sure what to change here."
    return HANG


def pyproject(url: str, **extra: object) -> str:
    settings = {"base-url": url, "model": "fake-coder", "api-key-env": "FAKE_LLM_KEY",
                "timeout": 2, **extra}
    lines = "\n".join(f"{key} = {json.dumps(value)}" for key, value in settings.items())
    return f'[tool.heal]\nanalyzers = ["mypy"]\n\n[tool.heal.llm]\n{lines}\n'


def test_answers_are_verified_queued_and_land_on_approve(make_repo, heal):
    with serving(answer, cap=2) as fake:
        repo = make_repo({**PROJECT, "pyproject.toml": pyproject(fake.url, **{
            "max-concurrency": 2})})
        result = heal("--format", "json", "--approve-all-verified", cwd=repo,
                      env={"FAKE_LLM_KEY": "sk-test-key"})
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    by_rule_line = {(f["verdict"], f["line"]): f for f in doc["fixes"]}
    queued = by_rule_line[("needs-review", 2)]
    assert queued["source"] == "llm:fake-coder" and "+    return str(code)" in queued["diff"]
    broken = by_rule_line[("rejected", 6)]
    assert broken["source"] == "llm:fake-coder"
    assert any("test_double" in test for test in broken["failing_tests"])
    declined = {d["line"]: d["reason"] for d in doc["declined"] if d["source"] == "llm:fake-coder"}
    assert "no fenced ```python block" in declined[11]
    assert "timeout" in declined[15]
    assert "--approve-all-verified lands no fix a model wrote (waiting in the review queue: 1; " \
        "`heal review` lists them)" in doc["summary"]["messages"]
    assert doc["summary"]["llm"] == {"model": "fake-coder", "requests": 4, "prompt_tokens": 30,
                                     "completion_tokens": 15, "tokens": 45}
    assert fake.most_in_flight == 2  # two at once, never more
    assert set(fake.keys) == {"Bearer sk-test-key"}
    assert not any(SECRET in prompt for prompt in fake.prompts)
    assert any("***REDACTED***" in prompt and "def first" in prompt for prompt in fake.prompts)
    assert all("```python\n" in prompt for prompt in fake.prompts)
    assert "-> str:\n    return code\n" in (repo / "pkg/calc.py").read_text()  # nothing landed

    runs = json.loads(heal("history", "--format", "json", cwd=repo).stdout)["runs"]
    assert (runs[0]["llm_requests"], runs[0]["llm_tokens"]) == (4, 45)
    items = json.loads(heal("review", "--format", "json", cwd=repo).stdout)["items"]
    assert [i["source"] for i in items] == ["llm:fake-coder"]
    approved = heal("review", "approve", items[0]["id"], cwd=repo)
    assert approved.returncode == 0, approved.stderr
    assert "-> str:\n    return str(code)\n" in (repo / "pkg/calc.py").read_text()
    learned = [p.read_text() for p in (repo / ".heal/patterns").rglob("*.y*ml")]
    assert any("llm:fake-coder" in text for text in learned)  # learned like any verified fix


def test_no_llm_and_a_missing_key(make_repo, heal):
    repo = make_repo({"pkg/__init__.py": "", "pyproject.toml": pyproject("http://127.0.0.1:9/v1")})
    result = heal("--dry-run", cwd=repo, env={"FAKE_LLM_KEY": ""})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "heal: error: [tool.heal.llm] api-key-env names FAKE_LLM_KEY, which is not set; export "
        "FAKE_LLM_KEY=<your key>, or run with --no-llm"]
    assert heal("--dry-run", "--no-llm", cwd=repo, env={"FAKE_LLM_KEY": ""}).returncode == 0


@pytest.mark.parametrize(("table", "message"), [
    ({"model": "m"}, "`base-url` is required"),
    ({"base-url": "localhost:11434", "model": "m"}, "must start with http:// or https://"),
    ({"base-url": "http://h/v1", "model": "m", "max-concurrency": 6},
     "`max-concurrency` must be at most 5, not 6"),
    ({"base-url": "http://h/v1", "model": "m", "api-key": "sk-..."}, "unknown key `api-key`"),
    ({"base-url": "http://h/v1", "model": "m", "timeout": "slow"}, "`timeout` must be a float"),
])
def test_bad_llm_settings_are_one_line(table, message):
    with pytest.raises(ConfigError) as error:
        parse_table({"llm": table}, "pyproject.toml [tool.heal]")
    assert message in error.value.message and "\n" not in error.value.message
    assert error.value.message.startswith("pyproject.toml [tool.heal.llm]: ")


def test_settings_load():
    config = parse_table({"llm": {"base-url": "http://127.0.0.1:11434/v1", "model": "qwen",
                                  "max-requests": 3}}, "pyproject.toml [tool.heal]")
    assert config.llm is not None
    assert (config.llm.model, config.llm.max_requests, config.llm.api_key_env) == ("qwen", 3, "")
    assert parse_table({}, "x").llm is None


def test_without_the_openai_package_the_message_names_the_extra(monkeypatch):
    from heal.config import LLMConfig
    from heal.errors import ToolMissingError
    from heal.llm.fixer import LLMFixer

    monkeypatch.setitem(sys.modules, "openai", None)  # what an install without heal[llm] has
    with pytest.raises(ToolMissingError) as error:
        LLMFixer(LLMConfig(base_url="http://127.0.0.1:9/v1", model="m"))
    assert error.value.message == ("[tool.heal.llm] is configured but the openai package is "
                                   "missing: pip install 'heal[llm]' (or run with --no-llm)")

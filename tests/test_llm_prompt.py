"""The LLM fixer's parts in-process: the region it sends, the answer it takes back, and its
request budget, against the local fake server (the real `openai` client, no heal run)."""

from __future__ import annotations

import socket
import textwrap

from fake_llm import serving
from heal.config import LLMConfig
from heal.llm import prompt as prompts
from heal.llm.fixer import LLMFixer
from heal.model import Category, Declined, Finding, Fix, Priority, Span

CODE = textwrap.dedent('''
    import functools


    class Shop:
        @functools.cache
        def price(self, item: str) -> int:
            value = self.prices[item]
            return str(value)

    TOTAL: int = "0"
''').lstrip()


def finding(line: int, rule: str = "mypy:return-value", path: str = "shop.py") -> Finding:
    return Finding(rule, Category.TYPE, Priority.P1, path, Span.of(line, 4, line, 20),
                   "Incompatible return value type", "mypy", f"fp{line}")


def test_the_region_is_the_enclosing_function_with_its_decorators():
    where = prompts.region(CODE, finding(7))
    assert (where.first, where.last) == (5, 8)
    assert where.code.startswith("    @functools.cache\n") and where.code.endswith("str(value)\n")
    assert (prompts.region(CODE, finding(10)).first, prompts.region(CODE, finding(10)).last) == \
        (10, 10)  # a module-level statement alone
    text = prompts.prompt(finding(7), where)
    assert "lines 5-8" in text.lower() and "```python\n    @functools.cache\n" in text


def test_a_failure_at_run_time_names_its_failing_test_in_the_prompt():
    """A `heal --from-tests` finding reaches the model with the test that failed and where."""
    failure = Finding("pytest:attribute-none", Category.TYPE, Priority.P1, "shop.py",
                      Span.of(7, 0, 7, 0), "AttributeError: 'NoneType' object has no attribute "
                      "'prices'", "pytest", "fp", hint="failing test tests/test_shop.py::test_price, "
                      "in price()", evidence=("tests/test_shop.py::test_price",))
    text = prompts.prompt(failure, prompts.region(CODE, failure))
    assert "It makes these tests fail: tests/test_shop.py::test_price (failing test " in text
    assert "AttributeError: 'NoneType' object has no attribute 'prices'" in text
    assert "It makes these tests fail" not in prompts.prompt(finding(7), prompts.region(CODE,
                                                                                   finding(7)))


def test_a_dedented_answer_is_indented_back_and_replaces_only_its_lines():
    where = prompts.region(CODE, finding(7))
    answer = ("Sure.\n```python\n@functools.cache\ndef price(self, item: str) -> str:\n"
              "    value = self.prices[item]\n    return str(value)\n```\nDone.")
    code = prompts.replacement(where, prompts.answer_code(answer))
    after = prompts.rewritten(CODE, where, code)
    assert after == CODE.replace("-> int:", "-> str:")


def test_answers_without_exactly_one_python_block_are_unusable():
    for answer, why in [("no code here", "no fenced ```python block"),
                        ("```python\na = 1\n```\n```python\nb = 2\n```", "2 code blocks")]:
        try:
            prompts.answer_code(answer)
        except ValueError as error:
            assert why in str(error)
        else:
            raise AssertionError(answer)


def test_max_requests_caps_the_run_and_the_rest_are_declined():
    text = "def a() -> int:\n    return 'x'\n\n\ndef b() -> int:\n    return 'y'\n"
    with serving(lambda prompt: "```python\ndef a() -> str:\n    return 'x'\n```") as fake:
        fixer = LLMFixer(LLMConfig(base_url=fake.url, model="m", max_requests=1))
        out = fixer.propose([finding(2, path="m.py"), finding(6, path="m.py")],
                            {"m.py": text}, set())
    assert isinstance(out[0], Fix) and out[0].source == "llm:m"
    assert isinstance(out[1], Declined) and "1 LLM requests (max-requests) are spent" in out[1].reason
    assert (fixer.usage.requests, fixer.usage.tokens, len(fake.prompts)) == (1, 15, 1)


def test_an_unreachable_server_is_asked_once():
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    fixer = LLMFixer(LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m",
                               max_concurrency=1))
    out = fixer.propose([finding(2, path="m.py"), finding(6, path="m.py")],
                        {"m.py": "x = 1\n" * 8}, set())
    assert all(isinstance(d, Declined) for d in out)
    assert out[0].reason.startswith(f"cannot reach http://127.0.0.1:{port}/v1")
    assert out[1].reason.startswith("not asked: an earlier request failed (cannot reach")
    assert fixer.usage.requests == 1

"""The run's LLM requests: each finding no pattern and no fixer fixed becomes one request (at
most `max-requests` a run, at most `max-concurrency` in flight), each answer a fix for review
or a `Declined` with the reason. The prompt is redacted before it leaves the machine."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from heal.config import LLMConfig
from heal.edits import diff_edits
from heal.llm import prompt as prompts
from heal.llm.client import Client, Failure
from heal.model import Declined, Finding, Fix, Safety
from heal.redact import MASK, redact


@dataclass
class Usage:
    """What the run spent: requests sent (answered or not) and the tokens the server counted."""

    model: str = ""
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def to_dict(self) -> dict[str, object]:
        return {"model": self.model, "requests": self.requests,
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "tokens": self.tokens}


class LLMFixer:
    """Asks the configured model for fixes; `source` is `llm:<model>` on every fix it makes."""

    def __init__(self, config: LLMConfig, client: Client | None = None) -> None:
        self.config = config
        self.client = client or Client(config)
        self.source = f"llm:{config.model}"
        self.usage = Usage(model=config.model)
        self._lock = threading.Lock()
        self._given_up: str | None = None  # why no more requests are sent (a fatal failure)

    def placeholder(self, finding: Finding) -> Fix:
        """The fix this fixer would make for `finding`, edits aside: a fix's id depends on its
        file, rule, source and findings only, so the review queue can tell before asking
        whether it settled this one already."""
        return Fix((finding.fingerprint,), finding.rule, finding.category, finding.path, (),
                   self.source, Safety.REVIEW, "")

    def propose(self, findings: Sequence[Finding], texts: Mapping[str, str],
                secrets: set[str]) -> list[Fix | Declined]:
        """One fix or one Declined per finding, most urgent first; requests run concurrently,
        never more than `max-concurrency` at once."""
        ordered = sorted(findings, key=Finding.sort_key)
        with ThreadPoolExecutor(max_workers=self.config.max_concurrency,
                                thread_name_prefix="heal-llm") as pool:
            return list(pool.map(lambda f: self._one(f, texts[f.path], secrets), ordered))

    def _take_request(self) -> str | None:
        """A request from the run's budget, or why there is none."""
        with self._lock:
            if self._given_up:
                return f"not asked: an earlier request failed ({self._given_up})"
            if self.usage.requests >= self.config.max_requests:
                return (f"not asked: this run's {self.config.max_requests} LLM requests "
                        "(max-requests) are spent; rerun heal for the rest")
            self.usage.requests += 1
            return None

    def _one(self, finding: Finding, text: str, secrets: set[str]) -> Fix | Declined:
        def declined(reason: str) -> Declined:
            return Declined(finding.fingerprint, finding.rule, finding.path,
                            finding.span.start.line, self.source, reason)

        where = prompts.region(text, finding)
        refused = self._take_request()
        if refused:
            return declined(refused)
        reply = self.client.ask(prompts.SYSTEM, redact(prompts.prompt(finding, where), secrets))
        if isinstance(reply, Failure):
            if reply.fatal:
                with self._lock:
                    self._given_up = self._given_up or reply.reason
            return declined(reply.reason)
        with self._lock:
            self.usage.prompt_tokens += reply.prompt_tokens
            self.usage.completion_tokens += reply.completion_tokens
        try:
            code = prompts.replacement(where, prompts.answer_code(reply.text))
        except ValueError as error:
            return declined(f"unusable answer: {error}")
        if MASK in code:  # it would write the mask over the user's value
            return declined("unusable answer: it keeps a redacted secret's mask; fix this one "
                            "by hand")
        after = prompts.rewritten(text, where, code)
        if after == text:
            return declined("unusable answer: it changes nothing")
        return Fix((finding.fingerprint,), finding.rule, finding.category, finding.path,
                   diff_edits(text, after), self.source, Safety.REVIEW,
                   f"{self.config.model} rewrote lines {where.first}-{where.last}",
                   confidence=0.5, priority=finding.priority, line=finding.span.start.line,
                   rationale=f"written by a language model ({self.source}); verified like "
                             "every fix, but a human must read it")

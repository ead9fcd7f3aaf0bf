"""One chat-completions request through the `openai` package (the `heal[llm]` extra), which
speaks to hosted models and to local servers (Ollama, vLLM, llama.cpp) alike. Failures come
back as `Failure`s with a reason for the user, never as exceptions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from heal.config import LLMConfig
from heal.errors import ConfigError, ToolMissingError

INSTALL = "pip install 'heal[llm]'"
NO_KEY = "unused"  # a local server wants no key; never the user's OPENAI_API_KEY by accident


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Failure:
    reason: str
    fatal: bool = False  # asking again cannot help (unreachable server, bad key, unknown model)


class Client:
    """The configured endpoint. Opening it checks what a run needs before any work: the
    `openai` package, and the key in the environment variable `api-key-env` names."""

    def __init__(self, config: LLMConfig) -> None:
        try:
            import openai
        except ImportError:
            raise ToolMissingError(f"[tool.heal.llm] is configured but the openai package is "
                                   f"missing: {INSTALL} (or run with --no-llm)") from None
        key = NO_KEY
        if config.api_key_env:
            key = os.environ.get(config.api_key_env, "")
            if not key:
                raise ConfigError(f"[tool.heal.llm] api-key-env names {config.api_key_env}, which "
                                  f"is not set; export {config.api_key_env}=<your key>, or run "
                                  "with --no-llm")
        self.config = config
        self._openai = openai
        self._client = openai.OpenAI(base_url=config.base_url, api_key=key,
                                     timeout=config.timeout, max_retries=0)

    def ask(self, system: str, user: str) -> Reply | Failure:
        openai = self._openai
        try:
            response: Any = self._client.chat.completions.create(
                model=self.config.model, temperature=0,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])
        except openai.APITimeoutError:
            return Failure(f"the model did not answer within {self.config.timeout:g}s (timeout)")
        except openai.APIConnectionError as error:
            return Failure(f"cannot reach {self.config.base_url} ({error})", fatal=True)
        except (openai.AuthenticationError, openai.PermissionDeniedError,
                openai.NotFoundError) as error:
            return Failure(f"{self.config.base_url} refused the request (HTTP "
                           f"{error.status_code}: {_message(error)})", fatal=True)
        except openai.APIStatusError as error:
            return Failure(f"{self.config.base_url} answered HTTP {error.status_code}: "
                           f"{_message(error)}")
        except openai.OpenAIError as error:  # an answer the client cannot read
            return Failure(f"unusable answer: {type(error).__name__}: {error}")
        usage = getattr(response, "usage", None)
        choices = getattr(response, "choices", None) or []
        text = choices[0].message.content if choices and choices[0].message else None
        reply = Reply(text or "", int(getattr(usage, "prompt_tokens", 0) or 0),
                      int(getattr(usage, "completion_tokens", 0) or 0))
        return reply


def _message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return str(getattr(error, "message", error))[:200]

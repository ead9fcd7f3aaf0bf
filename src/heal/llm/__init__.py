"""The optional LLM fixer: findings no pattern and no fixer fixed, asked of a model over the
OpenAI-compatible chat-completions API (the `heal[llm]` extra), its answers turned into fixes
that the engine verifies like every other and then queues for review.

  prompt.py   the region sent (the enclosing function or statement), the prompt, the answer
  client.py   the `openai` client: one request, its usage, its failures as reasons
  fixer.py    the run's requests: capped concurrency and count, usage figures, declines
"""

"""A local OpenAI-compatible chat-completions server for the LLM fixer's tests: a real HTTP
server on 127.0.0.1 (never a real service, never a mock of the client). `answer(prompt)` gives
the reply's content, or HANG to keep the request open past the client's timeout."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = object()  # hold the request open until the server stops (the client times out)
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


@dataclass
class FakeLLM:
    answer: Callable[[str], object]
    cap: int = 1  # hold each request until this many are in flight (or a second passed)
    prompts: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    url: str = ""
    condition: threading.Condition = field(default_factory=threading.Condition)
    stopping: threading.Event = field(default_factory=threading.Event)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = json.loads(handler.rfile.read(int(handler.headers["content-length"])))
        prompt = body["messages"][-1]["content"]
        with self.condition:
            self.prompts.append(prompt)
            self.keys.append(handler.headers.get("authorization", ""))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.condition.notify_all()
            self.condition.wait_for(lambda: self.in_flight >= self.cap, timeout=1)
        try:
            content = self.answer(prompt)
            if content is HANG:
                self.stopping.wait()
                return
            reply = json.dumps({
                "id": "fake", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
                "usage": USAGE}).encode()
            handler.send_response(200)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", str(len(reply)))
            handler.end_headers()
            handler.wfile.write(reply)
        finally:
            with self.condition:
                self.in_flight -= 1


@contextmanager
def serving(answer: Callable[[str], object], cap: int = 1) -> Iterator[FakeLLM]:
    fake = FakeLLM(answer, cap)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            fake.handle(self)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        fake.stopping.set()
        server.shutdown()
        server.server_close()

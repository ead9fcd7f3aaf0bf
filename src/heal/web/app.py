"""The web dashboard's ASGI app: its routes, and the guards around them.

- Host: only the names this server was bound to answer (loopback names by default), so a page
  of another site whose name is made to resolve to 127.0.0.1 (DNS rebinding) reads nothing.
- POST (approve, reject) needs this server's token, which only its own pages carry, and is
  refused from another origin (`Origin`, `Sec-Fetch-Site`); `--read-only` refuses them all.
- Every answer carries a Content-Security-Policy that allows this server's own script and
  stylesheet only: text from history is escaped, and even if something slipped through, no
  inline script would run.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from importlib import resources
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from heal.web import heals, live, overview, patterns, review
from heal.web.html import BASE, Raw, page, tag, url
from heal.web.site import Site

LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", "[::]", ""})  # noqa: S104 - names, not a bind  # nosec B104
STATIC = {"heal.css": "text/css; charset=utf-8", "heal.js": "text/javascript; charset=utf-8"}
MAX_BODY = 64 * 1024
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def allowed_hosts(bind: str) -> frozenset[str] | None:
    """The Host names to answer: loopback names, plus the bound name; None (any) when bound to
    every interface, where the machine's names cannot be known."""
    if bind in WILDCARDS:
        return None
    name = bind.lower()
    ipv6 = {f"[{name}]"} if ":" in name and not name.startswith("[") else set()
    return LOOPBACK | {name} | ipv6


def host_name(header: str) -> str:
    """`Host` without its port: `127.0.0.1:8080` -> 127.0.0.1, `[::1]:8080` -> [::1]."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[:header.find("]") + 1] if "]" in header else header
    return header.rpartition(":")[0] if ":" in header else header


class Guard:
    """Refuses unknown Host names (400) and adds the security headers to every answer."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if self.hosts is not None and host_name(host) not in self.hosts:
            refusal = PlainTextResponse(
                f"heal dashboard: this server does not answer to the name {host!r}; open it "
                "as http://127.0.0.1 (or the --host it was started with)\n", status_code=400)
            await refusal(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from a page of another origin."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host')}":
        return False
    site = request.headers.get("sec-fetch-site")
    return site is None or site in ("same-origin", "none")


def create_app(site: Site, hosts: Iterable[str] | None = LOOPBACK) -> Starlette:
    """The app over `site`; `hosts`: the Host names it answers to (None: any)."""
    files = {name: resources.files("heal.web").joinpath("static").joinpath(name).read_text("utf-8")
             for name in STATIC}

    def html(body: str | None) -> Response:
        if body is None:
            raise HTTPException(404)
        return HTMLResponse(body)

    def home(request: Request) -> Response:
        return RedirectResponse(BASE, status_code=307)

    def overview_route(request: Request) -> Response:
        return html(overview.overview_page(site, request.query_params.get("period", "7d")))

    def category_route(request: Request) -> Response:
        return html(heals.category_page(site, request.path_params["name"]))

    def heal_route(request: Request) -> Response:
        return html(heals.heal_page(site, request.path_params["run_id"],
                                    request.path_params["fix_id"]))

    def runs_route(request: Request) -> Response:
        return html(heals.runs_page(site, request.query_params.get("mode")))

    def run_route(request: Request) -> Response:
        return html(heals.run_page(site, request.path_params["run_id"]))

    def patterns_route(request: Request) -> Response:
        return html(patterns.patterns_page(site))

    def pattern_route(request: Request) -> Response:
        return html(patterns.pattern_page(site, request.path_params["pattern_id"]))

    def review_route(request: Request) -> Response:
        return html(review.review_page(site, site.noted(request.query_params.get("note"))))

    async def decide(request: Request) -> Response:
        action = request.path_params["action"]
        if action not in ("approve", "reject"):
            raise HTTPException(404)
        if site.read_only:
            return refused("this dashboard is read-only (started with --read-only)")
        if not same_origin(request):
            return refused("refused: the request comes from a page of another origin")
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request too large\n", status_code=413)
        form = parse_qs(body.decode("utf-8", "replace"))
        token = form.get("token", [""])[0] or request.headers.get("x-heal-token", "")
        if not hmac.compare_digest(token.encode(), site.token.encode()):
            return refused("refused: approve and reject need the token of this server's page; "
                           "reload the review page and try again")
        item_id = request.path_params["item_id"]
        if action == "approve":
            note = await run_in_threadpool(review.approve, site, item_id)
        else:
            note = await run_in_threadpool(review.reject, site, item_id,
                                           form.get("reason", [""])[0])
        return RedirectResponse(f"{url('review')}?note={site.note(note)}", status_code=303)

    def refused(why: str) -> Response:
        return PlainTextResponse(why + "\n", status_code=403)

    async def live_route(request: Request) -> Response:
        return StreamingResponse(live.events(site, request.is_disconnected),
                                 media_type="text/event-stream",
                                 headers={"X-Accel-Buffering": "no"})

    def live_json(request: Request) -> Response:
        return JSONResponse(live.snapshot(site))

    def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in files:
            raise HTTPException(404)
        return Response(files[name], media_type=STATIC[name])

    async def not_found(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        if status != 404:
            return PlainTextResponse(f"{status}\n", status_code=status)
        body = Raw(tag("p", f"nothing at {request.url.path}: it may be gone from history, or "
                        "the link is wrong", "muted"))
        return HTMLResponse(await run_in_threadpool(page, site, "Not found", "", body),
                            status_code=404)

    routes = [
        Route("/", home),
        Route(BASE, overview_route),
        Route(f"{BASE}/category/{{name}}", category_route),
        Route(f"{BASE}/heal/{{run_id}}/{{fix_id}}", heal_route),
        Route(f"{BASE}/runs", runs_route),
        Route(f"{BASE}/runs/{{run_id}}", run_route),
        Route(f"{BASE}/patterns", patterns_route),
        Route(f"{BASE}/patterns/{{pattern_id}}", pattern_route),
        Route(f"{BASE}/review", review_route),
        Route(f"{BASE}/review/{{item_id}}/{{action}}", decide, methods=["POST"]),
        Route(f"{BASE}/live", live_route),
        Route(f"{BASE}/api/live", live_json),
        Route(f"{BASE}/static/{{name}}", static),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: not_found})
    app.add_middleware(Guard, hosts=frozenset(hosts) if hosts is not None else None)
    return app

"""Serving the web dashboard: bind the socket first (so a port in use is a one-line error, not a
server's log), say where to open it, and run uvicorn until Ctrl-C."""

from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

import uvicorn

from heal.config import load_config
from heal.errors import EXIT_OK, UsageError
from heal.web.app import WILDCARDS, allowed_hosts, create_app
from heal.web.html import BASE
from heal.web.site import Site


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port)."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: use a port between 1 and 65535 (0: any free port)")
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise UsageError(f"--host {host}: cannot resolve it ({error.strerror}); use an address "
                         "such as 127.0.0.1") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is in use; stop what uses it or pick "
                             "another with --port") from None
        raise UsageError(f"cannot listen on {host}:{port} ({error.strerror}); pick another "
                         "--host or --port") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def address_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in WILDCARDS else host
    return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}{BASE}"


def serve(root: Path, host: str = "127.0.0.1", port: int = 8080, read_only: bool = False) -> int:
    """`heal dashboard --web`: serve `root`'s `.heal/` until Ctrl-C."""
    sock = bind(host, port)
    site = Site(root, config=load_config(root), read_only=read_only)
    app = create_app(site, allowed_hosts(host))
    print(f"heal dashboard: {address_of(sock, host)} (Ctrl-C to stop)"
          + (" · read-only" if read_only else ""), flush=True)
    if host in WILDCARDS:
        print(f"heal dashboard: listening on every interface ({host or 'all'}): anyone who can "
              "reach this machine can read heal's history", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    site.stopping = lambda: server.should_exit
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn hands Ctrl-C back once it has shut down
        pass
    finally:
        sock.close()
    return EXIT_OK

"""A real HTTP server on 127.0.0.1 for tests (webhook receivers, HTTP sources).

Its handler threads are joined when it closes, so a slow answer never outlives its test;
and a client that gave up (the timeouts under test) is expected, not an error to print.
Both matter because socketserver prints a failed request's traceback to ``sys.stderr``
from the handler thread: a late one landed inside a later test's captured CLI output
(``ledger key`` printed a traceback instead of the key, one run in three)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins every handler thread

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client timed out and left: what the slow-source tests ask for
        super().handle_error(request, client_address)


@contextmanager
def serve_locally(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on an ephemeral port of 127.0.0.1; yields the base URL."""
    server = LocalHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn on an ephemeral port of 127.0.0.1, in a thread;
    yields the base URL (a real HTTP server, as a client on the network meets it)."""
    import time

    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started or not thread.is_alive():
            break
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

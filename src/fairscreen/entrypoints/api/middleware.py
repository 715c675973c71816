"""Three ASGI middlewares, outermost first:

- :class:`ContainErrors`: anything unexpected becomes a 500 problem; the log gets the
  error's type and the route's template, never a message, a traceback or a value (an
  exception's text may quote personal data). Answers under ``/v1/`` (but the public
  transparency routes) get ``Cache-Control: no-store``.
- :class:`LimitBody`: a request body over ``max_bytes`` is refused with a 413 problem,
  by its ``Content-Length`` before it is read, or while it streams in when it has none.
- :class:`TlogPrefix`: the tlog-tiles resources under the ledger origin's path too.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairscreen.entrypoints.api.problems import PROBLEM_JSON, problem_body

log = logging.getLogger("fairscreen.api")
MiB = 1024 * 1024


async def _send_problem(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(problem_body(status, code, detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ContainErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        path = str(scope.get("path", ""))
        private = path.startswith("/v1/") and not path.startswith("/v1/transparency/")

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if private:  # answers for an account: never kept by a shared cache
                    headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                    message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            route: Any = scope.get("route")
            where = getattr(route, "path", "?")
            log.error("unhandled %s on %s %s", type(exc).__name__, scope.get("method"), where)
            if not started:
                await _send_problem(
                    send, 500, "INTERNAL_ERROR", "the request could not be completed"
                )


class _TooLarge(HTTPException):
    """Raised from ``receive``: FastAPI passes an HTTPException through as it is, and the
    app's handler turns it into the 413 problem."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)


#: the portal forms that carry an evidence file of up to 10 MB (issue 13 item 9): their
#: body may be this large, so a file just over 10 MB reaches the form and is refused
#: beside its field; every other request keeps ``max_bytes``
UPLOAD_PATHS = re.compile(
    r"/candidate/cases/[A-Za-z0-9_-]{1,64}/(?:disputes|supplements)"
    r"|/v1/cases/[A-Za-z0-9_-]{1,64}/supplements"
)
UPLOAD_MAX_BYTES = 11 * MiB


class LimitBody:
    def __init__(self, app: ASGIApp, max_bytes: int = MiB) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if scope.get("method") == "POST" and UPLOAD_PATHS.fullmatch(scope.get("path", "")):
            limit = max(limit, UPLOAD_MAX_BYTES)
        detail = f"the request body is limited to {limit} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await _send_problem(send, 413, "REQUEST_TOO_LARGE", detail)
                    return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(detail)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if not started:
                await _send_problem(send, 413, "REQUEST_TOO_LARGE", detail)


def origin_prefix(origin: str) -> str:
    """The URL path of a log whose checkpoint origin is ``origin`` (C2SP tlog-tiles: the
    origin SHOULD be a URL prefix of the log without its scheme): ``"/ledger"`` for
    ``fairscreen.example/ledger``, ``""`` for a bare host."""
    _, _, path = origin.partition("/")
    return f"/{path}" if path else ""


class TlogPrefix:
    """Serves the tlog-tiles resources under the origin's path as well as at the root:
    with origin ``fairscreen.example/ledger``, ``/ledger/checkpoint`` and
    ``/ledger/tile/…`` are ``/checkpoint`` and ``/tile/…``, so the URL prefix
    ``https://fairscreen.example/ledger`` and the origin line match (docs/ledger.md)."""

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.prefix and scope["type"] == "http":
            path = str(scope.get("path", ""))
            rest = path[len(self.prefix) :] if path.startswith(self.prefix + "/") else ""
            if rest == "/checkpoint" or rest.startswith("/tile/"):
                inner = {**scope, "path": rest, "raw_path": rest.encode()}
                await self.app(inner, receive, send)
                if "route" in inner:  # the template that answered, for the metrics' label
                    scope["route"] = inner["route"]
                return
        await self.app(scope, receive, send)

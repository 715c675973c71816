"""NUL characters are refused at the edge (issue 12 item 9).

PostgreSQL's text types cannot hold U+0000: a NUL in an id, a name or a token reached the
driver and failed there, a 500 on every route it touched (SQLite stores it, so the two
databases disagreed as well). No field of this service has a use for it, so a request
that carries one anywhere a field can come from is refused with 422 naming where:

- the path (``path``) and the query string (the parameter's name);
- a JSON body (the field's path, e.g. ``claims.name``): the ``\\u0000`` escape, found by
  a scan first so that bodies without it are never parsed twice;
- an ``application/x-www-form-urlencoded`` body (the field's name).

:class:`RefuseNul` finds it and records where in the request's state; the API's policy
check and the portal's page check (each surface renders errors its own way) raise
:class:`~fairscreen.domain.errors.InvalidInput` for it before anything else runs. A
multipart form's text fields are checked by the portal when it reads the form (a file
may hold any byte).
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairscreen.domain.errors import InvalidInput

NUL = "\x00"
STATE_KEY = "nul_field"
#: ``\u0000`` not itself escaped (an even number of backslashes before it)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


def refuse_nul(field: str) -> NoReturn:
    raise InvalidInput(
        "must not contain a NUL character (U+0000)",
        field=field,
        key="input.must_not_contain_nul_character",
    )


def refuse_if_marked(state: Any) -> None:
    """Raise the refusal :class:`RefuseNul` recorded for this request, if any."""
    field = getattr(state, STATE_KEY, None)
    if field is not None:
        refuse_nul(str(field))


def form_field_with_nul(items: Any) -> str | None:
    """The name of the first text field (name or value) of a form holding a NUL."""
    for name, value in items:
        if NUL in name or (isinstance(value, str) and NUL in value):
            return str(name).replace(NUL, "") or "form"
    return None


def _json_path(value: Any, path: str = "") -> str | None:
    if isinstance(value, str):
        return path or "body" if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return path or "body"
            found = _json_path(item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _json_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def body_field_with_nul(content_type: str, body: bytes) -> str | None:
    if content_type.startswith("application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
        except ValueError:
            return None  # the form parser refuses it in its own words
        return form_field_with_nul(pairs)
    if content_type.startswith("application/json") or content_type.endswith("+json"):
        if b"\x00" in body:
            return "body"
        if not _JSON_NUL.search(body):
            return None
        try:
            return _json_path(json.loads(body)) or "body"
        except ValueError:
            return "body"
    return None


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = None
        if NUL in str(scope.get("path", "")):
            field = "path"
        else:
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            if "%00" in query or NUL in query:
                field = form_field_with_nul(parse_qsl(query, keep_blank_values=True)) or "query"
        headers = dict(scope.get("headers", []))
        content_type = bytes(headers.get(b"content-type", b"")).decode("latin-1").lower()
        replay: list[Message] = []
        if field is None and (
            content_type.startswith(("application/json", "application/x-www-form-urlencoded"))
            or content_type.endswith("+json")
        ):
            # The body is at most LimitBody's size (that middleware wraps this one).
            chunks = []
            while True:
                message = await receive()
                replay.append(message)
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            field = body_field_with_nul(content_type, b"".join(chunks))
        if field is not None:
            scope.setdefault("state", {})[STATE_KEY] = field

        async def replayed() -> Message:
            if replay:
                return replay.pop(0)
            return await receive()

        await self.app(scope, replayed if replay else receive, send)

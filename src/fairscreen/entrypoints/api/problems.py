"""Errors as RFC 9457 problem details (``application/problem+json``), mapped from the one
error family in one place (:data:`STATUS`).

Every problem carries ``type``, ``title``, ``status``, ``detail``, the domain error's
stable ``code``, where an input is at fault the JSON path of the ``field``, the
refusal's message ``key`` (``domain/errors.py``; null when it has none) and the key's
``params`` (codes, ids and numbers, never personal data: what a client fills the key's
text with in its reader's language, e.g. the open case a ``DUPLICATE_ORDER`` names; ``{}``
when there are none). The detail is
the error's own English message, which names fields and rules, never values (the
error family's contract); a validation error's offending input is never echoed. An
unexpected error becomes a 500 problem with no detail and is logged by type and route
only: no traceback and no message reach a client or the log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fairscreen.domain import errors as e
from fairscreen.services.accounts import Unauthenticated

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://fairscreen.example/problems/"
log = logging.getLogger("fairscreen.api")

#: HTTP status per error class; the most specific class in an error's MRO wins.
STATUS: dict[type[e.FairscreenError], int] = {
    e.InvalidInput: 422,
    Unauthenticated: 401,
    e.PermissionDenied: 403,
    e.NotFound: 404,
    e.InvalidTransition: 409,
    e.AuthorizationRefused: 409,
    e.CaseDestroyed: 410,
    e.ReferenceLinkInvalid: 410,
    e.InvitationInvalid: 410,
    e.KeyDestroyed: 410,
    e.LogRolledBack: 503,
    e.LedgerPending: 503,
    e.StorageUnavailable: 503,
    e.MessageNotSent: 503,
    e.LedgerError: 500,
    e.CryptoError: 500,
    e.FairscreenError: 500,
}

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the case's state",
    410: "Gone",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}

#: Codes of problems that are not domain errors.
HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "INVALID_INPUT",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}

#: What a client is told when the server cannot work on its storage: the cause, without
#: the server's paths (the operator's log line has those).
UNAVAILABLE = {
    e.LogRolledBack.code: "the evidence ledger is older than a checkpoint it signed "
    "(a database restored from an old backup); the operator must restore a newer one",
    e.StorageUnavailable.code: "the server's storage cannot be written (disk full or "
    "read-only); nothing was changed, try again later",
    e.DatabaseBusy.code: "the database gave up waiting for a lock another process held "
    "too long; nothing was changed, try again",
    e.DatabaseUnreachable.code: "the database cannot be reached just now (restarting, or "
    "the connection was lost); try again in a moment. A change cut off while it was being "
    "committed may have been made: look before sending it again",
    e.MessageNotSent.code: "the message could not be sent (the SMS gateway or the mail "
    "server refused it or did not answer); try again later",
}


def status_of(error: e.FairscreenError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def problem_body(
    status: int,
    code: str,
    detail: str | None = None,
    field: str | None = None,
    key: str | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem document (RFC 9457 members plus ``code``, ``field``, ``key`` and
    ``params``)."""
    return {
        "type": TYPE_BASE + code.lower().replace("_", "-"),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "field": field,
        "key": key,
        "params": params or {},
    }


def problem(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    field: str | None = None,
    key: str | None = None,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(status, code, detail, field, key, params)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def from_error(error: e.FairscreenError) -> JSONResponse:
    status = status_of(error)
    if status == 503:
        # Our own messages (sizes, paths, the OS's reason), never a value: the operator
        # reads the cause in the log, the client the kind of outage.
        log.error("request failed: %s: %s", error.code, error)
        return problem(status, error.code, UNAVAILABLE.get(error.code))
    if status >= 500:
        # A server-side failure: its message may name internals; log the type only.
        log.error("request failed: %s (%s)", type(error).__name__, error.code)
        return problem(status, error.code, "the request could not be completed")
    return problem(
        status, error.code, error.message, field=error.field, key=error.key, params=error.params
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def install(app: FastAPI) -> None:
    """Register the handlers: domain errors, validation errors, HTTP errors."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, e.FairscreenError)
        return from_error(exc)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        message = str(first.get("msg", "invalid"))
        return problem(422, "INVALID_INPUT", message, field=_field(tuple(first.get("loc", ()))))

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(exc.headers) if exc.headers else None
        return problem(status, HTTP_CODES.get(status, "HTTP_ERROR"), detail, headers=headers)

    app.add_exception_handler(e.FairscreenError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)

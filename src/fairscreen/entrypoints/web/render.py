"""Rendering: one Jinja2 environment (autoescape on for every template), the response
headers every page carries, and the route class that turns errors into pages.

Errors become pages in the visitor's language with the status the API would give
(:func:`fairscreen.entrypoints.api.problems.status_of`); the page shows the error's stable
code and a generic text, never the input that caused it. A missing id and another
tenant's id raise the same ``NotFound`` in the services and so render the same page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.exceptions import HTTPException

from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.errors import FairscreenError
from fairscreen.domain.lifecycle import CaseState
from fairscreen.entrypoints.api.policy import route_template
from fairscreen.entrypoints.api.problems import status_of
from fairscreen.entrypoints.web.i18n import LANGUAGE_NAMES, all_categories, catalog
from fairscreen.entrypoints.web.policy import (
    FORM_PAGES,
    HOME,
    LANG_COOKIE,
    PAGE_ROLES,
    SID_COOKIE,
    CsrfRefused,
    Page,
    SignInRequired,
    base_page,
    signed_in,
)
from fairscreen.services.case_queries import RELEASED

log = logging.getLogger("fairscreen.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@pass_context
def _local(context: Context, value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time for people, in the service's calendar (``ServiceConfig.timezone``, the one
    the candidate signs in; Asia/Shanghai by default)."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    page = context.get("page")
    zone = page.services.config.zone if isinstance(page, Page) else ZoneInfo("Asia/Shanghai")
    return moment.astimezone(zone).strftime(fmt)


environment = Environment(
    loader=PackageLoader("fairscreen.entrypoints.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["local"] = _local
environment.globals.update(
    #: states before the report is released (the employer sees "not released yet"): all
    #: but the released ones and the ends that never release
    PRE_RELEASE=frozenset(s.value for s in CaseState)
    - RELEASED
    - {CaseState.WITHDRAWN.value, CaseState.EXPIRED.value, CaseState.DESTROYED.value},
    LANGUAGES=LANGUAGES,
    LANGUAGE_NAMES=LANGUAGE_NAMES,
    CATEGORIES=all_categories(),
)


def _with_lang(request: Request, lang: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return f"{request.url.path}?{urlencode(params)}"


def finish(page: Page, response: Response) -> Response:
    """A response of a page's own making (a streamed file) with the session's cookies
    and the security headers."""
    return _finish(page, response)


def _finish(page: Page, response: Response) -> Response:
    secure = page.request.url.scheme == "https"
    if page.new_sid and SID_COOKIE not in page.cookies:
        response.set_cookie(
            SID_COOKIE, page.sid, httponly=True, samesite="strict", secure=secure, path="/"
        )
    if page.lang_from_query or page.remember_lang:
        response.set_cookie(
            LANG_COOKIE,
            page.lang,
            max_age=365 * 86400,
            httponly=True,
            samesite="lax",  # a preference, not a credential: kept when a link leads here
            secure=secure,
            path="/",
        )
    for name, value in page.cookies.items():
        if value is None:
            response.delete_cookie(name, path="/", httponly=True, samesite="strict")
        else:
            response.set_cookie(
                name, value, httponly=True, samesite="strict", secure=secure, path="/"
            )
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response


def _done(request: Request) -> str:
    """The confirmation after a post/redirect/get: only a message of the catalog, so the
    query string cannot put text of its own on the page."""
    value = request.query_params.get("done", "")
    return value if f"done.{value}" in catalog() else ""


def render(page: Page, template: str, *, status: int = 200, **values: Any) -> Response:
    """A page in the visitor's language."""
    request = page.request
    body = environment.get_template(template).render(
        page=page,
        t=page.t,
        lang=page.lang,
        csrf=page.csrf,
        role=page.role.value if page.role else None,
        home=HOME.get(page.role) if page.role else None,
        path=request.url.path,
        lang_url=lambda lang: _with_lang(request, lang),
        done=_done(request),
        **values,
    )
    return _finish(page, HTMLResponse(body, status_code=status))


def refusal(page: Page, error: FairscreenError, **shown: Any) -> dict[str, Any]:
    """A service's refusal for the form it refuses: the ``field`` it concerns, its
    ``text`` in the reader's language and ``en`` where the catalogue has none (the
    service's English, marked as such on a page in another language). ``shown``: what
    the page adds to place it and fill the form again (the control or form it belongs
    to, what was typed)."""
    local = page.t.detail(error)
    return {
        "field": error.field or "",
        "text": local or error.message,
        "en": local is None and page.lang != "en",
        **shown,
    }


def redirect(page: Page, target: str) -> Response:
    """Post/redirect/get: a 303 to ``target`` (a path of ours, never a URL from input)."""
    assert target.startswith("/") and not target.startswith("//")
    return _finish(page, RedirectResponse(target, status_code=303))


def attachment(page: Page, body: bytes, *, filename: str, media_type: str) -> Response:
    response = Response(body, media_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _finish(page, response)


_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: the pages a GET opens, as patterns: a Referer is linked back to only if it is one
_GET_PAGES = [
    re.compile(re.sub(r"\\\{\w+\\\}", _ID.pattern, re.escape(path)))
    for method, path in PAGE_ROLES
    if method == "GET"
]


def back_link(request: Request) -> str | None:
    """Where an error page's "Back" leads: for a form, the page it is on (its route in
    :data:`FORM_PAGES`, filled with the request's ids); otherwise the page before, when
    the browser said so (a Referer of this site; path and query only), else nowhere."""
    method, template = route_template(request)
    target = FORM_PAGES.get(template) if method == "POST" else None
    if target is not None:
        for name, value in request.path_params.items():
            if not _ID.fullmatch(str(value)):
                return None
            target = target.replace("{" + name + "}", str(value))
        return target
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.scheme in ("http", "https") and referer.netloc == request.url.netloc
    if not same_site or not referer.path.startswith("/") or referer.path.startswith("//"):
        return None
    if referer.path == request.url.path and method == "GET":
        return None  # the page itself
    if not any(page.fullmatch(referer.path) for page in _GET_PAGES):
        return None  # not a page a link can open (a form's answer, a download)
    return referer.path + (f"?{referer.query}" if referer.query else "")


#: The kind of outage, said to the person in their language (messages.json).
UNAVAILABLE_CAUSES = {
    "STORAGE_UNAVAILABLE": "error.storage_unavailable",
    "DATABASE_BUSY": "error.database_busy",
    "DATABASE_UNREACHABLE": "error.database_unreachable",
    "LOG_ROLLED_BACK": "error.log_rolled_back",
    "MESSAGE_NOT_SENT": "error.message_not_sent",
}


def error_page(request: Request, error: Exception) -> Response:
    page = base_page(request)
    if page.principal is None:
        page.principal = signed_in(request, page.services)
    if isinstance(error, SignInRequired):
        return redirect(page, error.target)
    if isinstance(error, CsrfRefused):
        status, code = 403, error.code
    elif isinstance(error, FairscreenError):
        status = status_of(error)
        code = error.code
    elif isinstance(error, RequestValidationError):
        status, code = 422, "INVALID_INPUT"
    elif isinstance(error, HTTPException):
        status, code = error.status_code, f"HTTP_{error.status_code}"
    else:  # pragma: no cover - logged by type only: no message, no personal data
        log.error("web page failed: %s on %s", type(error).__name__, request.url.path)
        status, code = 500, "INTERNAL"
    field = getattr(error, "field", None) if status in (409, 422) else None
    # the refusal for the page to explain: a form's (409, 422) in the reader's language or
    # its English; a permission refusal (403) only where the catalogue words it for the
    # reader ("the agency answers disputes on its cases"), since a service's English of
    # one may name what the reader has no right to see
    explained = status in (409, 422) or (status == 403 and page.t.detail(error) is not None)
    refused = refusal(page, error) if explained and isinstance(error, FairscreenError) else None
    if status == 503:
        # the operator's cause (paths, the driver's reason) goes to the log, not the page
        log.error("web page failed: %s: %s", code, error)
    return render(
        page,
        "error.html",
        status=status,
        status_code=status,
        code=code,
        field=field,
        refusal=refused,
        cause=UNAVAILABLE_CAUSES.get(code),
        back=back_link(request),
    )


class WebRoute(APIRoute):
    """A page route: any error (from the policy check, the form, or a service) becomes
    an HTML page, not a problem document."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except (FairscreenError, RequestValidationError, HTTPException) as error:
                return error_page(request, error)

        return handle

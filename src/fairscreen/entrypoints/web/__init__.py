"""The web portals (issue 5 item 3): candidate portal, employer console, agency desk and
regulator console, server-rendered with Jinja2 and htmx (served from ``/static``, nothing
fetched from the internet), zh-Hans by default with en and zh-Hant.

``mount(app, services)`` adds the pages and ``/static`` to the API's app; who may open
which page is one table, :data:`fairscreen.entrypoints.web.policy.PAGE_ROLES`. See
docs/web.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from fairscreen.entrypoints.api.routing import include_routes
from fairscreen.entrypoints.web import (
    routes_account,
    routes_agency,
    routes_candidate,
    routes_common,
    routes_documents,
    routes_employer,
    routes_referee,
    routes_regulator,
    routes_staff,
)
from fairscreen.entrypoints.web.policy import PAGE_ROLES
from fairscreen.entrypoints.web.render import error_page
from fairscreen.services.context import Services

ROUTERS = (
    routes_common,
    routes_account,
    routes_staff,
    routes_candidate,
    routes_documents,
    routes_employer,
    routes_agency,
    routes_regulator,
    routes_referee,
)

__all__ = ["PAGE_ROLES", "mount"]


def mount(app: FastAPI, services: Services) -> None:
    """Add the portals' pages and static files to ``app`` (which already carries
    ``services`` in ``app.state``)."""
    if getattr(app.state, "services", None) is None:
        app.state.services = services
    for module in ROUTERS:  # the app's own routes: each matched once (api/routing.py)
        include_routes(app, module.router)
    static = resources.files(__package__).joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _html_errors_for_people(app)


#: Paths of the API and the transparency endpoints: their errors stay problem documents.
MACHINE_PREFIXES = ("/v1/", "/tile/", "/checkpoint", "/healthz", "/docs", "/openapi")


def _html_errors_for_people(app: FastAPI) -> None:
    """An unknown address or a wrong method outside the API, asked for by a browser,
    gets the portals' error page; everything else keeps the API's problem document."""
    api_handler = app.exception_handlers.get(HTTPException)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        path = request.url.path
        wants_html = "text/html" in request.headers.get("accept", "")
        if wants_html and not path.startswith(MACHINE_PREFIXES):
            return error_page(request, exc)
        assert api_handler is not None
        handler: Callable[[Request, Exception], Awaitable[Response]] = api_handler  # type: ignore[assignment]
        return await handler(request, exc)

    if api_handler is not None:
        app.add_exception_handler(HTTPException, on_http_error)

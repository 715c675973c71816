"""The web portals (issue 5 item 3): candidate portal, employer console, agency desk and
regulator console, server-rendered with Jinja2 and htmx (served from ``/static``, nothing
fetched from the internet), zh-Hans by default with en and zh-Hant.

``mount(app, services)`` adds the pages and ``/static`` to the API's app; who may open
which page is one table, :data:`fairscreen.entrypoints.web.policy.PAGE_ROLES`. See
docs/web.md.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from fairscreen.entrypoints.web import (
    routes_agency,
    routes_candidate,
    routes_common,
    routes_employer,
    routes_regulator,
)
from fairscreen.entrypoints.web.policy import PAGE_ROLES
from fairscreen.services.context import Services

ROUTERS = (routes_common, routes_candidate, routes_employer, routes_agency, routes_regulator)

__all__ = ["PAGE_ROLES", "mount"]


def mount(app: FastAPI, services: Services) -> None:
    """Add the portals' pages and static files to ``app`` (which already carries
    ``services`` in ``app.state``)."""
    if getattr(app.state, "services", None) is None:
        app.state.services = services
    for module in ROUTERS:
        app.include_router(module.router)
    static = resources.files(__package__).joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

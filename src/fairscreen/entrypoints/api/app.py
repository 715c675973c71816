"""The app factory: ``create_app(services)`` → a FastAPI app (OpenAPI 3.1) over the
service layer, with the policy check on every route, problem details for every error,
a request size limit, and (when asked) the scheduler in the background.

The web portals mount themselves through :func:`mount_web` once a
``fairscreen.entrypoints.web`` package exists (it is expected to offer
``mount(app, services)``); until then it does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from fairscreen.adapters.db.loop_reads import LoopReader
from fairscreen.entrypoints.api import problems
from fairscreen.entrypoints.api.docs import install_docs
from fairscreen.entrypoints.api.middleware import (
    ContainErrors,
    LimitBody,
    MiB,
    TlogPrefix,
    origin_prefix,
)
from fairscreen.entrypoints.api.nul import RefuseNul
from fairscreen.entrypoints.api.observability import Metrics, ObserveRequests, networks
from fairscreen.entrypoints.api.policy import PUBLIC, ROUTE_ROLES, enforce
from fairscreen.entrypoints.api.ratelimit import AddressLimiter
from fairscreen.entrypoints.api.routers import (
    auth,
    candidates,
    cases,
    fairness,
    ledger,
    metrics,
    operator,
    profiles,
    public,
    references,
    webhooks,
)
from fairscreen.entrypoints.api.routing import include_routes
from fairscreen.entrypoints.api.scheduler import run_in_process, start_loops
from fairscreen.services import background
from fairscreen.services.context import Services

API_VERSION = "1.0.0"
#: FastAPI's native OpenTelemetry, every part of it off (see :func:`create_app`)
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
ROUTERS = (
    public,
    metrics,
    auth,
    operator,
    candidates,
    profiles,
    cases,
    references,
    webhooks,
    ledger,
    fairness,
)
#: Problem responses documented on every operation (plus ``default``).
PROBLEM_STATUSES = (
    "400",
    "401",
    "403",
    "404",
    "409",
    "410",
    "413",
    "422",
    "429",
    "500",
)


#: Responses of at least 1 KiB are gzip-compressed when the client accepts it (issue 13
#: item 14: a portal page of ~20 KB goes over the wire as ~5 KB); smaller ones gain less
#: than the header costs. Level 6: nearly level 9's size at a fraction of its CPU.
#: Starlette leaves alone a response that has a Content-Encoding already (the
#: transparency entry bundles), a partial one (Range) and an event stream.
GZIP_MIN_BYTES = 1024
#: not worth compressing: already compressed (images, PDF streams) or random (hash
#: tiles, evidence downloads)
GZIP_EXCLUDED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf", "application/octet-stream")


def mount_web(app: FastAPI, services: Services) -> None:
    """Mount the web portals if the ``fairscreen.entrypoints.web`` package is installed
    (its ``mount(app, services)``); otherwise the app is the API alone."""
    if importlib.util.find_spec("fairscreen.entrypoints.web") is None:
        return
    web = importlib.import_module("fairscreen.entrypoints.web")
    mount = getattr(web, "mount", None)
    if callable(mount):
        mount(app, services)


def create_app(
    services: Services,
    *,
    scheduler_interval: float | None = None,
    sequencer_interval: float | None = None,
    max_body_bytes: int = MiB,
    web: bool = True,
    sign_in_limiter: AddressLimiter | None = None,
    trusted_proxies: Sequence[str] = (),
    metrics_allow: Sequence[str] = (),
    token_reads_on_loop: bool = False,
) -> FastAPI:
    """The API over ``services``. ``scheduler_interval`` (seconds) runs the scheduler in
    the background while the app is served; None (tests) leaves it off.
    ``sequencer_interval`` (seconds) runs the ledger's sequencer (services/sequencer.py)
    on a thread of its own while the app is served; None leaves it off.
    ``sign_in_limiter`` counts sign-in requests per address (default: 10 a minute).
    ``trusted_proxies`` (addresses or networks; default none) are the only peers whose
    ``X-Forwarded-For`` names the client: from anyone else it is ignored; only their
    ``X-Request-ID`` is taken as the request's id. ``metrics_allow`` (addresses or
    networks) may read ``/metrics`` without a token. ``token_reads_on_loop``: on
    PostgreSQL the policy check reads the token's row on the event loop while the app is
    served (adapters/db/loop_reads.py: no thread trip of its own; ``serve`` turns it on),
    else in the thread pool."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        reader = None
        if token_reads_on_loop and services.engine.dialect.name == "postgresql":
            reader = app.state.loop_reader = LoopReader(services.engine)
        if scheduler_interval:
            task = asyncio.create_task(run_in_process(services, scheduler_interval))
        stop_loops = threading.Event()
        loops = (
            background.long_running_loops(sequencer_interval=sequencer_interval)
            if sequencer_interval
            else ()
        )
        threads = start_loops(services, loops, stop_loops)
        try:
            yield
        finally:
            if reader is not None:
                app.state.loop_reader = None
                await reader.aclose()
            stop_loops.set()
            for thread in threads:
                thread.join()
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="fairscreen",
        version=API_VERSION,
        summary="Compliance-first pre-employment background screening (背景调查).",
        description="See docs/api.md: authentication, roles, problem details, pagination, "
        "webhooks, transparency endpoints.",
        lifespan=lifespan,
        docs_url=None,  # our own /docs: assets from the package, a strict CSP (docs.py)
        redoc_url=None,
        # FastAPI's OpenTelemetry hooks off: the service observes itself (/metrics, its
        # JSON logs: observability.py) and sets no OpenTelemetry provider, yet FastAPI
        # asked the three global providers, reading the environment, on every request.
        telemetry=NO_OPENTELEMETRY,
    )
    install_docs(app)
    app.state.services = services
    app.state.sign_in_limiter = sign_in_limiter or AddressLimiter()
    app.state.metrics = Metrics(services)
    app.state.metrics_networks = networks(metrics_allow)
    for module in ROUTERS:  # the app's own routes: each matched once (routing.py)
        include_routes(app, module.router, dependencies=[Depends(enforce)])
    problems.install(app)
    app.add_middleware(RefuseNul)  # inside LimitBody: it reads bodies already capped
    app.add_middleware(LimitBody, max_bytes=max_body_bytes)
    app.add_middleware(TlogPrefix, prefix=origin_prefix(services.signer.name))
    app.add_middleware(ContainErrors)
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MIN_BYTES,
        compresslevel=6,
        exclude_content_types=GZIP_EXCLUDED,
    )
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
    # outermost: sees the peer that connected, times and counts everything inside
    app.add_middleware(
        ObserveRequests, metrics=app.state.metrics, trusted_proxies=list(trusted_proxies)
    )
    if web:
        mount_web(app, services)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus: every error as a problem (application/problem+json), the
    bearer scheme, and each operation's security and roles from the policy table."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from fairscreen.entrypoints.api.schemas import Problem

    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "API or candidate token"}
    }
    problem_content = {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            roles = ROUTE_ROLES.get((method.upper(), _template(app, path, method)))
            responses = operation.setdefault("responses", {})
            for status in (*PROBLEM_STATUSES, "default"):
                responses[status] = {
                    "description": problems.TITLES.get(int(status), "Error")
                    if status.isdigit()
                    else "A problem (RFC 9457)",
                    "content": problem_content,
                }
            if roles is None or roles is PUBLIC:
                operation["security"] = []
                operation["x-roles"] = [] if roles is not None else ["nobody"]
            else:
                operation["security"] = [{"bearer": []}]
                operation["x-roles"] = sorted(role.value for role in roles)
    app.openapi_schema = document
    return document


def api_routes() -> list[tuple[str, str]]:
    """Every (method, path template) of the API's routers, e.g. ``("GET", "/v1/cases")``."""
    found = []
    for module in ROUTERS:
        for route in module.router.routes:
            path = getattr(route, "path", None)
            for method in sorted(getattr(route, "methods", None) or ()):
                if path is not None:
                    found.append((method, str(path)))
    return found


def _template(app: FastAPI, openapi_path: str, method: str) -> str:
    """The route template (``{path:path}`` kept) of an OpenAPI path."""
    for route_method, path in api_routes():
        if route_method == method.upper() and path.replace(":path", "") == openapi_path:
            return path
    return openapi_path

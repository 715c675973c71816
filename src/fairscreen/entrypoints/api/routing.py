"""The API's route class: a plain (``def``) route runs in the thread pool once, and its
answer is validated back on the event loop, not in a second trip to the pool.

FastAPI runs a ``def`` endpoint in the thread pool, and then validates what it returned
against its response model in the thread pool again (``serialize_response`` with
``is_coroutine=False``). Each trip is a hand-off between the event loop and a worker
thread (a queue, a condition variable, the GIL passed twice): 2 of the 3 per request a
load profile counted on a route with a response model (docs/operations.md, 'Load
benchmark'). Validating a small model takes microseconds, so it need not leave the loop.

:class:`OneTripRoute` wraps such an endpoint in an ``async def`` that awaits the original
in the thread pool (the endpoint still never blocks the loop: it does database I/O),
keeping its name, docstring and signature (``functools.wraps``: FastAPI reads parameters
and the response model through ``__wrapped__``), so the OpenAPI document, the validation
of parameters and bodies, and the response model are unchanged.

:func:`include_routes` adds a router's routes to the app's own router, where
``include_router`` would add the router as one branch. FastAPI (0.16x) matches a request
against such a branch twice: the app's router asks each branch whether it matches (every
route of the branch is tried), then the matching branch finds its route again to handle
it, and each try of a route saves and restores FastAPI's scope keys around it. A
request for a case tried every route of the six routers before ``cases``, then those of
``cases`` up to its own twice. As routes of the app itself, each is tried at most once,
a regular expression each, as in a plain Starlette router: a request refused by the
policy check (no database) took 1050 -> 834 µs CPU (min of 7 runs of 1000).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, APIRouter
from starlette.concurrency import run_in_threadpool


def in_thread_pool(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` (a plain function) as a coroutine function that runs it in the thread
    pool; FastAPI sees the original's signature and annotations."""

    @functools.wraps(endpoint)
    async def run(**arguments: Any) -> Any:
        return await run_in_threadpool(endpoint, **arguments)

    return run


def _plain_function(endpoint: Callable[..., Any]) -> bool:
    return (
        inspect.isfunction(endpoint)
        and not inspect.iscoroutinefunction(endpoint)
        and not inspect.isgeneratorfunction(endpoint)
        and not inspect.isasyncgenfunction(endpoint)
    )


class OneTripRoute(APIRoute):
    """An API route whose ``def`` endpoint takes one trip to the thread pool."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _plain_function(endpoint):
            endpoint = in_thread_pool(endpoint)
        super().__init__(path, endpoint, **kwargs)


def include_routes(
    app: FastAPI, router: APIRouter, dependencies: Sequence[params.Depends] = ()
) -> None:
    """``app.include_router(router, dependencies=dependencies)``, with each route added
    to the app's own router (see the module's docstring): ``dependencies`` run first, then
    the route's own (which carry the router's), as ``include_router`` orders them; the
    path, tags and responses already carry the router's prefix and its own. Only API
    routes: anything else in ``router`` is refused rather than dropped."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"include_routes takes API routes only, not {type(route).__name__}")
        app.router.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=[*dependencies, *route.dependencies],
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=type(route),
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
            strict_content_type=route.strict_content_type,
            max_body_size=route.max_body_size,
        )

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

:class:`OneTripRoute` also gives an endpoint what ``deps.ServicesDep``, ``ActorDep``
and ``PrincipalDep`` name straight from the request (:func:`taking_from_request`):
FastAPI walks every dependency of a route on every request, some 55,000 instructions a
walk, for answers that are an attribute of the app and the caller the policy check left
in the request's scope.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Annotated, Any, get_args, get_origin

from fastapi import FastAPI, Request, params
from fastapi.dependencies.utils import get_typed_return_annotation, get_typed_signature
from fastapi.routing import APIRoute, APIRouter
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match
from starlette.types import Scope

from fairscreen.entrypoints.api.deps import TAKEN_FROM_REQUEST


def in_thread_pool(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` (a plain function) as a coroutine function that runs it in the thread
    pool; FastAPI sees the original's signature and annotations."""

    @functools.wraps(endpoint)
    async def run(**arguments: Any) -> Any:
        return await run_in_threadpool(endpoint, **arguments)

    return run


def _taken_from_request(annotation: Any) -> Callable[[Request], Any] | None:
    """How to take a parameter's value from the request, when its annotation is
    ``Annotated[..., Depends(f)]`` with ``f`` in ``deps.TAKEN_FROM_REQUEST``."""
    if get_origin(annotation) is not Annotated:
        return None
    for extra in get_args(annotation)[1:]:
        if isinstance(extra, params.Depends):
            return TAKEN_FROM_REQUEST.get(extra.dependency)  # type: ignore[arg-type]
    return None


def taking_from_request(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` (a coroutine function) with the parameters ``deps.TAKEN_FROM_REQUEST``
    answers taken from the request in place of FastAPI's dependency solving; FastAPI sees
    the endpoint's other parameters and the request (``__signature__``), and solves and
    validates those as before. ``endpoint`` itself if it has none.

    The caller is the one :func:`~fairscreen.entrypoints.api.policy.enforce` checked, the
    app's first dependency on every route: its 401 and 403 still come before any 422. Only
    a route the policy table leaves public could ask for a caller it does not have, and
    none does (``tests/api/test_api_routing.py``): refused with the same 401 as before,
    after its parameters were validated rather than before."""
    signature = get_typed_signature(endpoint)
    taken: dict[str, Callable[[Request], Any]] = {}
    kept: list[inspect.Parameter] = []
    request_name = None
    for parameter in signature.parameters.values():
        take = _taken_from_request(parameter.annotation)
        if take is not None:
            taken[parameter.name] = take
            continue
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return endpoint  # not a route's endpoint this API has: left to FastAPI
        if parameter.annotation is Request:
            request_name = parameter.name
        kept.append(parameter)
    if not taken:
        return endpoint
    own_request = request_name is None
    if request_name is None:  # a name no endpoint's parameter has
        request_name = "_fairscreen_request"
        kept.append(
            inspect.Parameter(request_name, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        )

    @functools.wraps(endpoint)
    async def run(**arguments: Any) -> Any:
        request = arguments.pop(request_name) if own_request else arguments[request_name]
        for name, take in taken.items():
            arguments[name] = take(request)
        return await endpoint(**arguments)

    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        kept, return_annotation=get_typed_return_annotation(endpoint)
    )
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

    #: the text of the path before its first parameter, once :func:`include_routes` put
    #: the route in the app's own router (its path then the whole path a request is
    #: matched by); None: matched as FastAPI matches it
    literal_prefix: str | None = None
    #: the text of the path after its last parameter (``/report`` of
    #: ``/v1/cases/{case_id}/report``; empty without one), set with ``literal_prefix``
    literal_suffix: str = ""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if _plain_function(endpoint):
            endpoint = in_thread_pool(endpoint)
        if inspect.iscoroutinefunction(endpoint):
            endpoint = taking_from_request(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """No match, without FastAPI's and Starlette's matching, for a path that does not
        begin with the route's literal prefix or does not end with its literal suffix
        (its regular expression, anchored at both ends, begins and ends with them): the
        app's router tries its routes in order, some 45 before a case's, each a call
        through FastAPI's and Starlette's ``matches`` and a regular expression, and some
        25 routes share the prefix ``/v1/cases/``. Any other path is matched as before:
        the pattern's ``$`` also matches before a final newline (``…/report%0A``), so the
        suffix is looked for before one too."""
        prefix = self.literal_prefix
        if prefix is not None:
            path = get_route_path(scope)
            end = path[:-1] if path.endswith("\n") else path
            if not (path.startswith(prefix) and end.endswith(self.literal_suffix)):
                return Match.NONE, {}
        return super().matches(scope)


#: ``add_api_route``'s parameters that :func:`include_routes` sets itself; every other one
#: is copied from the route's attribute of the same name.
_SET_BY_INCLUDE = frozenset({"self", "path", "endpoint", "dependencies", "route_class_override"})


@functools.cache
def _copied_settings() -> tuple[str, ...]:
    """The names of ``add_api_route``'s parameters copied from each route: read off its
    signature, so a FastAPI release that adds a setting copies it too (or, if a route has
    no attribute of that name, :func:`include_routes` refuses to start) instead of the
    setting being dropped in silence, as a hand-written list of names would."""
    parameters = inspect.signature(APIRouter.add_api_route).parameters
    return tuple(name for name in parameters if name not in _SET_BY_INCLUDE)


def include_routes(
    app: FastAPI, router: APIRouter, dependencies: Sequence[params.Depends] = ()
) -> None:
    """``app.include_router(router, dependencies=dependencies)``, with each route added
    to the app's own router (see the module's docstring): ``dependencies`` run first, then
    the route's own (which carry the router's), as ``include_router`` orders them; the
    path, tags and responses already carry the router's prefix and its own. Every other
    setting of ``add_api_route`` is copied from the route (:func:`_copied_settings`).
    Only API routes: anything else in ``router`` is refused rather than dropped."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"include_routes takes API routes only, not {type(route).__name__}")
        uncopied = [name for name in _copied_settings() if not hasattr(route, name)]
        if uncopied:
            raise TypeError(
                f"include_routes cannot copy {', '.join(uncopied)} of route {route.name}: "
                "the route has no attribute of that name"
            )
        app.router.add_api_route(
            route.path,
            route.endpoint,
            dependencies=[*dependencies, *route.dependencies],
            route_class_override=type(route),
            **{name: getattr(route, name) for name in _copied_settings()},
        )
        added = app.router.routes[-1]
        if isinstance(added, OneTripRoute) and added.path == route.path:
            added.literal_prefix = route.path.split("{", 1)[0]
            added.literal_suffix = route.path.rsplit("}", 1)[1] if "}" in route.path else ""

"""Typed dependency aliases: what a route may ask for (``ServicesDep``, ``ActorDep``,
``PrincipalDep``, ``PageDep``). The caller comes from the policy check every route has
already run (:func:`fairscreen.entrypoints.api.policy.enforce`, the app's dependency on
every route, solved before the route's own): it leaves the caller in the request's scope.

Dependencies that do no I/O are ``async``: FastAPI would run a plain function in the
thread pool, one thread hop each per request."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request

from fairscreen.domain.errors import InvalidInput
from fairscreen.entrypoints.api.policy import checked_caller, services_in, services_of
from fairscreen.services.accounts import Principal, Unauthenticated
from fairscreen.services.context import Actor, Services

ServicesDep = Annotated[Services, Depends(services_of)]

T = TypeVar("T")


def _caller(request: Request) -> Principal:
    """The caller the policy check let through. Read from the request, not asked of
    FastAPI as ``Depends(enforce)``: FastAPI walks a dependency's whole tree on every
    request, its cached answer or not, so each ``Depends(enforce)`` below a route cost a
    second walk of the policy check's. None (a public route, or a request the check did
    not pass) is refused."""
    principal = checked_caller(request)
    if principal is None:  # a public route asked for a caller: never in the table
        raise Unauthenticated("a bearer token is required")
    return principal


def _caller_actor(request: Request) -> Actor:
    return _caller(request).actor


async def _principal(request: Request) -> Principal:
    return _caller(request)


async def _actor(request: Request) -> Actor:
    return _caller_actor(request)


PrincipalDep = Annotated[Principal, Depends(_principal)]
ActorDep = Annotated[Actor, Depends(_actor)]

#: What an API route's endpoint is given from the request itself by its route
#: (``routing.OneTripRoute``), for each dependency above that only reads the request: the
#: same function's answer, without a walk of FastAPI's solver per dependency and request
#: (some 55,000 instructions each: ``ServicesDep`` and ``ActorDep`` were two of a case
#: route's three walks). Anywhere else they stay FastAPI's dependencies.
TAKEN_FROM_REQUEST: dict[Callable[..., Any], Callable[[Request], Any]] = {
    services_of: services_in,
    _principal: _caller,
    _actor: _caller_actor,
}


@dataclass(frozen=True, slots=True)
class PageParams:
    """Cursor pagination: ``limit`` items (1-100) after the opaque ``cursor``."""

    limit: int
    after: str | None

    def next_cursor(self, items: list[Any], key: str) -> str | None:
        if len(items) < self.limit or not items:
            return None
        return base64.urlsafe_b64encode(str(items[-1][key]).encode()).decode().rstrip("=")


async def _page(
    limit: Annotated[int, Query(ge=1, le=100, description="items per page")] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$", description="from next_cursor"),
    ] = None,
) -> PageParams:
    after = None
    if cursor:
        try:
            after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise InvalidInput("not a cursor this API gave", field="cursor") from exc
    return PageParams(limit, after)


PageDep = Annotated[PageParams, Depends(_page)]

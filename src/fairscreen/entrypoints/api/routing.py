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
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
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

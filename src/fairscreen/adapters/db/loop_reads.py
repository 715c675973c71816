"""One-statement reads on the event loop, for PostgreSQL: psycopg's own async connections,
in autocommit, a few of them kept open.

The API's policy check reads one row (the bearer token's) on every request, before the
route runs. From a plain function that read took a trip to the thread pool and back of
its own (the loop's hand-off wakes a worker thread; the worker's answer wakes the loop),
the largest single item of a request's server CPU with SQLAlchemy's
(docs/operations.md, 'Where a lifecycle's server CPU goes'). Awaited here, the loop
waits on the socket itself and the route's own trip is the request's only one.

The connections are made with the engine's own parameters and startup options (the
timeouts, ``adapters/db/engine.py``), and belong to the event loop that opened them: a
reader met from another loop (tests start one per client) starts afresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.engine import libpq_conninfo, storage_errors


class LoopReader:
    """Up to ``size`` connections, opened on first use and kept while they work."""

    def __init__(self, engine: Engine, *, size: int = 4) -> None:
        self._conninfo = libpq_conninfo(engine)
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._idle: list[psycopg.AsyncConnection[dict[str, Any]]] = []

    def _for_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            self._loop, self._slots, self._idle = loop, asyncio.Semaphore(self._size), []
        return self._slots

    async def one(self, sql: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row of ``sql`` (psycopg's ``%(name)s`` parameters), or None."""
        async with self._for_this_loop():
            with storage_errors():  # the database out of reach: 503, as for the routes
                connection = self._idle.pop() if self._idle else await self._connect()
                try:
                    cursor = await connection.execute(sql, params)
                    row = await cursor.fetchone()
                except BaseException:
                    await connection.close()  # in an unknown state: not back to the others
                    raise
            self._idle.append(connection)
            return row

    async def _connect(self) -> psycopg.AsyncConnection[dict[str, Any]]:
        return await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, row_factory=dict_row
        )

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

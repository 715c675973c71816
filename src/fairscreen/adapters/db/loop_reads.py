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

Each connection keeps one cursor for all its reads, and rows come as psycopg's tuples
made into a dict by column names taken once per statement: a new cursor each read built
a new ``Transformer`` (the connection's encoding and adapters looked up again), and
``dict_row`` decoded every column's name from the result again, some 62,000 of a read's
307,000 instructions (callgrind, the token's read 200 times). Nothing of a row is kept:
every read asks the database, so a token revoked is refused at the next request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.engine import libpq_conninfo, storage_errors


class LoopReader:
    """Up to ``size`` connections, opened on first use and kept while they work."""

    def __init__(self, engine: Engine, *, size: int = 4) -> None:
        self._conninfo = libpq_conninfo(engine)
        self._size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None
        self._idle: list[psycopg.AsyncCursor[tuple[Any, ...]]] = []
        #: a statement's column names, by its text: the text names them (no ``*``), so
        #: they are the same at every read
        self._names: dict[str, tuple[str, ...]] = {}

    def _for_this_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._slots is None:
            self._loop, self._slots, self._idle = loop, asyncio.Semaphore(self._size), []
        return self._slots

    async def one(self, sql: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row of ``sql`` (psycopg's ``%(name)s`` parameters), or None."""
        async with self._for_this_loop():
            with storage_errors():  # the database out of reach: 503, as for the routes
                cursor = self._idle.pop() if self._idle else await self._connect()
                try:
                    await cursor.execute(sql, params)
                    row = await cursor.fetchone()
                except BaseException:
                    await cursor.connection.close()  # in an unknown state: not back to the others
                    raise
                names = self._names.get(sql)
                if names is None:
                    names = tuple(column.name for column in cursor.description or ())
                    self._names[sql] = names
            self._idle.append(cursor)
            return None if row is None else dict(zip(names, row, strict=True))

    async def _connect(self) -> psycopg.AsyncCursor[tuple[Any, ...]]:
        connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        return connection.cursor()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for cursor in idle:
            await cursor.connection.close()

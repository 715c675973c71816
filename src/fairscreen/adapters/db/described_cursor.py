"""A psycopg cursor whose ``description`` is built only when it is read.

psycopg builds ``cursor.description`` afresh on every access: one ``Column`` object per
column of the result, each a Python constructor reading the result's name, type, modifier
and size (some 10,000 instructions a column). SQLAlchemy asks for it after every
statement that returns rows, but for a statement it has run before (its compiled cache)
it looks only at whether it is ``None``: the result's columns are described by the
metadata it kept from the first run. A lifecycle's statements return some 600 columns
(the case's row alone is 28, read or returned 14 times), all described for nothing.

:class:`DescribedOnDemand` answers ``description`` with a sequence that holds the
result and builds psycopg's own ``Column`` objects the first time anything reads past
its length or truthiness (SQLAlchemy's first run of a statement, a text query, a row
factory): the same columns, the same ``None`` where psycopg gives ``None``.
:func:`fairscreen.adapters.db.engine.create_engine` makes it the cursor of every
connection of a PostgreSQL engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import psycopg
from psycopg import pq
from psycopg.adapt import AdaptersMap

#: the result statuses psycopg describes even without columns (``SELECT ;``)
_ROWS = frozenset({pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK})


class _ResultOf:
    """What psycopg's ``Column`` reads of a cursor, held for one result: the cursor may
    have moved to another result by the time the columns are built."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, pgresult: Any, encoding: str, adapters: AdaptersMap) -> None:
        self.pgresult = pgresult
        self._encoding = encoding
        self.adapters = adapters


class Description(Sequence[psycopg.Column]):
    """A result's columns, described (as psycopg does) when first read."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: psycopg.Cursor[Any], result: Any) -> None:
        self._cursor = cursor
        self._result = result
        self._columns: list[psycopg.Column] | None = None

    def __len__(self) -> int:
        return int(self._result.nfields)

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[psycopg.Column]: ...

    def __getitem__(self, index: int | slice) -> psycopg.Column | list[psycopg.Column]:
        return self.columns()[index]

    def columns(self) -> list[psycopg.Column]:
        """psycopg's own description of the result."""
        if self._columns is None:
            cursor = self._cursor
            held = _ResultOf(self._result, cursor._encoding, cursor.adapters)
            self._columns = [
                psycopg.Column(held, index)  # type: ignore[arg-type]
                for index in range(self._result.nfields)
            ]
        return self._columns

    def __repr__(self) -> str:
        return repr(self.columns())


class DescribedOnDemand(psycopg.Cursor[Any]):
    """psycopg's cursor, its ``description`` a :class:`Description`."""

    @property
    def description(self) -> Description | None:  # type: ignore[override]
        result = self.pgresult
        if result and (result.nfields or result.status in _ROWS):
            return Description(self, result)
        return None

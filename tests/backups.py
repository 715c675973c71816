"""What an operator's backup and restore do to a database, for the tests that restore one:
a logical dump of every table the code declares and its restore, row by row, on SQLite
and PostgreSQL alike (the same shape as ``pg_dump --data-only`` and its replay)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.tables import metadata

Dump = dict[str, list[dict[str, Any]]]


def dump(url: str) -> Dump:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: [dict(row) for row in connection.execute(sa.select(table)).mappings()]
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def restore(url: str, saved: Dump) -> None:
    """Replace every row with the dump's, in one transaction."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(sa.delete(table))
            for table in metadata.sorted_tables:
                if saved[table.name]:
                    connection.execute(sa.insert(table), saved[table.name])
    finally:
        engine.dispose()

"""A PostgreSQL engine's cursors describe a result only when the description is read
(``adapters/db/described_cursor.py``): what is read is psycopg's own description, column
for column, and ``None`` where psycopg says ``None``; SQLAlchemy's first and later runs
of a statement, text queries and statements without rows read as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from fairscreen.adapters.db.described_cursor import DescribedOnDemand, Description
from fairscreen.adapters.db.engine import create_engine

pytestmark = pytest.mark.postgres

QUERIES = (
    "SELECT 1 AS one, 'two'::text AS two, now() AS at, '\\x00ff'::bytea AS raw, "
    "NULL::varchar(12) AS short, 1.5::numeric(6, 2) AS amount",
    "SELECT",  # rows without columns: psycopg describes them as []
    "CREATE TEMP TABLE IF NOT EXISTS t_described (id int)",  # no rows: None
)


def _as_psycopg_says(description: Any) -> list[tuple[Any, ...]] | None:
    return None if description is None else [tuple(column) for column in description]


@pytest.fixture
def engine(postgres_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("query", QUERIES)
def test_the_description_read_is_psycopgs_own(engine: sa.Engine, query: str) -> None:
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        assert raw.cursor_factory is DescribedOnDemand
        ours, plain = raw.cursor(), psycopg.Cursor(raw)
        ours.execute(query)
        plain.execute(query)
        described = ours.description
        assert (described is None) == (plain.description is None)
        if described is not None:
            assert isinstance(described, Description)
            assert len(described) == len(plain.description or [])
            assert bool(described) == bool(plain.description)
            assert _as_psycopg_says(described) == _as_psycopg_says(plain.description)
            assert [column.name for column in described[1:]] == [
                column.name for column in (plain.description or [])[1:]
            ]
            assert [c.type_display for c in described] == [
                c.type_display for c in plain.description or []
            ]


def test_a_description_holds_its_own_result_after_the_cursor_moved_on(
    engine: sa.Engine,
) -> None:
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("SELECT 1 AS first_one, 2 AS first_two")
        first = cursor.description
        cursor.execute("SELECT 'x' AS second")
        assert [column.name for column in first or []] == ["first_one", "first_two"]
        assert [column.name for column in cursor.description or []] == ["second"]


def test_sqlalchemy_reads_rows_by_name_on_the_first_and_later_runs(engine: sa.Engine) -> None:
    table = sa.table("t_rows", sa.column("id", sa.Integer), sa.column("label", sa.Text))
    query = sa.select(table.c.label, table.c.id).where(table.c.id == sa.bindparam("key"))
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TEMP TABLE t_rows (id int, label text)")
        connection.exec_driver_sql("INSERT INTO t_rows VALUES (1, 'a'), (2, 'b')")
        for key, label in ((1, "a"), (2, "b"), (1, "a")):  # compiled once, then cached
            row = connection.execute(query, {"key": key}).mappings().one()
            assert dict(row) == {"label": label, "id": key}
        text = connection.execute(sa.text("SELECT label AS l, id FROM t_rows ORDER BY id"))
        assert [tuple(row) for row in text] == [("a", 1), ("b", 2)]
        assert list(text.keys()) == ["l", "id"]
        updated = connection.execute(
            sa.update(table).where(table.c.id == 2).values(label="c").returning(table.c.label)
        )
        assert updated.scalar_one() == "c"
        assert connection.execute(sa.update(table).values(label="d")).rowcount == 2

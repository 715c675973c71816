"""A reader's unit of work can write nothing (``SqlUnitOfWork(write=False)``,
``engine.read_only`` and ``engine.reader_engine``): every write through it fails loudly
and leaves nothing behind, on either database, the key store included (a reader must
never issue a key). On PostgreSQL with the settings given at connection start it runs
in autocommit on read-only connections: no ``BEGIN`` and no ``ROLLBACK`` round trip,
and its answers are READ COMMITTED's, a snapshot per statement, as in the transaction
it used to open. A connection a reader used is writable again for the next writer."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from psycopg import pq
from service_fixtures import add_tenant, make_world, order_and_sign

from fairscreen.adapters.crypto import KeyKind
from fairscreen.adapters.db.engine import PostgresTimeouts, create_engine, reader_engine
from fairscreen.adapters.db.unit_of_work import ReaderWrote


def _tenant_ids(world: Any) -> set[str]:
    with world.svc.engine.connect() as connection:
        return set(connection.execute(sa.text("SELECT id FROM tenants")).scalars())


def test_a_write_through_a_reader_fails_and_persists_nothing(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    before = _tenant_ids(world)
    refused = f"tenant_{uuid.uuid4().hex}"
    try:
        with pytest.raises(ReaderWrote), world.svc.reader() as uow:
            add_tenant(world, uow, refused)
        assert _tenant_ids(world) == before
        # the connection the reader had is back in the pool, writable again
        written = f"tenant_{uuid.uuid4().hex}"
        with world.svc.uow() as uow:
            add_tenant(world, uow, written)
            uow.commit()
        assert _tenant_ids(world) == before | {written}
    finally:
        world.svc.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """The data database and the key store, both of one kind (None: SQLite's default
    key store in the data folder)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url")), None
    keys = str(request.getfixturevalue("postgres_key_store_url"))
    return str(request.getfixturevalue("postgres_url")), keys


def test_a_reader_issues_no_key(stores: tuple[str, str | None], tmp_path: Path) -> None:
    data, keys = stores
    world = make_world(data, tmp_path, key_store_url=keys)
    case, subject = f"case_{uuid.uuid4().hex}", f"subj_{uuid.uuid4().hex}"
    try:
        with pytest.raises(ReaderWrote), world.svc.reader() as uow:
            uow.cipher.open_case(case, subject)
        with world.svc.reader() as uow:
            assert uow.keys.get(KeyKind.CASE, case) is None
            assert uow.keys.get(KeyKind.SUBJECT, subject) is None
    finally:
        world.svc.engine.dispose()
        if world.svc.key_engine is not None:
            world.svc.key_engine.dispose()


def _in_transaction(connection: sa.Connection) -> bool:
    raw: Any = connection.connection.driver_connection
    return bool(raw.info.transaction_status != pq.TransactionStatus.IDLE)


@pytest.mark.postgres
def test_a_reader_on_postgresql_sends_no_begin(
    postgres_url: str, postgres_key_store_url: str, tmp_path: Path
) -> None:
    """The reader reads the signed case, its keys included, in autocommit: after each
    statement no transaction is open, so none was begun (nor will be rolled back)."""
    world = make_world(postgres_url, tmp_path, key_store_url=postgres_key_store_url)
    try:
        case_id = order_and_sign(world)
        with world.svc.reader() as uow:
            case = uow.repo.case(case_id)
            assert case is not None
            assert uow.cipher.commitment_key(str(case["pseudonym"]))  # the key store's turn
            assert not _in_transaction(uow.connection)
            assert uow._key_connection is not None
            assert not _in_transaction(uow._key_connection)
            shown = uow.connection.exec_driver_sql("SHOW default_transaction_read_only")
            assert shown.scalar_one() == "on"
    finally:
        world.svc.engine.dispose()
        assert world.svc.key_engine is not None
        world.svc.key_engine.dispose()


@pytest.mark.postgres
def test_behind_pgbouncer_a_reader_begins_read_only(postgres_url: str, tmp_path: Path) -> None:
    """With the timeouts set per transaction (PgBouncer's transaction mode refuses
    startup options) a reader keeps its transaction, begun READ ONLY in the same round
    trip: a write through it fails all the same."""
    world = make_world(postgres_url, tmp_path)
    world.svc.engine.dispose()
    world.svc.engine = create_engine(
        postgres_url, postgres_timeouts=PostgresTimeouts(scope="transaction")
    )
    assert reader_engine(world.svc.engine) is None
    before = _tenant_ids(world)
    try:
        with pytest.raises(ReaderWrote), world.svc.reader() as uow:
            assert uow.repo.tenant(world.employer.id) is not None
            assert _in_transaction(uow.connection)
            add_tenant(world, uow, f"tenant_{uuid.uuid4().hex}")
        assert _tenant_ids(world) == before
    finally:
        world.svc.engine.dispose()


@pytest.mark.postgres
def test_the_reader_engine_goes_with_its_engine(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    reader = reader_engine(engine)
    assert reader is not None and reader_engine(engine) is reader
    with reader.connect() as connection:
        assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
    assert reader.pool.checkedin() == 1  # type: ignore[attr-defined]
    engine.dispose()
    assert reader.pool.checkedin() == 0  # type: ignore[attr-defined]

"""One frozen process must not stall every other (issue 16 item 3): a SIGSTOP of a
process holding a row lock used to stop every write on every process for as long as it
lasted. With the PostgreSQL timeouts (adapters/db/engine.py ``PostgresTimeouts``) a
writer queued behind it fails fast with ``DATABASE_BUSY``, and the server ends the frozen
transaction, so writes go through again without anyone touching the frozen process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from fairscreen.adapters.db import account_tables as a
from fairscreen.adapters.db.engine import PostgresTimeouts, create_engine
from fairscreen.config import Settings
from fairscreen.domain.errors import DatabaseBusy
from fairscreen.entrypoints.api.problems import from_error
from fairscreen.services import webhooks
from integration.service_fixtures import make_world, order_and_sign, settle

SRC = Path(__file__).resolve().parents[2] / "src"


def _frozen_lock_holder(url: str, idle_ms: int) -> subprocess.Popen[str]:
    """A process that locks the webhook cursor's row in an open transaction, says so,
    and stops itself (SIGSTOP): it holds the lock and answers nothing."""
    script = textwrap.dedent(
        f"""
        import os, signal
        import sqlalchemy as sa
        from fairscreen.adapters.db.engine import PostgresTimeouts, create_engine
        timeouts = PostgresTimeouts(idle_in_transaction_ms={idle_ms})
        engine = create_engine({url!r}, postgres_timeouts=timeouts)
        with engine.connect() as connection:
            connection.execute(sa.text("UPDATE webhook_cursor SET ledger_index = ledger_index"))
            print("held", flush=True)
            os.kill(os.getpid(), signal.SIGSTOP)
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    return child


@pytest.mark.postgres
def test_a_frozen_lock_holder_makes_a_writer_fail_fast_then_is_cut_off(
    postgres_url: str, tmp_path: Path
) -> None:
    world = make_world(postgres_url, tmp_path)
    order_and_sign(world)  # ledger entries the webhook outbox has not read yet
    settle(world)  # integrated: on PostgreSQL a request only queues its entries
    world.svc.engine.dispose()
    world.svc.engine = create_engine(postgres_url, postgres_timeouts=PostgresTimeouts(lock_ms=300))
    child = _frozen_lock_holder(postgres_url, idle_ms=2_000)
    try:
        with pytest.raises(DatabaseBusy, match="lock_timeout") as caught:
            webhooks.collect_events(world.svc)  # moves the same cursor: waits on the row
        assert caught.value.code == "DATABASE_BUSY"
        answer = from_error(caught.value)  # what a client is told: the kind, no internals
        assert answer.status_code == 503 and b"webhook_cursor" not in answer.body
        # The server ends the frozen transaction once idle past its limit, which frees
        # the row: the same write goes through, the frozen process untouched.
        deadline = time.monotonic() + 30
        while True:
            try:
                webhooks.collect_events(world.svc)
                break
            except DatabaseBusy:
                assert time.monotonic() < deadline, "the frozen transaction was never ended"
                time.sleep(0.2)
        with world.svc.engine.connect() as connection:
            assert connection.execute(sa.select(a.webhook_cursor.c.ledger_index)).scalar_one() >= 0
    finally:
        child.send_signal(signal.SIGCONT)
        child.kill()
        child.wait(timeout=30)


def test_the_timeouts_come_from_the_settings() -> None:
    from fairscreen.bootstrap import postgres_timeouts

    settings = Settings(db_lock_timeout_ms=1234, db_idle_in_transaction_timeout_ms=0)
    assert postgres_timeouts(settings) == PostgresTimeouts(
        lock_ms=1234, statement_ms=30_000, idle_in_transaction_ms=0, scope="connection"
    )
    per_transaction = Settings(db_timeouts_scope="transaction")
    assert postgres_timeouts(per_transaction).scope == "transaction"
    with pytest.raises(ValueError, match="db_lock_timeout_ms"):
        Settings(db_lock_timeout_ms=-1)
    with pytest.raises(ValueError, match="db_timeouts_scope"):
        Settings(db_timeouts_scope="session")  # type: ignore[arg-type]


@pytest.mark.postgres
def test_by_default_the_timeouts_are_set_once_per_connection_beside_the_urls_options(
    postgres_url: str,
) -> None:
    """As startup options: in force outside any transaction too (the per-transaction
    ``SET LOCAL`` is gone); the options the URL names (the test schema's
    ``search_path``) still apply."""
    assert "options=" in postgres_url
    engine = create_engine(
        postgres_url, postgres_timeouts=PostgresTimeouts(lock_ms=1500, statement_ms=2500)
    )
    expected_schema = str(sa.make_url(postgres_url).query["options"])
    try:
        with engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:  # outside any transaction
                cursor.execute("SHOW lock_timeout")
                assert cursor.fetchone() == ("1500ms",)
            raw.rollback()
            with connection.begin():
                shown = connection.exec_driver_sql(
                    "SELECT current_setting('statement_timeout'), "
                    "current_setting('idle_in_transaction_session_timeout'), current_schema()"
                ).one()
        assert tuple(shown[:2]) == ("2500ms", "1min")
        assert expected_schema.endswith(shown[2])
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_connection_scope_names_the_session_zone_utc(postgres_url: str) -> None:
    """``TimeZone=UTC`` beside the timeouts: psycopg hands a moment back with
    ``datetime.timezone.utc`` (not a ``ZoneInfo`` to convert), the same instant."""
    engine = create_engine(postgres_url)
    moment = datetime(2026, 12, 5, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    try:
        with engine.connect() as connection:
            zone, back = connection.execute(
                sa.text("SELECT current_setting('TimeZone'), CAST(:moment AS timestamptz)"),
                {"moment": moment},
            ).one()
        assert zone == "UTC"
        assert back.tzinfo is UTC and back == moment
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_every_transaction_carries_the_timeouts_and_nothing_outlives_it(
    postgres_url: str,
) -> None:
    """``scope="transaction"``: set per transaction (``SET LOCAL``), never on the
    session: what PgBouncer in transaction mode needs."""
    timeouts = PostgresTimeouts(lock_ms=1500, scope="transaction")
    engine = create_engine(postgres_url, postgres_timeouts=timeouts)
    try:
        with engine.connect() as connection:
            with connection.begin():
                assert connection.exec_driver_sql("SHOW lock_timeout").scalar_one() == "1500ms"
            raw = connection.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor:  # outside any transaction: the server default
                cursor.execute("SHOW lock_timeout")
                row = cursor.fetchone()
                assert row is not None and row[0] == "0"
            raw.rollback()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_all_timeouts_off_set_nothing_and_leave_the_roles_settings(postgres_url: str) -> None:
    engine = create_engine(
        postgres_url,
        postgres_timeouts=PostgresTimeouts(lock_ms=0, statement_ms=0, idle_in_transaction_ms=0),
    )
    try:
        with engine.begin() as connection:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar_one() == "0"
            connection.exec_driver_sql("SET lock_timeout = 1234")  # as a role default would
        with engine.begin() as connection:  # the same pooled session: nothing overrides it
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar_one() == "1234ms"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_pools_keep_as_many_connections_as_the_settings_say(
    postgres_url: str, postgres_key_store_url: str, tmp_path: Path
) -> None:
    """Below the requests in flight, every request past the pool opened a connection of
    its own and closed it on return (a new server process each time)."""
    from fairscreen.bootstrap import build_services

    settings = Settings(
        database_url=postgres_url,
        key_store_url=postgres_key_store_url,
        data_dir=tmp_path,
        db_pool_size=7,
        db_max_overflow=3,
    )
    svc = build_services(settings)
    try:
        for engine in (svc.engine, svc.key_engine):
            assert engine is not None
            assert (engine.pool.size(), engine.pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
    finally:
        svc.engine.dispose()
        if svc.key_engine is not None:
            svc.key_engine.dispose()

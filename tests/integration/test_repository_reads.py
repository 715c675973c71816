"""A tenant or a role profile is read once per process and database (``ServiceRepository``
and ``WrittenOnce``): no statement changes either row once written, and every request
of a lifecycle read them again. A tenant not found is looked up again, since the same
unit of work may add it; one a unit of work added is not kept for others until another
reads it committed (a rollback must not leave it behind)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import make_world, order, order_and_sign

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.engine import PostgresTimeouts, create_engine, one_statement

SELECTS = ("FROM tenants", "FROM role_profiles")


def _count_selects(engine: sa.Engine, seen: list[str]) -> Any:
    def record(*args: Any) -> None:
        statement = args[2]
        seen.extend(kind for kind in SELECTS if kind in statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    return record


def _fresh_engine(world: Any, database_url: str) -> None:
    """The service on an engine of its own: nothing kept for it yet."""
    world.svc.engine.dispose()
    world.svc.engine = create_engine(database_url)


def test_a_tenant_and_a_profile_are_read_once_per_process(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    _fresh_engine(world, database_url)
    seen: list[str] = []
    record = _count_selects(world.svc.engine, seen)
    try:
        with world.svc.uow() as uow:
            first = uow.repo.tenant(world.employer.id)
            again = uow.repo.tenant(world.employer.id)
            profile = uow.repo.profile(world.profile_id)
            assert uow.repo.profile(world.profile_id) == profile
        assert first is not None and again == first and first["kind"] == "employer"
        assert profile is not None and profile["employer_id"] == world.employer.id
        assert seen == list(SELECTS)
        with world.svc.uow() as uow:  # another unit of work: no statement
            assert uow.repo.tenant(world.employer.id) == first
            assert uow.repo.profile(world.profile_id) == profile
        assert seen == list(SELECTS)
    finally:
        sa.event.remove(world.svc.engine, "before_cursor_execute", record)
        world.svc.engine.dispose()


def _add_tenant(world: Any, uow: Any, tenant_id: str) -> None:
    uow.repo.add_tenant(
        id=tenant_id,
        kind="employer",
        name="某测试公司",
        pseudonym=world.svc.pseudonym("emp", tenant_id),
        created_at=world.svc.now(),
    )


def test_a_tenant_not_found_is_read_again(database_url: str, tmp_path: Path) -> None:
    world = make_world(database_url, tmp_path)
    tenant_id = f"tenant_{uuid.uuid4().hex}"
    try:
        with world.svc.uow() as uow:
            assert uow.repo.tenant(tenant_id) is None
            _add_tenant(world, uow, tenant_id)
            added = uow.repo.tenant(tenant_id)
        assert added is not None and added["kind"] == "employer"
    finally:
        world.svc.engine.dispose()


def test_a_tenant_added_then_rolled_back_is_not_kept(database_url: str, tmp_path: Path) -> None:
    world = make_world(database_url, tmp_path)
    tenant_id = f"tenant_{uuid.uuid4().hex}"
    try:
        with world.svc.uow() as uow:  # no commit: rolled back
            _add_tenant(world, uow, tenant_id)
            assert uow.repo.tenant(tenant_id) is not None
        with world.svc.uow() as uow:
            assert uow.repo.tenant(tenant_id) is None
    finally:
        world.svc.engine.dispose()


def test_a_one_statement_read_opens_no_transaction_on_postgresql(database_url: str) -> None:
    """The token check on every request: on PostgreSQL in autocommit (one round trip, no
    ``BEGIN``/``ROLLBACK``), and the pooled connection goes back to transactions after."""
    engine = create_engine(database_url)
    postgres = not database_url.startswith("sqlite")
    try:
        with one_statement(engine) as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
            raw = connection.connection.driver_connection
            assert getattr(raw, "autocommit", False) is postgres
        with engine.connect() as connection:  # the same pooled connection
            raw = connection.connection.driver_connection
            assert not getattr(raw, "autocommit", False)
            if postgres:
                connection.execute(sa.text("SELECT 1"))
                assert connection.in_transaction()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_one_statement_read_sends_no_local_timeouts(postgres_url: str, tmp_path: Path) -> None:
    """With the timeouts per transaction (PgBouncer), the autocommit read sends no
    ``SET LOCAL`` (there is no transaction for it: a round trip for nothing); the next
    transaction on the same connection still gets them. libpq's trace of the wire says
    what was sent."""
    timeouts = PostgresTimeouts(lock_ms=1500, scope="transaction")
    engine = create_engine(postgres_url, postgres_timeouts=timeouts)
    trace = tmp_path / "wire.trace"
    try:
        with one_statement(engine) as connection, trace.open("w") as out:
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.pgconn.trace(out.fileno())
            assert connection.exec_driver_sql("SELECT 1").scalar_one() == 1
            raw.pgconn.untrace()
        sent = trace.read_text()
        assert "SELECT 1" in sent and "SET LOCAL" not in sent and "BEGIN" not in sent
        with engine.begin() as connection:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar_one() == "1500ms"
    finally:
        engine.dispose()


def test_statements_built_once_lock_and_set_what_each_call_asks(
    database_url: str, tmp_path: Path
) -> None:
    """The case reads and updates are built once and kept (``repository._rows_where``,
    ``_UPDATE_CASE``): a writer on PostgreSQL still locks the case it reads and a reader
    never does, whichever came first, and an update sets exactly the columns it names."""
    world = make_world(database_url, tmp_path)
    case_id = order(world)
    seen: list[str] = []

    def record(*args: Any) -> None:
        if "FROM cases" in args[2]:
            seen.append(args[2])

    sa.event.listen(world.svc.engine, "before_cursor_execute", record)
    try:
        with world.svc.reader() as uow:
            before = uow.repo.case(case_id)
        with world.svc.uow() as uow:
            assert uow.repo.case(case_id) == before
            moved = uow.repo.update_case(case_id, claims_ct=None, updated_at=world.svc.now())
            assert moved["claims_ct"] is None and moved["state"] == before["state"]
            accepted = uow.repo.update_case(case_id, accepted=True)
            assert accepted["accepted"] and accepted["updated_at"] == moved["updated_at"]
            uow.commit()
        with world.svc.reader() as uow:
            assert dict(uow.repo.case(case_id) or {}) == dict(accepted)
        locks = ["FOR UPDATE" in statement for statement in seen]
        writer_locks = not database_url.startswith("sqlite")
        assert locks == [False, writer_locks, False]
    finally:
        sa.event.remove(world.svc.engine, "before_cursor_execute", record)
        world.svc.engine.dispose()


def test_a_unit_of_work_reads_a_case_its_authorization_and_report_once_and_sees_its_writes(
    database_url: str, tmp_path: Path
) -> None:
    """``ServiceRepository._read_once``: the second read of the case, its authorization or
    its report in one unit of work is no statement, and a write through the repository
    (a revocation, an update, a new report) is what the next read answers."""
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    seen: list[str] = []

    def record(*args: Any) -> None:
        if args[2].startswith("SELECT"):
            seen.append(args[2])

    sa.event.listen(world.svc.engine, "before_cursor_execute", record)
    try:
        with world.svc.uow() as uow:
            case = uow.repo.case(case_id)
            signed = uow.repo.authorization(case_id)
            assert case is not None and signed is not None and signed["revoked_at"] is None
            purpose = signed["purpose"]
            signed["purpose"] = "changed by the caller"  # its own copy
            assert uow.repo.case(case_id) == case
            assert uow.repo.authorization(case_id) == {**signed, "purpose": purpose}
            assert uow.repo.report_row(case_id) is None and uow.repo.report_row(case_id) is None
            assert len(seen) == 3
            uow.repo.update_authorization(case_id, revoked_at=world.svc.now())
            revoked = uow.repo.authorization(case_id)
            assert revoked is not None and revoked["revoked_at"] is not None
            assert case["claims_ct"] is not None
            moved = uow.repo.update_case(case_id, claims_ct=None)
            assert uow.repo.case(case_id) == moved and moved["claims_ct"] is None
            uow.repo.put_report(
                case,
                {"rating": {"light": "green"}},
                rulebook_version="test",
                rulebook_sha256="0" * 64,
                rated_at=world.svc.now(),
            )
            row = uow.repo.report_row(case_id)
            assert row is not None and row["version"] == 1
            # rolled back: nothing of it outlives the unit of work
        with world.svc.reader() as uow:
            kept = uow.repo.authorization(case_id)
            assert kept is not None and kept["revoked_at"] is None
            assert uow.repo.report_row(case_id) is None
    finally:
        sa.event.remove(world.svc.engine, "before_cursor_execute", record)
        world.svc.engine.dispose()


def test_an_authorization_put_is_remembered_as_a_fresh_read_gives_it(
    database_url: str, tmp_path: Path
) -> None:
    """``put_authorization`` remembers the row its insert returned (signing sets the
    scope from it with no read): the same, key for key and value for value, as a read
    of the committed row in another unit of work."""
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    try:
        with world.svc.reader() as uow:
            signed = uow.repo.authorization(case_id)
            case = uow.repo.case(case_id)
            assert signed is not None and case is not None
            text = uow.repo.authorization_text(case, signed)
        seen: list[str] = []

        def record(*args: Any) -> None:
            if args[2].startswith("SELECT"):
                seen.append(args[2])

        with world.svc.uow() as uow:
            authorizations = t.authorizations  # signed again, as the first signature was
            uow.connection.execute(
                sa.delete(authorizations).where(authorizations.c.case_id == case_id)
            )
            values = {k: signed[k] for k in ("lang", "text_sha256", "categories", "sensitive")}
            sa.event.listen(world.svc.engine, "before_cursor_execute", record)
            try:
                uow.repo.put_authorization(
                    case,
                    text=text,
                    purpose=signed["purpose"],
                    signed_at=signed["signed_at"],
                    expires_at=signed["expires_at"],
                    receipt_id="receipt-2",
                    **values,
                )
                remembered = uow.repo.authorization(case_id)
            finally:
                sa.event.remove(world.svc.engine, "before_cursor_execute", record)
            uow.commit()
        assert seen == []
        with world.svc.reader() as uow:
            fresh = uow.repo.authorization(case_id)
        assert remembered == fresh
        assert remembered is not None and list(remembered) == list(fresh or {})
        plain = {k: v for k, v in remembered.items() if not k.endswith("_ct")}
        assert plain == {
            **{k: v for k, v in signed.items() if not k.endswith("_ct")},
            "receipt_id": "receipt-2",
        }
    finally:
        world.svc.engine.dispose()

"""Event payloads are written with one ``INSERT … ON CONFLICT DO NOTHING`` per batch (no
look-up first): a commitment already stored keeps its row, a new one is added, and a
second unit of work with the same commitment neither fails nor duplicates it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from fairscreen.adapters.db.case_tables import event_payloads
from fairscreen.adapters.db.engine import begin_write, create_engine
from fairscreen.adapters.db.ledger_store import queue_pending, reading
from fairscreen.adapters.db.migrations import upgrade
from fairscreen.adapters.db.tables import ledger_pending
from fairscreen.ledger.entries import decode_entry
from integration.service_fixtures import World, make_world, order, settle, sign


def svc_case_pseudonym(world: World, case_id: str) -> str:
    with world.svc.reader() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        return str(case["pseudonym"])


def test_a_stored_payload_is_kept_once(database_url: str, tmp_path: Path) -> None:
    svc = make_world(database_url, tmp_path).svc
    try:
        with svc.uow() as uow:
            uow.keep_payload_body("a" * 64, b'{"n":1}', "case_p1")
            uow.commit()
        statements: list[str] = []

        @event.listens_for(svc.engine, "before_cursor_execute")
        def seen(_c: object, _cur: object, statement: str, *_rest: object) -> None:
            if "event_payloads" in statement:
                statements.append(statement.split()[0])

        with svc.uow() as uow:
            uow.keep_payload_body("a" * 64, b'{"n":1}', "case_p1")
            uow.keep_payload_body("b" * 64, b'{"n":2}', "case_p1")
            uow.commit()
        assert statements == ["INSERT"]  # one round trip, no SELECT first
        with svc.engine.connect() as connection:
            rows = connection.execute(
                sa.select(event_payloads.c.digest, event_payloads.c.body).order_by("digest")
            ).all()
        assert [tuple(r) for r in rows if r.digest in ("a" * 64, "b" * 64)] == [
            ("a" * 64, '{"n":1}'),
            ("b" * 64, '{"n":2}'),
        ]
    finally:
        svc.engine.dispose()


def test_a_unit_of_work_queues_its_entries_with_their_payloads(
    database_url: str, tmp_path: Path
) -> None:
    """Signing logs two events: on PostgreSQL their payloads and the pending entries go
    in one statement (``queue_pending``'s ``WITH``), on SQLite the payloads first. Either
    way each entry's payload is stored under the commitment the entry carries."""
    world = make_world(database_url, tmp_path)
    case_id = order(world)
    statements: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if "event_payloads" in statement or "ledger_pending" in statement:
            statements.append(statement.split()[0])

    event.listen(world.svc.engine, "before_cursor_execute", seen)
    try:
        sign(world, case_id)
    finally:
        event.remove(world.svc.engine, "before_cursor_execute", seen)
    postgres = not database_url.startswith("sqlite")
    assert statements[:2] == (["WITH"] if postgres else ["INSERT", "INSERT"])
    settle(world)  # the sequencer integrates what was queued
    with reading(world.svc.engine) as log:
        logged = [decode_entry(log.entry(index)) for index in range(log.size())]
    signed = [e for e in logged if e.case == svc_case_pseudonym(world, case_id)]
    assert [str(e.type) for e in signed] == ["authorization.signed", "scope.set"]
    with world.svc.engine.connect() as connection:
        stored = dict(
            connection.execute(sa.select(event_payloads.c.digest, event_payloads.c.body)).all()
        )
    for entry in signed:
        assert json.loads(stored[entry.commitment])["event"] == str(entry.type)


@pytest.mark.postgres
def test_queued_entries_and_payloads_keep_every_byte_and_their_order(postgres_url: str) -> None:
    """The arrays of the one statement carry any bytes (NUL, quotes, backslashes, braces)
    and any text; the ids come back in the order the entries were given; a payload
    already stored keeps its body."""
    engine = create_engine(postgres_url)
    upgrade(engine)
    entries = [bytes(range(256)), b'{"a":"\\\\x00"}', b"\x00", b"'\",{}\\"] * 3
    try:
        with begin_write(engine) as connection:
            queue_pending(connection, [b"first"], [("d" * 64, None, '{"kept":true}')])
        with begin_write(engine) as connection:
            payloads = [("d" * 64, "case_x", "replaced"), ("e" * 64, None, '{"字":"\\\\ \'"}')]
            ids = queue_pending(connection, entries, payloads)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(ledger_pending.c.id, ledger_pending.c.data).where(
                    ledger_pending.c.id.in_(ids)
                )
            ).all()
            bodies = dict(
                connection.execute(sa.select(event_payloads.c.digest, event_payloads.c.body)).all()
            )
        assert ids == sorted(ids) and len(set(ids)) == len(entries)
        assert [bytes(data) for _, data in sorted(rows)] == entries
        assert bodies == {"d" * 64: '{"kept":true}', "e" * 64: '{"字":"\\\\ \'"}'}
    finally:
        engine.dispose()


def test_payloads_go_with_entries_on_postgresql_only(database_url: str) -> None:
    """``queue_pending``'s one statement is PostgreSQL's; payloads without the entries
    that commit to them, or on SQLite, are refused before anything is written."""
    engine = create_engine(database_url)
    upgrade(engine)
    payload = [("f" * 64, None, "{}")]
    try:
        with begin_write(engine) as connection:
            with pytest.raises(ValueError):
                queue_pending(connection, [], payload)
            if database_url.startswith("sqlite"):
                with pytest.raises(ValueError):
                    queue_pending(connection, [b"entry"], payload)
    finally:
        engine.dispose()

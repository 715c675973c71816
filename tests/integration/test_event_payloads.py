"""Event payloads are written with one ``INSERT … ON CONFLICT DO NOTHING`` per batch (no
look-up first): a commitment already stored keeps its row, a new one is added, and a
second unit of work with the same commitment neither fails nor duplicates it."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from fairscreen.adapters.db.case_tables import event_payloads
from integration.service_fixtures import make_world


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

"""PostgreSQL restarted under a running service (the failure drill's restart): every
connection of every pool is cut. A request caught by it is answered 503
``DATABASE_UNREACHABLE`` (a problem document: try again; a change cut off while it was
committed may have been made), never a 500 with "unhandled OperationalError", and the
service finds the database again by itself. The drill saw 550 answers of 500 in the
three seconds of a restart, from the token's read on the loop and the units of work."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.conftest import Api, build_api, many_sign_ins, order_over_api
from fairscreen.adapters.db.engine import storage_problem
from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.errors import DatabaseBusy, DatabaseUnreachable
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.problems import UNAVAILABLE
from fairscreen.entrypoints.web.i18n import catalog
from fairscreen.entrypoints.web.render import UNAVAILABLE_CAUSES
from pg_sessions import end_sessions, named_url


def test_a_lost_or_refused_connection_is_told_apart_from_other_errors() -> None:
    for lost in (
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE
        psycopg.errors.ConnectionFailure("server closed the connection unexpectedly"),
    ):
        problem = storage_problem(sa.exc.OperationalError("SELECT 1", {}, lost))
        assert isinstance(problem, DatabaseUnreachable), lost
        assert problem.code == "DATABASE_UNREACHABLE"
    assert isinstance(storage_problem(psycopg.errors.LockNotAvailable("lock")), DatabaseBusy)
    told = DatabaseUnreachable("the database cannot be reached")
    assert storage_problem(told) is told  # a wrapper (the ledger's) passes it on
    assert storage_problem(psycopg.errors.UndefinedTable("no such table")) is None
    assert storage_problem(sqlite3.OperationalError("database is locked")) is None


@pytest.fixture
def named_api(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Api, str]]:
    """The API's world on PostgreSQL, every connection of it named (``pg_sessions``),
    and the name."""
    url, name = named_url(postgres_url, "fairscreen_cut")
    built = build_api(url, tmp_path)
    try:
        yield built, name
    finally:
        built.world.svc.engine.dispose()


@pytest.mark.postgres
def test_after_the_connections_are_cut_the_service_says_503_then_answers_again(
    named_api: tuple[Api, str], postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    api, name = named_api
    app = create_app(
        api.world.svc, web=False, sign_in_limiter=many_sign_ins(), token_reads_on_loop=True
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        case = f"/v1/cases/{order_over_api(api)}"
        assert client.get(case, headers=api.h("employer")).status_code == 200  # pools warm
        assert end_sessions(postgres_url, name) >= 2  # the loop's and a pool's at least
        answers = [client.get(case, headers=api.h("employer")) for _ in range(6)]
    statuses = [answer.status_code for answer in answers]
    assert 503 in statuses and 500 not in statuses, statuses
    assert statuses[-1] == 200, statuses  # found the database again by itself
    for answer in answers:
        if answer.status_code == 503:
            problem = answer.json()
            assert problem["code"] == "DATABASE_UNREACHABLE", problem
            assert "try again" in problem["detail"]
            assert "127.0.0.1" not in answer.text  # the server's address is the operator's
    assert "unhandled" not in caplog.text


def test_every_outage_is_worded_for_clients_and_in_the_portals_in_every_language() -> None:
    """Each kind of outage the portals explain (``UNAVAILABLE_CAUSES``) has its words in
    all three languages, and the API a sentence of its own for each 503 it answers."""
    messages = catalog()
    for code, key in UNAVAILABLE_CAUSES.items():
        assert code in UNAVAILABLE, code
        assert all(messages[key].get(lang) for lang in LANGUAGES), key
    assert UNAVAILABLE_CAUSES["DATABASE_UNREACHABLE"] == "error.database_unreachable"

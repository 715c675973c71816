"""PostgreSQL restarted under a running service (the failure drill's restart): every
connection of every pool is cut. A request caught by it is answered 503
``DATABASE_UNREACHABLE`` (a problem document: try again; a change cut off while it was
committed may have been made), never a 500 with "unhandled OperationalError", and the
service finds the database again by itself. The drill saw 550 answers of 500 in the
three seconds of a restart, from the token's read on the loop and the units of work."""

from __future__ import annotations

import sqlite3
import uuid
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


#: the name the service's own connections give the server, so that the test ends those
#: and no other session on the shared test database
APPLICATION = f"fairscreen_cut_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def api(postgres_url: str, tmp_path: Path) -> Iterator[Api]:
    """The API's world on PostgreSQL, every connection of it named ``APPLICATION``."""
    named = sa.make_url(postgres_url).update_query_dict({"application_name": APPLICATION})
    built = build_api(named.render_as_string(hide_password=False), tmp_path)
    try:
        yield built
    finally:
        built.world.svc.engine.dispose()


def _cut_the_service_off(postgres_url: str) -> int:
    """What a restart does to the service: each of its sessions ended by the server
    (from a session of the test's own, not named ``APPLICATION``)."""
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            ended = connection.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": APPLICATION},
            ).scalar_one()
            connection.rollback()
    finally:
        engine.dispose()
    return int(ended)


@pytest.mark.postgres
def test_after_the_connections_are_cut_the_service_says_503_then_answers_again(
    api: Api, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        api.world.svc, web=False, sign_in_limiter=many_sign_ins(), token_reads_on_loop=True
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        case = f"/v1/cases/{order_over_api(api)}"
        assert client.get(case, headers=api.h("employer")).status_code == 200  # pools warm
        assert _cut_the_service_off(postgres_url) >= 2  # the loop's and a pool's at least
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

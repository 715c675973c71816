"""Storage that cannot be written says so, with its cause, on every surface (issue 18,
item 5): a full disk reached the log only as "request failed: LedgerError", a read-only
database said "unable to open database file", and a 0444 ``-shm`` left behind kept every
write failing with no hint.

The errors are SQLite's own: ``max_page_count`` at the current size makes the next write
fail with SQLITE_FULL ("database or disk is full"), exactly as a full disk does, and
``query_only`` makes it fail with SQLITE_READONLY."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event

from fairscreen.adapters.db.engine import storage_problem
from fairscreen.domain.errors import StorageUnavailable
from fairscreen.entrypoints.api import create_app
from fairscreen.services import accounts
from fairscreen.services.accounts import register_tenant
from integration.service_fixtures import OPERATOR, make_world


def _limit(engine: sa.Engine, pragma: str) -> None:
    """Every new connection of ``engine`` gets ``pragma`` (the pool is emptied first)."""
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _apply(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        if pragma == "full":
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        else:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()


@pytest.mark.parametrize(
    ("pragma", "said"), [("full", "the disk is full"), ("read_only", "is read-only")]
)
def test_a_write_that_cannot_land_names_its_cause_in_the_service_api_and_log(
    sqlite_url: str, tmp_path: Path, pragma: str, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(sqlite_url, tmp_path)
    _, issued = accounts.create_account(world.svc, OPERATOR, role="operator", label="desk")
    _limit(world.svc.engine, pragma)
    with pytest.raises(StorageUnavailable, match=said) as caught:
        for n in range(200):  # enough rows to need a new page
            register_tenant(world.svc, OPERATOR, kind="employer", name=f"Synthetic Co {n}")
    assert caught.value.code == "STORAGE_UNAVAILABLE"
    assert str(tmp_path) in str(caught.value)  # the operator learns which database

    # Over HTTP: 503 with the kind of outage, the cause in the log (never on the wire).
    client = TestClient(create_app(world.svc), raise_server_exceptions=False)
    caplog.set_level(logging.ERROR)
    for n in range(200):  # on until a tenant needs a new page
        token_answer = client.post(
            "/v1/tenants",
            json={"kind": "agency", "name": f"Synthetic Agency {n} " + "x" * 150},
            headers={"Authorization": f"Bearer {issued.token}"},
        )
        if token_answer.status_code != 201:
            break
    assert token_answer.status_code == 503, token_answer.text
    assert token_answer.json()["code"] == "STORAGE_UNAVAILABLE"
    assert str(tmp_path) not in token_answer.text
    assert any(
        "STORAGE_UNAVAILABLE" in r.getMessage() and said in r.getMessage() for r in caplog.records
    )
    world.svc.engine.dispose()


def test_the_cli_says_the_disk_is_full_in_one_line() -> None:
    from fairscreen.entrypoints.cli.exits import EXIT_FINDINGS, _known

    driver = sqlite3.OperationalError("database or disk is full")
    error = sa.exc.OperationalError("INSERT INTO ledger_entries …", {}, driver)
    known = _known(error)
    assert known is not None
    line, code = known
    assert code == EXIT_FINDINGS and line.startswith("the disk is full (database or disk is full)")


def test_the_causes_are_told_apart() -> None:
    full = storage_problem(sqlite3.OperationalError("database or disk is full"))
    assert full is not None and "the disk is full" in str(full)
    assert "disk is full" in str(storage_problem(OSError(errno.ENOSPC, "No space left on device")))
    read_only = storage_problem(sqlite3.OperationalError("attempt to write a readonly database"))
    assert read_only is not None and "read-only" in str(read_only)

    class PgDiskFull(Exception):
        sqlstate = "53100"

    assert "disk is full" in str(storage_problem(PgDiskFull("could not extend file")))
    assert storage_problem(sqlite3.OperationalError("no such table: cases")) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes a 0444 file anyway")
def test_a_stale_read_only_shm_is_named(tmp_path: Path) -> None:
    database = tmp_path / "fairscreen.db"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
    shm = tmp_path / "fairscreen.db-shm"
    shm.write_bytes(b"")
    shm.chmod(0o444)
    problem = storage_problem(
        sqlite3.OperationalError("unable to open database file"),
        sa.make_url(f"sqlite:///{database}"),
    )
    assert problem is not None and f"{shm} is not writable (mode 444)" in str(problem)


def test_a_sqlite_error_is_named_without_loading_the_postgresql_driver() -> None:
    """A SQLite-only command's storage error is told as before, and nothing loads
    psycopg to find out that the error is not psycopg's (it cannot be, unloaded)."""
    code = (
        "import sqlite3, sys\n"
        "from fairscreen.adapters.db.engine import storage_problem\n"
        "problem = storage_problem(sqlite3.OperationalError('unable to open database file'))\n"
        "print(type(problem).__name__, 'psycopg' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["StorageUnavailable", "False"]

"""Migrations are history: a database created at any released revision, with data in it,
upgrades to head and then has exactly the schema the code declares.

``rev_0002_service.py`` was edited in place after two releases (commits 7a06d3e and
39dd411); their frozen copies in ``migration_history/`` build the databases those
releases built, and ``0007_repair`` must mend them. Every other revision is built by the
chain itself, stopping at it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from fairscreen.adapters.db.case_tables import cases
from fairscreen.adapters.db.engine import create_engine, is_sqlite
from fairscreen.adapters.db.migrations import (
    COMPARE_OPTIONS,
    alembic_config,
    current_revision,
    upgrade,
)
from fairscreen.adapters.db.tables import metadata

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
HISTORY = Path(__file__).resolve().parent / "migration_history"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _frozen(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"frozen_{name}", HISTORY / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _at_released_0002(commit: str) -> Callable[[sa.Engine], None]:
    """Build the schema as ``0002_service`` released in ``commit`` built it, stamped so."""

    def build(engine: sa.Engine) -> None:
        upgrade(engine, "0001_ledger")
        module = _frozen(f"rev_0002_service_{commit}")
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"render_as_batch": is_sqlite(connection)}
            )
            with Operations.context(context):
                module.upgrade()
            connection.execute(sa.text("UPDATE alembic_version SET version_num = '0002_service'"))
            connection.commit()

    return build


def _at_revision(revision: str) -> Callable[[sa.Engine], None]:
    def build(engine: sa.Engine) -> None:
        upgrade(engine, revision)

    return build


RELEASED = {
    "0001_ledger": _at_revision("0001_ledger"),
    "0002_service@7a06d3e": _at_released_0002("7a06d3e"),
    "0002_service@39dd411": _at_released_0002("39dd411"),
    "0002_service": _at_revision("0002_service"),
    "0003_accounts": _at_revision("0003_accounts"),
    "0004_selfid": _at_revision("0004_selfid"),
    "0005_lookups": _at_revision("0005_lookups"),
    "0010_privacy": _at_revision("0010_privacy"),
    "0006_witness": _at_revision("0006_witness"),
    "0008_sessions": _at_revision("0008_sessions"),
}


def _insert(connection: sa.Connection, table: str, **row: object) -> None:
    names = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)


def _seed(engine: sa.Engine, revision: str) -> None:
    """Rows every released schema from ``revision`` on can hold (synthetic, no person)."""
    with engine.begin() as connection:
        _insert(connection, "ledger_entries", idx=0, data=b"\x00entry-zero")
        connection.execute(sa.text("UPDATE ledger_state SET size = 1"))
        if revision == "0001_ledger":
            return
        _insert(
            connection, "tenants", id="tn_e", kind="employer", name="Synthetic Employer Ltd",
            pseudonym="emp-p", created_at=NOW,
        )  # fmt: skip
        _insert(
            connection, "subjects", id="sj_1", pseudonym="sub-p", lookup="lk_1",
            identity_ct=b"\x01sealed", created_at=NOW,
        )  # fmt: skip
        _insert(
            connection, "role_profiles", id="rp_1", employer_id="tn_e", role_id="clerk",
            tier="standard", body="{}", created_at=NOW,
        )  # fmt: skip
        _insert(
            connection, "cases", id="cs_1", pseudonym="case-p", employer_id="tn_e",
            subject_id="sj_1", profile_id="rp_1", tier="standard", state="ordered",
            requested='["EDUCATION"]', purpose="synthetic purpose", review_days=5,
            accepted=False, legal_hold=False, destruction_due=NOW, created_at=NOW,
            updated_at=NOW,
        )  # fmt: skip


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        return list(
            compare_metadata(MigrationContext.configure(connection, opts=COMPARE_OPTIONS), metadata)
        )


@pytest.mark.parametrize("released", list(RELEASED))
def test_a_database_from_every_release_upgrades_to_the_declared_schema(
    database_url: str, released: str
) -> None:
    engine = create_engine(database_url)
    try:
        RELEASED[released](engine)
        _seed(engine, released)
        upgrade(engine)
        assert current_revision(engine) == HEAD
        assert _differences(engine) == []
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT size FROM ledger_state")).scalar() == 1
            # Every column the code declares is read, hold_logged included: a case read
            # failed with 'no such column' on a database from the first 0002 release.
            rows = connection.execute(sa.select(cases)).mappings().all()
        if released != "0001_ledger":
            assert [(row["id"], row["hold_logged"]) for row in rows] == [("cs_1", None)]
        assert "ix_cases_due" in {
            index["name"] for index in sa.inspect(engine).get_indexes("cases")
        }
    finally:
        engine.dispose()


def test_the_repair_runs_twice_and_changes_nothing_on_a_sound_database(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        _seed(engine, "0005_lookups")
        for _ in range(2):
            with engine.connect() as connection:
                command.downgrade(alembic_config(connection), "0008_sessions")
                connection.commit()
            # Going back keeps the column: it belongs to 0002_service as it stands.
            assert "hold_logged" in {c["name"] for c in sa.inspect(engine).get_columns("cases")}
            upgrade(engine)  # the repair runs again, on a database that needs nothing
            assert current_revision(engine) == HEAD and _differences(engine) == []
    finally:
        engine.dispose()


def test_the_broken_release_is_what_the_repair_mends(sqlite_url: str) -> None:
    """The fixture really builds the broken schema: without the repair a case read fails."""
    engine = create_engine(sqlite_url)
    try:
        RELEASED["0002_service@7a06d3e"](engine)
        _seed(engine, "0002_service")
        upgrade(engine, "0005_lookups")
        with engine.connect() as connection, pytest.raises(sa.exc.OperationalError, match="hold"):
            connection.execute(sa.select(cases))
        assert any("ix_cases_due" in repr(diff) for diff in _differences(engine))
    finally:
        engine.dispose()


def test_db_upgrade_mends_an_old_release_and_refuses_to_call_a_drifted_schema_head(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from fairscreen.entrypoints.cli import app

    # db upgrade makes the key store too: its default lives under the data folder
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(tmp_path / "var"))

    def db_upgrade() -> tuple[int, str]:
        result = CliRunner().invoke(app, ["db", "upgrade", "--database-url", database_url])
        return result.exit_code, result.output

    engine = create_engine(database_url)
    try:
        RELEASED["0002_service@7a06d3e"](engine)
        _seed(engine, "0002_service")
        assert db_upgrade() == (0, "database is at revision head\n")
        with engine.begin() as connection:
            connection.execute(sa.text("DROP INDEX ix_cases_due"))
        code, output = db_upgrade()
        assert code == 1
        assert output.startswith("error: the database is at revision head but its schema ")
        assert "differs from the code: add_index ix_cases_due;" in output
    finally:
        engine.dispose()

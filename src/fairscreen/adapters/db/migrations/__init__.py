"""Alembic migrations of the one fairscreen schema, runnable from code and the CLI.

One chain of revisions serves SQLite and PostgreSQL (SQLite runs in Alembic's batch mode,
so later ``ALTER``s work there too). Features add a revision whose ``down_revision`` is
the current head; ``fairscreen db upgrade`` and the test session call :func:`upgrade`.

A revision's number is its name, not its place: six were written side by side in one
session and chained afterwards, so the chain runs 0001 … 0005_lookups → 0010_privacy →
0006_witness → 0008_sessions → 0007_repair → 0009_keystore → 0011_references (each file's
``down_revision`` says it). A released revision is never edited (0007_repair exists
because 0002 once was).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from fairscreen.adapters.db.engine import (
    as_writer,
    create_engine,
    hold_migration_lock,
    is_sqlite,
)

SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Bring the database at ``target`` (a URL or an engine) up to ``revision``, under
    the migration lock (:func:`hold_migration_lock`)."""
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        with engine.connect() as connection, _sqlite_foreign_keys_deferred(connection):
            # One transaction for the whole chain, begun here: Alembic then treats it as
            # the caller's and commits nothing itself. Left to Alembic, SQLite (no
            # "transactional DDL" in its books) got a commit after every revision, which
            # released the write lock mid-chain; a second process took it, ran the next
            # revisions, and the first went on from the revision it had read and failed
            # "table … already exists" (CI, three processes on one new file).
            as_writer(connection).begin()  # SQLite: BEGIN IMMEDIATE, migrators queue here
            hold_migration_lock(connection)
            command.upgrade(alembic_config(connection), revision)
            connection.commit()
    finally:
        if isinstance(target, str):
            engine.dispose()


@contextmanager
def _sqlite_foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """SQLite's batch mode rebuilds a table by copy, drop and rename; with foreign keys on,
    dropping a table that other rows reference fails (``subjects`` under ``cases`` in
    0010_privacy), so a database *with data* could not be upgraded. As Alembic's SQLite
    notes advise, foreign keys are off while the migrations run (outside any transaction:
    SQLite ignores the pragma inside one), every reference is checked afterwards
    (``foreign_key_check``), and they are on again before the connection goes back."""
    if not is_sqlite(connection):
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        connection.rollback()
        if broken:
            tables = sorted({str(row[0]) for row in broken})
            raise RuntimeError(f"migration left rows pointing nowhere in {', '.join(tables)}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether a database object is the schema's own, for every comparison with the
    code's tables: the job queue's ``procrastinate_*`` tables (revision 0013, PostgreSQL
    only) are procrastinate's, declared by its own SQL, not by ``tables.py``."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


#: Pass to ``MigrationContext.configure(connection, opts=COMPARE_OPTIONS)`` to compare.
COMPARE_OPTIONS = {"include_name": ours}


def schema_differences(target: Engine) -> list[str]:
    """How the database's schema differs from the tables the code declares, one line per
    difference (Alembic's autogenerate comparison, as ``alembic check`` runs it); empty
    when they agree. Being at ``head`` is not enough: a revision edited after release
    leaves databases stamped ``head`` without its edits."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from fairscreen.adapters.db.tables import metadata

    with target.connect() as connection:
        diffs = compare_metadata(
            MigrationContext.configure(connection, opts=COMPARE_OPTIONS), metadata
        )
    return [_describe(diff) for diff in diffs]


def _describe(diff: object) -> str:
    """``add_column cases.hold_logged``, ``add_index ix_cases_due``: names, never data."""
    if isinstance(diff, list):  # column modifications come grouped
        return "; ".join(_describe(item) for item in diff)
    if not isinstance(diff, tuple) or not diff:
        return str(diff)
    action, *rest = diff
    names = [getattr(item, "name", None) or str(item) for item in rest if item is not None]
    if action.endswith("_column") and len(rest) >= 3:
        return f"{action} {rest[1]}.{getattr(rest[2], 'name', rest[2])}"
    return f"{action} {names[0] if names else ''}".strip()


def current_revision(target: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with target.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The revision the code's migrations end at."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def pending_upgrade(target: Engine) -> str | None:
    """Why the database at ``target`` is not ready for this code (not migrated, or at an
    older or unknown revision), in one line naming ``fairscreen db upgrade``; None when it
    is at the head revision. Reads only."""
    current, head = current_revision(target), head_revision()
    if current == head:
        return None
    where = target.url.render_as_string(hide_password=True)
    found = "has no schema" if current is None else f"is at revision {current}"
    return (
        f"the database at {where} {found}, the code needs {head}: run "
        "`fairscreen db upgrade` first (serve and worker do not migrate)"
    )

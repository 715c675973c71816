"""Alembic migrations of the one fairscreen schema, runnable from code and the CLI.

One chain of revisions serves SQLite and PostgreSQL (SQLite runs in Alembic's batch mode,
so later ``ALTER``s work there too). Features add a revision whose ``down_revision`` is
the current head; ``fairscreen db upgrade`` and the test session call :func:`upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from fairscreen.adapters.db.engine import create_engine

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
    """Bring the database at ``target`` (a URL or an engine) up to ``revision``."""
    engine = create_engine(target) if isinstance(target, str) else target
    try:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection), revision)
            connection.commit()
    finally:
        if isinstance(target, str):
            engine.dispose()


def current_revision(target: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with target.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

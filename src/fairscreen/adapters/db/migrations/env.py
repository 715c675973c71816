"""Alembic environment: runs on the connection handed in by :func:`upgrade`, or on the
configured URL (``alembic -x`` style use), online or as offline SQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from fairscreen.adapters.db.engine import create_engine, is_sqlite
from fairscreen.adapters.db.migrations import ours
from fairscreen.adapters.db.tables import metadata


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        url = context.config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("alembic: no connection and no sqlalchemy.url configured")
        engine = create_engine(url)
        with engine.connect() as own:
            _migrate(own)
            own.commit()
        engine.dispose()
        return
    _migrate(connection)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=is_sqlite(connection),
        compare_type=True,
        include_name=ours,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()

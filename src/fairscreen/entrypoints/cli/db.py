"""``fairscreen db …``: the database schema (Alembic migrations, SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.key_store import upgrade_key_store
from fairscreen.adapters.db.migrations import schema_differences, upgrade
from fairscreen.bootstrap import key_store_engine
from fairscreen.config import Settings
from fairscreen.domain.errors import InvalidInput, SchemaDrift
from fairscreen.entrypoints.cli.exits import fail

db_app = typer.Typer(help="The database schema: migrations.")


@db_app.command("upgrade")
def upgrade_command(
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL of the database (default: FAIRSCREEN_DATABASE_URL).",
            show_default=False,
        ),
    ] = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create or migrate the schema to the latest revision (idempotent); at ``head``, then
    compare the schema with the tables the code declares and fail on any difference."""
    settings = Settings()
    url = database_url or settings.database_url
    engine = create_engine(url)
    try:
        upgrade(engine, revision)
        differences = schema_differences(engine) if revision == "head" else []
        if revision == "head":
            _upgrade_key_store(engine, settings)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        fail(InvalidInput(f"cannot migrate the database: {reason}", field="database-url"))
    finally:
        engine.dispose()
    if differences:
        fail(
            SchemaDrift(
                f"the database is at revision {revision} but its schema differs from the "
                f"code: {', '.join(differences)}; a released migration was edited or the "
                "schema was changed by hand (see docs/operations.md, 'Schema drift')"
            )
        )
    typer.echo(f"database is at revision {revision}")


def _upgrade_key_store(engine: Engine, settings: Settings) -> None:
    """The key store's schema (its own database) and any wrapped keys still kept beside
    the data: the step ``build_services`` takes when it migrates, since ``serve`` and
    ``worker`` no longer do."""
    key_engine = key_store_engine(settings)
    try:
        upgrade_key_store(engine, key_engine)
    finally:
        key_engine.dispose()

"""``fairscreen db …``: the database schema (Alembic migrations, SQLite or PostgreSQL)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from fairscreen.adapters.db.migrations import upgrade
from fairscreen.config import Settings
from fairscreen.domain.errors import InvalidInput
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
    """Create or migrate the schema to the latest revision (idempotent)."""
    url = database_url or Settings().database_url
    try:
        upgrade(url, revision)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        fail(InvalidInput(f"cannot migrate the database: {reason}", field="database-url"))
    typer.echo(f"database is at revision {revision}")

"""Sessions a test can end as a PostgreSQL restart would, and only those: the test
database is shared with every other test (and whatever else runs beside them), so a test
names its own connections (``application_name``) and ends the sessions of that name."""

from __future__ import annotations

import uuid

import sqlalchemy as sa


def named_url(url: str, prefix: str) -> tuple[str, str]:
    """``url`` with a fresh ``application_name`` (``prefix`` and a random part), and the
    name: every connection made from the URL carries it."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    named = sa.make_url(url).update_query_dict({"application_name": name})
    return named.render_as_string(hide_password=False), name


def end_sessions(url: str, name: str) -> int:
    """End every session named ``name`` (``pg_terminate_backend``), from a session of
    ``url`` not so named; how many were ended."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            ended = connection.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar_one()
            connection.rollback()
    finally:
        engine.dispose()
    return int(ended)

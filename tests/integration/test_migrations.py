"""The migration chain on both databases: it reaches the tables the code declares, keeps
the rows it moves, and goes down and up again."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.migrations import (
    COMPARE_OPTIONS,
    alembic_config,
    current_revision,
    upgrade,
)
from fairscreen.adapters.db.tables import metadata


def _differences(engine: sa.Engine) -> list[object]:
    with engine.connect() as connection:
        return list(
            compare_metadata(MigrationContext.configure(connection, opts=COMPARE_OPTIONS), metadata)
        )


def test_head_matches_the_declared_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine)
        assert _differences(engine) == []
        inspector = sa.inspect(engine)
        assert inspector.get_pk_constraint("wrapped_keys")["constrained_columns"] == [
            "owner",
            "kind",
        ]
        assert any(
            index["column_names"] == ["case_id"] for index in inspector.get_indexes("notices")
        )
    finally:
        engine.dispose()


def test_the_whole_chain_is_one_transaction(database_url: str) -> None:
    """An empty database reaches head in one commit: a commit between revisions let the
    write lock go mid-chain on SQLite, a second process ran the next revisions, and the
    first, going on from the revision it had read, failed "table … already exists"."""
    engine = create_engine(database_url)
    commits: list[object] = []
    sa.event.listen(engine, "commit", commits.append)
    try:
        upgrade(engine)
        assert current_revision(engine) is not None
        assert len(commits) == 1
    finally:
        engine.dispose()


def test_0005_keeps_the_keys_and_goes_down_and_up(database_url: str) -> None:
    engine = create_engine(database_url)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    rows = [
        {"kind": "case", "owner": "cs_a", "key_id": "ck_1", "wrapped_by": "sk_1", "blob": b"x"},
        {"kind": "subject", "owner": "sj_a", "key_id": "sk_1", "wrapped_by": "mk_1", "blob": b"y"},
        {"kind": "case", "owner": "cs_b", "key_id": "-", "wrapped_by": "-", "blob": None},
    ]
    try:
        upgrade(engine, "0004_selfid")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO wrapped_keys (kind, owner, key_id, wrapped_by, blob, "
                    "destroyed_at) VALUES (:kind, :owner, :key_id, :wrapped_by, :blob, :at)"
                ),
                [{**row, "at": now if row["blob"] is None else None} for row in rows],
            )
        upgrade(engine, "0005_lookups")
        assert current_revision(engine) == "0005_lookups"

        def stored() -> set[tuple[object, ...]]:
            with engine.connect() as connection:
                result = connection.execute(
                    sa.text("SELECT kind, owner, key_id, wrapped_by, blob FROM wrapped_keys")
                )
                return {
                    (r[0], r[1], r[2], r[3], None if r[4] is None else bytes(r[4])) for r in result
                }

        expected = {(r["kind"], r["owner"], r["key_id"], r["wrapped_by"], r["blob"]) for r in rows}
        assert stored() == expected
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "0004_selfid")
            connection.commit()
        assert current_revision(engine) == "0004_selfid"
        assert sa.inspect(engine).get_pk_constraint("wrapped_keys")["constrained_columns"] == [
            "kind",
            "owner",
        ]
        assert stored() == expected
        upgrade(engine)
        assert stored() == expected and _differences(engine) == []
    finally:
        engine.dispose()


def test_0008_marks_candidate_tokens_and_goes_down_and_up(database_url: str) -> None:
    engine = create_engine(database_url)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    try:
        upgrade(engine, "0006_witness")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO api_tokens (id, token_hash, role, created_at) "
                    "VALUES (:id, :hash, :role, :at)"
                ),
                [
                    {"id": "tok_a", "hash": "a" * 64, "role": "operator", "at": now},
                    {"id": "tok_c", "hash": "c" * 64, "role": "candidate", "at": now},
                ],
            )
        upgrade(engine, "0008_sessions")

        def kinds() -> dict[str, str]:
            with engine.connect() as connection:
                result = connection.execute(sa.text("SELECT id, kind FROM api_tokens"))
                return {str(r[0]): str(r[1]) for r in result}

        assert kinds() == {"tok_a": "api", "tok_c": "candidate"}
        with engine.connect() as connection:
            command.downgrade(alembic_config(connection), "0006_witness")
            connection.commit()
        assert "kind" not in {c["name"] for c in sa.inspect(engine).get_columns("api_tokens")}
        upgrade(engine)
        assert kinds() == {"tok_a": "api", "tok_c": "candidate"}
        assert _differences(engine) == []
    finally:
        engine.dispose()

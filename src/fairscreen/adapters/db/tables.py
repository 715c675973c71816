"""SQLAlchemy Core tables of the one fairscreen schema (SQLite and PostgreSQL alike).

The schema itself is created and changed only by the Alembic migrations in
:mod:`fairscreen.adapters.db.migrations`; these definitions describe it for queries, and
a test checks that the migrated database and this metadata agree. Features add their
tables here and a new revision to the same migration chain.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A moment, always timezone-aware UTC in Python on every database.

    SQLite keeps no offset and hands back naive datetimes; PostgreSQL gives them in the
    session's zone. Normalising here, in the column type, means no code above the
    adapters ever meets a naive time (PRODUCT.md's deadlines are compared across both)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The column type of every moment in the schema.
TIME = UtcDateTime()

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# --- the evidence ledger (PRODUCT.md §6) ---------------------------------------------------

#: One row per sequenced entry: its index in the log and its canonical JSON bytes.
ledger_entries = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    #: the id the entry had while pending (None for entries appended directly, and for
    #: those sequenced before revision 0012): unique, so no entry is integrated twice
    sa.Column("pending_id", sa.BigInteger, nullable=True, unique=True),
)

#: Entries committed by a request but not yet in the tree (issue 16): the sequencer moves
#: them into ``ledger_entries`` in id order, deleting them in the same transaction.
#: ``queued_at`` (POSIX seconds) measures the integration delay.
ledger_pending = sa.Table(
    "ledger_pending",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("queued_at", sa.Float, nullable=False),
    sqlite_autoincrement=True,
)

#: C2SP tlog-tiles: ``hashes`` is the tile's content (width × 32 bytes); ``interior`` the
#: complete subtrees of heights 1..7 inside it (derived, checked by ``ledger verify``).
ledger_tiles = sa.Table(
    "ledger_tiles",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("width", sa.SmallInteger, nullable=False),
    sa.Column("hashes", sa.LargeBinary, nullable=False),
    sa.Column("interior", sa.LargeBinary, nullable=False),
    sa.CheckConstraint("width BETWEEN 1 AND 256", name="width_range"),
)

#: The single row holding the sequenced tree size; appends move it under the write lock.
ledger_state = sa.Table(
    "ledger_state",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)

#: Published checkpoints (C2SP signed notes), oldest first.
ledger_checkpoints = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("size", sa.BigInteger, nullable=False, index=True),
    sa.Column("root", sa.LargeBinary, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("published_at", TIME, nullable=False),
)

#: Witness cosignatures (C2SP tlog-cosignature) of a published checkpoint: one signature
#: line per witness key, the latest it gave. The checkpoint's own note stays as the log
#: signed it; ``/checkpoint`` serves it with these lines added.
ledger_cosignatures = sa.Table(
    "ledger_cosignatures",
    metadata,
    sa.Column(
        "checkpoint_id",
        sa.Integer,
        sa.ForeignKey("ledger_checkpoints.id"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("cosigner", sa.String(255), primary_key=True),
    sa.Column("key_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("line", sa.Text, nullable=False),
    sa.Column("received_at", TIME, nullable=False),
)

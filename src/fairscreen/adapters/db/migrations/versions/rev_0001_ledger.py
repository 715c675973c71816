"""The evidence ledger: entries, tlog tiles, tree size, published checkpoints.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_ledger_entries"),
    )
    op.create_table(
        "ledger_tiles",
        sa.Column("level", sa.SmallInteger, autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger, autoincrement=False, nullable=False),
        sa.Column("width", sa.SmallInteger, nullable=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
        sa.Column("interior", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_ledger_tiles"),
        sa.CheckConstraint("width BETWEEN 1 AND 256", name="ck_ledger_tiles_width_range"),
    )
    state = op.create_table(
        "ledger_state",
        sa.Column("id", sa.SmallInteger, autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_state"),
        sa.CheckConstraint("id = 1", name="ck_ledger_state_single_row"),
    )
    op.bulk_insert(state, [{"id": 1, "size": 0}])
    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.LargeBinary, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_checkpoints"),
    )
    op.create_index("ix_ledger_checkpoints_size", "ledger_checkpoints", ["size"])


def downgrade() -> None:
    op.drop_index("ix_ledger_checkpoints_size", table_name="ledger_checkpoints")
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_state")
    op.drop_table("ledger_tiles")
    op.drop_table("ledger_entries")

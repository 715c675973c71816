"""Sequencing off the request path (issue 16 item 1): the pending entries.

A request's transaction queues its ledger entries in ``ledger_pending`` (no ledger lock);
the sequencer moves them into ``ledger_entries`` in batches, recording each entry's
pending id in ``ledger_entries.pending_id`` (unique: an entry is never integrated twice).
A destruction certificate keeps its entry's pending id; its index is known once the entry
is integrated (``ledger_index`` becomes nullable).

Revision ID: 0012_pending_entries
Revises: 0011_references
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_pending_entries"
down_revision = "0014_staff_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("queued_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_pending")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("pending_id", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(op.f("uq_ledger_entries_pending_id"), ["pending_id"])
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("ledger_pending_id", sa.BigInteger(), nullable=True))
        batch.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.alter_column("ledger_index", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("ledger_pending_id")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_constraint(op.f("uq_ledger_entries_pending_id"), type_="unique")
        batch.drop_column("pending_id")
    op.drop_table("ledger_pending")

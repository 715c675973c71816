"""Witness cosignatures of published checkpoints (C2SP tlog-witness, tlog-cosignature).

Revision ID: 0006_witness
Revises: 0010_privacy (rechained after merging main, which brought 0010_privacy on 0005_lookups)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_witness"
down_revision = "0010_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_cosignatures",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("cosigner", sa.String(length=255), nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["ledger_checkpoints.id"],
            name="fk_ledger_cosignatures_checkpoint_id_ledger_checkpoints",
        ),
        sa.PrimaryKeyConstraint(
            "checkpoint_id", "cosigner", "key_id", name="pk_ledger_cosignatures"
        ),
    )


def downgrade() -> None:
    op.drop_table("ledger_cosignatures")

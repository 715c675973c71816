"""Voluntary self-identification, apart from cases (PRODUCT.md §7).

Revision ID: 0004_selfid
Revises: 0003_accounts
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_selfid"
down_revision = "0003_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "self_identifications",
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
            name=op.f("fk_self_identifications_subject_id_subjects"),
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_self_identifications")),
    )


def downgrade() -> None:
    op.drop_table("self_identifications")

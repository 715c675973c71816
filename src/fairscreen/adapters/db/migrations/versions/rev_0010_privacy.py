"""Privacy against people who try (issue 12): fixed quarterly fairness reports.

Revision ID: 0010_privacy
Revises: 0005_lookups
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_privacy"
down_revision = "0005_lookups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fairness_snapshots",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "quarter", name=op.f("pk_fairness_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("fairness_snapshots")

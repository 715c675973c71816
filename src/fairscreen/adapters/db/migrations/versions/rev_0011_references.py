"""Structured reference checks (issue 15 item 4): the referees' invitations.

Chained onto ``0010_privacy``, the head this branch started from (the migration chain
must have one head for ``upgrade(engine)`` to reach it).

Revision ID: 0011_references
Revises: 0009_keystore
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_references"
down_revision = "0009_keystore"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_invitations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("referee_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_reference_invitations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_reference_invitations_token_hash")),
    )
    op.create_index(
        "ix_reference_invitations_case", "reference_invitations", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reference_invitations_case", table_name="reference_invitations")
    op.drop_table("reference_invitations")

"""Supplementary documents (补充材料, issue 13 item 9): a candidate supplies what was
missing for an incomplete or unverifiable finding without a dispute; the file is an
evidence file, the note and the verifier's answer are encrypted.

Revision ID: 0020_supplements
Revises: 0019_mail_language
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_supplements"
down_revision = "0019_mail_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplements",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("finding_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("note_ct", sa.LargeBinary(), nullable=True),
        sa.Column("supplied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answer_ct", sa.LargeBinary(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_supplements_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplements")),
    )
    op.create_index("ix_supplements_case", "supplements", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_supplements_case", table_name="supplements")
    op.drop_table("supplements")

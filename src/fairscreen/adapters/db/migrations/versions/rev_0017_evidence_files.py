"""Evidence files up to 10 MB (issue 13 item 9): a dispute's file, encrypted in chunks.

Revision ID: 0017_evidence_files
Revises: 0011_references
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_evidence_files"
down_revision = "0012_pending_entries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("dispute_id", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("filename_ct", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_files_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index("ix_evidence_files_case", "evidence_files", ["case_id"], unique=False)
    op.create_table(
        "evidence_chunks",
        sa.Column("file_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chunk_ct", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["evidence_files.id"],
            name=op.f("fk_evidence_chunks_file_id_evidence_files"),
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_evidence_chunks")),
    )


def downgrade() -> None:
    op.drop_table("evidence_chunks")
    op.drop_index("ix_evidence_files_case", table_name="evidence_files")
    op.drop_table("evidence_files")

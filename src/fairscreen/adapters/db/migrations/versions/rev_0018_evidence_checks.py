"""The content check of an evidence file as a background job (issue 16 item 2): where each
file stands (``pending`` until the job parsed it, then ``accepted`` or ``rejected``), the
reason of a refusal (a catalogue key, never personal data) and when it was checked.

Files stored before this revision had only their first bytes checked: they start
``pending``, so the check's sweep parses them too before the agency opens them again.

Revision ID: 0018_evidence_checks
Revises: 0016_adverse_notice
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_evidence_checks"
down_revision = "0016_adverse_notice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_files") as batch:
        batch.add_column(
            sa.Column("check_status", sa.String(16), nullable=False, server_default="pending")
        )
        batch.add_column(sa.Column("check_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_evidence_files_check", "evidence_files", ["check_status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_files_check", table_name="evidence_files")
    with op.batch_alter_table("evidence_files") as batch:
        batch.drop_column("checked_at")
        batch.drop_column("check_reason")
        batch.drop_column("check_status")

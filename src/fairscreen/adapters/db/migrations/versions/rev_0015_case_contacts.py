"""Whose case it is and how to reach them (issue 13 items 1-2): the candidate's name as
the employer knows it and their contact, encrypted under the case key, and the
candidate's single-use invitation links (only a keyed hash of each token); an employer's
address for "report released" e-mails, encrypted.

Revision ID: 0015_case_contacts
Revises: 0011_references
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_case_contacts"
down_revision = "0011_references"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "employer_settings",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("notify_email_ct", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_employer_settings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_employer_settings")),
    )
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("candidate_name_ct", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("contact_ct", sa.LargeBinary(), nullable=True))
    op.create_table(
        "candidate_invitations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_candidate_invitations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_candidate_invitations_token_hash")),
    )
    op.create_index(
        "ix_candidate_invitations_case", "candidate_invitations", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_candidate_invitations_case", table_name="candidate_invitations")
    op.drop_table("candidate_invitations")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("contact_ct")
        batch.drop_column("candidate_name_ct")
    op.drop_table("employer_settings")

"""Staff accounts with a password (issue 13 item 3): an account's encrypted e-mail and
its keyed blind index, an argon2id password hash, an optional TOTP secret (encrypted),
whether it is its organisation's administrator, the sign-in lockout counters; labels of
integrators' API tokens; and the invitations of colleagues.

Revision ID: 0014_staff_accounts
Revises: 0011_references
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_staff_accounts"
down_revision = "0015_case_contacts"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("email_ct", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("email_index", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("totp_ct", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("totp_enabled_at", TIME, nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("failed_sign_ins", sa.SmallInteger(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", TIME, nullable=True))
        batch.create_unique_constraint(op.f("uq_accounts_email_index"), ["email_index"])
    op.add_column("api_tokens", sa.Column("label", sa.String(length=100), nullable=True))
    op.create_table(
        "staff_invitations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("invited_by", sa.String(length=64), nullable=False),
        sa.Column("email_ct", sa.LargeBinary(), nullable=False),
        sa.Column("email_index", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("accepted_at", TIME, nullable=True),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_staff_invitations_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["accounts.id"], name=op.f("fk_staff_invitations_invited_by_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_staff_invitations_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_invitations_token_hash")),
    )
    op.create_index("ix_staff_invitations_tenant", "staff_invitations", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_invitations_tenant", table_name="staff_invitations")
    op.drop_table("staff_invitations")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("label")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("uq_accounts_email_index"), type_="unique")
        for column in (
            "locked_until",
            "failed_sign_ins",
            "is_admin",
            "totp_last_step",
            "totp_enabled_at",
            "totp_ct",
            "password_hash",
            "email_index",
            "email_ct",
        ):
            batch.drop_column(column)

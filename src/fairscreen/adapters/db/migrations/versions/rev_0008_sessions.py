"""Sign-in codes bound to the request that asked for them, and portal sessions apart from
API tokens (issue 12 items 4 and 12).

- ``sign_in_codes.session_hash``: SHA-256 of the code session handed to whoever asked for
  the code; a code is exchanged only together with it, and wrong tries count against that
  session alone. ``requester``: a keyed hash of the address that asked, so each asker
  has its own hourly allowance and no anonymous caller spends the candidate's.
- ``api_tokens.kind``: ``api`` (an account's API token), ``portal`` (a staff portal
  session: short-lived, revoked at sign-out) or ``candidate`` (a candidate's token from
  a one-time code).

Revision ID: 0008_sessions
Revises: 0006_witness
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_sessions"
down_revision = "0006_witness"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sign_in_codes", sa.Column("session_hash", sa.String(length=64), nullable=True))
    op.add_column("sign_in_codes", sa.Column("requester", sa.String(length=64), nullable=True))
    op.add_column(
        "api_tokens",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="api"),
    )
    op.execute("UPDATE api_tokens SET kind = 'candidate' WHERE role = 'candidate'")
    op.create_index("ix_api_tokens_account", "api_tokens", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_account", table_name="api_tokens")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("sign_in_codes") as batch:
        batch.drop_column("requester")
        batch.drop_column("session_hash")

"""Wrapped keys indexed by subject: a master-key rotation re-keys each subject and
rewraps its case keys together, so it looks a subject's case keys up (issue 18).

Revision ID: 0009_keystore
Revises: 0007_repair
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0009_keystore"
down_revision = "0007_repair"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_wrapped_keys_subject", "wrapped_keys", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_wrapped_keys_subject", table_name="wrapped_keys")

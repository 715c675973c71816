"""Indexes for the lookups that run per case: the wrapped-key key leads with ``owner``,
and notices get an index on ``case_id``.

Keys are looked up, and shredded in purge batches (``owner = ANY(...)``), by owner; with
``(kind, owner)`` the index led with a column of three values, and a planner without
fresh statistics could match ``kind`` alone and filter the owners row by row.
``notices`` had no index on ``case_id`` at all, so reading a case's notices, or deleting
them in a purge batch, scanned the whole table.

Revision ID: 0005_lookups
Revises: 0004_selfid
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_lookups"
down_revision = "0004_selfid"
branch_labels = None
depends_on = None


def _wrapped_keys(*primary_key: str) -> sa.Table:
    """The table as it is, for SQLite's copy-and-move (its reflection has no key names)."""
    return sa.Table(
        "wrapped_keys",
        sa.MetaData(),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=160), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("wrapped_by", sa.String(length=64), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("subject", sa.String(length=160), nullable=True),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(*primary_key, name="pk_wrapped_keys"),
    )


def _rekey(old: tuple[str, str], new: tuple[str, str]) -> None:
    with op.batch_alter_table("wrapped_keys", copy_from=_wrapped_keys(*old)) as batch:
        batch.drop_constraint("pk_wrapped_keys", type_="primary")
        batch.create_primary_key("pk_wrapped_keys", list(new))


def upgrade() -> None:
    _rekey(("kind", "owner"), ("owner", "kind"))
    op.create_index("ix_notices_case", "notices", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_notices_case", table_name="notices")
    _rekey(("owner", "kind"), ("kind", "owner"))

"""Repair of databases created at an earlier release of ``0002_service``.

``rev_0002_service.py`` was edited in place twice after it was released: commit 39dd411
added the column ``cases.hold_logged`` and commit 25c7613 the index ``ix_cases_due``. A
database created at either earlier release is stamped ``0002_service`` and so never ran
the edits; it lacks the column (every case read then fails) or the index (the purge scans
the whole table). This revision adds each only where it is missing, so it is a no-op on a
database created at the final ``0002_service`` and safe to run twice.

A released revision is history and is never edited again: a change of schema is a new
revision (tests/integration/test_migration_history.py builds a database at every released
revision, including both earlier ``0002_service``, and upgrades it to head).

Revision ID: 0007_repair
Revises: 0008_sessions
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_repair"
down_revision = "0008_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    columns = {column["name"] for column in inspector.get_columns("cases")}
    indexes = {index["name"] for index in inspector.get_indexes("cases")}
    if "hold_logged" not in columns:
        # A plain ADD COLUMN of a nullable column, on SQLite too: no table copy needed.
        op.add_column("cases", sa.Column("hold_logged", sa.String(length=16), nullable=True))
    if "ix_cases_due" not in indexes:
        op.create_index("ix_cases_due", "cases", ["destruction_due"], unique=False)


def downgrade() -> None:
    # Deliberately nothing: the column and the index belong to 0002_service as it stands
    # today, and a database going back to an earlier revision must keep them.
    pass

"""The decision in two steps (issue 13 item 6; PRODUCT.md P4): the end of a pre-adverse
notice's waiting period on the case, and whether the report played a part in a decision
not to hire on a light that is not green.

Revision ID: 0016_adverse_notice
Revises: 0011_references
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_adverse_notice"
down_revision = "0013_job_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("adverse_wait_ends", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("report_part", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("report_part")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("adverse_wait_ends")

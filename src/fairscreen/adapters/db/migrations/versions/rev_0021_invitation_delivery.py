"""Whether a candidate's invitation went out (issue 13 item 2): ``sent_at``, when the
message was handed to the SMS gateway or the SMTP server, and ``failure``, the keyed
reason when it was not (``invitation.failed.*``: never the number, the address or the
text). An order whose message failed keeps its case and says so on the employer's page,
which offers to send it again. Links made before this revision went out with their
order (a failure then refused the request), so ``sent_at`` is their ``created_at``.

Revision ID: 0021_invitation_delivery
Revises: 0020_supplements
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_invitation_delivery"
down_revision = "0020_supplements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidate_invitations") as batch:
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failure", sa.String(length=40), nullable=True))
    op.execute("UPDATE candidate_invitations SET sent_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("candidate_invitations") as batch:
        batch.drop_column("failure")
        batch.drop_column("sent_at")

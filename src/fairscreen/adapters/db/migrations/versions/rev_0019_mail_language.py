"""The language HR reads e-mail in (issue 13 item 11): a staff account's language (the
one it last chose on the portal) and the employer's notification address's language (the
page's when the address was saved), so "report released" is sent in zh-Hans, zh-Hant or
en rather than in two languages at once.

Revision ID: 0019_mail_language
Revises: 0018_evidence_checks
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_mail_language"
down_revision = "0018_evidence_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("lang", sa.String(length=8), nullable=True))
    with op.batch_alter_table("employer_settings") as batch:
        batch.add_column(sa.Column("notify_lang", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employer_settings") as batch:
        batch.drop_column("notify_lang")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("lang")

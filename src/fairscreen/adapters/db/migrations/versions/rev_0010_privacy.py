"""Privacy against people who try (issue 12): each employer keeps its own candidate
records; the employer's free-text purpose is encrypted; event payloads know their case,
so they are deleted with its data; fixed quarterly fairness reports.

The purpose columns stay, nullable, beside the new ``purpose_ct``: encrypting the rows
written before needs the keys, which a migration does not hold, so the service seals them
when it starts on the upgraded database (``ServiceRepository.seal_legacy_purposes``) and
never writes plaintext there again.

A subject made before this revision was shared by every employer who registered the same
ID number. Where all of its cases belong to one employer it becomes that employer's
record; otherwise it stays without an owner (an order may still name it, as before), and
new registrations never find it: their blind index is keyed by the employer.

Revision ID: 0010_privacy
Revises: 0005_lookups
Create Date: 2026-12-04
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010_privacy"
down_revision = "0005_lookups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("employer_id", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            op.f("fk_subjects_employer_id_tenants"), "tenants", ["employer_id"], ["id"]
        )
    connection = op.get_bind()
    owners = connection.execute(
        sa.text(
            "SELECT subject_id, MIN(employer_id) FROM cases GROUP BY subject_id "
            "HAVING COUNT(DISTINCT employer_id) = 1"
        )
    ).all()
    for subject_id, employer_id in owners:
        connection.execute(
            sa.text("UPDATE subjects SET employer_id = :employer WHERE id = :subject"),
            {"employer": employer_id, "subject": subject_id},
        )
    for table in ("cases", "authorizations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("purpose_ct", sa.LargeBinary(), nullable=True))
            batch.alter_column("purpose", existing_type=sa.String(length=200), nullable=True)
    with op.batch_alter_table("event_payloads") as batch:
        batch.add_column(sa.Column("case_pseudonym", sa.String(length=40), nullable=True))
    op.create_index("ix_event_payloads_case", "event_payloads", ["case_pseudonym"])
    # Every payload written so far names its case (``{"case": <pseudonym>, ...}``).
    payloads = sa.table(
        "event_payloads",
        sa.column("digest", sa.String),
        sa.column("case_pseudonym", sa.String),
        sa.column("body", sa.Text),
    )
    rows = connection.execute(sa.select(payloads.c.digest, payloads.c.body)).all()
    for digest, body in rows:
        case = json.loads(body).get("case")
        if isinstance(case, str):
            connection.execute(
                sa.update(payloads).where(payloads.c.digest == digest).values(case_pseudonym=case)
            )
    op.create_table(
        "fairness_snapshots",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "quarter", name=op.f("pk_fairness_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("fairness_snapshots")
    op.drop_index("ix_event_payloads_case", table_name="event_payloads")
    with op.batch_alter_table("event_payloads") as batch:
        batch.drop_column("case_pseudonym")
    with op.batch_alter_table("subjects") as batch:
        batch.drop_constraint(op.f("fk_subjects_employer_id_tenants"), type_="foreignkey")
        batch.drop_column("employer_id")
    for table in ("cases", "authorizations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("purpose_ct")  # a sealed purpose cannot be unsealed here

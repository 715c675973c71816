"""Structured reference checks (PRODUCT.md P3; issue 15 item 4): one row per referee
invited to answer the questionnaire for a case.

The referee is a person apart from the candidate: their name and contact are encrypted
under the case key (``referee_ct``), so shredding the case shreds them, and the row goes
with the case's other content rows. The link's token is never stored, only its keyed hash
(``token_hash``: HMAC-SHA-256 under a key derived from the pseudonym key), so a copy of the
database cannot answer in a referee's name. ``person_id`` is a random id, the ``person_id``
of the witness record the answers become (two referees are two people). The answers
themselves are a record of the case (``records``), not kept here. Created by
``0011_references``.
"""

from __future__ import annotations

import sqlalchemy as sa

from fairscreen.adapters.db.tables import TIME, metadata

reference_invitations = sa.Table(
    "reference_invitations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("person_id", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("referee_ct", sa.LargeBinary, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
    sa.Column("expires_at", TIME, nullable=False),
    sa.Column("answered_at", TIME, nullable=True),
)
sa.Index("ix_reference_invitations_case", reference_invitations.c.case_id)

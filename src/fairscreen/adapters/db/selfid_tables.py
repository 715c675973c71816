"""Voluntary self-identification (PRODUCT.md §7), kept apart from every case.

One row per candidate, linked to the subject only — no column links it to a case — and
its values encrypted under a key of their own (``selfid.<subject pseudonym>``, wrapped by
the subject key), so it goes when the subject is shredded. Created by ``0004_selfid``.
"""

from __future__ import annotations

import sqlalchemy as sa

from fairscreen.adapters.db.tables import TIME, metadata

self_identifications = sa.Table(
    "self_identifications",
    metadata,
    sa.Column("subject_id", sa.String(64), sa.ForeignKey("subjects.id"), primary_key=True),
    sa.Column("declined", sa.Boolean, nullable=False),
    sa.Column("answered_at", TIME, nullable=False),
    sa.Column("body_ct", sa.LargeBinary, nullable=True),
)

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

#: An aggregate fairness report, fixed the first time it is asked for after its quarter
#: ended (PRODUCT.md §7): the same answer every time, so two reads cannot differ by a case
#: released, decided or destroyed in between. ``scope`` is ``<employer id>|<role id>`` (``*``
#: for all); ``body`` holds per-group counts of groups of 10 or more only, never a smaller
#: cell. Created by ``0010_privacy``.
fairness_snapshots = sa.Table(
    "fairness_snapshots",
    metadata,
    sa.Column("scope", sa.String(200), primary_key=True),
    sa.Column("quarter", sa.String(7), primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", TIME, nullable=False),
)

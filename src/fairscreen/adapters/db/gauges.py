"""Operational gauges read from the database when ``/metrics`` is scraped: how old the
last published checkpoint is, how many cases are past their destruction date and not yet
destroyed, and the backlog of any queue table (pending ledger entries, jobs) that exists.

Every reading is a count or an age in seconds: never an id, a name or any other value
from a row, so a scrape cannot carry personal data (docs/operations.md, 'Metrics').
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairscreen.adapters.db import case_tables as cases_t
from fairscreen.adapters.db.tables import TIME, ledger_checkpoints, ledger_pending


@dataclass(frozen=True, slots=True)
class Reading:
    """One gauge sample: a metric name (``fairscreen_`` prefix, Prometheus' base units),
    its help text, and its value; ``labels`` are fixed words, never data from a row."""

    name: str
    help: str
    value: float
    labels: tuple[tuple[str, str], ...] = ()


def checkpoint_age(connection: Connection, now: datetime) -> Iterable[Reading]:
    """Seconds since the newest published checkpoint; nothing while none was published
    (an empty log has no age; the alert is on its absence: ``absent(...)``)."""
    latest = connection.execute(sa.select(sa.func.max(ledger_checkpoints.c.published_at)))
    published = latest.scalar()  # min/max keep the column's type: an aware UTC time
    if published is None:
        return ()
    return (
        Reading(
            "fairscreen_checkpoint_age_seconds",
            "Seconds since the newest published checkpoint.",
            max(0.0, (now - published).total_seconds()),
        ),
    )


def purge_backlog(connection: Connection, now: datetime) -> Iterable[Reading]:
    """Cases whose destruction date has passed and that are not destroyed yet, split into
    those a hold defers on purpose (a legal hold) and the rest, which the next purge owes
    (PRODUCT.md P6)."""
    cases = cases_t.cases
    query = (
        sa.select(cases.c.legal_hold, sa.func.count())
        .where(cases.c.destruction_due <= now, cases.c.state != "destroyed")
        .group_by(cases.c.legal_hold)
    )
    counts = {bool(held): int(count) for held, count in connection.execute(query)}
    return tuple(
        Reading(
            "fairscreen_purge_backlog_cases",
            "Cases past their destruction date and not destroyed yet.",
            float(counts.get(held, 0)),
            (("hold", "legal_hold" if held else "none"),),
        )
        for held in (False, True)
    )


def sequencer_backlog(connection: Connection, now: datetime) -> Iterable[Reading]:
    """Ledger entries committed but not yet integrated by the sequencer, and the age of
    the oldest (the sequencer's lag; docs/ledger.md, 'Operating the log'). ``queued_at``
    is POSIX seconds, stamped when the request's transaction recorded the entry."""
    pending = ledger_pending
    count, oldest = connection.execute(
        sa.select(sa.func.count(), sa.func.min(pending.c.queued_at))
    ).one()
    readings = [
        Reading(
            "fairscreen_sequencer_pending_count",
            "Ledger entries committed and not integrated yet.",
            float(count or 0),
        )
    ]
    if oldest is not None:
        readings.append(
            Reading(
                "fairscreen_sequencer_pending_oldest_age_seconds",
                "Seconds since the oldest pending ledger entry was committed.",
                max(0.0, now.timestamp() - float(oldest)),
            )
        )
    return readings


def table_exists(connection: Connection, table: str) -> bool:
    return sa.inspect(connection).has_table(table)


def table_backlog(
    connection: Connection,
    now: datetime,
    *,
    table: str,
    created_column: str,
    metric: str,
    what: str,
    where: str | None = None,
) -> Iterable[Reading]:
    """``<metric>_count`` (rows of ``table`` matching ``where``, a fixed SQL condition)
    and ``<metric>_oldest_age_seconds`` (now minus the smallest ``created_column``).
    A table that does not exist (its feature not deployed yet) reports nothing."""
    if not table_exists(connection, table):
        return ()
    source = sa.table(table, sa.column(created_column, TIME))
    query = sa.select(sa.func.count(), sa.func.min(source.c[created_column])).select_from(source)
    if where:
        query = query.where(sa.text(where))
    count, oldest = connection.execute(query).one()
    readings = [Reading(f"{metric}_count", f"{what}: how many.", float(count or 0))]
    if oldest is not None:
        age = max(0.0, (now - oldest).total_seconds())
        readings.append(Reading(f"{metric}_oldest_age_seconds", f"{what}: the oldest's age.", age))
    return readings

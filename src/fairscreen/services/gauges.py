"""The operational gauges ``/metrics`` reports from the database, read at scrape time.

A *probe* is a function ``(connection, now) -> readings`` (``adapters/db/gauges.py``):
counts and ages only, never a value from a row. The checkpoint age and the purge backlog
and the ledger sequencer's backlog are built in. Features that keep a queue in a table
plug theirs in with :func:`register_probe`, e.g.::

    register_probe(
        functools.partial(
            table_backlog, table="jobs", created_column="created_at",
            metric="fairscreen_jobs", what="Jobs not done yet",
        )
    )

A probe whose table does not exist (the feature not deployed, or its migration not run)
reports nothing, rather than a zero that would look like a healthy queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairscreen.adapters.db.engine import begin_read
from fairscreen.adapters.db.gauges import (
    Reading,
    checkpoint_age,
    purge_backlog,
    sequencer_backlog,
)
from fairscreen.services.context import Services

log = logging.getLogger("fairscreen.metrics")

Probe = Callable[[Connection, datetime], Iterable[Reading]]

#: What every scrape reads; :func:`register_probe` adds to it.
PROBES: list[Probe] = [checkpoint_age, purge_backlog, sequencer_backlog]


def register_probe(probe: Probe) -> None:
    """Read ``probe`` at every scrape from now on (once, however often registered)."""
    if probe not in PROBES:
        PROBES.append(probe)


def read_gauges(svc: Services, probes: Sequence[Probe] | None = None) -> list[Reading]:
    """Every probe's readings, in one read snapshot, plus ``fairscreen_gauges_up``: 1 when
    the database answered, 0 when it did not (the request metrics are still served: a
    scrape that fails as a whole would hide them when they matter most)."""
    readings: list[Reading] = []
    now = svc.now()
    try:
        with begin_read(svc.engine) as connection:
            for probe in PROBES if probes is None else probes:
                readings.extend(probe(connection, now))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("gauges not read: %s", type(exc).__name__)
        return [_up(0.0)]
    return [*readings, _up(1.0)]


def _up(value: float) -> Reading:
    return Reading(
        "fairscreen_gauges_up", "1 when the database answered the gauges' queries.", value
    )

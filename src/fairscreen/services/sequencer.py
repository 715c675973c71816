"""The sequencer (issue 16 item 1): pending ledger entries into the tree, and checkpoints.

A request commits its ledger entries as *pending* (``ledger_store.queue_pending``) with
its state change, taking no ledger lock. One process at a time, whichever holds the
``sequencer`` lease (adapters/db/lease.py; the database drops it when the holder dies,
or goes ``FROZEN_WRITER_LIMIT`` seconds without renewing it, as a frozen one does, and
the next round of any other process takes it over), integrates them in batches, in
pending-id order, each batch one transaction that appends the entries and deletes them
from the pending table (``ledger_store.integrate_pending``): an entry committed with its
state change is integrated exactly once, whatever process dies when. The same holder
signs a checkpoint when the tree grew (at most every ``publish_interval`` seconds) and
asks the witnesses to cosign it, so ``fairscreen ledger publish`` (which takes the same
lease, :func:`sequencer_lease`) can never sign a second checkpoint at one size.

:func:`run_sequencer` is a self-contained loop with a stop signal: ``serve`` runs it on a
thread; a worker process may run it the same way. :func:`integrate` is one pass (tests,
the demo, ``fairscreen ledger integrate``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from fairscreen.adapters.db.engine import begin_read, begin_write
from fairscreen.adapters.db.lease import Lease, exclusive_lease
from fairscreen.adapters.db.ledger_store import (
    FROZEN_WRITER_LIMIT,
    Integration,
    integrate_pending,
    pending_count,
)
from fairscreen.domain.errors import InvalidInput, LogRolledBack
from fairscreen.services import transparency, witnessing
from fairscreen.services.context import Services

log = logging.getLogger("fairscreen.sequencer")

#: The lease the sequencer and ``ledger publish`` share.
LEASE = "sequencer"
DEFAULT_BATCH = 1000


@dataclass
class SequencerReport:
    """What one round did: entries integrated, batches, the delays (seconds from queued
    to integrated) of the entries, and whether it published."""

    integrated: int = 0
    batches: int = 0
    delays: list[float] = field(default_factory=list)
    published: bool = False
    #: another process held the lease: this one did nothing
    skipped: bool = False

    def add(self, integration: Integration) -> None:
        self.integrated += integration.count
        self.batches += 1
        self.delays.extend(integration.delays)


def integrate_all(
    engine: Engine, *, batch_size: int = DEFAULT_BATCH, lease: Lease | None = None
) -> SequencerReport:
    """Integrate every entry pending now, ``batch_size`` per transaction; ``lease``: the
    sequencer's, which the caller holds, renewed before each batch after the first, and
    whose limit bounds each batch's idle time too (without one the caller is the only
    process: tests, the demo)."""
    if batch_size < 1:
        raise InvalidInput("must be at least 1", field="batch_size")
    report = SequencerReport()
    # A read first: an idle round takes no write lock (on SQLite the requests' writers
    # would otherwise meet it every round).
    with begin_read(engine) as connection:
        if pending_count(connection) == 0:
            return report
    idle_limit = None if lease is None else FROZEN_WRITER_LIMIT
    while True:
        if lease is not None and report.batches:
            lease.renew()
        with begin_write(engine) as connection:
            integration = integrate_pending(connection, batch_size, idle_limit=idle_limit)
        if integration.count:
            report.add(integration)
        if integration.count < batch_size:
            return report


@contextmanager
def sequencer_lease(engine: Engine, wait: float = 0.0) -> Iterator[Lease]:
    """The sequencer's lease, asked for every 50 ms for up to ``wait`` seconds: True
    while held, False when another process kept it (``ledger publish`` and
    ``ledger integrate`` take it, so they never run beside a sequencer)."""
    deadline = time.monotonic() + wait
    while True:
        with exclusive_lease(engine, LEASE, hold_limit=FROZEN_WRITER_LIMIT) as held:
            if held or time.monotonic() >= deadline:
                yield held
                return
        time.sleep(0.05)


def integrate(
    engine: Engine, *, batch_size: int = DEFAULT_BATCH, wait: float = 0.0
) -> SequencerReport:
    """One pass under the sequencer lease: integrate what is pending (skipped when
    another process keeps the lease for ``wait`` seconds)."""
    with sequencer_lease(engine, wait) as lease:
        if not lease:
            return SequencerReport(skipped=True)
        return integrate_all(engine, batch_size=batch_size, lease=lease)


def sequence_round(
    svc: Services,
    *,
    batch_size: int = DEFAULT_BATCH,
    publish: bool = True,
    witnesses: bool = True,
) -> SequencerReport:
    """One round of the loop: under the lease, integrate everything pending, then (when
    ``publish`` and the tree grew past the latest checkpoint) publish and (``witnesses``)
    ask the witnesses to cosign. A log behind its high-water mark is neither extended nor
    signed (docs/operations.md). An idle round (nothing pending, nothing to publish)
    is one read: the loop runs every fraction of a second in every process."""
    if not publish:
        with begin_read(svc.engine) as connection:
            if pending_count(connection) == 0:
                return SequencerReport()
    with exclusive_lease(svc.engine, LEASE, hold_limit=FROZEN_WRITER_LIMIT) as lease:
        if not lease:
            return SequencerReport(skipped=True)
        transparency.follow_high_water(svc, wait=False)
        report = integrate_all(svc.engine, batch_size=batch_size, lease=lease)
        if publish and transparency.unpublished(svc) > 0:
            lease.renew()
            transparency.publish_checkpoint(
                svc, idle_limit=FROZEN_WRITER_LIMIT, wait_for_mark=False
            )
            report.published = True
    if report.published and witnesses:
        # A witness down or refusing is logged there and asked again next time.
        witnessing.request_cosignatures(svc)
    return report


def run_sequencer(
    svc: Services,
    stop: threading.Event,
    *,
    interval: float = 0.2,
    batch_size: int = DEFAULT_BATCH,
    publish_interval: float = 10.0,
    on_round: Callable[[SequencerReport], None] | None = None,
) -> None:
    """Run rounds every ``interval`` seconds until ``stop`` is set: integrate on every
    round, publish at most every ``publish_interval`` seconds when the tree grew. A
    failed round is logged by its error type and the next one tries again (a batch
    rolled back is still pending). ``on_round`` sees each round's report (benchmarks)."""
    last_publish = 0.0
    while not stop.is_set():
        due = time.monotonic() - last_publish >= publish_interval
        try:
            report = sequence_round(svc, batch_size=batch_size, publish=due)
        except LogRolledBack as exc:
            log.error("the ledger went backwards; the sequencer does nothing: %s", exc)
            report = None
        except Exception as exc:  # noqa: BLE001 - the loop outlives one failed round
            log.error("sequencer round failed: %s", type(exc).__name__)
            report = None
        if report is not None:
            if report.published:
                last_publish = time.monotonic()
            if on_round is not None:
                on_round(report)
        stop.wait(interval)

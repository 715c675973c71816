"""The scheduler: what ``serve`` runs in the background on an interval.

Two loops, each under its own lease (one process at a time per database):

- :func:`tick` releases the reports whose review window ended, destroys what is due
  (P6), runs a round of the ledger's sequencer (integrate the pending entries, publish a
  checkpoint when the log grew: services/sequencer.py, under its own lease, so it is
  skipped while the sequencer's loop runs elsewhere), asks the witnesses to cosign the
  latest checkpoint, and turns new ledger events into webhook outbox rows. Each step is
  the service's own use case; a failing step is logged by its error type and the others still run.
- :func:`deliver` sends the webhook messages that are due. It runs apart from the tick,
  so a receiver that is slow, broken or hostile can delay no release, purge or
  checkpoint (issue 12 item 5); each message has its own deadline
  (``services/webhooks.py``).

Off unless an interval is given (tests call :func:`tick` and :func:`deliver` themselves).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from fairscreen.adapters.db.lease import exclusive_lease
from fairscreen.adapters.outbound import tenant_async_client
from fairscreen.domain.errors import LogRolledBack
from fairscreen.services import retention, review, transparency, webhooks, witnessing
from fairscreen.services.context import Services
from fairscreen.services.sequencer import sequence_round

log = logging.getLogger("fairscreen.scheduler")


@dataclass(frozen=True, slots=True)
class TickReport:
    released: int = 0
    destroyed: int = 0
    queued: int = 0
    failed_steps: tuple[str, ...] = ()
    #: another process held the scheduler lease: this one did nothing
    skipped: bool = False


def tick(svc: Services) -> TickReport:
    """One run of every step, under the scheduler lease (adapters/db/lease.py): with two
    ``serve`` processes on one database, one of them ticks and the other skips."""
    with exclusive_lease(svc.engine, "scheduler") as held:
        if not held:
            return TickReport(skipped=True)
        return _steps(svc)


def _steps(svc: Services) -> TickReport:
    released = destroyed = queued = 0
    failed: list[str] = []
    try:
        # A database put back from an older backup must not release, destroy or publish
        # anything: it would revive what the newer log had revoked (docs/operations.md).
        transparency.follow_high_water(svc)
    except LogRolledBack as exc:
        log.error("the ledger went backwards; the scheduler does nothing: %s", exc)
        return TickReport(failed_steps=("high_water",))
    try:
        released = len(review.release_due(svc))
    except Exception as exc:  # noqa: BLE001 - one failing step must not stop the others
        log.error("release_due failed: %s", type(exc).__name__)
        failed.append("release_due")
    try:
        destroyed = len(retention.purge(svc).destroyed)
    except Exception as exc:  # noqa: BLE001
        log.error("purge failed: %s", type(exc).__name__)
        failed.append("purge")
    try:
        sequence_round(svc, witnesses=False)
    except Exception as exc:  # noqa: BLE001
        log.error("publish failed: %s", type(exc).__name__)
        failed.append("publish")
    try:
        # A witness down or refusing is logged there and asked again next tick; only an
        # error of our own (the database) counts as a failed step.
        witnessing.request_cosignatures(svc)
    except Exception as exc:  # noqa: BLE001
        log.error("witnessing failed: %s", type(exc).__name__)
        failed.append("witness")
    try:
        queued = webhooks.collect_events(svc)
    except Exception as exc:  # noqa: BLE001
        log.error("webhook outbox failed: %s", type(exc).__name__)
        failed.append("webhooks")
    return TickReport(released, destroyed, queued, tuple(failed))


def deliver(svc: Services, new_client: webhooks.ClientFactory) -> webhooks.DeliveryReport | None:
    """Send the due webhook messages under the delivery lease; None if another process
    holds it."""
    with exclusive_lease(svc.engine, "webhook-delivery") as held:
        if not held:
            return None
        return webhooks.deliver_due(svc, new_client)


async def _every(interval: float, step: Callable[[], object], name: str) -> None:
    while True:
        try:
            await run_in_threadpool(step)
        except Exception as exc:  # noqa: BLE001 - the loop outlives one failed round
            log.error("%s failed: %s", name, type(exc).__name__)
        await asyncio.sleep(interval)


async def run_periodically(svc: Services, interval: float) -> None:
    """Tick and deliver every ``interval`` seconds, each loop on its own, until cancelled
    (in worker threads: the service is blocking I/O)."""
    allow_private = svc.config.webhook_private_targets
    deliveries = asyncio.create_task(
        _every(
            interval,
            lambda: deliver(svc, lambda: tenant_async_client(allow_private=allow_private)),
            "webhook delivery",
        )
    )
    try:
        await _every(interval, lambda: tick(svc), "tick")
    finally:
        deliveries.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await deliveries

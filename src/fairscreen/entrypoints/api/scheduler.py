"""The scheduler: what ``serve`` runs in the background on an interval.

One tick (:func:`tick`) releases the reports whose review window ended, destroys what is
due (P6), publishes a checkpoint when the log grew and asks the witnesses to cosign it,
turns new ledger events into webhook outbox rows and delivers what is due; one process
at a time per database. Each step is the service's own use case; a failing step is
logged by its error type and the others still run. Off unless an interval is given
(tests call :func:`tick` themselves).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx
from starlette.concurrency import run_in_threadpool

from fairscreen.adapters.db.lease import exclusive_lease
from fairscreen.adapters.outbound import tenant_client
from fairscreen.services import retention, review, transparency, webhooks, witnessing
from fairscreen.services.context import Services

log = logging.getLogger("fairscreen.scheduler")


@dataclass(frozen=True, slots=True)
class TickReport:
    released: int = 0
    destroyed: int = 0
    queued: int = 0
    delivered: int = 0
    failed_steps: tuple[str, ...] = ()
    #: another process held the scheduler lease: this one did nothing
    skipped: bool = False


def tick(svc: Services, client: httpx.Client) -> TickReport:
    """One run of every step, under the scheduler lease (adapters/db/lease.py): with two
    ``serve`` processes on one database, one of them ticks and the other skips."""
    with exclusive_lease(svc.engine, "scheduler") as held:
        if not held:
            return TickReport(skipped=True)
        return _steps(svc, client)


def _steps(svc: Services, client: httpx.Client) -> TickReport:
    released = destroyed = queued = delivered = 0
    failed: list[str] = []
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
        transparency.publish_checkpoint(svc)
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
        delivered = webhooks.deliver_due(svc, client).delivered
    except Exception as exc:  # noqa: BLE001
        log.error("webhooks failed: %s", type(exc).__name__)
        failed.append("webhooks")
    return TickReport(released, destroyed, queued, delivered, tuple(failed))


async def run_periodically(svc: Services, interval: float) -> None:
    """Tick every ``interval`` seconds until cancelled (in a worker thread: the service
    is blocking I/O)."""
    with tenant_client(allow_private=svc.config.webhook_private_targets) as client:
        while True:
            await run_in_threadpool(tick, svc, client)
            await asyncio.sleep(interval)

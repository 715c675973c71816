"""The in-process runner: the background tasks (``services/background.py``) inside
``serve``, for the SQLite default, where there is no job queue (on PostgreSQL
``fairscreen worker`` runs them on procrastinate; issue 16 item 2).

- :func:`tick` runs the periodic tasks that change data (the release and purge sweeps,
  a round of the ledger's sequencer and witnessing, the webhook outbox, the evidence
  files' check sweep) under the
  scheduler lease
  (adapters/db/lease.py: with two ``serve`` on one SQLite file, one ticks). Each step is
  its task's function; a failing step is logged by its error type and the others run.
- :func:`deliver` sends the webhook messages that are due, apart from the tick, so a
  receiver that is slow, broken or hostile can delay no release, purge or checkpoint
  (issue 12 item 5).
- :func:`run_jobs` runs the jobs the use cases enqueued (``InProcessQueue``: a case's
  release at its window's end, an evidence file's content check) once due by the
  service's clock, retrying a failed one with backoff; a job lost with the process is
  done by the next sweep.
- :func:`run_in_process` runs all three until cancelled.
- :func:`start_loops` starts the long-running loops (``background.long_running_loops``:
  the ledger's sequencer), each in a thread of its own: the one place ``serve`` and
  ``fairscreen worker`` start them.

Off unless an interval is given (tests call :func:`tick` and :func:`deliver` themselves).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from starlette.concurrency import run_in_threadpool

from fairscreen.adapters.db.lease import exclusive_lease
from fairscreen.adapters.jobs import InProcessQueue
from fairscreen.adapters.outbound import tenant_async_client
from fairscreen.domain.errors import LogRolledBack
from fairscreen.services import background, jobs, webhooks
from fairscreen.services.context import Services

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


#: The tick's steps, in order: (task, what its count adds to the report).
_TICK = (
    (jobs.RELEASE_SWEEP, "released"),
    (jobs.PURGE_SWEEP, "destroyed"),
    (jobs.PUBLISH, None),
    (jobs.COLLECT_WEBHOOKS, "queued"),
    (jobs.EVIDENCE_SWEEP, None),
)


def _steps(svc: Services) -> TickReport:
    counts = {"released": 0, "destroyed": 0, "queued": 0}
    failed: list[str] = []
    try:
        # A database put back from an older backup must not release, destroy or publish
        # anything: it would revive what the newer log had revoked (docs/operations.md).
        background.guard(svc)
    except LogRolledBack as exc:
        log.error("the ledger went backwards; the scheduler does nothing: %s", exc)
        return TickReport(failed_steps=("high_water",))
    for name, counted in _TICK:
        try:
            done = background.TASKS[name].run(svc)
        except Exception as exc:  # noqa: BLE001 - one failing step must not stop the others
            log.error("%s failed: %s", name, type(exc).__name__)
            failed.append(name)
            continue
        if counted is not None:
            counts[counted] += done
    return TickReport(counts["released"], counts["destroyed"], counts["queued"], tuple(failed))


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


#: the in-process runner's retry delays: 2 s doubling, at most 5 min
RETRY_BASE_SECONDS = 2.0
RETRY_MAX_SECONDS = 300.0


def run_jobs(svc: Services) -> int:
    """Run the enqueued jobs that are due by the service's clock; a failed one goes back
    with a later ``run_at`` until its task's attempts are used up (then it is logged and
    dropped: the sweep does its work). How many ran."""
    queue = svc.jobs
    if not isinstance(queue, InProcessQueue):
        return 0  # procrastinate's workers run them
    ran = 0
    for job in queue.take_due(svc.now()):
        try:
            background.run_task(svc, job.task, job.args, attempt=job.attempt)
            ran += 1
        except Exception as exc:  # noqa: BLE001 - one job's failure is its own
            attempt = job.attempt + 1
            if attempt >= background.TASKS[job.task].attempts:
                log.error("job %s given up: %s", job.task, type(exc).__name__)
                continue
            delay = min(RETRY_BASE_SECONDS * 2 ** (attempt - 1), RETRY_MAX_SECONDS)
            log.warning("job %s failed (%s), again in %.0f s", job.task, type(exc).__name__, delay)
            queue.put_back(
                replace(job, attempt=attempt, run_at=svc.now() + timedelta(seconds=delay))
            )
    return ran


def start_loops(
    svc: Services, loops: Sequence[background.BackgroundLoop], stop: threading.Event
) -> list[threading.Thread]:
    """Each long-running loop in a thread of its own, until ``stop`` is set (the worker
    and ``serve`` both start theirs here); the caller joins the threads once it has set
    ``stop``."""
    threads = [
        threading.Thread(target=loop, args=(svc, stop), name=_thread_name(loop), daemon=True)
        for loop in loops
    ]
    for thread in threads:
        thread.start()
    return threads


def _thread_name(loop: background.BackgroundLoop) -> str:
    """``fairscreen-sequencer`` for ``run_sequencer`` (or a partial of it): the name a
    thread dump or a profiler shows."""
    function = loop.func if isinstance(loop, functools.partial) else loop
    return "fairscreen-" + getattr(function, "__name__", "loop").removeprefix("run_")


async def run_in_process(svc: Services, interval: float) -> None:
    """Tick, deliver and run due jobs every ``interval`` seconds (jobs at least every
    second), each on its own, until cancelled (in worker threads: the service is
    blocking I/O)."""
    allow_private = svc.config.webhook_private_targets
    others = [
        asyncio.create_task(
            _every(
                interval,
                lambda: deliver(svc, lambda: tenant_async_client(allow_private=allow_private)),
                "webhook delivery",
            )
        ),
        asyncio.create_task(_every(min(interval, 1.0), lambda: run_jobs(svc), "jobs")),
    ]
    try:
        await _every(interval, lambda: tick(svc), "tick")
    finally:
        for task in others:
            task.cancel()
        for task in others:
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""``fairscreen worker``: the background tasks (``services/background.py``) on a real job
queue, procrastinate on PostgreSQL (issue 16 item 2). Run one or more beside the ``serve``
processes; none of them runs a loop of its own any more.

- Every task is a procrastinate task with retries and exponential backoff
  (``Task.attempts``); the jobs the use cases enqueue (a case's release at its window's
  end) carry their case's ``lock``, so two jobs about one case never run at once.
- The sweeps (release, purge, publish, webhooks) are procrastinate periodic tasks: each
  period's job is deferred once across all workers (procrastinate's periodic defers are
  unique per task and timestamp), its ``queueing_lock`` keeps at most one waiting, and
  its ``lock`` keeps two from running at once when one overruns its period.
- The long-running loops (``background.long_running_loops``: the ledger sequencer's
  place) run in threads beside the queue, and stop with it.

The worker needs a direct (session) connection to PostgreSQL, not PgBouncer in
transaction mode: procrastinate waits for jobs with ``LISTEN`` (docs/operations.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from starlette.concurrency import run_in_threadpool

from fairscreen.adapters.db.engine import libpq_conninfo
from fairscreen.entrypoints.api.scheduler import start_loops
from fairscreen.services import background
from fairscreen.services.context import Services

log = logging.getLogger("fairscreen.worker")


def cron_for(seconds: int) -> str:
    """A period as a procrastinate cron line (a sixth field is seconds)."""
    if seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{seconds}"
    if seconds % 60 == 0 and 60 % (seconds // 60) == 0:
        return f"*/{seconds // 60} * * * *"
    raise ValueError(f"a period of {seconds} s does not divide a minute or an hour")


#: the queue's own upkeep: jobs of a dead worker run again
RETRY_STALLED = "retry_stalled_jobs"
RETRY_STALLED_EVERY = 60
#: a worker silent this long (no heartbeat) is dead; procrastinate beats every 10 s
STALLED_AFTER_SECONDS = 60.0
#: the pause before the job queue starts again after it ended unasked (run_worker):
#: doubled each time it ends again within QUEUE_HEALTHY_SECONDS, up to the maximum
QUEUE_RESTART_SECONDS = 2.0
QUEUE_RESTART_MAX_SECONDS = 60.0
QUEUE_HEALTHY_SECONDS = 300.0


def procrastinate_app(svc: Services) -> procrastinate.App:
    """Procrastinate's app with every background task registered on it, and the upkeep
    that runs again the jobs of a worker that died (kill -9, a lost machine): they stay
    ``doing`` with its id until then (procrastinate's own recipe)."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_conninfo(svc.engine))
    )
    for task in background.TASKS.values():
        _register(app, svc, task)

    async def retry_stalled_jobs(timestamp: int | None = None) -> int:
        stalled = list(
            await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS)
        )
        failed = 0
        for job in stalled:  # each on its own: one that cannot go back must not hold up the rest
            try:
                await _run_again(app, job)
            except procrastinate.exceptions.ProcrastinateException as error:
                failed += 1
                log.error("job %s of a dead worker: %s", job.task_name, type(error).__name__)
        if failed:
            raise StalledJobsLeft(f"{failed} of {len(stalled)} stalled jobs could not run again")
        return len(stalled)

    app.periodic(
        cron=cron_for(RETRY_STALLED_EVERY), periodic_id=RETRY_STALLED, queueing_lock=RETRY_STALLED
    )(app.task(name=RETRY_STALLED, pass_context=False)(retry_stalled_jobs))
    return app


class StalledJobsLeft(RuntimeError):
    """The upkeep put some of a dead worker's jobs back, not all (each named in the log):
    its own job fails, and the next period's tries the rest again."""


async def _run_again(app: procrastinate.App, job: procrastinate.jobs.Job) -> None:
    """A dead worker's job, back in the queue. A sweep's job (it has a ``queueing_lock``:
    at most one job of a sweep waits) whose next job waits already is ended ``aborted``
    instead: putting it back would make two wait, which the queueing lock refuses, and
    the waiting job does the whole sweep (a sweep takes no arguments)."""
    try:
        await app.job_manager.retry_job(job)
    except procrastinate.exceptions.UniqueViolation as error:
        if job.queueing_lock is None or "queueing_lock" not in (error.constraint_name or ""):
            raise
        await app.job_manager.finish_job(job, status=Status.ABORTED, delete_job=False)
        log.warning("job %s of a dead worker ends: the sweep's next job waits", job.task_name)
        return
    log.warning("job %s of a dead worker runs again", job.task_name)


def _register(app: procrastinate.App, svc: Services, task: background.Task) -> None:
    retry = procrastinate.RetryStrategy(max_attempts=task.attempts - 1, exponential_wait=2)
    options: dict[str, Any] = {"name": task.name, "retry": retry, "pass_context": False}
    if task.every is None:

        def body(context: procrastinate.JobContext, **kwargs: Any) -> int:
            assert context.job is not None
            return background.run_task(svc, task.name, kwargs, attempt=context.job.attempts)

        app.task(**{**options, "pass_context": True})(body)
        return

    def sweep(timestamp: int | None = None) -> int:
        """A periodic job: ``timestamp`` is its tick (procrastinate's; a job deferred by
        ``--once`` has none). A sweep takes no arguments."""
        return background.run_task(svc, task.name, {})

    app.periodic(
        cron=cron_for(task.every),
        periodic_id=task.name,
        queueing_lock=task.name,
        lock=task.lock,
    )(app.task(**options)(sweep))


def _defer_every_sweep(app: procrastinate.App) -> None:
    """One job of each periodic task now (``--once``: a sweep of everything), the
    upkeep first."""
    sweeps = [(RETRY_STALLED, None)] + [
        (task.name, task.lock) for task in background.TASKS.values() if task.every is not None
    ]
    for name, lock in sweeps:
        try:
            app.configure_task(name, queueing_lock=name, lock=lock).defer()
        except AlreadyEnqueued:
            log.debug("%s already waiting", name)  # that job does this sweep


async def run_worker(
    svc: Services,
    *,
    concurrency: int = 2,
    once: bool = False,
    stop: asyncio.Event | None = None,
    loops: Sequence[background.BackgroundLoop] | None = None,
) -> None:
    """Run the job queue (and the long-running loops) until ``stop`` is set; ``once``:
    defer one of each sweep, run every job that is due, and return."""
    app = procrastinate_app(svc)
    halt = threading.Event()
    threads = start_loops(svc, background.long_running_loops() if loops is None else loops, halt)
    # said once the loops run: a supervisor (or the failure drill) learns the worker is up
    loops_said = "1 loop" if len(threads) == 1 else f"{len(threads)} loops"
    log.info("worker started: %d jobs at once, %s beside the queue", concurrency, loops_said)

    def queue() -> asyncio.Task[None]:
        return asyncio.create_task(
            app.run_worker_async(
                concurrency=concurrency,
                wait=not once,
                install_signal_handlers=False,
                delete_jobs="successful",
                name="fairscreen",
            )
        )

    try:
        async with app.open_async():
            if once:
                await run_in_threadpool(_defer_every_sweep, app)
            if once or stop is None:
                await queue()
                return
            stopping = asyncio.create_task(stop.wait())
            pause = QUEUE_RESTART_SECONDS
            while not stopping.done():
                began = time.monotonic()
                worker = queue()
                await asyncio.wait({worker, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping.done():
                    worker.cancel()  # procrastinate finishes the running jobs, then stops
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker
                    return
                # Ended unasked: procrastinate stops its worker, quietly, when one of its
                # side tasks fails (the periodic deferrer waiting past lock_timeout on a
                # frozen peer's lock, a database restart), after letting its running jobs
                # finish. The process would then run the loops alone, or exit 0 with no
                # job run. The queue starts again instead, after a pause that doubles
                # while it keeps ending soon after starting (a lasting fault, which every
                # line in the log names) and is reset once it ran a while.
                if time.monotonic() - began >= QUEUE_HEALTHY_SECONDS:
                    pause = QUEUE_RESTART_SECONDS
                failure = worker.exception()
                why = "ended" if failure is None else f"failed ({type(failure).__name__})"
                log.error("the job queue %s; it starts again in %g s", why, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stopping), pause)
                pause = min(pause * 2, QUEUE_RESTART_MAX_SECONDS)
    finally:
        halt.set()
        for thread in threads:
            await run_in_threadpool(thread.join, 10)

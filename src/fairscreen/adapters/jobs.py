"""Background jobs: what a use case asks to be done later, and the two queues that keep it
(issue 16 item 2).

A use case enqueues a :class:`Job` on its unit of work; the job is handed to the queue in
the same transaction as the state change that causes it, so both commit or neither does
(a review window opened and its release job, never one without the other).

- :class:`ProcrastinateQueue` (PostgreSQL): the job is a row of procrastinate's
  ``procrastinate_jobs``, inserted through the unit of work's own connection
  (procrastinate defers through a given connection), so it commits with the change.
  ``fairscreen worker`` runs them: retries with backoff, ``lock`` (jobs sharing one run
  one at a time), ``queueing_lock`` (at most one waiting), periodic sweeps deduplicated
  across workers.
- :class:`InProcessQueue` (the SQLite default): nothing durable; after the commit the job
  goes to the process's in-process runner (``entrypoints/api/scheduler.py``), which runs
  the same task functions. A job lost with the process is made good by the periodic
  sweeps, which find every due release and purge from the data itself.

The task functions themselves are services (``services/background.py``); this module
knows only their names and arguments.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

log = logging.getLogger("fairscreen.jobs")


@dataclass(frozen=True, slots=True)
class Job:
    #: the task's name (``services/background.TASKS``)
    task: str
    #: its keyword arguments: ids and codes only, never personal data (they sit in a
    #: plaintext table)
    args: Mapping[str, str] = field(default_factory=dict)
    #: jobs sharing a lock never run at the same time
    lock: str | None = None
    #: at most one job with this name waits to run; another is dropped
    queueing_lock: str | None = None
    #: not before this moment (None: at once)
    run_at: datetime | None = None
    #: failed tries so far (the in-process runner's count; procrastinate keeps its own)
    attempt: int = 0


class JobQueue(Protocol):
    def enqueue(self, connection: Connection, jobs: Sequence[Job]) -> None:
        """Record ``jobs`` in the transaction open on ``connection`` (before commit)."""

    def committed(self, jobs: Sequence[Job]) -> None:
        """The transaction that enqueued ``jobs`` committed."""


class ProcrastinateQueue:
    """Jobs as procrastinate rows, inserted on the unit of work's connection."""

    def __init__(self) -> None:
        import procrastinate

        # Never opened: every defer goes through the caller's connection, not a pool.
        self._app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())

    def enqueue(self, connection: Connection, jobs: Sequence[Job]) -> None:
        from procrastinate.exceptions import AlreadyEnqueued

        raw = connection.connection.driver_connection
        for job in jobs:
            options: dict[str, Any] = {"connection": raw}
            if job.lock is not None:
                options["lock"] = job.lock
            if job.queueing_lock is not None:
                options["queueing_lock"] = job.queueing_lock
            if job.run_at is not None:
                options["schedule_at"] = job.run_at
            deferrer = self._app.configure_task(job.task, **options)
            if job.queueing_lock is None:
                deferrer.defer(**job.args)
                continue
            # A job of that queueing lock already waits: it does this one's work. The
            # savepoint keeps the refused insert from aborting the caller's transaction.
            try:
                with connection.begin_nested():
                    deferrer.defer(**job.args)
            except AlreadyEnqueued:
                log.debug("job %s already waiting (%s)", job.task, job.queueing_lock)

    def committed(self, jobs: Sequence[Job]) -> None:
        """Procrastinate's trigger notified the workers at commit: nothing to do."""


class InProcessQueue:
    """Jobs handed, once committed, to this process's in-process runner. At most
    ``limit`` wait (a server run with its runner off, ``--scheduler-interval 0``, would
    otherwise keep every job for ever); past it a job is dropped with a warning, and the
    sweeps do its work."""

    def __init__(self, limit: int = 100_000) -> None:
        self._limit = limit
        self._waiting: list[Job] = []
        self._guard = threading.Lock()

    def enqueue(self, connection: Connection, jobs: Sequence[Job]) -> None:
        """Nothing to write: the job exists only once its transaction committed."""

    def committed(self, jobs: Sequence[Job]) -> None:
        with self._guard:
            waiting = {j.queueing_lock for j in self._waiting if j.queueing_lock is not None}
            for job in jobs:
                if job.queueing_lock is not None and job.queueing_lock in waiting:
                    continue
                if len(self._waiting) >= self._limit:
                    log.warning(
                        "in-process job queue full: %s dropped, left to the sweeps", job.task
                    )
                    continue
                self._waiting.append(job)
                if job.queueing_lock is not None:
                    waiting.add(job.queueing_lock)

    def take_due(self, now: datetime) -> list[Job]:
        """Remove and return the jobs whose time has come (``now``: the service's clock)."""
        with self._guard:
            due = [j for j in self._waiting if j.run_at is None or j.run_at <= now]
            self._waiting = [j for j in self._waiting if not (j.run_at is None or j.run_at <= now)]
        return due

    def put_back(self, job: Job) -> None:
        """A job to try again later (its ``run_at`` moved on by the runner)."""
        self.committed([job])

    def waiting(self) -> tuple[Job, ...]:
        with self._guard:
            return tuple(self._waiting)

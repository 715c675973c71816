"""The background tasks (issue 16 item 2): what runs apart from requests, the same
functions whichever runs them.

- On PostgreSQL ``fairscreen worker`` runs them as procrastinate tasks
  (``entrypoints/worker.py``): the periodic ones once per period across all workers, each
  with retries and backoff, and jobs sharing a ``lock`` one at a time.
- On SQLite ``serve`` runs them in-process (``entrypoints/api/scheduler.py``).

Every task is safe to run twice or beside itself: a release or a purge locks the rows it
changes and reads them again as committed (``review._release_where``,
``retention.purge``), so two runners (two workers, a worker and the CLI's ``purge``)
never do one thing twice. Tasks that release, destroy or publish first check the log
against its high-water mark: a database put back from an older backup must not revive
what the newer log had revoked (docs/operations.md).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fairscreen.adapters.outbound import tenant_async_client
from fairscreen.domain.errors import AuthorizationRefused, CaseDestroyed, InvalidTransition
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import (
    evidence_checks,
    investigation,
    retention,
    review,
    sequencer,
    transparency,
    webhooks,
    witnessing,
)
from fairscreen.services.context import Actor, Services
from fairscreen.services.jobs import (
    CHECK_EVIDENCE,
    COLLECT_WEBHOOKS,
    DELIVER_WEBHOOKS,
    EVIDENCE_SWEEP,
    INVESTIGATE,
    PUBLISH,
    PURGE_SWEEP,
    RELEASE_CASE,
    RELEASE_SWEEP,
)

log = logging.getLogger("fairscreen.background")


def guard(svc: Services) -> None:
    """Raise ``LogRolledBack`` when the database is older than the log it replaced (the
    mark raised when no other process holds it: a job is not held up by one frozen)."""
    transparency.follow_high_water(svc, wait=False)


def investigate_case(
    svc: Services, case_id: str, role: str, actor_id: str, *, last_try: bool
) -> int:
    """Steps 2 and 3 of an investigation started in the background
    (``investigation.start_investigation``): while sources are down and tries are left,
    fail so the queue tries again with backoff; on the last try rate what came back. A
    case that left investigation meanwhile (withdrawn, revoked, destroyed) is left as it
    is: 0."""
    actor = Actor(ActorRole(role), actor_id)
    try:
        investigation.continue_investigation(svc, actor, case_id, last_try=last_try)
    except (InvalidTransition, AuthorizationRefused, CaseDestroyed) as exc:
        log.info("investigation of a case not investigated any more: %s", exc.code)
        return 0
    return 1


def release_case(svc: Services, case_id: str) -> int:
    return int(review.release_case_if_due(svc, case_id))


def release_sweep(svc: Services) -> int:
    return len(review.release_due(svc))


def purge_sweep(svc: Services) -> int:
    return len(retention.purge(svc).destroyed)


def publish_checkpoint(svc: Services) -> int:
    """One round of the ledger's sequencer (integrate what is pending, publish when the
    log grew), under the sequencer's lease, so it is skipped while a sequencer loop runs
    elsewhere; then ask the witnesses to cosign the latest checkpoint (a witness down or
    refusing is logged there and asked again next time)."""
    sequencer.sequence_round(svc, witnesses=False)
    witnessing.request_cosignatures(svc)
    return 0


def collect_webhooks(svc: Services) -> int:
    return webhooks.collect_events(svc)


def deliver_webhooks(svc: Services) -> int:
    """Send the due webhook messages (each with its own deadline, services/webhooks.py);
    how many were delivered."""
    allow_private = svc.config.webhook_private_targets
    report = webhooks.deliver_due(svc, lambda: tenant_async_client(allow_private=allow_private))
    return report.delivered


@dataclass(frozen=True, slots=True)
class Task:
    name: str
    #: ``run(svc, **args)``: a count of what it did (released, destroyed, queued, sent)
    run: Callable[..., int]
    #: seconds between periodic runs; None: only when a use case enqueues it
    every: int | None
    #: jobs of one lock never run at the same time (a periodic task: its own name)
    lock: str | None
    #: checks the log's high-water mark first (releases, destroys or publishes)
    guarded: bool
    #: tries before the job is given up (procrastinate marks it failed; it is logged)
    attempts: int = 5
    #: ``run`` is told whether this is its last try (``last_try=``)
    knows_last_try: bool = False


TASKS: Mapping[str, Task] = {
    task.name: task
    for task in (
        # lock None: the job's own lock (the case's) comes with it when enqueued
        Task(RELEASE_CASE, release_case, None, None, guarded=True),
        # 10 tries, 2 s doubling: about half an hour of a source down before the case is
        # rated with the categories it could not answer marked incomplete
        Task(INVESTIGATE, investigate_case, None, None, False, attempts=10, knows_last_try=True),
        Task(RELEASE_SWEEP, release_sweep, 60, RELEASE_SWEEP, guarded=True),
        Task(PURGE_SWEEP, purge_sweep, 300, PURGE_SWEEP, guarded=True),
        Task(PUBLISH, publish_checkpoint, 10, PUBLISH, guarded=True),
        Task(COLLECT_WEBHOOKS, collect_webhooks, 5, COLLECT_WEBHOOKS, guarded=False),
        Task(DELIVER_WEBHOOKS, deliver_webhooks, 5, DELIVER_WEBHOOKS, guarded=False),
        # an evidence file's content check: parses the file, then records the verdict
        # once (services/evidence_checks.py); the sweep takes what a lost job left
        Task(CHECK_EVIDENCE, evidence_checks.check_evidence_file, None, None, guarded=False),
        Task(EVIDENCE_SWEEP, evidence_checks.check_pending_evidence, 60, EVIDENCE_SWEEP, False),
    )
}


def run_task(svc: Services, name: str, args: Mapping[str, Any], *, attempt: int = 0) -> int:
    """Run one task by name (what a worker or the in-process runner calls); ``attempt``:
    the tries that failed before this one."""
    task = TASKS[name]
    if task.guarded:
        guard(svc)
    if task.knows_last_try:
        return task.run(svc, **args, last_try=attempt + 1 >= task.attempts)
    return task.run(svc, **args)


#: A loop that runs for as long as the process does, until ``stop`` is set; started
#: in a thread of its own (``entrypoints/api/scheduler.start_loops``) by ``fairscreen
#: worker`` and by ``serve``.
BackgroundLoop = Callable[[Services, threading.Event], None]


def long_running_loops(*, sequencer_interval: float | None = None) -> tuple[BackgroundLoop, ...]:
    """The loops every worker starts beside the job queue, and ``serve`` beside its
    requests when it is given a ``sequencer_interval`` (seconds between rounds;
    ``--sequencer-interval``; None: the sequencer's own default): the ledger's sequencer
    (services/sequencer.py; only the holder of its lease works, the others wait their
    turn, so any number of workers and ``serve`` processes may run it).
    :data:`PUBLISH` stays a periodic task: a round of the same sequencer, under the same
    lease, so checkpoints go on where no loop runs (a worker with ``--once``)."""
    if sequencer_interval is None:
        return (sequencer.run_sequencer,)
    return (functools.partial(sequencer.run_sequencer, interval=sequencer_interval),)

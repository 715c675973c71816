"""The background tasks' names and the jobs the use cases enqueue (issue 16 item 2).

A module of names only, so a procedure can enqueue a job without importing the task
functions (``services/background.py``, which imports the procedures).
"""

from __future__ import annotations

from datetime import datetime

from fairscreen.adapters.jobs import Job

#: an investigation's source queries, rating and review (tried again while sources are down)
INVESTIGATE = "investigate_case"
#: one case's release at its review window's end
RELEASE_CASE = "release_case"
#: every release due (the backstop of RELEASE_CASE: a job lost, a window set before jobs)
RELEASE_SWEEP = "release_sweep"
#: every destruction due (P6)
PURGE_SWEEP = "purge_sweep"
#: a checkpoint when the log grew, and the witnesses' cosignatures
PUBLISH = "publish_checkpoint"
#: new ledger events into webhook outbox rows
COLLECT_WEBHOOKS = "collect_webhooks"
#: the due webhook messages sent
DELIVER_WEBHOOKS = "deliver_webhooks"
#: one evidence file's content check (enqueued with the dispute that brought it)
CHECK_EVIDENCE = "check_evidence_file"
#: every evidence file still unchecked a while after upload (the backstop of CHECK_EVIDENCE)
EVIDENCE_SWEEP = "evidence_check_sweep"


def case_lock(case_id: str) -> str:
    """The lock of every job about one case: they run one at a time."""
    return f"case:{case_id}"


def release_job(case_id: str, window_ends: datetime) -> Job:
    return Job(RELEASE_CASE, {"case_id": case_id}, lock=case_lock(case_id), run_at=window_ends)


def investigate_job(case_id: str, role: str, actor_id: str) -> Job:
    return Job(
        INVESTIGATE,
        {"case_id": case_id, "role": role, "actor_id": actor_id},
        lock=case_lock(case_id),
    )


def evidence_check_job(case_id: str, file_id: str) -> Job:
    return Job(CHECK_EVIDENCE, {"case_id": case_id, "file_id": file_id}, lock=case_lock(case_id))

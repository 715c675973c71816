"""The content check of a candidate's evidence file, in the background (issue 16 item 2).

A dispute's photo or PDF (up to 10 MB) is stored by the request as it streams in, after a
check of its first bytes only (``evidence_files.EvidenceUpload.checked``), and marked
``pending``; the job ``check_evidence_file`` is enqueued in the dispute's own transaction
(``review.open_dispute``), so a committed file always has its check and a rolled-back one
never does. The job:

1. reads the file (a read snapshot, no writer lock) and parses it whole as its type
   (``evidence_files.inspect_file``), outside any transaction that writes;
2. in a writer transaction, locks the file's row and, if it is still ``pending``, marks
   it ``accepted``, or ``rejected`` with a reason, its content deleted at once.

Running it twice, or beside the sweep, gives one result: the second finds the file no
longer pending and does nothing. A run killed before step 2 committed left nothing
behind and runs again (procrastinate's retries, the upkeep of a dead worker's jobs, and
on SQLite the sweep). A case destroyed meanwhile has no file left to check.

The agency opens a file only once accepted (``portal_queries.evidence_file``). The files
waiting for their check are a gauge of ``/metrics``:
``fairscreen_evidence_checks_pending_count`` and ``…_oldest_age_seconds``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from fairscreen.adapters.db.gauges import table_backlog
from fairscreen.domain.errors import InvalidTransition, NotFound
from fairscreen.services.context import Services
from fairscreen.services.evidence_files import FileCheck, inspect_file
from fairscreen.services.gauges import register_probe

log = logging.getLogger("fairscreen.evidence")

#: how long after upload a file still unchecked is the sweep's to check: its own job
#: runs within seconds; one lost (an in-process queue gone with its process) or given up
#: is picked up after this
SWEEP_AFTER = timedelta(minutes=2)

register_probe(
    partial(
        table_backlog,
        table="evidence_files",
        created_column="created_at",
        metric="fairscreen_evidence_checks_pending",
        what="Evidence files whose content check has not run yet",
        where="check_status = 'pending'",
    )
)


def check_evidence_file(svc: Services, case_id: str, file_id: str) -> int:
    """Check one evidence file's content and record the verdict: 1 when this run
    recorded it, 0 when there was nothing to do (already checked, or gone)."""
    # 1. read and parse, with no writer lock held
    with svc.reader() as uow:
        case = uow.repo.case(case_id)
        found = None if case is None else uow.repo.evidence_file(case, file_id)
        if case is None or found is None or found["check_status"] != FileCheck.PENDING:
            return 0
        data = b"".join(uow.repo.evidence_chunks(case, file_id, found["chunks"]))
    if len(data) != found["size"]:
        raise RuntimeError(f"evidence file {file_id}: read {len(data)} of {found['size']} bytes")
    reason = inspect_file(found["content_type"], data)
    del data
    # 2. record it, once
    with svc.uow() as uow:
        case = uow.repo.case(case_id)
        again = None if case is None else uow.repo.evidence_file(case, file_id, lock=True)
        if again is None or again["check_status"] != FileCheck.PENDING:
            return 0
        status = FileCheck.ACCEPTED if reason is None else FileCheck.REJECTED
        uow.repo.finish_evidence_check(
            file_id,
            status=status.value,
            reason=None if reason is None else reason.value,
            checked_at=svc.now(),
        )
        uow.commit()
    # ids and codes only: a file's name is the candidate's words
    log.info("evidence file %s %s%s", file_id, status.value, f" ({reason})" if reason else "")
    return 1


def check_pending_evidence(svc: Services) -> int:
    """The sweep: check every file still pending SWEEP_AFTER after its upload; how many
    this run recorded."""
    with svc.reader() as uow:
        pending = uow.repo.pending_evidence_files(svc.now() - SWEEP_AFTER)
    return sum(check_evidence_file(svc, case_id, file_id) for case_id, file_id in pending)


_File = TypeVar("_File", bound=Mapping[str, Any])


def openable(found: _File | None) -> _File:
    """A verifier opens only a file whose content check accepted it: one rejected is gone
    (not found), one still being checked is refused until its job has run."""
    if found is None or found["check_status"] == FileCheck.REJECTED:
        raise NotFound("no such evidence", key="not_found.evidence")
    if found["check_status"] != FileCheck.ACCEPTED:
        raise InvalidTransition(
            "the file is still being checked",
            field="evidence",
            key="transition.evidence_being_checked",
        )
    return found

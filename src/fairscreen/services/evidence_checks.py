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

A dispute's and a supplement's file are stored by one function (:func:`store_evidence_file`)
and opened by one (:func:`verifier_file`): the agency opens a file only once accepted. The
files waiting for their check are a gauge of ``/metrics``:
``fairscreen_evidence_checks_pending_count`` and ``…_oldest_age_seconds``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, TypeVar

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.gauges import table_backlog
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.errors import InvalidTransition, NotFound
from fairscreen.services.case_events import log_dispute_read, new_id, verifier_case
from fairscreen.services.context import Actor, Services
from fairscreen.services.evidence_files import EvidenceUpload, FileCheck, inspect_file
from fairscreen.services.gauges import register_probe
from fairscreen.services.jobs import evidence_check_job

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


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An evidence file as the request stored it: its id, its size and the SHA-256 of
    its bytes (what the ledger may name instead of the content)."""

    id: str
    size: int
    sha256: str


def _hashed(chunks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        yield chunk


def store_evidence_file(
    uow: SqlUnitOfWork,
    case: RowMapping,
    *,
    owner_id: str,
    upload: EvidenceUpload,
    content_type: str,
    now: datetime,
) -> StoredFile:
    """Store ``upload`` (its first bytes already ``checked`` as ``content_type``) for the
    dispute or supplement ``owner_id``, encrypted in chunks as it streams in, pending its
    content check; the check's job is enqueued in this transaction, so the file commits
    (or not) with its dispute or supplement."""
    digest = hashlib.sha256()
    file_id = new_id("evf")
    size = uow.repo.add_evidence_file(
        case,
        file_id=file_id,
        dispute_id=owner_id,
        content_type=content_type,
        filename=upload.safe_name,
        chunks=_hashed(upload.chunks(), digest),
        created_at=now,
    )
    uow.enqueue(evidence_check_job(str(case["id"]), file_id))
    return StoredFile(file_id, size, digest.hexdigest())


#: what a verifier's read of each owner's file is logged as (P5)
_FILE_READS = {"dispute": "dispute_evidence", "supplement": "supplement_file"}


def verifier_file(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    owner: Literal["dispute", "supplement"],
    owner_id: str,
    file_id: str,
) -> tuple[dict[str, Any], list[bytes]]:
    """For the case's verifier: one evidence file of an open dispute or of a supplement
    (``owner``), its description and its bytes as the chunks it was stored in (never
    joined: the file is held in memory once). Only a file whose content check accepted
    it (:func:`openable`). Logged as a read before the data leaves (P5)."""
    with svc.uow() as uow:
        case = verifier_case(uow, actor, case_id, reading=True)
        found = next(
            (
                f
                for f in uow.repo.evidence_files(case)
                if f["id"] == file_id and f["dispute_id"] == owner_id
            ),
            None,
        )
        # a dispute or a supplement answered has no evidence to open any more (their
        # files share one table: the owner's id is looked up among its own kind)
        if owner == "dispute":
            owners = uow.repo.disputes(case, with_texts=False)
        else:
            owners = uow.repo.supplements(case, with_texts=False)
        owned = any(o["id"] == owner_id and o["outcome"] is None for o in owners)
        if not owned:
            raise NotFound("no such evidence", key="not_found.evidence")
        found = openable(found)
        chunks = list(uow.repo.evidence_chunks(case, file_id, found["chunks"]))
        log_dispute_read(svc, uow, case, actor, _FILE_READS[owner])
        uow.commit()
    return found, chunks

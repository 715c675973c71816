"""Read-only queries the web portals need beyond the HTTP API's (issue 5 item 3).

Each follows the screening service's visibility rule: a case that is not the caller's
does not exist for them (``NotFound``), so a page never tells another tenant's id from a
missing one. Reads of personal content that the portals show (notices, the records and
evidence of an open dispute) are logged in the ledger like any other report read (P5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.selfid_tables import self_identifications
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.categories import SENSITIVE, Category, Tier, allowed_categories
from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.lifecycle import deletion_due
from fairscreen.ledger.entries import ActorRole, ReasonCode
from fairscreen.services.case_events import (
    claim_of,
    dispute_summaries,
    log_dispute_read,
    log_read,
    verifier_case,
    visible_case,
)
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.evidence_files import parse_evidence

#: Categories a profile of this tier may carry, and the ones needing a legal basis
#: (PRODUCT.md P2: criminal record and health certificate only where a law requires).
LEGAL_BASIS_REQUIRED = frozenset({Category.CRIMINAL_RECORD, Category.HEALTH_CERTIFICATE})


def tier_categories(svc: Services, tier: str) -> list[dict[str, Any]]:
    """What a profile of ``tier`` may ask for: each category, whether it is sensitive
    (separate consent), whether it needs a legal basis, and its default lookback in
    years where the rulebook measures one (None: no lookback applies)."""
    try:
        chosen = Tier(tier)
    except ValueError as exc:
        raise InvalidInput(
            "must be standard, trust or safety",
            field="tier",
            key="input.must_standard_trust_safety",
        ) from exc
    allowed = allowed_categories(chosen)
    return [
        {
            "category": c.value,
            "sensitive": c in SENSITIVE,
            "legal_basis_required": c in LEGAL_BASIS_REQUIRED,
            "lookback": svc.rulebook.default_lookback_years.get(c),
        }
        for c in Category
        if c in allowed
    ]


def list_agencies(svc: Services, actor: Actor) -> list[dict[str, str]]:
    """The agencies an employer may name when ordering (organisations, no personal data)."""
    require_role(actor, ActorRole.EMPLOYER)
    query = sa.select(t.tenants.c.id, t.tenants.c.name).where(t.tenants.c.kind == "agency")
    with svc.engine.connect() as connection:
        rows = connection.execute(query.order_by(t.tenants.c.name)).mappings().all()
    return [{"id": str(r["id"]), "name": str(r["name"])} for r in rows]


#: The notices of the two-step adverse decision (``services/decision.py``).
ADVERSE_NOTICE_KINDS = frozenset({"pre_adverse", "adverse_response", "adverse_action"})


def case_notices(svc: Services, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    """The notices of an adverse decision, oldest first (PRODUCT.md P4): the pre-adverse
    notice, the candidate's answers to it and the adverse-action notice. The candidate
    receives the notices and the employer sees what was sent and answered.

    The read is logged whether or not there are notices: the case pages ask on every
    decided case, and a read logged only where notices exist would mark, in the public
    log, each visit to a case turned down in two steps (PRODUCT.md §6)."""
    require_role(actor, ActorRole.CANDIDATE, ActorRole.EMPLOYER)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        notices = [n for n in uow.repo.notices(case) if n["kind"] in ADVERSE_NOTICE_KINDS]
        log_read(
            svc,
            uow,
            case,
            actor,
            why="decision_notices",
            reason=ReasonCode.CANDIDATE_REVIEW
            if actor.role is ActorRole.CANDIDATE
            else ReasonCode.EMPLOYER_VIEW,
        )
        uow.commit()
    return notices


def candidate_to_invite(svc: Services, actor: Actor, case_id: str) -> str | None:
    """The candidate id the employer hands to the candidate, from the case itself, while
    the case waits for their signature; None once signed."""
    require_role(actor, ActorRole.EMPLOYER)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id, allow_destroyed=True)
        return str(case["subject_id"]) if case["state"] == "ordered" else None


def runs_own_checks(svc: Services, actor: Actor, case_id: str) -> bool:
    """Whether the employer runs this case's checks itself (ordered without an agency:
    "不委托机构（由本单位核查）"), so its portal offers the investigation the agency desk
    would run, through the same service and source adapters (issue 13 item 4)."""
    require_role(actor, ActorRole.EMPLOYER)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id, allow_destroyed=True)
        return case["agency_id"] is None


def decision_of(svc: Services, actor: Actor, case_id: str) -> dict[str, Any] | None:
    """The decision recorded on the employer's own case (outcome, reason, time)."""
    require_role(actor, ActorRole.EMPLOYER)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        return uow.repo.decision(case)


@dataclass(frozen=True, slots=True)
class DisputeFile:
    """A dispute as the agency handles it: the records behind the finding and the
    candidate's evidence, if any."""

    dispute_id: str
    finding_id: str
    records: list[dict[str, Any]]
    evidence: dict[str, Any] | None
    #: the evidence files sent with the dispute (id, content_type, size, filename)
    files: list[dict[str, Any]]
    #: the candidate's claim the finding answers (``case_events.claim_of``), or None
    claim: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class DisputeDesk:
    """What whoever verifies a case needs to answer its disputes: every dispute (open
    and answered, with the candidate's statement), the disputed findings only (never the
    rest of the report: an employer checking its own case sees no more of it before
    release than it must answer), and each open dispute's records and evidence."""

    disputes: list[dict[str, Any]]
    findings: dict[str, dict[str, Any]]
    files: dict[str, DisputeFile]


def dispute_desk(
    svc: Services, actor: Actor, case_id: str, *, answering: bool = False
) -> DisputeDesk:
    """For the case's verifier (its agency, or the employer of an own-check case): the
    disputes to answer (``DisputeDesk``). Logged as a read for a dispute. ``answering``:
    read to build an answer (a correction's records), so the employer of an agency's case
    is refused as the answer itself refuses it (``PermissionDenied``), not told there is
    nothing to read (``verifier_case``)."""
    with svc.uow() as uow:
        case = verifier_case(uow, actor, case_id, reading=not answering)
        disputes = dispute_summaries(uow, case)
        report = uow.repo.report(case) or {}
        disputed = {d["finding_id"] for d in disputes}
        findings = {f["id"]: f for f in report.get("findings", []) if f["id"] in disputed}
        files = _dispute_files(uow, case, findings)
        if disputes:
            log_dispute_read(svc, uow, case, actor, "dispute_records")
        uow.commit()
    return DisputeDesk(disputes=disputes, findings=findings, files=files)


def _dispute_files(
    uow: SqlUnitOfWork, case: RowMapping, findings: dict[str, dict[str, Any]]
) -> dict[str, DisputeFile]:
    records = {r["id"]: r for r in uow.repo.records(case)}
    files: dict[str, DisputeFile] = {}
    uploaded = uow.repo.evidence_files(case)
    for dispute in uow.repo.disputes(case):
        if dispute["outcome"] is not None:
            continue
        finding = findings.get(dispute["finding_id"], {})
        files[dispute["id"]] = DisputeFile(
            dispute_id=dispute["id"],
            finding_id=dispute["finding_id"],
            records=[records[r] for r in finding.get("records", []) if r in records],
            evidence=parse_evidence(dispute["evidence"]),
            files=[f for f in uploaded if f["dispute_id"] == dispute["id"]],
            claim=claim_of(uow, case, finding),
        )
    return files


def own_evidence_files(
    svc: Services, actor: Actor, case_id: str
) -> dict[str, list[dict[str, Any]]]:
    """For the candidate: the evidence files sent with each dispute (by dispute id), with
    where each one's content check stands (pending, accepted, or rejected and why); no
    content."""
    require_role(actor, ActorRole.CANDIDATE)
    found: dict[str, list[dict[str, Any]]] = {}
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        for item in uow.repo.evidence_files(case):
            found.setdefault(item["dispute_id"], []).append(item)
    return found


def dispute_deadlines(svc: Services, actor: Actor) -> dict[str, datetime]:
    """For the agency's queue: each of its cases with an open dispute, and the earliest
    deadline among them (P4: answered within 15 days). Ids and times only."""
    require_role(actor, ActorRole.AGENCY)
    query = (
        sa.select(t.disputes.c.case_id, sa.func.min(t.disputes.c.due_at))
        .select_from(t.disputes.join(t.cases, t.cases.c.id == t.disputes.c.case_id))
        .where(t.cases.c.agency_id == actor.id, t.disputes.c.outcome.is_(None))
        .group_by(t.disputes.c.case_id)
    )
    with svc.engine.connect() as connection:
        rows = connection.execute(query).all()
    return {str(case_id): due for case_id, due in rows}


def supplements_to_answer(svc: Services, actor: Actor) -> set[str]:
    """For the agency's queue: its cases with a supplementary document waiting for an
    answer (补充材料, in review or in the pre-adverse wait). Ids only."""
    require_role(actor, ActorRole.AGENCY)
    query = (
        sa.select(t.supplements.c.case_id)
        .select_from(t.supplements.join(t.cases, t.cases.c.id == t.supplements.c.case_id))
        .where(t.cases.c.agency_id == actor.id, t.supplements.c.outcome.is_(None))
        .distinct()
    )
    with svc.engine.connect() as connection:
        return {str(case_id) for case_id in connection.execute(query).scalars()}


@dataclass(frozen=True, slots=True)
class DeletionRequest:
    """The candidate's pending deletion request: when it was made and the day by which
    it is carried out (PRODUCT.md P6: within 15 days; an open dispute or a legal hold
    defers a case, with the reason recorded)."""

    requested_at: datetime
    due: datetime


def deletion_request(svc: Services, actor: Actor) -> DeletionRequest | None:
    """The caller's own deletion request as ``retention.request_deletion`` recorded it
    (``subjects.deletion_requested_at``), or None. Times only: nothing is decrypted."""
    require_role(actor, ActorRole.CANDIDATE)
    query = sa.select(t.subjects.c.deletion_requested_at).where(t.subjects.c.id == actor.id)
    with svc.engine.connect() as connection:
        requested = connection.execute(query).scalar_one_or_none()
    if requested is None:
        return None
    due = deletion_due(svc.config.retention, requested)
    return DeletionRequest(requested_at=requested, due=due)


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revoked authorization: when, and when the case's data is due for destruction
    (kept after a revocation only once the report was released and decided, P1)."""

    revoked_at: datetime
    destruction_due: datetime | None


def revocation(svc: Services, actor: Actor, case_id: str) -> Revocation | None:
    """Whether the candidate revoked the authorization of their own case, and when; None
    when it stands (or was never signed). Another candidate's case reads as None: the
    page has already asked ``case_queries.case_summary``, which says ``NotFound``."""
    require_role(actor, ActorRole.CANDIDATE)
    query = (
        sa.select(t.authorizations.c.revoked_at, t.cases.c.destruction_due)
        .select_from(t.authorizations.join(t.cases, t.cases.c.id == t.authorizations.c.case_id))
        .where(t.cases.c.id == case_id, t.cases.c.subject_id == actor.id)
    )
    with svc.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.revoked_at is None:
        return None
    return Revocation(revoked_at=row.revoked_at, destruction_due=row.destruction_due)


@dataclass(frozen=True, slots=True)
class SelfIdentificationStatus:
    """Whether the candidate answered the voluntary questions or declined, and when —
    never the answers (PRODUCT.md §7: they are read only for aggregate reports)."""

    declined: bool
    answered_at: datetime


def self_identification_status(svc: Services, actor: Actor) -> SelfIdentificationStatus | None:
    """The caller's own self-identification status, or None when nothing is stored (never
    answered, or withdrawn: withdrawing deletes the row). Reads no encrypted column."""
    require_role(actor, ActorRole.CANDIDATE)
    table = self_identifications
    query = sa.select(table.c.declined, table.c.answered_at).where(table.c.subject_id == actor.id)
    with svc.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    return SelfIdentificationStatus(declined=bool(row.declined), answered_at=row.answered_at)

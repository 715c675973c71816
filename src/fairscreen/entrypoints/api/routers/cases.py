"""Cases: order, authorization (P1), investigation (P3), report, acceptance, disputes
and decision (P4), consent receipt and destruction certificate (P5, P6)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Response, UploadFile, status

from fairscreen.domain.bilingual import Language
from fairscreen.domain.lifecycle import CaseState
from fairscreen.entrypoints.api.deps import ActorDep, PageDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import (
    AcceptIn,
    CandidateInvitationIn,
    CandidateInvitationOut,
    CaseNoticeOut,
    CaseOut,
    DecisionIn,
    DecisionOut,
    DisputeIdsOut,
    DisputeIn,
    EmployerViewOut,
    InvestigationOut,
    NoticeOut,
    OrderIn,
    OrderOut,
    Page,
    PreAdverseIn,
    PreAdverseOut,
    ReceiptIdOut,
    ReportOut,
    ResolutionIn,
    ResponseIn,
    SignIn,
    SupplementAnswerIn,
    SupplementFileOut,
    SupplementIdOut,
    SupplementOut,
)
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import (
    authorization,
    case_queries,
    decision,
    evidence_files,
    investigation,
    invitations,
    portal_queries,
    retention,
    review,
    scope,
    supplements,
)

router = APIRouter(prefix="/v1/cases", tags=["cases"], route_class=OneTripRoute)
CaseId = Annotated[str, Path(max_length=64)]


@router.get("")
def list_cases(
    svc: ServicesDep,
    actor: ActorDep,
    page: PageDep,
    state: Annotated[CaseState | None, Query()] = None,
) -> Page[CaseOut]:
    """The caller's cases (an employer's, an agency's, a candidate's; all for an operator)."""
    rows = case_queries.list_cases(
        svc, actor, state=state.value if state else None, limit=page.limit, after=page.after
    )
    return Page[CaseOut](
        items=[CaseOut(**row) for row in rows], next_cursor=page.next_cursor(rows, "case_id")
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def order_check(svc: ServicesDep, actor: ActorDep, body: OrderIn) -> OrderOut:
    """Order a check for a role; the case waits for the candidate's signature. With
    ``invitation`` the candidate gets a link at the contact given; a message that does
    not go out leaves the order standing and says so (``invitation.sent``).

    A candidate who already has an open case with your organisation (not decided,
    withdrawn, expired or destroyed) is refused with ``409 DUPLICATE_ORDER`` (key
    ``transition.duplicate_open_case``; the detail names your latest open case of the
    candidate), nothing stored, unless ``confirm_duplicate`` is true. Only your own cases
    are consulted: another employer's check of the same person is never seen."""
    invitee = None
    if body.invitation is not None:
        asked = body.invitation
        invitee = invitations.checked_invitee(asked.name, asked.contact, asked.lang)
    case_id = scope.order_check(
        svc,
        actor,
        subject_id=body.subject_id,
        profile_id=body.profile_id,
        requested=body.requested,
        purpose=body.purpose,
        agency_id=body.agency_id,
        invitee=invitee,
        confirm_duplicate=body.confirm_duplicate,
    )
    invited = None if invitee is None else invitations.invitation_status(svc, actor, case_id)
    return OrderOut(id=case_id, invitation=None if invited is None else _invitation_out(invited))


def _invitation_out(status: invitations.InvitationStatus) -> CandidateInvitationOut:
    return CandidateInvitationOut(
        channel=status.channel,  # type: ignore[arg-type]
        destination=status.destination,
        at=status.at,
        sent=status.sent,
        reason_key=status.failure,
        left_today=status.left_today,
    )


@router.get("/{case_id}/invitation")
def candidate_invitation(
    svc: ServicesDep, actor: ActorDep, case_id: CaseId
) -> CandidateInvitationOut | None:
    """The candidate's latest invitation link (``null``: the case has no contact)."""
    status = invitations.invitation_status(svc, actor, case_id)
    return None if status is None else _invitation_out(status)


@router.post("/{case_id}/invitation", status_code=status.HTTP_201_CREATED)
def resend_invitation(
    svc: ServicesDep,
    actor: ActorDep,
    case_id: CaseId,
    body: CandidateInvitationIn | None = None,
) -> CandidateInvitationOut:
    """A new invitation link while the candidate has not signed (at most 5 a day per
    case); the body is optional. A message that did not go out is ``201`` with
    ``sent: false`` and its ``reason_key``, never a 503: the link exists and may be sent
    again."""
    asked = body or CandidateInvitationIn()
    return _invitation_out(
        invitations.resend_invitation(svc, actor, case_id, contact=asked.contact, lang=asked.lang)
    )


@router.get("/{case_id}")
def get_case(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> CaseOut:
    return CaseOut(**case_queries.case_summary(svc, actor, case_id))


@router.get("/{case_id}/authorization")
def authorization_notice(
    svc: ServicesDep,
    actor: ActorDep,
    case_id: CaseId,
    lang: Annotated[Language, Query()] = "zh-Hans",
) -> NoticeOut:
    """The authorization text to sign (every notice item), and its SHA-256."""
    notice = authorization.authorization_notice(svc, actor, case_id, lang)
    return NoticeOut(
        lang=notice.lang,
        text=notice.text,
        sha256=notice.sha256,
        categories=list(notice.categories),
        sensitive=list(notice.sensitive),
    )


@router.post("/{case_id}/authorization", status_code=status.HTTP_201_CREATED)
def sign_authorization(
    svc: ServicesDep, actor: ActorDep, case_id: CaseId, body: SignIn
) -> ReceiptIdOut:
    """Sign the text shown (its SHA-256 must match); sensitive categories separately."""
    receipt = authorization.sign_authorization(
        svc,
        actor,
        case_id,
        text_sha256=body.text_sha256,
        lang=body.lang,
        categories=body.categories,
        sensitive_consented=body.sensitive_categories_consented,
        claims=body.claims,
    )
    return ReceiptIdOut(receipt_id=receipt)


@router.post("/{case_id}/authorization/revocation", status_code=status.HTTP_204_NO_CONTENT)
def revoke_authorization(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> None:
    """Revoke at once: no further queries; data destroyed unless already decided."""
    authorization.revoke_authorization(svc, actor, case_id)


@router.get("/{case_id}/consent-receipt")
def consent_receipt(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> dict[str, Any]:
    """The consent receipt (Kantara Consent Receipt v1.1)."""
    return authorization.consent_receipt(svc, actor, case_id)


@router.post(
    "/{case_id}/investigation",
    responses={
        202: {
            "model": InvestigationOut,
            "description": "with `background=true`: started; the categories queried, no light",
        }
    },
)
def run_investigation(
    svc: ServicesDep,
    actor: ActorDep,
    case_id: CaseId,
    response: Response,
    background: Annotated[
        bool,
        Query(
            description="answer 202 at once and query the sources in the background, "
            "trying again while a source is down; the review opens when done"
        ),
    ] = False,
) -> InvestigationOut:
    """Query the sources within the effective scope, rate, open the candidate's review."""
    if background:
        started = investigation.start_investigation(svc, actor, case_id)
        response.status_code = 202
        return InvestigationOut(queried=list(started.queried), incomplete=[], light=None)
    result = investigation.run_investigation(svc, actor, case_id)
    return InvestigationOut(
        queried=list(result.queried), incomplete=list(result.incomplete), light=result.light
    )


@router.get("/{case_id}/report")
def read_report(
    svc: ServicesDep,
    actor: ActorDep,
    case_id: CaseId,
    reason: Annotated[str | None, Query(max_length=200)] = None,
) -> ReportOut:
    """The full report: the candidate first, the case's agency for disputes, an operator
    only with a ``reason`` (recorded in the ledger)."""
    result = review.read_report(svc, actor, case_id, reason=reason)
    return ReportOut(
        case_id=result["case_id"],
        state=result["state"],
        report=result["report"],
        window_ends=result.get("window_ends"),
        disputes=result.get("disputes"),
    )


@router.get("/{case_id}/employer-view")
def employer_view(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> EmployerViewOut:
    """The released employer view: the light, its reasons, verified findings only."""
    result = review.read_report(svc, actor, case_id)
    return EmployerViewOut(
        case_id=result["case_id"], state=result["state"], employer_view=result["employer_view"]
    )


@router.post("/{case_id}/acceptance", status_code=status.HTTP_204_NO_CONTENT)
def accept_report(
    svc: ServicesDep, actor: ActorDep, case_id: CaseId, body: AcceptIn | None = None
) -> None:
    """The candidate accepts the report (optionally with a statement); it is released."""
    review.accept_report(svc, actor, case_id, statement=body.statement if body else None)


@router.post("/{case_id}/disputes", status_code=status.HTTP_201_CREATED)
def open_dispute(
    svc: ServicesDep, actor: ActorDep, case_id: CaseId, body: DisputeIn
) -> DisputeIdsOut:
    """Dispute findings with a statement and evidence; answered within 15 days."""
    ids = review.open_dispute(
        svc,
        actor,
        case_id,
        finding_ids=body.finding_ids,
        statement=body.statement,
        evidence=body.evidence,
    )
    return DisputeIdsOut(dispute_ids=ids)


@router.post("/{case_id}/disputes/{dispute_id}/resolution", status_code=status.HTTP_204_NO_CONTENT)
def resolve_dispute(
    svc: ServicesDep,
    actor: ActorDep,
    case_id: CaseId,
    dispute_id: Annotated[str, Path(max_length=64)],
    body: ResolutionIn,
) -> None:
    """The agency answers one disputed finding: upheld, corrected or removed."""
    review.resolve_dispute(
        svc,
        actor,
        case_id,
        dispute_id,
        outcome=body.outcome,
        answer=body.answer,
        corrected_records=body.corrected_records,
    )


@router.post("/{case_id}/supplements", status_code=status.HTTP_201_CREATED)
def supply_document(
    svc: ServicesDep,
    actor: ActorDep,
    case_id: CaseId,
    finding_id: Annotated[str, Form(min_length=1, max_length=40)],
    document: UploadFile,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> SupplementIdOut:
    """补充材料: the candidate supplies a photo or PDF (up to 10 MB, multipart) and a note
    for an incomplete or unverifiable finding, without a dispute: the case does not
    freeze (PRODUCT.md P4). In review or in the pre-adverse wait only."""
    upload = evidence_files.EvidenceUpload(document.filename or "document", document.file)
    supplement_id = supplements.supply_document(
        svc, actor, case_id, finding_id=finding_id, document=upload, note=note
    )
    return SupplementIdOut(supplement_id=supplement_id)


@router.get("/{case_id}/supplements")
def list_supplements(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> list[SupplementOut]:
    """The case's supplementary documents and their answers: for the candidate, and for
    whoever verifies the case (never for the employer of an agency's case, P4)."""
    if actor.role is ActorRole.CANDIDATE:
        listed = supplements.candidate_supplements(svc, actor, case_id)
    else:
        listed = supplements.verifier_supplements(svc, actor, case_id, with_records=False)
    return [
        SupplementOut(
            **{k: item[k] for k in SupplementOut.model_fields if k != "files"},
            files=[
                SupplementFileOut(id=f.id, content_type=f.content_type, size=f.size)
                for f in item["files"]
            ],
        )
        for item in listed
    ]


@router.post(
    "/{case_id}/supplements/{supplement_id}/answer", status_code=status.HTTP_204_NO_CONTENT
)
def answer_supplement(
    svc: ServicesDep,
    actor: ActorDep,
    case_id: CaseId,
    supplement_id: Annotated[str, Path(max_length=64)],
    body: SupplementAnswerIn,
) -> None:
    """The verifier answers: re-verified (with the finding's corrected records; the case
    is rated again) or not sufficient (with the reason the candidate reads)."""
    supplements.answer_supplement(
        svc,
        actor,
        case_id,
        supplement_id,
        outcome=body.outcome,
        answer=body.answer,
        corrected_records=body.corrected_records,
    )


@router.post("/{case_id}/pre-adverse-notice", status_code=status.HTTP_201_CREATED)
def send_pre_adverse_notice(
    svc: ServicesDep, actor: ActorDep, case_id: CaseId, body: PreAdverseIn
) -> PreAdverseOut:
    """The first step of not hiring on a light that is not green (PRODUCT.md P4): the
    candidate is sent the intended decision, the reasons and rule IDs and the report as
    released; the final adverse decision waits until ``wait_ends``."""
    ends = decision.send_pre_adverse_notice(
        svc,
        actor,
        case_id,
        reason=body.reason,
        cites_report=body.cites_report,
        wait_days=body.wait_days,
    )
    return PreAdverseOut(wait_ends=ends)


@router.post("/{case_id}/adverse-response", status_code=status.HTTP_204_NO_CONTENT)
def respond_to_notice(svc: ServicesDep, actor: ActorDep, case_id: CaseId, body: ResponseIn) -> None:
    """The candidate answers the pre-adverse notice while the case waits."""
    decision.respond_to_notice(svc, actor, case_id, statement=body.statement)


@router.get("/{case_id}/notices")
def case_notices(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> list[CaseNoticeOut]:
    """The pre-adverse notice, the candidate's answers and the adverse-action notice."""
    return [
        CaseNoticeOut(**{k: n[k] for k in ("id", "kind", "created_at", "body")})
        for n in portal_queries.case_notices(svc, actor, case_id)
    ]


@router.get("/{case_id}/decision")
def read_decision(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> DecisionOut | None:
    """The decision and its reason, for the candidate and the employer; null before one."""
    if actor.role is ActorRole.CANDIDATE:
        found = decision.decision_for_candidate(svc, actor, case_id)
    else:
        found = portal_queries.decision_of(svc, actor, case_id)
    if found is None:
        return None
    return DecisionOut(**{k: found[k] for k in ("outcome", "reason", "decided_at", "adverse")})


@router.post("/{case_id}/decision", status_code=status.HTTP_204_NO_CONTENT)
def record_decision(svc: ServicesDep, actor: ActorDep, case_id: CaseId, body: DecisionIn) -> None:
    """A person records the final decision and its reason (the light is advice); not
    hiring on a non-green light only after the pre-adverse notice's waiting period."""
    decision.record_decision(
        svc,
        actor,
        case_id,
        outcome=body.outcome,
        reason=body.reason,
        cites_report=body.cites_report,
    )


@router.get("/{case_id}/certificate")
def destruction_certificate(svc: ServicesDep, actor: ActorDep, case_id: CaseId) -> dict[str, Any]:
    """The destruction certificate with its tlog-proof receipt."""
    return retention.destruction_certificate(svc, actor, case_id)

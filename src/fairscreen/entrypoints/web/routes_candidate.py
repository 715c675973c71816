"""The candidate portal (求职者): sign the authorization, read the full report first,
accept or dispute each finding, follow disputes, download own data, the consent receipt
and the destruction certificate, revoke, request deletion (PRODUCT.md §2, P1, P4-P6)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from fairscreen.domain.errors import InvalidInput, InvalidTransition
from fairscreen.entrypoints.web.i18n import NOTICE_LANGUAGE
from fairscreen.entrypoints.web.policy import Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, attachment, redirect, refusal, render
from fairscreen.services import (
    authorization,
    case_queries,
    decision,
    evidence_files,
    portal_queries,
    retention,
    review,
    self_identification,
    supplements,
)
from fairscreen.services.case_cards import case_cards
from fairscreen.services.context import Actor

router = APIRouter(prefix="/candidate", route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
CaseId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

REPORTED = frozenset(
    {"candidate_review", "disputed", "released", "adverse_notice", "decided", "archived"}
)
SIGNED = frozenset(
    {"authorized", "scoped", "investigating", "candidate_review", "disputed", "released"}
    | {"adverse_notice", "decided", "archived"}
)
DEGREES = ("bachelor", "master", "doctorate", "associate", "other")


def _actor(page: Page) -> Actor:
    assert page.principal is not None  # the policy check let only a candidate in
    return page.principal.actor


def _json(page: Page, document: Any, filename: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    return attachment(page, body, filename=filename, media_type="application/json")


@router.get("")
def my_cases(page: PageDep) -> Response:
    actor = _actor(page)
    cases = case_queries.list_cases(page.services, actor, limit=100)
    return render(
        page,
        "candidate/home.html",
        cases=cases,
        cards=case_cards(page.services, actor, [c["case_id"] for c in cases]),
        deletion=portal_queries.deletion_request(page.services, actor),
        selfid=portal_queries.self_identification_status(page.services, actor),
        sexes=self_identification.SEX,
        age_bands=self_identification.AGE_BANDS,
    )


@router.get("/cases/{case_id}")
def case_page(page: PageDep, case_id: CaseId) -> Response:
    return _case_view(page, case_id)


def _case_view(
    page: Page,
    case_id: str,
    *,
    dispute_error: dict[str, Any] | None = None,
    supplement_error: dict[str, Any] | None = None,
) -> Response:
    """The case page; after a refused dispute or supplement, the same page (422) with
    the refusal beside the field of that finding's form and the text as typed."""
    actor = _actor(page)
    summary = case_queries.case_summary(page.services, actor, case_id)
    report = None
    notices: list[dict[str, Any]] = []
    if summary["state"] in REPORTED:
        report = review.read_report(page.services, actor, case_id)
    decided = None
    if summary["state"] in ("adverse_notice", "decided", "archived"):
        notices = portal_queries.case_notices(page.services, actor, case_id)
    if summary["state"] in ("decided", "archived"):
        # every decision and its reason, whatever the outcome (issue 13 item 6)
        decided = decision.decision_for_candidate(page.services, actor, case_id)
    disputed = {d["finding_id"] for d in (report or {}).get("disputes", []) if not d["outcome"]}
    # each open dispute's file and where its content check stands (issue 16 item 2)
    uploads = portal_queries.own_evidence_files(page.services, actor, case_id) if disputed else {}
    revoked = portal_queries.revocation(page.services, actor, case_id)
    supplied = supplements.candidate_supplements(page.services, actor, case_id) if report else []
    deletion = portal_queries.deletion_request(page.services, actor)
    can_supply = (
        summary["state"] in ("candidate_review", "adverse_notice")
        and revoked is None
        and deletion is None
    )
    if supplement_error is not None:
        # beside the form when the finding shows one; else at the top of the page
        waiting = {s["finding_id"] for s in supplied if s["outcome"] is None}
        supplement_error["inline"] = can_supply and any(
            f["id"] == supplement_error["finding"]
            and supplements.supplementable(f)
            and f["id"] not in waiting
            for f in (report or {}).get("report", {}).get("findings", [])
        )
    return render(
        page,
        "candidate/case.html",
        case=summary,
        deletion=deletion,
        card=case_cards(page.services, actor, [case_id]).get(case_id),
        result=report,
        notices=notices,
        with_verifier=summary["state"] == "adverse_notice"
        and decision.supplement_with_verifier(page.services, actor, case_id),
        decision=decided,
        # each exclusion code in words, the code a secondary link (issue 13 item 8)
        exclusions={str(code): texts for code, texts in page.services.rulebook.exclusions.items()},
        open_findings=disputed,
        signed=summary["state"] in SIGNED,
        revoked=revoked,
        can_revoke=summary["state"] in SIGNED and revoked is None,
        evidence_mb=evidence_files.FILE_MAX_BYTES // 1_000_000,
        evidence_uploads=uploads,
        dispute_error=dispute_error,
        supplements=supplied,
        can_supply=can_supply,
        supplementable=supplements.supplementable,
        supplement_error=supplement_error,
        status=422 if dispute_error or supplement_error else 200,
    )


@router.get("/cases/{case_id}/authorization")
def authorization_page(page: PageDep, case_id: CaseId) -> Response:
    return _authorization_form(page, case_id)


#: a refused field of the signing form → the control (or group) its message stands beside
_ERROR_TARGETS = (
    ("categories", "categories"),
    ("sensitive_categories_consented", "sensitive"),
    ("claims.education[0].institution", "edu_institution"),
    ("claims.education[0].degree", "edu_degree"),
    ("claims.education[0].graduation_year", "edu_year"),
    ("claims.employment[0].employer", "emp_employer"),
    ("claims.employment[0].start", "emp_start"),
    ("claims.employment[0].end", "emp_end"),
)
_TYPED_FIELDS = ("edu_institution", "edu_year", "emp_employer", "emp_start", "emp_end")


def _error_target(field: str | None) -> str:
    """Where a refusal of the signing form is shown: beside its control, or above the
    form when it is about no control (the text changed since it was shown)."""
    for prefix, target in _ERROR_TARGETS:
        if field and (field == prefix or field.startswith((prefix + "[", prefix + "."))):
            return target
    return "top"


def _authorization_form(page: Page, case_id: str, refused: InvalidInput | None = None) -> Response:
    """The authorization page: the key points, the full text (folded), the form. After a
    refused signature, the same page (422) with the refusal beside its field, in the
    reader's language, and the form as it was filled in."""
    notice = authorization.authorization_notice(
        page.services, _actor(page), case_id, NOTICE_LANGUAGE[page.lang]
    )
    summary = case_queries.case_summary(page.services, _actor(page), case_id)
    typed: dict[str, Any] = {name: page.field(name) for name in _TYPED_FIELDS}
    typed["edu_degree"] = page.field("edu_degree", DEGREES[0])
    typed["categories"] = set(page.fields("category"))
    typed["sensitive"] = set(page.fields("sensitive"))
    typed["claims_open"] = any(typed[name] for name in _TYPED_FIELDS)
    error: dict[str, Any] | None = None
    if refused is not None:
        target = _error_target(refused.field)
        error = refusal(page, refused, target=target)
        typed["claims_open"] = typed["claims_open"] or target.startswith(("edu", "emp"))
    return render(
        page,
        "candidate/authorization.html",
        status=422 if refused is not None else 200,
        case=summary,
        notice=notice,
        ordinary=[c for c in notice.categories if c not in notice.sensitive],
        degrees=DEGREES,
        typed=typed,
        error=error,
    )


def _claims(page: Page) -> dict[str, Any] | None:
    """The candidate's own claims (optional): one degree, one employment spell, one
    licence (by its number: without one no register can find it)."""
    claims: dict[str, Any] = {}
    institution = page.field("edu_institution").strip()
    if institution:
        year = page.field("edu_year").strip()
        if not year.isdigit():
            raise InvalidInput(
                "a graduation year",
                field="claims.education[0].graduation_year",
                key="input.graduation_year",
            )
        claims["education"] = [
            {
                "institution": institution,
                "degree": page.field("edu_degree", "bachelor"),
                "graduation_year": int(year),
            }
        ]
    employer = page.field("emp_employer").strip()
    if employer:
        spell = {"employer": employer, "start": page.field("emp_start").strip()}
        if page.field("emp_end").strip():
            spell["end"] = page.field("emp_end").strip()
        claims["employment"] = [spell]
    number = page.field("lic_number").strip()
    if number:  # a licence is found by its number (issue 13 item 5)
        licence = {"number": number}
        if page.field("lic_name").strip():
            licence["name"] = page.field("lic_name").strip()
        claims["licenses"] = [licence]
    elif page.field("lic_name").strip():
        raise InvalidInput(
            "the licence number, as printed on it",
            field="claims.licenses[0].number",
            key="input.licence_number",
        )
    return claims or None


@router.post("/cases/{case_id}/authorization")
def sign(page: PageDep, case_id: CaseId) -> Response:
    """Sign exactly the text shown (its SHA-256 travels with the form); each sensitive
    category is a consent of its own (PIPL art. 29)."""
    sensitive = page.fields("sensitive")
    try:
        authorization.sign_authorization(
            page.services,
            _actor(page),
            case_id,
            text_sha256=page.field("text_sha256"),
            lang=page.field("notice_lang"),
            categories=page.fields("category") + sensitive,
            sensitive_consented=sensitive,
            claims=_claims(page),
        )
    except InvalidInput as refused:  # shown on the form itself, what was typed kept
        return _authorization_form(page, case_id, refused)
    return redirect(page, f"/candidate/cases/{case_id}?done=signed")


@router.post("/cases/{case_id}/revocation")
def revoke(page: PageDep, case_id: CaseId) -> Response:
    if page.field("confirm") != "yes":
        raise InvalidInput("tick the box to confirm", field="confirm", key="input.tick_box_confirm")
    authorization.revoke_authorization(page.services, _actor(page), case_id)
    return redirect(page, f"/candidate/cases/{case_id}?done=revoked")


@router.post("/cases/{case_id}/acceptance")
def accept(page: PageDep, case_id: CaseId) -> Response:
    statement = page.field("statement").strip() or None
    review.accept_report(page.services, _actor(page), case_id, statement=statement)
    return redirect(page, f"/candidate/cases/{case_id}?done=accepted")


@router.post("/cases/{case_id}/adverse-response")
def respond(page: PageDep, case_id: CaseId) -> Response:
    """The candidate answers the employer's pre-adverse notice (PRODUCT.md P4)."""
    decision.respond_to_notice(
        page.services, _actor(page), case_id, statement=page.field("statement")
    )
    return redirect(page, f"/candidate/cases/{case_id}?done=responded")


@router.post("/cases/{case_id}/disputes")
async def dispute(page: PageDep, case_id: CaseId) -> Response:
    """Dispute one finding with a statement and, optionally, a file as evidence: a photo
    (JPEG, PNG, HEIC) or PDF of up to 10 MB, checked by its content and kept encrypted in
    chunks; a short plain-text note file still goes into the evidence text. A refusal
    comes back on the case page, beside the field, in the reader's language."""
    evidence = None
    evidence_file = None
    finding = page.field("finding_id")
    upload = page.upload("evidence")
    try:
        if upload is not None and not isinstance(upload, str) and upload.filename:
            if upload.content_type == "text/plain":
                data = await upload.read(evidence_files.EVIDENCE_MAX_BYTES + 1)
                evidence = evidence_files.pack_evidence(upload.filename, "text/plain", data)
            else:
                evidence_file = evidence_files.EvidenceUpload(upload.filename, upload.file)
        review.open_dispute(
            page.services,
            _actor(page),
            case_id,
            finding_ids=[finding],
            statement=page.field("statement"),
            evidence=evidence,
            evidence_file=evidence_file,
        )
    except InvalidInput as refused:
        # shown beside the file or else the statement: the form has no other control
        field = "evidence" if refused.field == "evidence" else "statement"
        statement = page.field("statement")
        error = refusal(page, refused, finding=finding, field=field, statement=statement)
        return _case_view(page, case_id, dispute_error=error)
    return redirect(page, f"/candidate/cases/{case_id}?done=disputed")


@router.post("/cases/{case_id}/supplements")
def supply(page: PageDep, case_id: CaseId) -> Response:
    """补充材料: supply a document (a photo or PDF of up to 10 MB, checked by its content
    and kept encrypted in chunks) and a short note for an incomplete or unverifiable
    finding, without a dispute (PRODUCT.md P4). A refusal comes back beside the field."""
    finding = page.field("finding_id")
    upload = page.upload("document")
    try:
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise InvalidInput(
                "choose the file to supply", field="document", key="input.supplement_no_file"
            )
        supplements.supply_document(
            page.services,
            _actor(page),
            case_id,
            finding_id=finding,
            document=evidence_files.EvidenceUpload(upload.filename, upload.file),
            note=page.field("note"),
        )
    except (InvalidInput, InvalidTransition) as refused:
        field = "note" if refused.field == "note" else "document"
        error = refusal(page, refused, finding=finding, field=field, note=page.field("note"))
        return _case_view(page, case_id, supplement_error=error)
    return redirect(page, f"/candidate/cases/{case_id}?done=supplied#supplements")


@router.get("/cases/{case_id}/consent-receipt.json")
def receipt(page: PageDep, case_id: CaseId) -> Response:
    document = authorization.consent_receipt(page.services, _actor(page), case_id)
    return _json(page, document, "consent-receipt.json")


@router.get("/cases/{case_id}/certificate.json")
def certificate(page: PageDep, case_id: CaseId) -> Response:
    document = retention.destruction_certificate(page.services, _actor(page), case_id)
    return _json(page, document, "destruction-certificate.json")


@router.get("/data.json")
def my_data(page: PageDep) -> Response:
    return _json(page, retention.export_subject_data(page.services, _actor(page)), "my-data.json")


@router.post("/deletion-request")
def deletion(page: PageDep) -> Response:
    if page.field("confirm") != "yes":
        raise InvalidInput("tick the box to confirm", field="confirm", key="input.tick_box_confirm")
    # A second request (a stale tab's form) changes nothing: the service keeps the first.
    retention.request_deletion(page.services, _actor(page))
    return redirect(page, "/candidate?done=deletion")


@router.post("/self-identification")
def self_identify(page: PageDep) -> Response:
    """Voluntary sex and age band, under a consent of its own, for the fairness audit
    only (PRODUCT.md §7); declining stores only that."""
    consent = page.field("consent") == "yes"
    self_identification.record_self_identification(
        page.services,
        _actor(page),
        consent=consent,
        sex=page.field("sex") or None,
        age_band=page.field("age_band") or None,
    )
    return redirect(page, "/candidate?done=self_identified")


@router.post("/self-identification/withdrawal")
def withdraw_self_identification(page: PageDep) -> Response:
    self_identification.withdraw_self_identification(page.services, _actor(page))
    return redirect(page, "/candidate?done=self_id_withdrawn")

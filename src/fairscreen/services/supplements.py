"""补充材料, supplementary documents (PRODUCT.md P4; issue 13 item 9): in the review window
and in the pre-adverse waiting period the candidate may "respond or supply what was
missing". Beside a finding that is incomplete or unverifiable (a licence the register
did not find, a degree not verified, a check that could not complete) the candidate
uploads a photo or a PDF of up to 10 MB and a short note. It is not a dispute: the case
does not freeze and the review clock runs on.

1. ``supply_document``: the candidate, in ``candidate_review`` (before the window ends)
   or ``adverse_notice``, never after a revocation or a deletion request. The file goes
   the dispute evidence's way (``evidence_files``: checked by its content, encrypted in
   chunks, streamed), the note is encrypted under the case's key.
2. ``answer_supplement``: whoever verifies the case (its agency, or the employer of a
   case it checks itself: ``case_events.verifier_case``). ``reverified``: the finding's
   records are replaced by the corrected ones through the dispute's correction path
   (``review.correct_finding``) and the case is rated again, its state and clock left as
   they are; ``not_sufficient``: with a reason the candidate reads.

The employer's view (P4: "nothing unverified, not even a count of such items") shows no
supplement: one exists only because something is unverified. A re-verified finding
reaches the employer as any verified finding does, through the re-rated report.

Ledger: ``document.supplied`` (payload: supplement, finding, the file's SHA-256 and size)
and ``document.answered`` (payload: supplement, finding, outcome) while the case is in
review. In the pre-adverse wait no such entry is written, as for the candidate's answers
to the notice: only a case with a pre-adverse notice is in it, and a public entry would
tell an outsider so (PRODUCT.md §6). Their number goes into the committed payload of
``decision.recorded`` instead (``decision._notice_facts``). So does everything else a
supplement makes in the wait: the verifier's reads of it, and a *re-verified* answer's
source query and re-rating are held for the decision (``case_events.record_event``, the
same code path as in review with ``held``), each with the public fields and payload its
entry would have carried (the re-rating's time, light, rule ids and rulebook digest);
the regulator's checklist checks them (``ledger.audit.check_decision_payload``: the
rulebook is published, the decision names the re-rated light). The report the employer
reads is rated again at once; what evidences it waits for the decision, which comes no
later than the verifier's answer allows.

The final adverse decision waits for the verifier (P4: the candidate may "respond or
supply what was missing. Only then the final decision"): while a document supplied after
the latest pre-adverse notice is unanswered, ``decision.record_decision`` refuses it
(``transition.decision_awaits_supplement``). The employer is told only that the
candidate's document is with the verifier (``decision.supplement_with_verifier``), never
what it is or for which finding, as it reads the candidate's written answers; the
candidate's page says the decision waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.errors import InvalidInput, InvalidTransition, NotFound
from fairscreen.domain.lifecycle import CaseState
from fairscreen.ledger.entries import EventType
from fairscreen.services.case_events import (
    CANDIDATE,
    S,
    claim_of,
    in_pre_adverse_wait,
    log_dispute_read,
    log_event,
    new_id,
    verifier_case,
    visible_case,
)
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.evidence_checks import store_evidence_file
from fairscreen.services.evidence_files import EvidenceUpload
from fairscreen.services.investigation import rate_case
from fairscreen.services.review import check_answer, correct_finding

#: the states in which the candidate may supply a document (P4)
SUPPLY_STATES = frozenset({S.CANDIDATE_REVIEW, S.ADVERSE_NOTICE})
NOTE_MAX = 1000


class SupplementOutcome(StrEnum):
    REVERIFIED = "reverified"
    NOT_SUFFICIENT = "not_sufficient"


@dataclass(frozen=True, slots=True)
class SuppliedFile:
    """A supplement's file as stored: its id, type, size and name (no content)."""

    id: str
    content_type: str
    size: int
    filename: str
    check_status: str
    check_reason: str | None


def supplementable(finding: Mapping[str, Any]) -> bool:
    """Whether a finding can take a supplement: it is in scope (not excluded) and not
    verified (incomplete, not found, or unverifiable)."""
    return finding.get("exclusion") is None and finding.get("verification") != "verified"


def _check_open(uow: SqlUnitOfWork, case: RowMapping, now: datetime) -> None:
    """Refuse unless the case takes supplements now (step 1's states)."""
    state = CaseState(case["state"])
    authorization = uow.repo.authorization(case["id"])
    if case["deletion_requested_at"] is not None or (
        authorization is not None and authorization["revoked_at"] is not None
    ):
        raise InvalidTransition(
            "the case is being closed: a revocation or a deletion request ended it",
            field="case_id",
            key="transition.supplement_case_closing",
        )
    if state not in SUPPLY_STATES or (
        state is S.CANDIDATE_REVIEW
        and case["window_ends"] is not None
        and now >= case["window_ends"]
    ):
        raise InvalidTransition(
            "a document can be supplied only while the candidate reviews the report or "
            "in the pre-adverse waiting period",
            field="case_id",
            key="transition.supplement_not_now",
        )


def supply_document(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    finding_id: str,
    document: EvidenceUpload,
    note: str = "",
) -> str:
    """Step 1: the candidate supplies ``document`` (and a note of up to 1,000 characters)
    for an incomplete or unverifiable finding; returns the supplement's id."""
    require_role(actor, CANDIDATE)
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            "at most 1000 characters", field="note", key="input.most_1000_characters"
        )
    content_type, _ = document.checked()
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        _check_open(uow, case, now)
        report = uow.repo.report(case) or {}
        finding = next((f for f in report.get("findings", []) if f["id"] == finding_id), None)
        if finding is None:
            raise InvalidInput(
                "no such finding in the report",
                field="finding_id",
                key="input.no_such_finding_report",
            )
        if not supplementable(finding):
            if finding.get("exclusion") is not None:
                # out of scope, a protected matter, an unverified witness: it counts for
                # nothing and the employer never reads it (P4), so nothing is missing
                raise InvalidInput(
                    "this finding is excluded from the assessment: it does not count and "
                    "the employer never sees it, so there is nothing to supply",
                    field="finding_id",
                    key="input.supplement_finding_excluded",
                )
            raise InvalidInput(
                "this finding is verified: there is nothing missing to supply",
                field="finding_id",
                key="input.supplement_finding_verified",
            )
        if any(
            s["finding_id"] == finding_id and s["outcome"] is None
            for s in uow.repo.supplements(case)
        ):
            raise InvalidTransition(
                "a document for this finding is already with the verifier",
                field="finding_id",
                key="transition.supplement_already_open",
            )
        supplement_id = new_id("sup")
        uow.repo.add_supplement(
            case,
            id=supplement_id,
            finding_id=finding_id,
            category=str(finding["category"]),
            note=note.strip() or None,
            supplied_at=now,
        )
        stored = store_evidence_file(
            uow,
            case,
            owner_id=supplement_id,
            upload=document,
            content_type=content_type,
            now=now,
        )
        if CaseState(case["state"]) is S.CANDIDATE_REVIEW:
            log_event(
                svc,
                uow,
                EventType.DOCUMENT_SUPPLIED,
                case,
                actor,
                payload={
                    "supplement": supplement_id,
                    "finding": finding_id,
                    "sha256": stored.sha256,
                    "size": stored.size,
                },
            )
        uow.commit()
    return supplement_id


def answer_supplement(
    svc: Services,
    actor: Actor,
    case_id: str,
    supplement_id: str,
    *,
    outcome: str,
    answer: str,
    corrected_records: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Step 2: the verifier answers a supplement: ``reverified`` with the finding's
    corrected records (the case is rated again; its state and clock stay), or
    ``not_sufficient`` with the reason the candidate reads."""
    try:
        decided = SupplementOutcome(outcome)
    except ValueError as exc:
        raise InvalidInput(
            "must be reverified or not_sufficient",
            field="outcome",
            key="input.must_reverified_not_sufficient",
        ) from exc
    check_answer(
        answer, correcting=decided is SupplementOutcome.REVERIFIED, records=corrected_records
    )
    with svc.uow() as uow:
        case = verifier_case(uow, actor, case_id)
        supplement = next((s for s in uow.repo.supplements(case) if s["id"] == supplement_id), None)
        if supplement is None:
            raise NotFound("no such supplement", key="not_found.supplement", field="supplement_id")
        if supplement["outcome"] is not None:
            raise InvalidTransition(
                "this document was already answered",
                field="supplement_id",
                key="transition.supplement_already_answered",
            )
        state = CaseState(case["state"])
        if state not in SUPPLY_STATES:
            raise InvalidTransition(
                "the case no longer waits for this answer",
                field="case_id",
                key="transition.supplement_case_moved_on",
            )
        if decided is SupplementOutcome.REVERIFIED:
            report = uow.repo.report(case) or {}
            finding = next(
                (f for f in report.get("findings", []) if f["id"] == supplement["finding_id"]),
                None,
            )
            if finding is None or finding["category"] != supplement["category"]:
                # the report was rated again since (a dispute answered): its findings moved
                raise InvalidTransition(
                    "the finding changed since the document was supplied",
                    field="supplement_id",
                    key="transition.supplement_finding_changed",
                )
            correct_finding(
                svc,
                uow,
                case,
                actor,
                finding,
                corrected_records,
                answering={"supplement": supplement_id},
                held=in_pre_adverse_wait(case),
            )
            light = rate_case(
                svc, uow, case, actor, report.get("as_of"), held=in_pre_adverse_wait(case)
            )
            case = uow.repo.update_case(case["id"], light=light, updated_at=svc.now())
        uow.repo.answer_supplement(
            case,
            supplement_id,
            answer=answer.strip(),
            outcome=decided.value,
            answered_at=svc.now(),
        )
        if state is S.CANDIDATE_REVIEW:
            log_event(
                svc,
                uow,
                EventType.DOCUMENT_ANSWERED,
                case,
                actor,
                payload={
                    "supplement": supplement_id,
                    "finding": supplement["finding_id"],
                    "outcome": decided.value,
                },
            )
        uow.commit()


def candidate_supplements(svc: Services, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    """The candidate's supplements on the case with their status and the verifier's
    answer, and each one's file (``SuppliedFile``), for their case page."""
    require_role(actor, CANDIDATE)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        return _with_files(uow, case)


def verifier_supplements(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    with_records: bool = True,
    answering: bool = False,
) -> list[dict[str, Any]]:
    """For the case's verifier: the supplements (the candidate's notes decrypted) and,
    ``with_records``, each open one's finding, claim and the records behind it (to
    re-verify them; the API's list returns none of these, so it does not decrypt them).
    Logged once as a read for a dispute (P5), naming what was read, whenever there is a
    supplement to read. ``answering``: read to build an answer, refused as
    :func:`answer_supplement` refuses it (as ``portal_queries.dispute_desk``)."""
    with svc.uow() as uow:
        case = verifier_case(uow, actor, case_id, reading=not answering)
        listed = _with_files(uow, case)
        records_read = with_records and any(s["outcome"] is None for s in listed)
        if records_read:
            report = uow.repo.report(case) or {}
            findings = {f["id"]: f for f in report.get("findings", [])}
            records = {r["id"]: r for r in uow.repo.records(case)}
            for item in listed:
                finding = findings.get(item["finding_id"])
                item["finding"] = finding
                item["claim"] = claim_of(uow, case, finding)
                item["records"] = [
                    records[r] for r in (finding or {}).get("records", []) if r in records
                ]
        if listed:
            why = "supplement_records" if records_read else "supplements"
            log_dispute_read(svc, uow, case, actor, why)
        uow.commit()
    return listed


def _with_files(uow: SqlUnitOfWork, case: RowMapping) -> list[dict[str, Any]]:
    files = uow.repo.evidence_files(case)
    listed = []
    for supplement in uow.repo.supplements(case):
        item = dict(supplement)
        item["files"] = [
            SuppliedFile(
                f["id"],
                f["content_type"],
                f["size"],
                f["filename"],
                f["check_status"],
                f["check_reason"],
            )
            for f in files
            if f["dispute_id"] == supplement["id"]
        ]
        item["finding"] = None
        item["claim"] = None
        item["records"] = []
        listed.append(item)
    return listed

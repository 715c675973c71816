"""P4 结果反馈, the candidate's review (PRODUCT.md §3 P4): reading the report (every read
recorded, P5), accepting it, disputing findings and the agency's answers, and releasing
the report to the employer once the window passed without dispute or the candidate
accepted.

When the last open dispute of a round is answered the case is rated again
(``investigation.rate_and_open_review``) and the candidate reviews it again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from fairscreen.domain.lifecycle import (
    RELEASED_STATES,
    CaseState,
    check_release,
    dispute_due,
    transition,
)
from fairscreen.domain.lifecycle import DisputeOutcome as DomainDisputeOutcome
from fairscreen.domain.scope import required_but_declined
from fairscreen.ledger.entries import ActorRole, EventType, ReasonCode
from fairscreen.services.case_events import (
    AGENCY,
    CANDIDATE,
    CLAIM_LISTS,
    EMPLOYER,
    OPERATOR_REASON_FIELD,
    S,
    case_role,
    dispute_summaries,
    event_entry,
    live_claims,
    log_event,
    move_case,
    new_id,
    record_event,
    reload_case,
    verifier_case,
    visible_case,
)
from fairscreen.services.case_file import record_from
from fairscreen.services.case_models import RecordIn, invalid_input
from fairscreen.services.context import SYSTEM, Actor, Services, require_role
from fairscreen.services.evidence_checks import store_evidence_file
from fairscreen.services.evidence_files import EvidenceUpload, check_evidence
from fairscreen.services.investigation import rate_and_open_review
from fairscreen.services.invitations import candidate_message, send_candidate_message
from fairscreen.services.records import redact_for_storage
from fairscreen.services.release_notice import ReleaseMail, release_mail, send_release_mails
from fairscreen.services.scope import effective_categories


def employer_view(
    uow: SqlUnitOfWork, case: RowMapping, report: Mapping[str, Any]
) -> dict[str, Any]:
    """The report as released to the employer (PRODUCT.md P4): the stored employer view,
    the candidate's statement, and each category the role's legal basis requires that
    the candidate declined ("not checked"), as the employer reads it and as the
    pre-adverse notice copies it."""
    view: dict[str, Any] = dict(report["employer_view"])
    view["statement"] = _statement(uow, case)
    legal_bases = {
        name: requirement.get("legal_basis")
        for name, requirement in case_role(uow, case).get("categories", {}).items()
    }
    view["not_checked"] = required_but_declined(report["scope"]["excluded"], legal_bases)
    return view


def read_report(
    svc: Services, actor: Actor, case_id: str, *, reason: str | None = None
) -> dict[str, Any]:
    """Decrypt a report for someone allowed to read it, and log the read (P5): the
    candidate reads the full report first; the agency reads it to answer disputes; the
    employer reads only the employer view, only once released; an operator only with a
    recorded reason; a regulator never."""
    require_role(actor, CANDIDATE, AGENCY, EMPLOYER, ActorRole.OPERATOR)
    # 1. decrypt from a read snapshot (no writer lock), deciding what this reader may see;
    payload: dict[str, Any] = {}
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        commitment_key = uow.commitment_key(case["pseudonym"])
        report = uow.repo.report(case)
        if report is None:
            raise InvalidTransition(
                "the case has not been rated yet",
                field="case_id",
                key="transition.case_not_been_rated_yet",
            )
        state = CaseState(case["state"])
        if actor.role is EMPLOYER:
            if state not in RELEASED_STATES:
                raise InvalidTransition(
                    "the report is not released yet",
                    field="case_id",
                    key="transition.report_not_released_yet",
                )
            code = ReasonCode.EMPLOYER_VIEW
            view = employer_view(uow, case, report)
            result = {"case_id": case["id"], "state": state.value, "employer_view": view}
        elif actor.role is ActorRole.OPERATOR:
            if not reason or not reason.strip():
                raise PermissionDenied(
                    "an operator reads a report only with a recorded reason", field="reason"
                )
            code = ReasonCode.AUDIT
            result = {"case_id": case["id"], "state": state.value, "report": report}
            # The operator's own words are kept too (P5: who, when, why), encrypted
            # under the case key, in the payload the entry commits to.
            recorded = uow.cipher.encrypt_text(
                case["pseudonym"], OPERATOR_REASON_FIELD, reason.strip()
            )
            payload["recorded_reason_ct"] = base64.b64encode(recorded).decode("ascii")
        else:
            code = ReasonCode.CANDIDATE_REVIEW if actor.role is CANDIDATE else ReasonCode.DISPUTE
            result = {
                "case_id": case["id"],
                "state": state.value,
                "report": report,
                "window_ends": case["window_ends"],
                "disputes": dispute_summaries(uow, case),
            }
    # 2. the read is evidence: it is in the ledger (group-committed) before data leaves.
    entry, digest, body = event_entry(
        svc,
        EventType.REPORT_READ,
        case,
        actor,
        commitment_key=commitment_key,
        payload={"reason": code.value, **payload},
        reason=code,
    )
    svc.evidence.record(entry, digest, body)
    return result


def _statement(uow: SqlUnitOfWork, case: RowMapping) -> str | None:
    statements = [n for n in uow.repo.notices(case) if n["kind"] == "candidate_statement"]
    return str(statements[-1]["body"]["text"]) if statements else None


def accept_report(
    svc: Services, actor: Actor, case_id: str, *, statement: str | None = None
) -> None:
    """The candidate accepts the report (optionally with a statement the employer will
    see); it is released at once."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if statement is not None:
            _add_statement(svc, uow, case, statement)
        mail = _release(svc, uow, case, actor, accepting=True)
        uow.commit()
    send_release_mails(svc, [mail] if mail else [])


def _add_statement(svc: Services, uow: SqlUnitOfWork, case: RowMapping, statement: str) -> None:
    if not statement.strip() or len(statement) > 2000:
        raise InvalidInput("1 to 2000 characters", field="statement", key="input.1_2000_characters")
    uow.repo.add_notice(
        case,
        id=new_id("ntc"),
        kind="candidate_statement",
        body={"text": statement.strip()},
        created_at=svc.now(),
    )


def _open_disputes(uow: SqlUnitOfWork, case: RowMapping) -> int:
    return uow.repo.open_dispute_count(case["id"])


def _release(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, actor: Actor, *, accepting: bool = False
) -> ReleaseMail | None:
    """Release the report; returns the e-mail to tell HR, sent once committed.
    ``accepting``: the candidate accepts it now, stored with the release in the same write
    of the case's row."""
    accepted = accepting or bool(case["accepted"])
    check_release(
        CaseState(case["state"]),
        now=svc.now(),
        window_ends=case["window_ends"],
        accepted=accepted,
        open_disputes=_open_disputes(uow, case),
    )
    case = move_case(uow, svc, case, S.RELEASED, accepted=accepted)
    reason = ReasonCode.CANDIDATE_ACCEPTED if accepted else None
    log_event(svc, uow, EventType.REPORT_RELEASED, case, actor, reason=reason)
    return release_mail(svc, uow, case)


def release_due(svc: Services) -> list[str]:
    """The scheduler: release every report whose review window ended without a dispute,
    unless its candidate has asked for deletion: the case is then on its way to
    destruction, and nothing more of it goes to the employer (PIPL art. 47)."""
    return _release_where(svc)


def release_case_if_due(svc: Services, case_id: str) -> bool:
    """The release job of one case, enqueued when its review window opened
    (``investigation.rate_and_open_review``): release it if the window ended without a
    dispute and it is still in review; True if released. Anything else (released,
    disputed, reopened, withdrawn meanwhile, or not due by the service's clock) leaves
    it as it is: the sweep (:func:`release_due`) finds it when it is due."""
    return bool(_release_where(svc, t.cases.c.id == case_id))


def _release_where(svc: Services, *conditions: Any) -> list[str]:
    released = []
    mails = []
    with svc.uow() as uow:
        # Locked and read again as committed: the sweep and a case's own release job may
        # run at once (in two workers); the second finds the case released and skips it.
        due = uow.repo.cases_where(
            t.cases.c.state == S.CANDIDATE_REVIEW.value,
            t.cases.c.window_ends <= svc.now(),
            t.cases.c.deletion_requested_at.is_(None),
            *conditions,
            lock=True,
        )
        for case in due:
            if _open_disputes(uow, case):
                continue
            mail = _release(svc, uow, case, SYSTEM)
            if mail is not None:
                mails.append(mail)
            released.append(str(case["id"]))
        uow.commit()
    send_release_mails(svc, mails)
    return released


def open_dispute(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    finding_ids: Sequence[str],
    statement: str,
    evidence: str | None = None,
    evidence_file: EvidenceUpload | None = None,
) -> list[str]:
    """The candidate disputes findings with a statement (and evidence: a note or packed
    file as text, and/or a photo or PDF of up to 10 MB as ``evidence_file``, refused at
    once unless its first bytes are of an accepted type, kept encrypted in chunks with the
    first dispute, and checked whole by a job enqueued in this transaction:
    services/evidence_checks.py); the case freezes until the agency answers each, within
    15 days (P4)."""
    require_role(actor, CANDIDATE)
    if not finding_ids:
        raise InvalidInput(
            "name at least one finding", field="finding_ids", key="input.name_least_one_finding"
        )
    if not statement.strip() or len(statement) > 4000:
        raise InvalidInput("1 to 4000 characters", field="statement", key="input.1_4000_characters")
    if evidence is not None and len(evidence) > 100_000:
        raise InvalidInput(
            "at most 100,000 characters", field="evidence", key="input.most_100_000_characters"
        )
    if evidence is not None:
        check_evidence(evidence)
    file_type = evidence_file.checked()[0] if evidence_file is not None else None
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        report = uow.repo.report(case)
        known = {f["id"] for f in (report or {}).get("findings", [])}
        open_findings = uow.repo.open_disputed_findings(case["id"])
        for index, finding in enumerate(finding_ids):
            if finding not in known:
                raise InvalidInput(
                    "no such finding in the report",
                    field=f"finding_ids[{index}]",
                    key="input.no_such_finding_report",
                )
            if finding in open_findings:  # two open answers to one finding could disagree
                raise InvalidTransition(
                    "this finding is already disputed",
                    field=f"finding_ids[{index}]",
                    key="transition.finding_already_disputed",
                )
        if CaseState(case["state"]) is S.CANDIDATE_REVIEW:
            if case["window_ends"] is not None and now >= case["window_ends"]:
                # The release is due (the scheduler may not have run yet): too late (P4).
                raise InvalidTransition(
                    "the review window has ended",
                    field="window_ends",
                    key="transition.review_window_ended",
                )
            case = move_case(uow, svc, case, S.DISPUTED)
        elif CaseState(case["state"]) is not S.DISPUTED:
            transition(CaseState(case["state"]), S.DISPUTED)
        ids: list[str] = []
        due = dispute_due(now)
        for finding in dict.fromkeys(finding_ids):
            dispute_id = new_id("dsp")
            uow.repo.add_dispute(
                case,
                id=dispute_id,
                finding_id=finding,
                statement=statement.strip(),
                evidence=evidence,
                opened_at=now,
                due_at=due,
            )
            if evidence_file is not None and file_type is not None and not ids:
                store_evidence_file(
                    uow,
                    case,
                    owner_id=dispute_id,
                    upload=evidence_file,
                    content_type=file_type,
                    now=now,
                )
            log_event(
                svc,
                uow,
                EventType.DISPUTE_OPENED,
                case,
                actor,
                payload={"dispute": dispute_id, "finding": finding},
            )
            ids.append(dispute_id)
        uow.commit()
    return ids


def resolve_dispute(
    svc: Services,
    actor: Actor,
    case_id: str,
    dispute_id: str,
    *,
    outcome: str,
    answer: str,
    corrected_records: Sequence[Mapping[str, Any]] = (),
) -> None:
    """The agency answers one disputed finding: ``upheld`` (unchanged), ``corrected``
    (its records replaced by the corrected ones) or ``removed`` (it could not be
    re-verified: its records go). When the last open dispute is answered the case is
    rated again and the candidate reviews it again: their phone or mailbox is told the
    review is open again until the new window's end, without the answers or the findings
    (``invitations.send_candidate_message``, after the commit; a failed send undoes
    nothing)."""
    require_role(actor, AGENCY, EMPLOYER)
    try:
        decided = DomainDisputeOutcome(outcome)
    except ValueError as exc:
        raise InvalidInput(
            "must be upheld, corrected or removed",
            field="outcome",
            key="input.must_upheld_corrected_removed",
        ) from exc
    check_answer(
        answer, correcting=decided is DomainDisputeOutcome.CORRECTED, records=corrected_records
    )
    with svc.uow() as uow:
        case = verifier_case(uow, actor, case_id)
        disputes = {d["id"]: d for d in uow.repo.disputes(case)}
        dispute = disputes.get(dispute_id)
        if dispute is None:
            raise NotFound("no such dispute", key="not_found.dispute", field="dispute_id")
        if dispute["outcome"] is not None:
            raise InvalidTransition(
                "this dispute was already answered",
                field="dispute_id",
                key="transition.dispute_already_answered",
            )
        report = uow.repo.report(case) or {}
        finding = next(f for f in report.get("findings", []) if f["id"] == dispute["finding_id"])
        if decided is DomainDisputeOutcome.REMOVED:
            uow.repo.delete_records(case, finding["records"])
            claim = finding.get("claim")
            if claim is not None:
                # A claim-based finding (a degree, a spell of employment, a licence) comes
                # from the claim itself, with or without records: re-rated, it would come
                # back (unverifiable instead of gone), so the claim goes with its records.
                _drop_claim(uow, case, finding["category"], int(claim))
        elif decided is DomainDisputeOutcome.CORRECTED:
            correct_finding(
                svc, uow, case, actor, finding, corrected_records, answering={"dispute": dispute_id}
            )
        uow.repo.resolve_dispute(
            case, dispute_id, answer=answer.strip(), outcome=decided.value, resolved_at=svc.now()
        )
        log_event(
            svc,
            uow,
            EventType.DISPUTE_RESOLVED,
            case,
            actor,
            payload={
                "dispute": dispute_id,
                "finding": dispute["finding_id"],
                "outcome": decided.value,
            },
        )
        told = None
        if _open_disputes(uow, case) == 0:
            case = _compact_claims(uow, case)
            # disputed → rated again as of the investigation, and a new review window
            rate_and_open_review(svc, uow, case, actor, report.get("as_of"))
            reopened = reload_case(uow, case)
            told = candidate_message(svc, uow, reopened, "review_reopened", reopened["window_ends"])
        uow.commit()
    send_candidate_message(svc, told)


def check_answer(answer: str, *, correcting: bool, records: Sequence[Mapping[str, Any]]) -> None:
    """A verifier's answer (to a dispute or a supplement) is 1 to 4000 characters, and a
    correction comes with its records."""
    if not answer.strip() or len(answer) > 4000:
        raise InvalidInput("1 to 4000 characters", field="answer", key="input.1_4000_characters")
    if correcting and not records:
        raise InvalidInput(
            "a correction needs the corrected records",
            field="corrected_records",
            key="input.correction_needs_corrected_records",
        )


def correct_finding(
    svc: Services,
    uow: SqlUnitOfWork,
    case: RowMapping,
    actor: Actor,
    finding: Mapping[str, Any],
    corrected_records: Sequence[Mapping[str, Any]],
    *,
    answering: Mapping[str, str],
    held: bool = False,
) -> None:
    """Replace ``finding``'s records with the corrected ones (checked as a case file's
    are, within the effective scope), logged as a query of their source with reason
    ``dispute`` and ``answering`` (the dispute or supplement) in the payload, or
    ``held`` for the decision in the pre-adverse wait (``case_events.record_event``).
    The one correction path of a dispute's ``corrected`` and a supplement's
    ``reverified`` (``services/supplements.py``); the caller re-rates."""
    category = str(finding["category"])
    corrected_records = bound_to_candidate(uow, case, corrected_records)
    _check_correction(corrected_records, category, finding, uow.repo.records(case))
    _check_records(corrected_records)  # as given, so errors name the input's index
    allowed = {c.value for c in effective_categories(uow, case)}
    corrected = redact_for_storage([dict(r) for r in corrected_records], allowed, svc.classifier)
    # The finding's own records are replaced, nothing else: a correction is a new answer
    # from a source for that one category, and is logged as one.
    uow.repo.delete_records(case, finding["records"])
    uow.repo.put_records(case, corrected, svc.now())
    record_event(
        svc,
        uow,
        EventType.SOURCE_QUERIED,
        case,
        actor,
        held=held,
        payload={"source": sorted({str(r["source"]["id"]) for r in corrected}), **answering},
        category=category,
        reason=ReasonCode.DISPUTE,
    )


def _drop_claim(uow: SqlUnitOfWork, case: RowMapping, category: str, index: int) -> None:
    """Blank the claim a removed finding answered. Blanked, not deleted: the other open
    disputes of the round name claims by their index in the report they dispute, so the
    indices must hold until the round ends (``_compact_claims``, before the re-rating)."""
    claims = uow.repo.claims(case)
    listed = list(claims.get(CLAIM_LISTS[category], []))
    if 0 <= index < len(listed):
        listed[index] = None
        uow.repo.set_claims(case, {**claims, CLAIM_LISTS[category]: listed})


def _compact_claims(uow: SqlUnitOfWork, case: RowMapping) -> RowMapping:
    """The case, read again, with its blanked claims gone (the round of disputes is over)."""
    case = reload_case(uow, case)
    claims = uow.repo.claims(case)
    kept = live_claims(claims)
    if kept != claims:
        uow.repo.set_claims(case, kept)
    return reload_case(uow, case)


def bound_to_candidate(
    uow: SqlUnitOfWork, case: RowMapping, records: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The corrected records, each without an identity of its own bound to the case's
    candidate. A register that found nothing answers with no identity (there was no one
    to match); the verifier who re-verified the candidate's own claim with its issuer
    vouches that the record is theirs, and the form never carries an ID number
    (``web/record_form.py``): a record the verifier enters for a finding that had none
    would otherwise be discarded as not the candidate's. A record that names an identity
    keeps it, so the domain's matching still decides."""
    subject = uow.repo.subject(case["subject_id"])
    assert subject is not None
    held = uow.repo.subject_identity(subject)
    identity = {k: held[k] for k in ("national_id", "name", "birth_date") if held.get(k)}
    return [dict(r) if r.get("identity") else {**dict(r), "identity": identity} for r in records]


def _check_correction(
    records: Sequence[Mapping[str, Any]],
    category: str,
    finding: Mapping[str, Any],
    stored: Sequence[Mapping[str, Any]],
) -> None:
    """A correction answers one disputed finding (issue 12 item 6): its records are of the
    finding's category and replace the finding's own records, never another finding's. An
    answer to an employment dispute that carried a litigation record turned a blue case
    yellow, with no query logged."""
    own = set(finding["records"])
    others = {str(r["id"]) for r in stored} - own
    for index, record in enumerate(records):
        if record.get("category") != category:
            raise InvalidInput(
                "must be {category}: a correction replaces the disputed finding's own "
                "records, in its category",
                field=f"corrected_records[{index}].category",
                key="input.correction_in_the_findings_category",
                category=category,
            )
        if record.get("id") in others:
            raise InvalidInput(
                "names a record of another finding: a correction replaces only the "
                "disputed finding's own records",
                field=f"corrected_records[{index}].id",
                key="input.correction_names_another_finding",
            )


def _check_records(records: Sequence[Mapping[str, Any]]) -> None:
    """Corrected records, checked as a case file's are (their data against its category's
    shape too), errors naming ``corrected_records[i]…`` rather than failing later, in the
    re-rating, under the case file's record index."""
    for index, record in enumerate(records):
        try:
            parsed = RecordIn.model_validate_json(json.dumps(dict(record)))
        except ValidationError as exc:
            raise invalid_input(exc, ("corrected_records", index)) from exc
        record_from(index, parsed, where="corrected_records")

"""P3 多源验证, investigation (PRODUCT.md §3 P3): query a source for every category in the
effective scope under a query permit, store what came back (prohibited statements dropped
before storing), rate the case with the same domain code as ``fairscreen evaluate`` and
open the candidate's review (P4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.adapters.jobs import Job
from fairscreen.adapters.notify import Notification
from fairscreen.adapters.sources.port import (
    QueryPermit,
    SourceAnswer,
    SourceQuery,
    SubjectIdentifiers,
    UnavailableReason,
    issue_permit,
    unavailable,
)
from fairscreen.domain.categories import Category, SourceKind
from fairscreen.domain.errors import InvalidTransition, PermissionDenied
from fairscreen.domain.lifecycle import CaseState, review_window_ends
from fairscreen.ledger.entries import EventType
from fairscreen.services.case_events import (
    AGENCY,
    EMPLOYER,
    S,
    case_role,
    domain_authorization,
    log_event,
    move_case,
    record_event,
    reload_case,
    visible_case,
)
from fairscreen.services.case_models import CASE_SCHEMA
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.evaluation import evaluate_case
from fairscreen.services.invitations import candidate_message, send_candidate_message
from fairscreen.services.jobs import investigate_job, release_job
from fairscreen.services.records import redact_for_storage
from fairscreen.services.scope import effective_categories


@dataclass(frozen=True, slots=True)
class InvestigationResult:
    queried: tuple[str, ...]
    incomplete: tuple[str, ...]
    #: the agency's to see; for an employer investigating its own case None (and no
    #: ``incomplete``, which would imply a blue light): it sees the result only once the
    #: report is released (PRODUCT.md P4: the candidate sees it first)
    light: str | None


def run_investigation(svc: Services, actor: Actor, case_id: str) -> InvestigationResult:
    """Query a source for every category in the effective scope, store what came back
    (prohibited statements dropped before storing), rate, and open the candidate's review.

    1. in one transaction: check the authorization (a query permit), move to
       ``investigating`` and log ``source.queried`` for each category;
    2. query the sources outside any transaction (a slow source holds no lock);
    3. in a second transaction: check the authorization again (a revocation in between
       wins), store the records, rate, open review.
    """
    _begin(svc, actor, case_id)
    return continue_investigation(svc, actor, case_id, last_try=True)


def start_investigation(svc: Services, actor: Actor, case_id: str) -> InvestigationResult:
    """Step 1 of :func:`run_investigation`, and steps 2 and 3 as a background job
    (``services/background.py`` INVESTIGATE), committed with step 1: real sources are
    slow and fail, and the job tries again with backoff (issue 16 item 2). Returns the
    categories queried; the rating comes with the review's opening, once the job ran."""
    queried = _begin(svc, actor, case_id, job=investigate_job(case_id, actor.role.value, actor.id))
    return InvestigationResult(queried=queried, incomplete=(), light=None)


#: answers worth asking again later: the source was down, not the subject unknown
TRANSIENT = frozenset(
    {
        UnavailableReason.TIMEOUT,
        UnavailableReason.CONNECTION_ERROR,
        UnavailableReason.SERVER_ERROR,
        UnavailableReason.CIRCUIT_OPEN,
    }
)


class SourcesDown(Exception):
    """A source was down on a try that is not the last: the job tries again later."""


def continue_investigation(
    svc: Services, actor: Actor, case_id: str, *, last_try: bool
) -> InvestigationResult:
    """Steps 2 and 3 of :func:`run_investigation` for a case already ``investigating``.
    Unless ``last_try``, a source that was down (:data:`TRANSIENT`) raises
    :class:`SourcesDown` and nothing is stored; on the last try what came back is rated,
    the categories without an answer marked incomplete."""
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        if CaseState(case["state"]) is not S.INVESTIGATING:
            raise InvalidTransition(
                "the case is not being investigated",
                field="case_id",
                key="transition.case_not_being_investigated",
            )
        subject = uow.repo.case_subject(case)  # the keys of both, in one look
        scope_categories = effective_categories(uow, case)
        permit = query_permit(svc, uow, case, scope_categories)
        identity = uow.repo.subject_identity(subject)
    identifiers = SubjectIdentifiers(
        national_id=identity["national_id"],
        name=identity["name"],
        birth_date=datetime.fromisoformat(identity["birth_date"]).date(),
    )
    answers: list[SourceAnswer] = []
    for category in scope_categories:
        source = svc.sources.get(category)
        query = SourceQuery(category=category, case=case["pseudonym"], subject=identifiers)
        if source is None:  # no source configured for the category: the check is incomplete
            answers.append(
                unavailable("none", SourceKind.REGISTRY, category, UnavailableReason.NOT_COVERED)
            )
            continue
        answers.append(source.fetch(query, permit))
    down = [a.category.value for a in answers if a.reason in TRANSIENT]
    if down and not last_try:
        raise SourcesDown(f"sources down for {', '.join(down)}")
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if CaseState(case["state"]) is not S.INVESTIGATING:
            raise InvalidTransition(
                "the case left investigation meanwhile",
                field="case_id",
                key="transition.case_left_investigation_meanwhile",
            )
        uow.repo.case_subject(case)  # rated below with its identity: the keys in one look
        query_permit(svc, uow, case, scope_categories)  # a revocation meanwhile refuses here
        records: list[dict[str, Any]] = []
        seen: set[str] = set()
        for answer in answers:
            for record in answer.case_records():
                rid = str(record["id"])
                while rid in seen:
                    rid += "'"
                record["id"] = rid
                seen.add(rid)
                records.append(record)
        kept = redact_for_storage(records, {c.value for c in scope_categories}, svc.classifier)
        uow.repo.put_records(case, kept, svc.now())
        light = rate_and_open_review(svc, uow, case, actor)
        opened = reload_case(uow, case)
        told = candidate_message(svc, uow, opened, "review", opened["window_ends"])
        uow.commit()
    send_candidate_message(svc, told)
    return InvestigationResult(
        queried=tuple(c.value for c in scope_categories),
        incomplete=tuple(a.category.value for a in answers if a.incomplete)
        if actor.role is AGENCY
        else (),
        light=light if actor.role is AGENCY else None,
    )


def _begin(svc: Services, actor: Actor, case_id: str, *, job: Job | None = None) -> tuple[str, ...]:
    """Step 1: the permit, ``investigating``, a ``source.queried`` per category (and the
    job of steps 2 and 3, committed with them); the categories to query."""
    require_role(actor, AGENCY, EMPLOYER)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if actor.role is EMPLOYER and case["agency_id"] is not None:
            raise PermissionDenied(
                "the case's agency runs its investigation",
                key="denied.agency_investigates",
                field="actor",
            )
        scope_categories = effective_categories(uow, case)
        query_permit(svc, uow, case, scope_categories)
        if CaseState(case["state"]) is not S.INVESTIGATING:  # a retry after a crash re-queries
            case = move_case(uow, svc, case, S.INVESTIGATING)
        for category in scope_categories:
            log_event(
                svc,
                uow,
                EventType.SOURCE_QUERIED,
                case,
                actor,
                payload={"source": _source_id(svc, category)},
                category=category.value,
            )
        if job is not None:
            uow.enqueue(job)
        uow.commit()
    return tuple(c.value for c in scope_categories)


def _source_id(svc: Services, category: Category) -> str:
    source = svc.sources.get(category)
    return source.source_id if source is not None else "none"


def query_permit(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, categories: Sequence[Category]
) -> QueryPermit:
    """A permit to query ``categories`` for the case now, or the refusal that says why not
    (no valid authorization, a category not consented)."""
    return issue_permit(
        domain_authorization(case, uow.repo.authorization(case["id"])),
        authorization_ref=case["pseudonym"],
        case=case["pseudonym"],
        employer_id=case["employer_id"],
        role_id=case_role(uow, case)["id"],
        categories=categories,
        at=svc.now().astimezone(svc.config.zone),
    )


def case_file(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, as_of: str | None = None
) -> dict[str, Any]:
    """The case as a ``case.schema.json`` document: what ``fairscreen evaluate`` reads.
    The service rates exactly this, so anyone holding it can recompute the report."""
    zone = svc.config.zone
    subject = uow.repo.case_subject(case)
    row = uow.repo.authorization(case["id"])
    assert row is not None
    role = case_role(uow, case)
    authorization = {
        "employer_id": case["employer_id"],
        "role_id": role["id"],
        "purpose": row["purpose"],
        "categories": json.loads(row["categories"]),
        "sensitive_categories_consented": json.loads(row["sensitive"]),
        "signed_at": row["signed_at"].astimezone(zone).isoformat(),
        "expires_at": row["expires_at"].astimezone(zone).isoformat(),
        "revoked_at": row["revoked_at"].astimezone(zone).isoformat() if row["revoked_at"] else None,
        "document_sha256": row["text_sha256"],
    }
    # The evaluation date is the investigation's: a re-rating after a dispute reads the
    # same records as of the same day (and the authorization valid then), however long the
    # dispute took, so an authorization lapsing meanwhile cannot strand the case.
    if as_of is None:  # a caller holding the report passes its as_of (no second decryption)
        rated = uow.repo.report(case)
        as_of = rated["as_of"] if rated else svc.now().astimezone(zone).date().isoformat()
    return {
        "schema": CASE_SCHEMA,
        "case_id": case["pseudonym"],
        "as_of": as_of,
        "employer": {"id": case["employer_id"]},
        "role": role,
        "subject": uow.repo.subject_identity(subject),
        "claims": uow.repo.claims(case),
        "authorization": authorization,
        "requested_categories": json.loads(case["requested"]),
        "records": uow.repo.records(case),
    }


def rate_and_open_review(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, actor: Actor, as_of: str | None = None
) -> str:
    """Rate the stored case with the domain (the same code as ``fairscreen evaluate``),
    keep the report encrypted, and open the candidate's review window (P4)."""
    light = rate_case(svc, uow, case, actor, as_of)
    now = svc.now()
    ends = review_window_ends(now, case["review_days"])
    case = move_case(
        uow, svc, case, S.CANDIDATE_REVIEW, light=light, window_ends=ends, accepted=False
    )
    log_event(svc, uow, EventType.REVIEW_OPENED, case, actor, window_ends=ends)
    # The release at the window's end, committed with the window itself (services/
    # background.py RELEASE_CASE; the sweep is the backstop).
    uow.enqueue(release_job(str(case["id"]), ends))
    svc.notifier.send(
        Notification(
            svc.pseudonym("subj", case["subject_id"]),
            "review_opened",
            {"case": case["pseudonym"], "window_ends": ends.isoformat()},
        )
    )
    return light


def rate_case(
    svc: Services,
    uow: SqlUnitOfWork,
    case: RowMapping,
    actor: Actor,
    as_of: str | None = None,
    *,
    held: bool = False,
) -> str:
    """Rate the stored case with the domain and keep the report encrypted, logged as
    ``report.rated`` (or ``held`` for the decision in the pre-adverse wait,
    ``case_events.record_event``); the case's state is left as it is (a supplement
    re-verified in the review window or the pre-adverse wait, ``services/supplements.py``).
    Returns the light, which the caller stores on the case."""
    document = case_file(svc, uow, case, as_of)
    outcome = evaluate_case(json.dumps(document, ensure_ascii=False), svc.rulebook, svc.classifier)
    if outcome.refusal is not None:
        raise outcome.refusal
    report = outcome.document
    now = svc.now()
    uow.repo.put_report(
        case,
        report,
        rulebook_version=svc.rulebook.version,
        rulebook_sha256=svc.rulebook.sha256,
        rated_at=now,
    )
    light = report["rating"]["light"]
    record_event(
        svc,
        uow,
        EventType.REPORT_RATED,
        case,
        actor,
        held=held,
        payload={"light": light, "reasons": [r["rule"] for r in report["rating"]["reasons"]]},
        rulebook_sha256=svc.rulebook.sha256,
    )
    return str(light)

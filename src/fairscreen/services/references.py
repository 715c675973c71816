"""Structured reference checks (PRODUCT.md P3; issue 15 item 4): the agency asks a
referee a short, job-related questionnaire instead of listening to whatever they
volunteer, and the answers become a witness record of the case.

The Wang judgment is the reason for the shape: a former colleague's remark about the
candidate's private life was used against him, and the court ruled it had no place in a
hiring decision. So the referee is asked only what the role profile's reference category
is for (responsibilities, quality of work, reliability, why the work ended, would they
rehire), on scales and fixed choices that map to ``assertion`` keys; free comments are
short, optional, never a verification, and each passes the prohibited-topic filter before
anything is stored. The form tells the referee so before they write.

1. :func:`invite_referee` (agency, or an employer running its own check): only for a
   case under a signed authorization that covers ``reference``, with ``reference`` in the
   effective scope, before the report is rated. The referee gets a single-use link (a
   random token; only its keyed hash is stored) that expires after 7 days by default,
   never after the authorization. Their name and contact are sealed under the case key,
   so they are destroyed with the case. The notifier carries the link, never a name.
2. :func:`open_invitation` (the referee, no account): who asks and why, the questions in
   the referee's language. Opening does not use the link up (a mail scanner that fetches
   it would otherwise burn it).
3. :func:`submit_answers`: every answer checked against the questionnaire; each comment
   read by the classifier. A prohibited comment is dropped and nothing is stored yet:
   the referee is told which comment went and why, and submits again. A clean submission
   is stored as one witness record (the referee as source, ``person_id`` their random
   id), the link is marked used, and ``source.queried`` is logged for ``reference``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.adapters.notify import Notification
from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.categories import Category, SourceKind
from fairscreen.domain.errors import (
    AuthorizationRefused,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    ReferenceLinkInvalid,
    ScopeViolation,
)
from fairscreen.domain.questionnaire import (
    CheckedAnswers,
    Questionnaire,
    check_answers,
    witness_statements,
)
from fairscreen.ledger.entries import EventType
from fairscreen.services.case_events import (
    AGENCY,
    EMPLOYER,
    S,
    case_role,
    log_event,
    new_id,
    visible_case,
)
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.evaluation import reference_questionnaire
from fairscreen.services.investigation import query_permit
from fairscreen.services.records import redact_for_storage
from fairscreen.services.scope import effective_categories

#: The source id of the questionnaire's witness records and of its ``source.queried``.
REFERENCE_SOURCE = "referee-questionnaire"
#: A questionnaire is answered while the case is investigated, before the report is
#: rated: answers arriving after the rating would change a report the candidate is
#: already reviewing.
OPEN_STATES = (S.AUTHORIZED, S.SCOPED, S.INVESTIGATING)
DEFAULT_DAYS = 7
DAYS_RANGE = range(1, 15)
#: More referees than this for one candidate is fishing, not checking.
MAX_INVITATIONS = 5
NAME_MAX, CONTACT_MAX = 100, 200
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 -]{5,19}")
#: a link's token is stored as its keyed hash (``Services.keyed_hash``): a database copy
#: cannot forge a link
TOKEN_PURPOSE = b"fairscreen|reference|link"


def referee_link(token: str) -> str:
    return f"/referee/{token}"


# --- 1. the agency invites a referee --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InvitationSent:
    id: str
    expires_at: datetime


def _check_referee(name: str, contact: str, lang: str, days: int) -> tuple[str, str]:
    name, contact = " ".join(name.split()), contact.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(
            "the referee's name, 1 to {n} characters",
            field="name",
            key="input.referee_name_1_n_characters",
            n=NAME_MAX,
        )
    if len(contact) > CONTACT_MAX or not (_EMAIL.fullmatch(contact) or _PHONE.fullmatch(contact)):
        raise InvalidInput(
            "an e-mail address or a phone number",
            field="contact",
            key="input.e_mail_address_phone_number",
        )
    if lang not in LANGUAGES:
        raise InvalidInput(
            "one of {languages}",
            field="lang",
            key="input.one_languages",
            languages=", ".join(LANGUAGES),
        )
    if days not in DAYS_RANGE:
        raise InvalidInput(
            "the link lasts 1 to 14 days", field="days", key="input.link_lasts_1_14_days"
        )
    return name, contact


def _open_case(svc: Services, uow: SqlUnitOfWork, case: RowMapping) -> datetime:
    """Refuse unless references may be asked for this case now; the authorization's
    expiry (a link never outlives it)."""
    if S(case["state"]) not in OPEN_STATES:
        raise InvalidTransition(
            "a case in state {state} takes no reference answers",
            field="state",
            key="transition.no_reference_answers_in_state",
            state=case["state"],
        )
    if Category.REFERENCE not in effective_categories(uow, case):
        raise ScopeViolation(
            "references are not in the case's effective scope",
            field="case_id",
            key="scope.references_not_case_effective_scope",
        )
    query_permit(svc, uow, case, [Category.REFERENCE])  # signed, valid, covers references
    row = uow.repo.authorization(case["id"])
    assert row is not None
    return _aware(row["expires_at"])


def invite_referee(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    name: str,
    contact: str,
    lang: str = "zh-Hans",
    days: int = DEFAULT_DAYS,
) -> InvitationSent:
    """Invite a referee to the questionnaire (see the module docstring, step 1)."""
    require_role(actor, AGENCY, EMPLOYER)
    name, contact = _check_referee(name, contact, lang, days)
    token = secrets.token_urlsafe(32)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if actor.role is EMPLOYER and case["agency_id"] is not None:
            raise PermissionDenied(
                "the case's agency asks its referees",
                key="denied.agency_asks_referees",
                field="actor",
            )
        authorization_ends = _open_case(svc, uow, case)
        if len(uow.repo.invitations(case)) >= MAX_INVITATIONS:
            raise InvalidInput(
                "at most {n} referees per case",
                field="case_id",
                key="input.most_n_referees_per_case",
                n=MAX_INVITATIONS,
            )
        now = svc.now()
        expires_at = min(now + timedelta(days=days), authorization_ends)
        invitation_id, person_id = new_id("rinv"), new_id("referee")
        uow.repo.add_invitation(
            case,
            referee={"name": name, "contact": contact},
            id=invitation_id,
            token_hash=svc.keyed_hash(TOKEN_PURPOSE, token),
            person_id=person_id,
            lang=lang,
            created_at=now,
            expires_at=expires_at,
        )
        uow.commit()
    # Sent once the invitation is stored: a link that reaches the referee always works.
    # The notification names the referee by pseudonym; a mail or SMS adapter reads the
    # contact from the sealed invitation, so the outbox holds no name and no address.
    svc.notifier.send(
        Notification(
            svc.pseudonym("usr", f"referee:{person_id}"),
            "reference_invitation",
            {
                "case": case["pseudonym"],
                "invitation": invitation_id,
                "link": referee_link(token),
                "lang": lang,
                "expires_at": expires_at.isoformat(),
            },
        )
    )
    return InvitationSent(invitation_id, expires_at)


def list_invitations(svc: Services, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    """The case's invitations as the agency (or the employer running its own check)
    sees them: the referee it entered, the link's state, never the link itself."""
    require_role(actor, AGENCY, EMPLOYER)
    now = svc.now()
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        if actor.role is EMPLOYER and case["agency_id"] is not None:
            raise PermissionDenied(
                "the case's agency asks its referees",
                key="denied.agency_asks_referees",
                field="actor",
            )
        rows = uow.repo.invitations(case)
    return [
        {
            "id": row["id"],
            "name": row["referee"]["name"],
            "contact": row["referee"]["contact"],
            "lang": row["lang"],
            "created_at": row["created_at"],
            "expires_at": row["expires_at"],
            "answered_at": row["answered_at"],
            "state": "answered"
            if row["answered_at"]
            else ("expired" if _aware(row["expires_at"]) <= now else "open"),
        }
        for row in rows
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite hands times back naive; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- 2. the referee opens the link ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefereeForm:
    """What the referee sees: who asks, about whom, for which role and why."""

    lang: str
    candidate: str
    employer: str
    agency: str | None
    role_title: str
    purpose: str
    expires_at: datetime
    questionnaire: Questionnaire


def _usable(svc: Services, uow: SqlUnitOfWork, token: str) -> tuple[RowMapping, RowMapping]:
    """The invitation and its case, if the link may be used now; else why not."""
    if not token or len(token) > 100:
        raise ReferenceLinkInvalid("unknown")
    invitation = uow.repo.invitation_by_token_hash(svc.keyed_hash(TOKEN_PURPOSE, token))
    if invitation is None:
        raise ReferenceLinkInvalid("unknown")
    case = uow.repo.case(invitation["case_id"])
    if case is None or case["state"] == S.DESTROYED:
        raise ReferenceLinkInvalid("unknown")
    if invitation["answered_at"] is not None:
        raise ReferenceLinkInvalid("used")
    if _aware(invitation["expires_at"]) <= svc.now():
        raise ReferenceLinkInvalid("expired")
    try:
        _open_case(svc, uow, case)
    except (InvalidTransition, ScopeViolation, AuthorizationRefused) as exc:
        raise ReferenceLinkInvalid("closed") from exc
    return invitation, case


def open_invitation(svc: Services, token: str) -> RefereeForm:
    """The form behind a link (step 2); ``ReferenceLinkInvalid`` says why it cannot be
    used. Changes nothing."""
    with svc.reader() as uow:
        invitation, case = _usable(svc, uow, token)
        subject = uow.repo.subject(case["subject_id"])
        employer = uow.repo.tenant(case["employer_id"])
        agency = uow.repo.tenant(case["agency_id"]) if case["agency_id"] else None
        assert subject is not None and employer is not None
        return RefereeForm(
            lang=invitation["lang"],
            candidate=uow.repo.subject_identity(subject)["name"],
            employer=employer["name"],
            agency=agency["name"] if agency else None,
            role_title=str(case_role(uow, case).get("title") or ""),
            purpose=case["purpose"],
            expires_at=_aware(invitation["expires_at"]),
            questionnaire=reference_questionnaire(),
        )


# --- 3. the referee answers -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submission:
    """``stored`` when the answers became a witness record; otherwise ``answers.dropped``
    names the comments the filter removed, and nothing was stored."""

    stored: bool
    answers: CheckedAnswers


def submit_answers(
    svc: Services,
    token: str,
    *,
    relation: str,
    choices: dict[str, str],
    comments: dict[str, str],
) -> Submission:
    """Check and store a referee's answers (see the module docstring, step 3)."""
    questionnaire = reference_questionnaire()
    with svc.uow() as uow:
        invitation, case = _usable(svc, uow, token)
        answers = check_answers(
            questionnaire,
            relation=relation,
            choices=choices,
            comments=comments,
            classifier=svc.classifier,
        )
        if answers.dropped:
            return Submission(stored=False, answers=answers)  # rolled back: nothing kept
        if not uow.repo.mark_invitation_answered(invitation["id"], svc.now()):
            raise ReferenceLinkInvalid("used")
        subject = uow.repo.subject(case["subject_id"])
        assert subject is not None
        record = {
            "id": f"referee-{invitation['id'].removeprefix('rinv_')}",
            "category": Category.REFERENCE.value,
            "source": {
                "id": REFERENCE_SOURCE,
                "kind": SourceKind.WITNESS.value,
                "person_id": invitation["person_id"],
            },
            # the referee answered about this case's candidate: the record is theirs
            "identity": {"national_id": uow.repo.subject_identity(subject)["national_id"]},
            "status": "ok",
            "data": {
                "relation": answers.relation,
                "statements": witness_statements(questionnaire, answers, invitation["lang"]),
            },
        }
        # The same filter as every source's records, once more: defence in depth.
        kept = redact_for_storage([record], {Category.REFERENCE.value}, svc.classifier)
        uow.repo.put_records(case, kept, svc.now())
        querier = (
            Actor(AGENCY, case["agency_id"])
            if case["agency_id"]
            else Actor(EMPLOYER, case["employer_id"])
        )
        log_event(
            svc,
            uow,
            EventType.SOURCE_QUERIED,
            case,
            querier,
            payload={
                "source": REFERENCE_SOURCE,
                "invitation": invitation["id"],
                "questionnaire": questionnaire.version,
            },
            category=Category.REFERENCE.value,
        )
        uow.commit()
    return Submission(stored=True, answers=answers)

"""P2 确定范围, scope and ordering (PRODUCT.md §3 P2): the candidate, the employer's role
profiles (bounded by their tier), the order, and the effective scope of a case
(*requested ∩ profile ∩ consented*, with the reason for each category left out).

Nothing is queried when a check is ordered: the case waits for the candidate's signature
(``authorization``), which sets the effective scope computed here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.categories import PROHIBITED, Category
from fairscreen.domain.errors import DuplicateOrder, InvalidInput, NotFound
from fairscreen.domain.identity import normalize_id_number, normalize_name
from fairscreen.domain.lifecycle import ENDED_STATES
from fairscreen.domain.profiles import validate_profile
from fairscreen.domain.scope import Scope, effective_scope
from fairscreen.services import invitations
from fairscreen.services.case_events import (
    EMPLOYER,
    S,
    case_role,
    domain_authorization,
    dump_json,
    new_id,
)
from fairscreen.services.case_file import role_profile_from
from fairscreen.services.case_models import ClaimsIn, RoleIn, SubjectIn, invalid_input
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.evaluation import builtin_profiles
from fairscreen.services.invitations import Invitee

#: the purpose an order states when the employer writes none (P1: every notice names one)
DEFAULT_PURPOSE = "pre-employment screening for the offered role"
#: a role profile's own code: any script, this many characters at most
ROLE_ID_MAX = 64
_ID_NUMBER = re.compile("[0-9A-Z]{6,32}")
_ID_PUNCTUATION = re.compile(r"[()/\-]")
#: The default purpose as the notice states it in each language (an employer's own
#: purpose is shown as written).
DEFAULT_PURPOSE_TEXT = {
    "zh-Hans": "对拟聘岗位的入职前背景调查",
    "en": DEFAULT_PURPOSE,
    "zh-Hant": "對擬聘職位的入職前背景調查",
}


def purpose_text(purpose: str, lang: str) -> str:
    """An order's purpose as a notice in ``lang`` states it: the default in that language,
    an employer's own purpose as written."""
    return DEFAULT_PURPOSE_TEXT.get(lang, purpose) if purpose == DEFAULT_PURPOSE else purpose


def register_candidate(svc: Services, actor: Actor, identity: Mapping[str, Any]) -> str:
    """The employer's record of a candidate (subject): name, national ID and birth date,
    stored encrypted. Each employer keeps its own records (PRODUCT.md §2): the blind index
    that finds a returning candidate (a keyed hash of the ID number) is keyed by the
    employer too, so registering never returns, reuses or reveals another employer's
    record of that person, nor whether they were ever screened, and one employer's typo
    can never change another's result. The same employer registering the same number again
    gets its record back, if the name and birth date agree with it."""
    require_role(actor, EMPLOYER)
    subject, lookup = _checked_identity(svc, actor, identity)
    with svc.uow() as uow:
        subject_id = _add_subject(svc, uow, actor, subject, lookup)
        uow.commit()
    return subject_id


def _checked_identity(
    svc: Services, actor: Actor, identity: Mapping[str, Any]
) -> tuple[SubjectIn, str]:
    """The identity validated, and its blind index within the employer's records;
    nothing is written."""
    try:
        subject = SubjectIn.model_validate_json(json.dumps(dict(identity)))
    except ValidationError as exc:
        raise invalid_input(exc, ("subject",)) from exc
    if subject.birth_date > svc.now().astimezone(svc.config.zone).date():
        raise InvalidInput(
            "must not be in the future", field="subject.birth_date", key="input.must_not_future"
        )
    number = normalize_id_number(subject.national_id)
    if not _ID_NUMBER.fullmatch(_ID_PUNCTUATION.sub("", number)):
        # Not a checksum test (a foreigner's passport number is a valid identifier too) and
        # punctuation as printed is fine (Hong Kong A123456(7), Macau 1/123456/7), but "abc"
        # or Chinese characters typed into the field are caught before anything is stored.
        raise InvalidInput(
            "an identity document number: 6 to 32 letters and digits",
            field="subject.national_id",
            key="input.identity_document_number_6_32",
        )
    scoped = f"|lookup|{actor.id}|{number}".encode()
    return subject, hashlib.sha256(svc.pseudonym_key + scoped).hexdigest()


def _add_subject(
    svc: Services, uow: SqlUnitOfWork, actor: Actor, subject: SubjectIn, lookup: str
) -> str:
    existing = uow.repo.subject_by_lookup(lookup)
    if existing is not None:
        # The employer's own record: the same person only if the rest agrees, compared as
        # identities are (NFKC, no white space, case-folded); otherwise say so rather
        # than silently keep one and drop the other.
        kept = uow.repo.subject_identity(existing)
        if normalize_name(str(kept["name"])) != normalize_name(subject.name):
            raise InvalidInput(
                "this ID number is already registered by your organisation under another "
                "name: check which one is right",
                field="subject.name",
                key="scope.id_number_other_name",
            )
        if str(kept["birth_date"]) != subject.birth_date.isoformat():
            raise InvalidInput(
                "this ID number is already registered by your organisation with another "
                "birth date: check which one is right",
                field="subject.birth_date",
                key="scope.id_number_other_birth_date",
            )
        return str(existing["id"])
    subject_id = new_id("sub")
    uow.repo.add_subject(
        id=subject_id,
        employer_id=actor.id,
        pseudonym=svc.pseudonym("subj", subject_id),
        lookup=lookup,
        identity=subject.model_dump(mode="json", exclude_none=True),
        now=svc.now(),
    )
    return subject_id


def define_role_profile(svc: Services, actor: Actor, role: Mapping[str, Any]) -> str:
    """A role profile of the employer, validated against its tier (PRODUCT.md P2)."""
    require_role(actor, EMPLOYER)
    try:
        parsed = RoleIn.model_validate(dict(role))
    except ValidationError as exc:
        raise invalid_input(exc, ("role",)) from exc
    if len(parsed.id.strip()) > ROLE_ID_MAX or not parsed.id.strip():
        # any script (保安员 is as good a code as security-guard): the length is the rule
        raise InvalidInput(
            "1 to {count} characters, in any script",
            field="role.id",
            key="input.1_count_characters_any_script",
            count=ROLE_ID_MAX,
        )
    validate_profile(role_profile_from(parsed), svc.rulebook.groups_by_tier())
    if not parsed.categories:  # every order for it would be refused: nothing to check
        raise InvalidInput(
            "a role profile needs at least one category",
            field="role.categories",
            key="input.role_profile_needs_least_one",
        )
    profile_id = new_id("prf")
    with svc.uow() as uow:
        try:  # SQLite refuses the duplicate at the insert, PostgreSQL may at the commit
            uow.repo.add_profile(
                id=profile_id,
                employer_id=actor.id,
                role_id=parsed.id,
                tier=parsed.tier,
                body=parsed.model_dump(mode="json", exclude_none=True),
                created_at=svc.now(),
            )
            uow.commit()
        except sa.exc.IntegrityError as exc:
            raise InvalidInput(
                "this employer already has a profile with this id",
                field="role.id",
                key="input.employer_already_profile_id",
            ) from exc
    return profile_id


def use_builtin_profile(svc: Services, actor: Actor, profile: str) -> str:
    """Copy a built-in profile (``fairscreen profiles``) into the employer's own."""
    builtin = builtin_profiles().get(profile)
    if builtin is None:
        # The detail names the rule, never the value sent (docs/api.md: no echo).
        raise InvalidInput(
            "not one of the built-in profiles", field="profile", key="input.not_one_built_profiles"
        )
    role: dict[str, Any] = {
        "id": builtin.id,
        "title": builtin.title,
        "tier": builtin.tier.value,
        "categories": {
            c.value: {
                k: v
                for k, v in (
                    ("justification", r.justification),
                    ("lookback_years", r.lookback_years),
                    ("legal_basis", r.legal_basis),
                )
                if v is not None
            }
            for c, r in builtin.categories.items()
        },
    }
    if builtin.relevance_justification:
        role["relevance_justification"] = builtin.relevance_justification
    return define_role_profile(svc, actor, role)


def order_check(
    svc: Services,
    actor: Actor,
    *,
    subject_id: str,
    profile_id: str,
    requested: Sequence[str],
    purpose: str = DEFAULT_PURPOSE,
    agency_id: str | None = None,
    claims: Mapping[str, Any] | None = None,
    invitee: Invitee | None = None,
    confirm_duplicate: bool = False,
) -> str:
    """The employer orders a check for a role; the case waits for the candidate's
    signature (state ``ordered``). Nothing is queried before it. With an ``invitee``
    the candidate is invited as by the portal's order (``order_for_candidate``). A
    candidate with an open case at this employer is refused (:class:`DuplicateOrder`,
    nothing written) unless ``confirm_duplicate`` (:func:`_check_not_duplicate`)."""
    order = _checked_order(
        actor, profile_id, agency_id, requested, purpose, claims, confirm_duplicate
    )
    if invitee is not None:
        invitations.check_reachable(svc, invitee.contact)
    with svc.uow() as uow:
        case_id, pending = _add_invited_case(svc, uow, actor, order, subject_id, invitee)
        uow.commit()
    _invite(svc, pending)
    return case_id


def _add_invited_case(
    svc: Services,
    uow: SqlUnitOfWork,
    actor: Actor,
    order: _Order,
    subject_id: str,
    invitee: Invitee | None,
) -> tuple[str, invitations.PendingInvitation | None]:
    """The case, and with an ``invitee`` its first link, to send once committed."""
    case_id = _add_case(svc, uow, actor, order, subject_id, invitee)
    if invitee is None:
        return case_id, None
    case = uow.repo.case(case_id)
    assert case is not None
    return case_id, invitations.prepare_invitation(svc, uow, case, invitee.lang)


def _invite(svc: Services, pending: invitations.PendingInvitation | None) -> None:
    """Send the committed order's invitation. The order stands whether or not the
    message goes out: a failure is recorded on the link and shown on the case's page,
    which offers to send it again.

    Whether it went out is recorded in a transaction of its own (``send_invitation``),
    not in the order's: the outcome exists only once the message was tried, and it is
    tried only after the order is committed, so that no candidate is sent a link to an
    order that then rolled back, and no SMS or SMTP round trip is made while the order's
    transaction holds the database's write lock (SQLite) and the case's rows. Recording
    "sent" in the order's transaction beforehand would claim a message that a crash or
    a refusal then never sends."""
    if pending is not None:
        invitations.send_invitation(svc, pending)


def order_for_candidate(
    svc: Services,
    actor: Actor,
    identity: Mapping[str, Any],
    *,
    profile_id: str,
    requested: Sequence[str],
    purpose: str = DEFAULT_PURPOSE,
    agency_id: str | None = None,
    invitee: Invitee | None = None,
    confirm_duplicate: bool = False,
) -> tuple[str, str]:
    """Register the candidate and order the check in one step (the portal's order form):
    every input is checked first and both are written in one transaction, so a refused
    order stores nothing, not even the candidate's identity. Returns (subject, case).

    With an ``invitee`` (``invitations.checked_invitee``: the name as the employer knows
    the candidate and their mobile or e-mail, issue 13 items 1-2) both are kept sealed
    with the case and, once committed, the invitation link is sent to the contact; a
    message that does not go out leaves the order standing
    (``invitations.invitation_status`` says so, ``invitations.resend_invitation``
    tries again).

    The candidate is found among the employer's records by the keyed hash of their ID
    number (:func:`_checked_identity`); one with an open case at this employer is refused
    as :func:`order_check` refuses it, unless ``confirm_duplicate``."""
    order = _checked_order(
        actor, profile_id, agency_id, requested, purpose, None, confirm_duplicate
    )
    if invitee is not None:
        invitations.check_reachable(svc, invitee.contact)
    subject, lookup = _checked_identity(svc, actor, identity)
    with svc.uow() as uow:
        subject_id = _add_subject(svc, uow, actor, subject, lookup)
        case_id, pending = _add_invited_case(svc, uow, actor, order, subject_id, invitee)
        uow.commit()
    _invite(svc, pending)
    return subject_id, case_id


@dataclass(frozen=True, slots=True)
class _Order:
    profile_id: str
    agency_id: str | None
    categories: list[str]
    purpose: str
    claims: Mapping[str, Any] | None
    #: the employer confirmed ordering for a candidate with an open case already
    confirm_duplicate: bool = False


def _checked_order(
    actor: Actor,
    profile_id: str,
    agency_id: str | None,
    requested: Sequence[str],
    purpose: str,
    claims: Mapping[str, Any] | None,
    confirm_duplicate: bool = False,
) -> _Order:
    """What an order asks, validated without reading or writing anything."""
    require_role(actor, EMPLOYER)
    categories = checked_categories(requested, "requested", at_least_one=True)
    if not purpose.strip() or len(purpose) > 200:
        raise InvalidInput("1 to 200 characters", field="purpose", key="input.1_200_characters")
    if claims is not None:
        check_claims(claims)
    return _Order(profile_id, agency_id, categories, purpose.strip(), claims, confirm_duplicate)


def _add_case(
    svc: Services,
    uow: SqlUnitOfWork,
    actor: Actor,
    order: _Order,
    subject_id: str,
    invitee: Invitee | None = None,
) -> str:
    profile_id, agency_id = order.profile_id, order.agency_id
    profile = uow.repo.profile(profile_id)
    if profile is None or profile["employer_id"] != actor.id:
        raise NotFound("no such role profile", key="not_found.role_profile", field="profile_id")
    needed = json.loads(profile["body"])["categories"]
    if not any(c in needed and Category(c) not in PROHIBITED for c in order.categories):
        # the notice would ask for nothing, so the case could never be signed
        raise InvalidInput(
            "none of the requested categories is in the role profile",
            field="requested",
            key="input.none_requested_categories_role_profile",
        )
    subject = uow.repo.subject(subject_id)
    # Another employer's record of a person does not exist for this one (PRODUCT.md §2);
    # a record from before records were kept per employer has no owner.
    if subject is None or subject["employer_id"] not in (None, actor.id):
        raise NotFound("no such candidate", key="not_found.candidate", field="subject_id")
    if agency_id is not None:
        agency = uow.repo.tenant(agency_id)
        if agency is None or agency["kind"] != "agency":
            raise NotFound("no such agency", key="not_found.agency", field="agency_id")
    if not order.confirm_duplicate:
        _check_not_duplicate(uow, actor, subject_id)
    case_id = new_id("case")
    now = svc.now()
    uow.repo.add_case(
        id=case_id,
        pseudonym=svc.pseudonym("case", case_id),
        subject_pseudonym=subject["pseudonym"],
        employer_id=actor.id,
        agency_id=agency_id,
        subject_id=subject_id,
        profile_id=profile_id,
        tier=profile["tier"],
        state=S.ORDERED.value,
        requested=dump_json(order.categories),
        purpose=order.purpose,
        review_days=svc.config.review_days,
        accepted=False,
        legal_hold=False,
        created_at=now,
        updated_at=now,
        claims=None if order.claims is None else dict(order.claims),
        candidate_name=None if invitee is None else invitee.name,
        contact=None
        if invitee is None
        else {"kind": invitee.contact.kind, "value": invitee.contact.value, "lang": invitee.lang},
    )
    return case_id


def _check_not_duplicate(uow: SqlUnitOfWork, actor: Actor, subject_id: str) -> None:
    """Refuse an order for a candidate who has an open case (not in
    ``lifecycle.ENDED_STATES``) with this employer, naming the latest. The candidate is
    the employer's own record, found by id (itself found by the keyed hash of the ID
    number, never by comparing identities in SQL), and only this employer's cases are
    read: another employer's case of the same person is never seen, let alone named."""
    open_cases = uow.repo.cases_where(
        t.cases.c.subject_id == subject_id,
        t.cases.c.employer_id == actor.id,
        t.cases.c.state.not_in([state.value for state in ENDED_STATES]),
    )
    if open_cases:
        raise DuplicateOrder(
            "this candidate already has an open case with your organisation ({case_id}): "
            "confirm to order another",
            field="confirm_duplicate",
            key="transition.duplicate_open_case",
            case_id=str(open_cases[-1]["id"]),
        )


def checked_categories(
    values: Iterable[str], field: str, *, at_least_one: bool = False
) -> list[str]:
    chosen: list[str] = []
    for index, value in enumerate(values):
        try:
            category = Category(value)
        except ValueError as exc:
            raise InvalidInput(
                "not one of the rulebook's categories",
                field=f"{field}[{index}]",
                key="input.not_one_rulebook_categories",
            ) from exc
        if category.value not in chosen:
            chosen.append(category.value)
    if at_least_one and not chosen:
        # A check of nothing would end green with every category "not consented": an
        # order or a signature must name at least one category.
        raise InvalidInput(
            "choose at least one category", field=field, key="input.choose_least_one_category"
        )
    return chosen


def check_claims(claims: Mapping[str, Any]) -> None:
    try:
        ClaimsIn.model_validate_json(json.dumps(dict(claims)))
    except ValidationError as exc:
        raise invalid_input(exc, ("claims",)) from exc


def case_scope(uow: SqlUnitOfWork, case: RowMapping) -> Scope:
    """requested ∩ profile ∩ consented (PRODUCT.md P2), the same domain function as offline."""
    return effective_scope(
        (Category(c) for c in json.loads(case["requested"])),
        role_profile_from(RoleIn.model_validate(case_role(uow, case))),
        domain_authorization(case, uow.repo.authorization(case["id"])),
    )


def effective_categories(uow: SqlUnitOfWork, case: RowMapping) -> list[Category]:
    return list(case_scope(uow, case).effective)

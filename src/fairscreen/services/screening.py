"""The screening service: one function per use case (PRODUCT.md §2-§3, P1-P6).

Each use case runs in one unit of work: it loads what it needs, asks the domain what may
happen (state machine, authorization, scope, rating, retention), stores the result
(personal values encrypted at the repository boundary) and appends its ledger event in
the same transaction, so the case and the ledger always agree. A refused step raises the
project's error and changes nothing.

Who may see a case: its employer, its candidate and its agency; to anyone else it does
not exist (``NotFound``, never "forbidden", so ids do not leak across tenants).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import ValidationError
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.crypto import KeyKind, RotationReport, rotate_master_key
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.ledger_store import reading
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork, payload_digest
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
from fairscreen.domain.categories import (
    CATEGORY_LABELS,
    PROHIBITED,
    SENSITIVE,
    TIER_LABELS,
    Category,
    SourceKind,
    Tier,
)
from fairscreen.domain.errors import (
    AuthorizationRefused,
    CaseDestroyed,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from fairscreen.domain.identity import normalize_id_number
from fairscreen.domain.lifecycle import (
    CaseState,
    HoldReason,
    Outcome,
    check_release,
    destruction_due,
    dispute_due,
    purge_action,
    review_window_ends,
    revocation_destroys_data,
    transition,
)
from fairscreen.domain.lifecycle import (
    DisputeOutcome as DomainDisputeOutcome,
)
from fairscreen.domain.model import Authorization
from fairscreen.domain.profiles import validate_profile
from fairscreen.domain.scope import Scope, covers, effective_scope, is_consented
from fairscreen.ledger.audit import Violation, audit_entries
from fairscreen.ledger.checkpoint import make_tlog_proof
from fairscreen.ledger.entries import ActorRole, EventType, LedgerEntry, ReasonCode
from fairscreen.ledger.entries import Outcome as LedgerOutcome
from fairscreen.services.case_file import (
    CASE_SCHEMA,
    ClaimsIn,
    RecordIn,
    RoleIn,
    SubjectIn,
    invalid_input,
    record_from,
    role_profile_from,
)
from fairscreen.services.context import SYSTEM, Actor, Services, require_role
from fairscreen.services.evaluation import builtin_profiles, evaluate_case
from fairscreen.services.evidence_files import check_evidence
from fairscreen.services.records import redact_for_storage

S = CaseState
EMPLOYER, AGENCY, CANDIDATE = ActorRole.EMPLOYER, ActorRole.AGENCY, ActorRole.CANDIDATE
#: the purpose an order states when the employer writes none (P1: every notice names one)
DEFAULT_PURPOSE = "pre-employment screening for the offered role"
_ID_NUMBER = re.compile("[0-9A-Z]{6,32}")
_ID_PUNCTUATION = re.compile(r"[()/\-]")
#: The default purpose as the notice states it in each language (an employer's own
#: purpose is shown as written).
DEFAULT_PURPOSE_TEXT = {
    "zh-Hans": "对拟聘岗位的入职前背景调查",
    "en": DEFAULT_PURPOSE,
    "zh-Hant": "對擬聘崗位的入職前背景調查",
}


def purpose_text(purpose: str, lang: str) -> str:
    """An order's purpose as a notice in ``lang`` states it: the default in that language,
    an employer's own purpose as written."""
    return DEFAULT_PURPOSE_TEXT.get(lang, purpose) if purpose == DEFAULT_PURPOSE else purpose


#: the authorization notice is written in these (templates/authorization.<lang>.txt.j2)
LANGUAGES = ("zh-Hans", "en", "zh-Hant")
#: The rights left after the decision (the review window, where findings are disputed, is
#: over): stated in the notice the candidate is sent and shown on the portals as stored.
ADVERSE_ACTION_RIGHTS = {
    "zh-Hans": "您有权要求用人单位说明作出这一决定的理由（《个人信息保护法》第24条）；"
    "有权查阅、复制、更正和删除您的个人信息（第44—47条）；"
    "也可以向劳动保障监察机构或个人信息保护主管部门投诉。",
    "en": "You have the right to ask the employer to explain this decision (PIPL art. 24); "
    "to access, copy, correct and delete your personal information (PIPL art. 44–47); and "
    "to complain to the labour inspectorate or the personal-information protection authority.",
    "zh-Hant": "您有權要求用人單位說明作出此項決定的理由（《個人信息保護法》第24條）；"
    "有權查閱、複製、更正及刪除您的個人資料（第44—47條）；"
    "也可以向勞動監察機關或個人資料保護主管機關申訴。",
}
_templates = Environment(
    loader=PackageLoader("fairscreen", "templates"),
    undefined=StrictUndefined,
    # Plain-text notices, never served as HTML as such: the web portal escapes them when
    # it renders them into a page.
    autoescape=False,  # noqa: S701
    keep_trailing_newline=True,
)


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- the ledger ---------------------------------------------------------------------------


def event_entry(
    svc: Services,
    event: EventType,
    case: RowMapping,
    actor: Actor,
    *,
    payload: Mapping[str, Any] | None = None,
    **fields: Any,
) -> tuple[LedgerEntry, str, bytes]:
    """The guarded entry for ``event``, and its payload (ids and codes only, kept in the
    database) with the SHA-256 the entry carries."""
    body = {"event": event.value, "case": case["pseudonym"], **(payload or {})}
    digest, encoded = payload_digest(body)
    entry = LedgerEntry(
        type=event,
        case=case["pseudonym"],
        actor_role=actor.role,
        actor=svc.actor_pseudonym(actor),
        at=svc.now(),
        digest=digest,
        employer=svc.pseudonym("emp", case["employer_id"]),
        **fields,
    )
    return entry, digest, encoded


def log_event(
    svc: Services,
    uow: SqlUnitOfWork,
    event: EventType,
    case: RowMapping,
    actor: Actor,
    *,
    payload: Mapping[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Append ``event`` for ``case`` in this unit of work, with its payload."""
    entry, digest, body = event_entry(svc, event, case, actor, payload=payload, **fields)
    uow.keep_payload_body(digest, body)
    uow.log(entry)


# --- access ------------------------------------------------------------------------------------


def _visible(case: RowMapping, actor: Actor) -> bool:
    if actor.role is EMPLOYER:
        return bool(case["employer_id"] == actor.id)
    if actor.role is CANDIDATE:
        return bool(case["subject_id"] == actor.id)
    if actor.role is AGENCY:
        return bool(case["agency_id"] == actor.id)
    return actor.role in (ActorRole.SYSTEM, ActorRole.OPERATOR)


def visible_case(
    uow: SqlUnitOfWork, actor: Actor, case_id: str, *, allow_destroyed: bool = False
) -> RowMapping:
    case = uow.repo.case(case_id)
    if case is None or not _visible(case, actor):
        raise NotFound("no such case", field="case_id")
    if case["state"] == S.DESTROYED and not allow_destroyed:
        raise CaseDestroyed("the case's data was destroyed", field="case_id")
    return case


def _reload(uow: SqlUnitOfWork, case: RowMapping) -> RowMapping:
    fresh = uow.repo.case(case["id"])
    assert fresh is not None
    return fresh


def _move(
    uow: SqlUnitOfWork, svc: Services, case: RowMapping, target: CaseState, **values: Any
) -> RowMapping:
    transition(CaseState(case["state"]), target)
    uow.repo.update_case(case["id"], state=target.value, updated_at=svc.now(), **values)
    return _reload(uow, case)


# --- registration ------------------------------------------------------------------------------


def register_tenant(svc: Services, actor: Actor, *, kind: str, name: str) -> str:
    """An employer or agency organisation (operator only)."""
    require_role(actor, ActorRole.OPERATOR, ActorRole.SYSTEM)
    if kind not in ("employer", "agency"):
        raise InvalidInput("must be employer or agency", field="kind")
    if not name.strip() or len(name) > 200:
        raise InvalidInput("1 to 200 characters", field="name")
    tenant_id = _new_id(kind[:3])
    with svc.uow() as uow:
        uow.repo.add_tenant(
            id=tenant_id,
            kind=kind,
            name=name.strip(),
            pseudonym=svc.pseudonym("emp", tenant_id),
            created_at=svc.now(),
        )
        uow.commit()
    return tenant_id


def register_candidate(svc: Services, identity: Mapping[str, Any]) -> str:
    """A candidate (subject), identified by name, national ID and birth date; a returning
    candidate (same ID number) gets their existing id. The identity is stored encrypted;
    a keyed hash of the ID number (a blind index) finds them again."""
    subject, lookup = _checked_identity(svc, identity)
    with svc.uow() as uow:
        subject_id = _add_subject(svc, uow, subject, lookup)
        uow.commit()
    return subject_id


def _checked_identity(svc: Services, identity: Mapping[str, Any]) -> tuple[SubjectIn, str]:
    """The identity validated, and its blind index; nothing is written."""
    try:
        subject = SubjectIn.model_validate_json(json.dumps(dict(identity)))
    except ValidationError as exc:
        raise invalid_input(exc, ("subject",)) from exc
    if subject.birth_date > svc.now().astimezone(svc.config.zone).date():
        raise InvalidInput("must not be in the future", field="subject.birth_date")
    number = normalize_id_number(subject.national_id)
    if not _ID_NUMBER.fullmatch(_ID_PUNCTUATION.sub("", number)):
        # Not a checksum test (a foreigner's passport number is a valid identifier too) and
        # punctuation as printed is fine (Hong Kong A123456(7), Macau 1/123456/7), but "abc"
        # or Chinese characters typed into the field are caught before anything is stored.
        raise InvalidInput(
            "an identity document number: 6 to 32 letters and digits",
            field="subject.national_id",
        )
    lookup = hashlib.sha256(svc.pseudonym_key + b"|lookup|" + number.encode()).hexdigest()
    return subject, lookup


def _add_subject(svc: Services, uow: SqlUnitOfWork, subject: SubjectIn, lookup: str) -> str:
    existing = uow.repo.subject_by_lookup(lookup)
    if existing is not None:
        return str(existing["id"])
    subject_id = _new_id("sub")
    uow.repo.add_subject(
        id=subject_id,
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
    validate_profile(role_profile_from(parsed), svc.rulebook.groups_by_tier())
    if not parsed.categories:  # every order for it would be refused: nothing to check
        raise InvalidInput("a role profile needs at least one category", field="role.categories")
    profile_id = _new_id("prf")
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
                "this employer already has a profile with this id", field="role.id"
            ) from exc
    return profile_id


def use_builtin_profile(svc: Services, actor: Actor, profile: str) -> str:
    """Copy a built-in profile (``fairscreen profiles``) into the employer's own."""
    builtin = builtin_profiles().get(profile)
    if builtin is None:
        raise InvalidInput(f"unknown built-in profile {profile!r}", field="profile")
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


# --- P1: order, notice, signature, revocation ------------------------------------------------


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
) -> str:
    """The employer orders a check for a role; the case waits for the candidate's
    signature (state ``ordered``). Nothing is queried before it."""
    order = _checked_order(actor, profile_id, agency_id, requested, purpose, claims)
    with svc.uow() as uow:
        case_id = _add_case(svc, uow, actor, order, subject_id)
        uow.commit()
    return case_id


def order_for_candidate(
    svc: Services,
    actor: Actor,
    identity: Mapping[str, Any],
    *,
    profile_id: str,
    requested: Sequence[str],
    purpose: str = DEFAULT_PURPOSE,
    agency_id: str | None = None,
) -> tuple[str, str]:
    """Register the candidate and order the check in one step (the portal's order form):
    every input is checked first and both are written in one transaction, so a refused
    order stores nothing, not even the candidate's identity. Returns (subject, case)."""
    order = _checked_order(actor, profile_id, agency_id, requested, purpose, None)
    subject, lookup = _checked_identity(svc, identity)
    with svc.uow() as uow:
        subject_id = _add_subject(svc, uow, subject, lookup)
        case_id = _add_case(svc, uow, actor, order, subject_id)
        uow.commit()
    return subject_id, case_id


@dataclass(frozen=True, slots=True)
class _Order:
    profile_id: str
    agency_id: str | None
    categories: list[str]
    purpose: str
    claims: Mapping[str, Any] | None


def _checked_order(
    actor: Actor,
    profile_id: str,
    agency_id: str | None,
    requested: Sequence[str],
    purpose: str,
    claims: Mapping[str, Any] | None,
) -> _Order:
    """What an order asks, validated without reading or writing anything."""
    require_role(actor, EMPLOYER)
    categories = _categories(requested, "requested", at_least_one=True)
    if not purpose.strip() or len(purpose) > 200:
        raise InvalidInput("1 to 200 characters", field="purpose")
    if claims is not None:
        _check_claims(claims)
    return _Order(profile_id, agency_id, categories, purpose.strip(), claims)


def _add_case(
    svc: Services, uow: SqlUnitOfWork, actor: Actor, order: _Order, subject_id: str
) -> str:
    profile_id, agency_id = order.profile_id, order.agency_id
    profile = uow.repo.profile(profile_id)
    if profile is None or profile["employer_id"] != actor.id:
        raise NotFound("no such role profile", field="profile_id")
    needed = json.loads(profile["body"])["categories"]
    if not any(c in needed and Category(c) not in PROHIBITED for c in order.categories):
        # the notice would ask for nothing, so the case could never be signed
        raise InvalidInput(
            "none of the requested categories is in the role profile", field="requested"
        )
    subject = uow.repo.subject(subject_id)
    if subject is None:
        raise NotFound("no such candidate", field="subject_id")
    if agency_id is not None:
        agency = uow.repo.tenant(agency_id)
        if agency is None or agency["kind"] != "agency":
            raise NotFound("no such agency", field="agency_id")
    case_id = _new_id("case")
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
        requested=_json(order.categories),
        purpose=order.purpose,
        review_days=svc.config.review_days,
        accepted=False,
        legal_hold=False,
        created_at=now,
        updated_at=now,
        claims=None if order.claims is None else dict(order.claims),
    )
    return case_id


def _categories(values: Iterable[str], field: str, *, at_least_one: bool = False) -> list[str]:
    chosen: list[str] = []
    for index, value in enumerate(values):
        try:
            category = Category(value)
        except ValueError as exc:
            raise InvalidInput(f"unknown category {value!r}", field=f"{field}[{index}]") from exc
        if category.value not in chosen:
            chosen.append(category.value)
    if at_least_one and not chosen:
        # A check of nothing would end green with every category "not consented": an
        # order or a signature must name at least one category.
        raise InvalidInput("choose at least one category", field=field)
    return chosen


def _check_claims(claims: Mapping[str, Any]) -> None:
    try:
        ClaimsIn.model_validate_json(json.dumps(dict(claims)))
    except ValidationError as exc:
        raise invalid_input(exc, ("claims",)) from exc


@dataclass(frozen=True, slots=True)
class AuthorizationNotice:
    """The text the candidate signs (PIPL art. 17, 30) and its SHA-256."""

    lang: str
    text: str
    sha256: str
    categories: tuple[str, ...]
    sensitive: tuple[str, ...]


def _notice(svc: Services, uow: SqlUnitOfWork, case: RowMapping, lang: str) -> AuthorizationNotice:
    if lang not in LANGUAGES:
        raise InvalidInput("must be zh-Hans, en or zh-Hant", field="lang")
    profile = uow.repo.profile(case["profile_id"])
    employer = uow.repo.tenant(case["employer_id"])
    agency = uow.repo.tenant(case["agency_id"]) if case["agency_id"] else None
    assert profile is not None and employer is not None
    role = json.loads(profile["body"])
    requested = json.loads(case["requested"])
    asked = [c for c in requested if c in role["categories"] and Category(c) not in PROHIBITED]
    items = [
        {
            "category": c,
            "label_zh": CATEGORY_LABELS[Category(c)]["zh-Hans"],
            "label_en": CATEGORY_LABELS[Category(c)]["en"],
            "label_hant": CATEGORY_LABELS[Category(c)]["zh-Hant"],
            "justification": role["categories"][c]["justification"],
            "sensitive": Category(c) in SENSITIVE,
            "legal_basis": role["categories"][c].get("legal_basis", ""),
        }
        for c in asked
    ]
    text = _templates.get_template(f"authorization.{lang}.txt.j2").render(
        employer_name=employer["name"],
        employer_ref=employer["pseudonym"],
        agency_name=agency["name"] if agency else None,
        role_title=role.get("title") or role["id"],
        role_id=role["id"],
        tier=TIER_LABELS[Tier(role["tier"])][lang],
        purpose=purpose_text(case["purpose"], lang),
        review_days=case["review_days"],
        rulebook_version=svc.rulebook.version,
        rulebook_sha256=svc.rulebook.sha256,
        categories=items,
        retention_not_hired_days=svc.config.retention.days(Tier(case["tier"]), Outcome.NOT_HIRED),
        retention_hired_days=svc.config.retention.days(Tier(case["tier"]), Outcome.HIRED),
        validity_days=svc.config.authorization_days,
    )
    return AuthorizationNotice(
        lang=lang,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        categories=tuple(c for c in asked),
        sensitive=tuple(c for c in asked if Category(c) in SENSITIVE),
    )


def authorization_notice(
    svc: Services, actor: Actor, case_id: str, lang: str = "zh-Hans"
) -> AuthorizationNotice:
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        return _notice(svc, uow, case, lang)


def sign_authorization(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    text_sha256: str,
    lang: str,
    categories: Sequence[str],
    sensitive_consented: Sequence[str] = (),
    claims: Mapping[str, Any] | None = None,
) -> str:
    """The candidate signs the notice they were shown (its SHA-256 must match) and
    consents to categories, sensitive ones separately (PIPL art. 29). Then the effective
    scope is set (P2). Returns the consent receipt id."""
    require_role(actor, CANDIDATE)
    consented = _categories(categories, "categories", at_least_one=True)
    sensitive = _categories(sensitive_consented, "sensitive_categories_consented")
    for index, name in enumerate(sensitive):
        if Category(name) not in SENSITIVE:
            raise InvalidInput(
                "not a sensitive category", field=f"sensitive_categories_consented[{index}]"
            )
        if name not in consented:  # a separate consent to something not consented at all
            raise InvalidInput(
                "not among the categories consented",
                field=f"sensitive_categories_consented[{index}]",
            )
    if claims is not None:
        _check_claims(claims)
    # What the signature lets the check use: a sensitive category counts only with its own
    # separate consent (PIPL art. 29). Nothing usable would rate a check of nothing green.
    covered = sorted(c for c in consented if covers(Category(c), consented, sensitive))
    if not covered:
        raise InvalidInput(
            "no category the check may use: a sensitive one needs its own separate consent",
            field="categories",
        )
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        notice = _notice(svc, uow, case, lang)
        if text_sha256 != notice.sha256:
            raise InvalidInput("does not match the authorization text shown", field="text_sha256")
        for index, name in enumerate(consented):
            if name not in notice.categories:
                raise InvalidInput(
                    "not asked for in this authorization", field=f"categories[{index}]"
                )
        case = _move(uow, svc, case, S.AUTHORIZED)
        expires = now + timedelta(days=svc.config.authorization_days)
        receipt_id = str(uuid.uuid4())
        uow.repo.put_authorization(
            case,
            text=notice.text,
            lang=lang,
            text_sha256=notice.sha256,
            purpose=case["purpose"],
            categories=_json(sorted(consented)),
            sensitive=_json(sorted(set(sensitive) & set(consented))),
            signed_at=now,
            expires_at=expires,
            receipt_id=receipt_id,
        )
        if claims is not None:
            uow.repo.set_claims(case, claims)
        log_event(
            svc,
            uow,
            EventType.AUTHORIZATION_SIGNED,
            case,
            actor,
            payload={"text_sha256": notice.sha256, "receipt": receipt_id},
            categories=tuple(covered) or None,
            expires_at=expires,
        )
        # P2: the effective scope, right away, with the reason for each category left out.
        scope = _scope(uow, case)
        case = _move(uow, svc, case, S.SCOPED)
        log_event(
            svc,
            uow,
            EventType.SCOPE_SET,
            case,
            actor,
            payload={"excluded": [[e.category.value, e.reason.value] for e in scope.excluded]},
            categories=tuple(sorted(c.value for c in scope.effective)) or None,
        )
        uow.commit()
    return receipt_id


def _domain_authorization(case: RowMapping, row: RowMapping | None) -> Authorization:
    if row is None:
        raise AuthorizationRefused("no signed authorization for this case")
    return Authorization(
        employer_id=case["employer_id"],
        purpose=row["purpose"],
        categories=frozenset(Category(c) for c in json.loads(row["categories"])),
        sensitive_categories_consented=frozenset(Category(c) for c in json.loads(row["sensitive"])),
        signed_at=row["signed_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"] if row["revoked_at"] else None,
    )


def consent_receipt(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The consent receipt in Kantara Consent Receipt v1.1 form (fields of ISO/IEC TS
    27560 too): who consented to what, for which purpose, under which notice."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        row = uow.repo.authorization(case["id"])
        if row is None:
            raise NotFound("no authorization signed for this case", field="case_id")
        employer = uow.repo.tenant(case["employer_id"])
        assert employer is not None
        subject = uow.repo.subject(case["subject_id"])
        assert subject is not None
        # What the candidate consented to: a sensitive category ticked without its own
        # separate consent (PRODUCT.md P1, PIPL art. 29) is not consented, as in the scope.
        authorization = _domain_authorization(case, row)
        categories = [
            c for c in json.loads(row["categories"]) if is_consented(Category(c), authorization)
        ]
        sensitive = set(json.loads(row["sensitive"]))
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": "CN",
        "consentTimestamp": int(row["signed_at"].timestamp()),
        "collectionMethod": "fairscreen candidate portal, signed authorization text",
        "consentReceiptID": row["receipt_id"],
        "publicKey": svc.signer.verifier.vkey,
        "language": row["lang"],
        "piiPrincipalId": subject["pseudonym"],
        "piiControllers": [
            {"piiController": employer["name"], "onBehalf": False, "contact": employer["pseudonym"]}
        ],
        "policyUrl": f"fairscreen:rulebook/{svc.rulebook.version}#{svc.rulebook.sha256}",
        "services": [
            {
                "service": "pre-employment background screening",
                "purposes": [
                    {
                        "purpose": purpose_text(row["purpose"], row["lang"]),
                        "purposeCategory": ["employment"],
                        "consentType": "EXPLICIT",
                        "piiCategory": categories,
                        "primaryPurpose": True,
                        "termination": row["expires_at"].isoformat(),
                        "thirdPartyDisclosure": case["agency_id"] is not None,
                    }
                ],
            }
        ],
        "sensitive": bool(sensitive),
        "spiCat": sorted(sensitive),
        "noticeSha256": row["text_sha256"],
        "revokedAt": row["revoked_at"].isoformat() if row["revoked_at"] else None,
    }


def revoke_authorization(svc: Services, actor: Actor, case_id: str) -> None:
    """Revocation takes effect at once: no further queries, and the data gathered so far
    is destroyed unless the report was already released and decided (PRODUCT.md P1)."""
    require_role(actor, CANDIDATE)
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        row = uow.repo.authorization(case["id"])
        if row is None:
            _destroy(svc, uow, case, actor, reason=ReasonCode.REVOCATION)
            uow.commit()
            return
        if row["revoked_at"] is not None:
            raise InvalidTransition("the authorization was already revoked", field="case_id")
        uow.repo.update_authorization(case["id"], revoked_at=now)
        log_event(svc, uow, EventType.AUTHORIZATION_REVOKED, case, actor)
        state = CaseState(case["state"])
        if revocation_destroys_data(state):
            _destroy(svc, uow, case, actor, reason=ReasonCode.REVOCATION)
        uow.commit()


# --- P3: investigation and rating ------------------------------------------------------------


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
    require_role(actor, AGENCY, EMPLOYER)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if actor.role is EMPLOYER and case["agency_id"] is not None:
            raise PermissionDenied("the case's agency runs its investigation", field="actor")
        scope_categories = _effective(uow, case)
        permit = _permit(svc, uow, case, scope_categories)
        if CaseState(case["state"]) is not S.INVESTIGATING:  # a retry after a crash re-queries
            case = _move(uow, svc, case, S.INVESTIGATING)
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
        subject = uow.repo.subject(case["subject_id"])
        assert subject is not None
        identity = uow.repo.subject_identity(subject)
        uow.commit()
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
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if CaseState(case["state"]) is not S.INVESTIGATING:
            raise InvalidTransition("the case left investigation meanwhile", field="case_id")
        _permit(svc, uow, case, scope_categories)  # a revocation meanwhile refuses here
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
        light = _rate_and_open_review(svc, uow, case, actor)
        uow.commit()
    return InvestigationResult(
        queried=tuple(c.value for c in scope_categories),
        incomplete=tuple(a.category.value for a in answers if a.incomplete)
        if actor.role is AGENCY
        else (),
        light=light if actor.role is AGENCY else None,
    )


def _source_id(svc: Services, category: Category) -> str:
    source = svc.sources.get(category)
    return source.source_id if source is not None else "none"


def _role(uow: SqlUnitOfWork, case: RowMapping) -> dict[str, Any]:
    profile = uow.repo.profile(case["profile_id"])
    assert profile is not None
    return dict(json.loads(profile["body"]))


def _scope(uow: SqlUnitOfWork, case: RowMapping) -> Scope:
    """requested ∩ profile ∩ consented (PRODUCT.md P2), the same domain function as offline."""
    return effective_scope(
        (Category(c) for c in json.loads(case["requested"])),
        role_profile_from(RoleIn.model_validate(_role(uow, case))),
        _domain_authorization(case, uow.repo.authorization(case["id"])),
    )


def _effective(uow: SqlUnitOfWork, case: RowMapping) -> list[Category]:
    return list(_scope(uow, case).effective)


def _permit(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, categories: Sequence[Category]
) -> QueryPermit:
    return issue_permit(
        _domain_authorization(case, uow.repo.authorization(case["id"])),
        authorization_ref=case["pseudonym"],
        case=case["pseudonym"],
        employer_id=case["employer_id"],
        role_id=_role(uow, case)["id"],
        categories=categories,
        at=svc.now().astimezone(svc.config.zone),
    )


def case_file(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, as_of: str | None = None
) -> dict[str, Any]:
    """The case as a ``case.schema.json`` document: what ``fairscreen evaluate`` reads.
    The service rates exactly this, so anyone holding it can recompute the report."""
    zone = svc.config.zone
    subject = uow.repo.subject(case["subject_id"])
    row = uow.repo.authorization(case["id"])
    assert subject is not None and row is not None
    role = _role(uow, case)
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


def _rate_and_open_review(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, actor: Actor, as_of: str | None = None
) -> str:
    """Rate the stored case with the domain (the same code as ``fairscreen evaluate``),
    keep the report encrypted, and open the candidate's review window (P4)."""
    document = case_file(svc, uow, case, as_of)
    outcome = evaluate_case(json.dumps(document, ensure_ascii=False), svc.rulebook, svc.classifier)
    if outcome.refused:
        raise AuthorizationRefused(outcome.document["refusal"]["message"])
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
    log_event(
        svc,
        uow,
        EventType.REPORT_RATED,
        case,
        actor,
        payload={"light": light, "reasons": [r["rule"] for r in report["rating"]["reasons"]]},
        rulebook_sha256=svc.rulebook.sha256,
    )
    ends = review_window_ends(now, case["review_days"])
    case = _move(uow, svc, case, S.CANDIDATE_REVIEW, light=light, window_ends=ends, accepted=False)
    log_event(svc, uow, EventType.REVIEW_OPENED, case, actor, window_ends=ends)
    svc.notifier.send(
        Notification(
            svc.pseudonym("subj", case["subject_id"]),
            "review_opened",
            {"case": case["pseudonym"], "window_ends": ends.isoformat()},
        )
    )
    return str(light)


# --- P4: reading, accepting, disputing, releasing, deciding ------------------------------------


def read_report(
    svc: Services, actor: Actor, case_id: str, *, reason: str | None = None
) -> dict[str, Any]:
    """Decrypt a report for someone allowed to read it, and log the read (P5): the
    candidate reads the full report first; the agency reads it to answer disputes; the
    employer reads only the employer view, only once released; an operator only with a
    recorded reason; a regulator never."""
    require_role(actor, CANDIDATE, AGENCY, EMPLOYER, ActorRole.OPERATOR)
    # 1. decrypt from a read snapshot (no writer lock), deciding what this reader may see;
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        report = uow.repo.report(case)
        if report is None:
            raise InvalidTransition("the case has not been rated yet", field="case_id")
        state = CaseState(case["state"])
        if actor.role is EMPLOYER:
            if state not in (S.RELEASED, S.DECIDED, S.ARCHIVED):
                raise InvalidTransition("the report is not released yet", field="case_id")
            code = ReasonCode.EMPLOYER_VIEW
            view: dict[str, Any] = dict(report["employer_view"])
            view["statement"] = _statement(uow, case)
            result = {"case_id": case["id"], "state": state.value, "employer_view": view}
        elif actor.role is ActorRole.OPERATOR:
            if not reason or not reason.strip():
                raise PermissionDenied(
                    "an operator reads a report only with a recorded reason", field="reason"
                )
            code = ReasonCode.AUDIT
            result = {"case_id": case["id"], "state": state.value, "report": report}
        else:
            code = ReasonCode.CANDIDATE_REVIEW if actor.role is CANDIDATE else ReasonCode.DISPUTE
            result = {
                "case_id": case["id"],
                "state": state.value,
                "report": report,
                "window_ends": case["window_ends"],
                "disputes": _dispute_summaries(uow, case),
            }
    # 2. the read is evidence: it is in the ledger (group-committed) before data leaves.
    entry, digest, body = event_entry(
        svc, EventType.REPORT_READ, case, actor, payload={"reason": code.value}, reason=code
    )
    svc.evidence.record(entry, digest, body)
    return result


def _statement(uow: SqlUnitOfWork, case: RowMapping) -> str | None:
    statements = [n for n in uow.repo.notices(case) if n["kind"] == "candidate_statement"]
    return str(statements[-1]["body"]["text"]) if statements else None


def _dispute_summaries(uow: SqlUnitOfWork, case: RowMapping) -> list[dict[str, Any]]:
    return [
        {
            k: d[k]
            for k in (
                "id",
                "finding_id",
                "opened_at",
                "due_at",
                "outcome",
                "resolved_at",
                "statement",
                "answer",
            )
        }
        for d in uow.repo.disputes(case)
    ]


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
        uow.repo.update_case(case["id"], accepted=True)
        _release(svc, uow, _reload(uow, case), actor)
        uow.commit()


def _add_statement(svc: Services, uow: SqlUnitOfWork, case: RowMapping, statement: str) -> None:
    if not statement.strip() or len(statement) > 2000:
        raise InvalidInput("1 to 2000 characters", field="statement")
    uow.repo.add_notice(
        case,
        id=_new_id("ntc"),
        kind="candidate_statement",
        body={"text": statement.strip()},
        created_at=svc.now(),
    )


def _open_disputes(uow: SqlUnitOfWork, case: RowMapping) -> int:
    return uow.repo.open_dispute_count(case["id"])


def _release(svc: Services, uow: SqlUnitOfWork, case: RowMapping, actor: Actor) -> None:
    now = svc.now()
    check_release(
        CaseState(case["state"]),
        now=now,
        window_ends=case["window_ends"],
        accepted=bool(case["accepted"]),
        open_disputes=_open_disputes(uow, case),
    )
    case = _move(uow, svc, case, S.RELEASED)
    reason = ReasonCode.CANDIDATE_ACCEPTED if case["accepted"] else None
    log_event(svc, uow, EventType.REPORT_RELEASED, case, actor, reason=reason)


def release_due(svc: Services) -> list[str]:
    """The scheduler: release every report whose review window ended without a dispute,
    unless its candidate has asked for deletion: the case is then on its way to
    destruction, and nothing more of it goes to the employer (PIPL art. 47)."""
    released = []
    with svc.uow() as uow:
        due = uow.repo.cases_where(
            t.cases.c.state == S.CANDIDATE_REVIEW.value,
            t.cases.c.window_ends <= svc.now(),
            t.cases.c.deletion_requested_at.is_(None),
        )
        for case in due:
            if _open_disputes(uow, case):
                continue
            _release(svc, uow, case, SYSTEM)
            released.append(str(case["id"]))
        uow.commit()
    return released


def open_dispute(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    finding_ids: Sequence[str],
    statement: str,
    evidence: str | None = None,
) -> list[str]:
    """The candidate disputes findings with a statement (and evidence); the case freezes
    until the agency answers each, within 15 days (P4)."""
    require_role(actor, CANDIDATE)
    if not finding_ids:
        raise InvalidInput("name at least one finding", field="finding_ids")
    if not statement.strip() or len(statement) > 4000:
        raise InvalidInput("1 to 4000 characters", field="statement")
    if evidence is not None and len(evidence) > 100_000:
        raise InvalidInput("at most 100,000 characters", field="evidence")
    if evidence is not None:
        check_evidence(evidence)
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        report = uow.repo.report(case)
        known = {f["id"] for f in (report or {}).get("findings", [])}
        open_findings = uow.repo.open_disputed_findings(case["id"])
        for index, finding in enumerate(finding_ids):
            if finding not in known:
                raise InvalidInput("no such finding in the report", field=f"finding_ids[{index}]")
            if finding in open_findings:  # two open answers to one finding could disagree
                raise InvalidTransition(
                    "this finding is already disputed", field=f"finding_ids[{index}]"
                )
        if CaseState(case["state"]) is S.CANDIDATE_REVIEW:
            if case["window_ends"] is not None and now >= case["window_ends"]:
                # The release is due (the scheduler may not have run yet): too late (P4).
                raise InvalidTransition("the review window has ended", field="window_ends")
            case = _move(uow, svc, case, S.DISPUTED)
        elif CaseState(case["state"]) is not S.DISPUTED:
            transition(CaseState(case["state"]), S.DISPUTED)
        ids = []
        due = dispute_due(now)
        for finding in dict.fromkeys(finding_ids):
            dispute_id = _new_id("dsp")
            uow.repo.add_dispute(
                case,
                id=dispute_id,
                finding_id=finding,
                statement=statement.strip(),
                evidence=evidence,
                opened_at=now,
                due_at=due,
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
    rated again and the candidate reviews it again."""
    require_role(actor, AGENCY, EMPLOYER)
    try:
        decided = DomainDisputeOutcome(outcome)
    except ValueError as exc:
        raise InvalidInput("must be upheld, corrected or removed", field="outcome") from exc
    if not answer.strip() or len(answer) > 4000:
        raise InvalidInput("1 to 4000 characters", field="answer")
    if decided is DomainDisputeOutcome.CORRECTED and not corrected_records:
        raise InvalidInput("a correction needs the corrected records", field="corrected_records")
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if actor.role is EMPLOYER and case["agency_id"] is not None:
            raise PermissionDenied("the case's agency answers its disputes", field="actor")
        disputes = {d["id"]: d for d in uow.repo.disputes(case)}
        dispute = disputes.get(dispute_id)
        if dispute is None:
            raise NotFound("no such dispute", field="dispute_id")
        if dispute["outcome"] is not None:
            raise InvalidTransition("this dispute was already answered", field="dispute_id")
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
            stored = {r["id"] for r in uow.repo.records(case)}
            allowed = {c.value for c in _effective(uow, case)}
            _check_records(corrected_records)  # as given, so errors name the input's index
            corrected = redact_for_storage(
                [dict(r) for r in corrected_records], allowed, svc.classifier
            )
            for record in corrected:
                if record["id"] in stored:
                    uow.repo.replace_record(case, record)
                else:
                    uow.repo.put_records(case, [record], svc.now())
        uow.repo.resolve_dispute(
            case, dispute_id, answer=answer.strip(), outcome=decided.value, resolved_at=svc.now()
        )
        log_event(
            svc,
            uow,
            EventType.DISPUTE_RESOLVED,
            case,
            actor,
            payload={"dispute": dispute_id, "finding": dispute["finding_id"]},
            outcome=LedgerOutcome(decided.value),
        )
        if _open_disputes(uow, case) == 0:
            case = _compact_claims(uow, case)
            # disputed → rated again as of the investigation, and a new review window
            _rate_and_open_review(svc, uow, case, actor, report.get("as_of"))
        uow.commit()


#: Which list of the case's claims a claim-based finding's ``claim`` index points into.
CLAIM_LISTS = {
    Category.EDUCATION.value: "education",
    Category.EMPLOYMENT_HISTORY.value: "employment",
    Category.PROFESSIONAL_LICENSE.value: "licenses",
}


def _drop_claim(uow: SqlUnitOfWork, case: RowMapping, category: str, index: int) -> None:
    """Blank the claim a removed finding answered. Blanked, not deleted: the other open
    disputes of the round name claims by their index in the report they dispute, so the
    indices must hold until the round ends (``_compact_claims``, before the re-rating)."""
    claims = uow.repo.claims(case)
    listed = list(claims.get(CLAIM_LISTS[category], []))
    if 0 <= index < len(listed):
        listed[index] = None
        uow.repo.set_claims(case, {**claims, CLAIM_LISTS[category]: listed})


def _live_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {name: [c for c in listed if c is not None] for name, listed in claims.items()}


def _compact_claims(uow: SqlUnitOfWork, case: RowMapping) -> RowMapping:
    """The case, read again, with its blanked claims gone (the round of disputes is over)."""
    case = _reload(uow, case)
    claims = uow.repo.claims(case)
    kept = _live_claims(claims)
    if kept != claims:
        uow.repo.set_claims(case, kept)
    return _reload(uow, case)


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


def record_decision(
    svc: Services,
    actor: Actor,
    case_id: str,
    *,
    outcome: str,
    reason: str,
    cites_report: bool = False,
) -> None:
    """A person at the employer records the decision and its reason (the light is advice,
    PIPL art. 24). An adverse decision that cites the report sends the candidate an
    adverse-action notice: the reasons, the rule IDs, the right to an explanation and to
    contest (FCRA §615 does likewise)."""
    require_role(actor, EMPLOYER)
    try:
        decided = Outcome(outcome)
    except ValueError as exc:
        raise InvalidInput("must be hired or not_hired", field="outcome") from exc
    if not reason.strip() or len(reason) > 2000:
        raise InvalidInput("1 to 2000 characters", field="reason")
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        adverse = decided is Outcome.NOT_HIRED and cites_report
        due = destruction_due(
            svc.config.retention,
            tier=Tier(case["tier"]),
            outcome=decided,
            decided_at=now,
            deletion_requested_at=case["deletion_requested_at"]
            if case["deletion_requested_at"]
            else None,
        )
        case = _move(
            uow,
            svc,
            case,
            S.DECIDED,
            outcome=decided.value,
            adverse=adverse,
            decided_at=now,
            destruction_due=due,
        )
        uow.repo.put_decision(
            case, reason=reason.strip(), outcome=decided.value, adverse=adverse, decided_at=now
        )
        log_event(
            svc,
            uow,
            EventType.DECISION_RECORDED,
            case,
            actor,
            outcome=LedgerOutcome(decided.value),
            due=due,
        )
        if adverse:
            report = uow.repo.report(case) or {}
            view = report.get("employer_view", {})
            notice: dict[str, Any] = {
                "kind": "adverse_action",
                "reasons": [
                    {"rule": r["rule"], "light": r["light"], "summary": r["summary"]}
                    for r in view.get("reasons", [])
                ],
                "employer_reason": reason.strip(),
                "rights": ADVERSE_ACTION_RIGHTS,
            }
            uow.repo.add_notice(
                case, id=_new_id("ntc"), kind="adverse_action", body=notice, created_at=now
            )
            svc.notifier.send(
                Notification(
                    svc.pseudonym("subj", case["subject_id"]),
                    "adverse_action",
                    {"case": case["pseudonym"], "rules": [r["rule"] for r in notice["reasons"]]},
                )
            )
        uow.commit()


# --- P4/P5: the candidate's own data -----------------------------------------------------------


def export_subject_data(svc: Services, actor: Actor) -> dict[str, Any]:
    """Everything held about the candidate, as JSON (PIPL art. 45: access and copy)."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        subject = uow.repo.subject(actor.id)
        if subject is None:
            raise NotFound("no such candidate", field="subject_id")
        cases = []
        for case in uow.repo.cases_where(t.cases.c.subject_id == actor.id):
            if case["state"] == S.DESTROYED:
                certificate = uow.repo.certificate(case["pseudonym"])
                cases.append(
                    {
                        "case_id": case["id"],
                        "state": case["state"],
                        "certificate": json.loads(certificate["body"]) if certificate else None,
                    }
                )
                continue
            report = uow.repo.report(case)
            row = uow.repo.authorization(case["id"])
            item = {
                "case_id": case["id"],
                "state": case["state"],
                "employer": case["employer_id"],
                "requested_categories": json.loads(case["requested"]),
                "claims": _live_claims(uow.repo.claims(case)),
                "authorization": None
                if row is None
                else {
                    "text": uow.repo.authorization_text(case, row),
                    "text_sha256": row["text_sha256"],
                    "categories": json.loads(row["categories"]),
                    "sensitive_categories_consented": json.loads(row["sensitive"]),
                    "signed_at": row["signed_at"].isoformat(),
                    "expires_at": row["expires_at"].isoformat(),
                    "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
                },
                "records": uow.repo.records(case),
                "report": report,
                "disputes": _dispute_summaries(uow, case),
                "decision": uow.repo.decision(case),
                "notices": uow.repo.notices(case),
            }
            cases.append(item)
            if report is not None:
                log_event(
                    svc,
                    uow,
                    EventType.REPORT_READ,
                    case,
                    actor,
                    payload={"reason": "export"},
                    reason=ReasonCode.CANDIDATE_REVIEW,
                )
        document = {
            "subject": {
                "id": subject["id"],
                "pseudonym": subject["pseudonym"],
                **uow.repo.subject_identity(subject),
            },
            "cases": cases,
        }
        uow.commit()
    exported: dict[str, Any] = json.loads(json.dumps(document, ensure_ascii=False, default=_iso))
    return exported


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def request_deletion(svc: Services, actor: Actor) -> list[str]:
    """The candidate asks for deletion: every case becomes due within 15 days (PIPL
    art. 47); open disputes and legal holds defer it, with the reason recorded."""
    require_role(actor, CANDIDATE)
    now = svc.now()
    affected = []
    with svc.uow() as uow:
        subject = uow.repo.subject(actor.id)
        if subject is None:
            raise NotFound("no such candidate", field="subject_id")
        # Asking again changes nothing: the first request's 15 days keep running (a second
        # request must not push the destruction later).
        uow.repo.update_subject(
            actor.id, deletion_requested_at=subject["deletion_requested_at"] or now
        )
        for case in uow.repo.cases_where(
            t.cases.c.subject_id == actor.id, t.cases.c.state != S.DESTROYED.value
        ):
            if case["deletion_requested_at"] is not None:
                affected.append(str(case["id"]))
                continue
            due = destruction_due(
                svc.config.retention,
                tier=Tier(case["tier"]),
                outcome=Outcome(case["outcome"]) if case["outcome"] else None,
                decided_at=case["decided_at"] if case["decided_at"] else None,
                deletion_requested_at=now,
            )
            uow.repo.update_case(
                case["id"], deletion_requested_at=now, destruction_due=due, updated_at=now
            )
            log_event(svc, uow, EventType.DELETION_REQUESTED, case, actor, due=due)
            affected.append(str(case["id"]))
        uow.commit()
    return affected


def set_legal_hold(svc: Services, actor: Actor, case_id: str, *, hold: bool) -> None:
    """An operator places or lifts a legal hold; destruction waits while it stands. Both
    are logged: a lift is a ``retention.hold`` of the same reason that expires as it is
    written, so the audit knows the case is due again (without it, the hold would excuse
    any delay for ever)."""
    require_role(actor, ActorRole.OPERATOR)
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        if bool(case["legal_hold"]) == hold:
            return  # nothing changes, nothing to log
        uow.repo.update_case(case["id"], legal_hold=hold, updated_at=now)
        log_event(
            svc,
            uow,
            EventType.RETENTION_HOLD,
            case,
            actor,
            reason=ReasonCode.LEGAL_HOLD,
            expires_at=None if hold else now,
        )
        uow.commit()


# --- P6: destruction ---------------------------------------------------------------------------


HOLD_REASONS = {
    HoldReason.OPEN_DISPUTE: ReasonCode.PENDING_DISPUTE,
    HoldReason.LEGAL_HOLD: ReasonCode.LEGAL_HOLD,
}


@dataclass(frozen=True, slots=True)
class PurgeResult:
    destroyed: tuple[str, ...]
    held: tuple[tuple[str, str], ...]
    due: tuple[str, ...]  # with dry_run: what would be destroyed


def purge(svc: Services, *, dry_run: bool = False, batch: int = 500) -> PurgeResult:
    """Destroy every case that is due (crypto-shredding + row deletion + ``data.destroyed``
    + a destruction certificate); a pending dispute or a legal hold defers it with a
    ``retention.hold`` entry. Subjects who asked for deletion and have no live case left
    are shredded too. Runs in batches, each its own transaction."""
    destroyed: list[str] = []
    held: list[tuple[str, str]] = []
    would: list[str] = []
    now = svc.now()
    with svc.uow() as uow:
        # One indexed scan for the due ids; the batches then read their rows by id.
        due_ids = uow.repo.due_case_ids(now, exclude_state=S.DESTROYED.value)
    for first in range(0, len(due_ids), batch):
        with svc.uow() as uow:
            due_cases = uow.repo.cases_by_ids(due_ids[first : first + batch])
            open_counts = uow.repo.open_dispute_counts([str(c["id"]) for c in due_cases])
            doomed: list[tuple[RowMapping, ReasonCode]] = []
            for case in due_cases:
                action = purge_action(
                    due=case["destruction_due"],
                    now=now,
                    open_dispute=open_counts.get(str(case["id"]), 0) > 0,
                    legal_hold=bool(case["legal_hold"]),
                )
                if action is False:
                    continue
                if isinstance(action, HoldReason):
                    held.append((str(case["id"]), action.value))
                    if not dry_run and case["hold_logged"] != action.value:
                        # one retention.hold per reason, not one per scheduler run
                        uow.repo.update_case(case["id"], hold_logged=action.value)
                        log_event(
                            svc,
                            uow,
                            EventType.RETENTION_HOLD,
                            case,
                            SYSTEM,
                            reason=HOLD_REASONS[action],
                        )
                    continue
                if dry_run:
                    would.append(str(case["id"]))
                    continue
                reason = (
                    ReasonCode.DELETION_REQUEST
                    if case["deletion_requested_at"]
                    else ReasonCode.RETENTION_EXPIRED
                )
                doomed.append((case, reason))
            if not dry_run:
                _destroy_many(svc, uow, doomed, SYSTEM)
                destroyed.extend(str(case["id"]) for case, _ in doomed)
            if not dry_run:
                uow.commit()  # a dry run leaves the unit of work to roll back
    if not dry_run:
        _shred_departed_subjects(svc)
    return PurgeResult(tuple(destroyed), tuple(held), tuple(would))


def _destroy(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, actor: Actor, *, reason: ReasonCode
) -> None:
    _destroy_many(svc, uow, [(case, reason)], actor)


CONTENT_DESTROYED = ["records", "report", "disputes", "decision", "notices", "authorization"]


def _destroy_many(
    svc: Services,
    uow: SqlUnitOfWork,
    cases: Sequence[tuple[RowMapping, ReasonCode]],
    actor: Actor,
) -> None:
    """Destroy cases (PRODUCT.md P6), set-based so a purge of many stays fast:

    1. check each case may end (an undecided case is withdrawn first, then destroyed);
    2. crypto-shred the case keys: every ciphertext of the cases becomes unreadable;
    3. delete the content rows and mark the cases destroyed (the case row stays as a
       tombstone of ids, pseudonym, state and times);
    4. log ``data.destroyed`` for each, and keep a certificate naming its ledger index.
    """
    if not cases:
        return
    now = svc.now()
    for case, _ in cases:
        state = CaseState(case["state"])
        if state not in (S.DECIDED, S.ARCHIVED, S.WITHDRAWN, S.EXPIRED):
            state = transition(state, S.WITHDRAWN)
        transition(state, S.DESTROYED)
    ids = [str(case["id"]) for case, _ in cases]
    records = uow.repo.record_counts(ids)
    uow.keys.destroy_many(KeyKind.CASE, [str(case["pseudonym"]) for case, _ in cases])
    # The light, the outcome and whether it was adverse go too: they are the report's and
    # the decision's results, and the case row keeps none of them (PRODUCT.md P6).
    uow.repo.delete_content_many(
        ids, state=S.DESTROYED.value, updated_at=now, light=None, outcome=None, adverse=None
    )
    certificates = []
    for case, reason in cases:
        count = records.get(str(case["id"]), 0)
        due = case["destruction_due"] if case["destruction_due"] else None
        log_event(
            svc,
            uow,
            EventType.DATA_DESTROYED,
            case,
            actor,
            payload={"records": count, "reason": reason.value},
            reason=reason,
            due=due,
        )
        index = uow.last_queued_index()
        certificates.append(
            {
                "id": _new_id("crt"),
                "case_pseudonym": case["pseudonym"],
                "subject_pseudonym": svc.pseudonym("subj", case["subject_id"]),
                "destroyed_at": now,
                "ledger_index": index,
                "body": _json(
                    {
                        "case": case["pseudonym"],
                        "destroyed_at": now.isoformat(),
                        "what": {
                            "categories": json.loads(case["requested"]),
                            "records": count,
                            "content": CONTENT_DESTROYED,
                        },
                        "method": "crypto-shredding (case key destroyed) and deletion of rows",
                        "reason": reason.value,
                        "ledger_index": index,
                    }
                ),
            }
        )
    uow.repo.add_certificates(certificates)


def _shred_departed_subjects(svc: Services) -> None:
    with svc.uow() as uow:
        subjects = (
            uow.connection.execute(
                sa.select(t.subjects).where(t.subjects.c.deletion_requested_at.is_not(None))
            )
            .mappings()
            .all()
        )
        for subject in subjects:
            live = uow.repo.cases_where(
                t.cases.c.subject_id == subject["id"], t.cases.c.state != S.DESTROYED.value
            )
            if live:
                continue
            # The row stays for the cases' tombstones; its identity is gone twice over:
            # the subject key is shredded and the ciphertext itself is wiped.
            uow.cipher.shred_subject(subject["pseudonym"])
            uow.repo.delete_self_identification(subject["id"])
            uow.repo.update_subject(
                subject["id"], identity_ct=b"", lookup=f"deleted:{subject['id']}"
            )
        uow.commit()


def destruction_certificate(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The certificate of a destroyed case, with a C2SP ``tlog-proof`` receipt: the
    inclusion proof of its ``data.destroyed`` entry and a signed checkpoint, verifiable
    offline with the log's public key."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id, allow_destroyed=True)
        row = uow.repo.certificate(case["pseudonym"])
        if row is None:
            raise NotFound("the case has not been destroyed", field="case_id")
        log = uow.ledger()
        checkpoint = log.latest_checkpoint()
        if checkpoint is None or checkpoint.size <= row["ledger_index"]:
            checkpoint = log.publish(svc.signer, now=svc.now())
        proof = log.inclusion_proof(int(row["ledger_index"]), checkpoint.size)
        entry = log.entry(int(row["ledger_index"]))
        uow.commit()
    certificate: dict[str, Any] = json.loads(row["body"])
    certificate["receipt"] = make_tlog_proof(int(row["ledger_index"]), proof.proof, checkpoint.note)
    certificate["entry"] = entry.decode("utf-8")
    certificate["log_key"] = svc.signer.verifier.vkey
    return certificate


# --- operators: keys and the ledger -------------------------------------------------------------


def rotate_keys(svc: Services, actor: Actor, *, to_key_id: str | None = None) -> RotationReport:
    """Rewrap every subject key under the current (or named) master key, in one
    transaction, without touching case keys or data (PRODUCT.md P5)."""
    require_role(actor, ActorRole.OPERATOR, ActorRole.SYSTEM)
    with svc.uow() as uow:
        report = rotate_master_key(svc.key_provider, uow.keys, to_key_id=to_key_id)
        uow.commit()
    return report


def audit_ledger(svc: Services, *, as_of: datetime | None = None) -> list[Violation]:
    """The compliance audit over this service's whole ledger (streamed in chunks)."""

    def entries() -> Iterator[tuple[int, bytes]]:
        with reading(svc.engine) as log:
            size = log.size()
            store = log.store
            for start in range(0, size, 4096):
                yield from store.read_entries(start, min(start + 4096, size))

    return audit_entries(entries(), svc.published_rulebooks, as_of=as_of)

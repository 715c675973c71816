"""P1 签署授权, authorization (PRODUCT.md §3 P1): the notice the candidate signs, the
signature and its consent (sensitive categories separately), the consent receipt, and
revocation.

Signing sets the effective scope at once (``scope.case_scope``); a revocation destroys
the data gathered so far unless the report was released and decided
(``retention.destroy_case``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.bilingual import LANGUAGES, in_language, written
from fairscreen.domain.categories import (
    CATEGORY_LABELS,
    PROHIBITED,
    SENSITIVE,
    TIER_LABELS,
    Category,
    Tier,
)
from fairscreen.domain.errors import InvalidInput, InvalidTransition, NotFound
from fairscreen.domain.lifecycle import CaseState, Outcome, revocation_destroys_data
from fairscreen.domain.scope import covers, is_consented
from fairscreen.ledger.entries import EventType, ReasonCode
from fairscreen.services.case_events import (
    CANDIDATE,
    S,
    domain_authorization,
    dump_json,
    log_event,
    move_case,
    visible_case,
)
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.retention import destroy_case
from fairscreen.services.scope import case_scope, check_claims, checked_categories, purpose_text

_templates = Environment(
    loader=PackageLoader("fairscreen", "templates"),
    undefined=StrictUndefined,
    # Plain-text notices, never served as HTML as such: the web portal escapes them when
    # it renders them into a page.
    autoescape=False,  # noqa: S701
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class AuthorizationNotice:
    """The text the candidate signs (PIPL art. 17, 30) and its SHA-256."""

    lang: str
    text: str
    sha256: str
    categories: tuple[str, ...]
    sensitive: tuple[str, ...]
    #: the notice's facts a candidate needs before reading it whole (the portal's
    #: key-points card, issue 13 item 12): the same values the text is rendered from
    facts: NoticeFacts


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    employer_name: str
    agency_name: str | None
    role_title: str
    review_days: int
    retention_not_hired_days: int
    retention_hired_days: int
    validity_days: int


def _notice(svc: Services, uow: SqlUnitOfWork, case: RowMapping, lang: str) -> AuthorizationNotice:
    # the notice is written in every language (templates/authorization.<lang>.txt.j2)
    if lang not in LANGUAGES:
        raise InvalidInput(
            "must be zh-Hans, en or zh-Hant", field="lang", key="input.must_zh_hans_en_zh"
        )
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
            "justification": in_language(role["categories"][c]["justification"], lang),
            "sensitive": Category(c) in SENSITIVE,
            "legal_basis": written(role["categories"][c].get("legal_basis", ""), lang),
        }
        for c in asked
    ]
    facts = NoticeFacts(
        employer_name=employer["name"],
        agency_name=agency["name"] if agency else None,
        role_title=in_language(role.get("title") or role["id"], lang),
        review_days=case["review_days"],
        retention_not_hired_days=svc.config.retention.days(Tier(case["tier"]), Outcome.NOT_HIRED),
        retention_hired_days=svc.config.retention.days(Tier(case["tier"]), Outcome.HIRED),
        validity_days=svc.config.authorization_days,
    )
    text = _templates.get_template(f"authorization.{lang}.txt.j2").render(
        employer_name=facts.employer_name,
        agency_name=facts.agency_name,
        role_title=facts.role_title,
        tier=TIER_LABELS[Tier(role["tier"])][lang],
        purpose=purpose_text(uow.repo.case_purpose(case), lang),
        review_days=facts.review_days,
        rulebook_version=svc.rulebook.version,
        rulebook_sha256=svc.rulebook.sha256,
        categories=items,
        retention_not_hired_days=facts.retention_not_hired_days,
        retention_hired_days=facts.retention_hired_days,
        validity_days=facts.validity_days,
    )
    return AuthorizationNotice(
        lang=lang,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        categories=tuple(c for c in asked),
        sensitive=tuple(c for c in asked if Category(c) in SENSITIVE),
        facts=facts,
    )


def authorization_notice(
    svc: Services, actor: Actor, case_id: str, lang: str = "zh-Hans"
) -> AuthorizationNotice:
    """The notice as the candidate will sign it; a read (no writer lock: rendering it
    queued behind every state change before)."""
    with svc.reader() as uow:
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
    consented = checked_categories(categories, "categories", at_least_one=True)
    sensitive = checked_categories(sensitive_consented, "sensitive_categories_consented")
    for index, name in enumerate(sensitive):
        if Category(name) not in SENSITIVE:
            raise InvalidInput(
                "not a sensitive category",
                field=f"sensitive_categories_consented[{index}]",
                key="input.not_sensitive_category",
            )
        if name not in consented:  # a separate consent to something not consented at all
            raise InvalidInput(
                "not among the categories consented",
                field=f"sensitive_categories_consented[{index}]",
                key="input.not_among_categories_consented",
            )
    if claims is not None:
        check_claims(claims)
    # What the signature lets the check use: a sensitive category counts only with its own
    # separate consent (PIPL art. 29). Nothing usable would rate a check of nothing green.
    covered = sorted(c for c in consented if covers(Category(c), consented, sensitive))
    if not covered:
        raise InvalidInput(
            "no category the check may use: a sensitive one needs its own separate consent",
            field="categories",
            key="input.no_category_check_may_use",
        )
    now = svc.now()
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        subject = uow.repo.subject(case["subject_id"])
        if subject is not None and subject["deletion_requested_at"] is not None:
            # P6: the candidate asked for their data to be deleted; a signature now would
            # start gathering data they asked to be rid of (issue 13 item 14)
            raise InvalidInput(
                "a deletion was requested: no new authorization can be signed",
                field="case_id",
                key="input.deletion_requested_no_new_authorization",
            )
        notice = _notice(svc, uow, case, lang)
        if text_sha256 != notice.sha256:
            raise InvalidInput(
                "does not match the authorization text shown",
                field="text_sha256",
                key="input.does_not_match_authorization_text",
            )
        for index, name in enumerate(consented):
            if name not in notice.categories:
                raise InvalidInput(
                    "not asked for in this authorization",
                    field=f"categories[{index}]",
                    key="input.not_asked_authorization",
                )
        # Signed, then scoped (P2) at once: both steps checked before anything is
        # written, the row written once, with the claims the candidate gave.
        sealed = {} if claims is None else {"claims_ct": uow.repo.sealed_claims(case, claims)}
        case = move_case(uow, svc, case, S.SCOPED, through=(S.AUTHORIZED,), **sealed)
        expires = now + timedelta(days=svc.config.authorization_days)
        receipt_id = str(uuid.uuid4())
        uow.repo.put_authorization(
            case,
            text=notice.text,
            lang=lang,
            text_sha256=notice.sha256,
            purpose=uow.repo.case_purpose(case),
            categories=dump_json(sorted(consented)),
            sensitive=dump_json(sorted(set(sensitive) & set(consented))),
            signed_at=now,
            expires_at=expires,
            receipt_id=receipt_id,
        )
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
        scope = case_scope(uow, case)
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


def consent_receipt(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The consent receipt in Kantara Consent Receipt v1.1 form (fields of ISO/IEC TS
    27560 too): who consented to what, for which purpose, under which notice."""
    require_role(actor, CANDIDATE)
    with svc.uow() as uow:
        case = visible_case(uow, actor, case_id)
        row = uow.repo.authorization(case["id"])
        if row is None:
            raise NotFound(
                "no authorization signed for this case",
                key="not_found.authorization",
                field="case_id",
            )
        employer = uow.repo.tenant(case["employer_id"])
        assert employer is not None
        subject = uow.repo.subject(case["subject_id"])
        assert subject is not None
        # What the candidate consented to: a sensitive category ticked without its own
        # separate consent (PRODUCT.md P1, PIPL art. 29) is not consented, as in the scope.
        authorization = domain_authorization(case, row)
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
            destroy_case(svc, uow, case, actor, reason=ReasonCode.REVOCATION)
            uow.commit()
            return
        if row["revoked_at"] is not None:
            raise InvalidTransition(
                "the authorization was already revoked",
                field="case_id",
                key="transition.authorization_already_revoked",
            )
        uow.repo.update_authorization(case["id"], revoked_at=now)
        log_event(svc, uow, EventType.AUTHORIZATION_REVOKED, case, actor)
        state = CaseState(case["state"])
        if revocation_destroys_data(state):
            destroy_case(svc, uow, case, actor, reason=ReasonCode.REVOCATION)
        uow.commit()

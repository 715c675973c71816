"""What the six procedures share: ids, ledger events, loading a case, moving its state.

Each procedure (``authorization``, ``scope``, ``investigation``, ``review``, ``decision``,
``retention``; PRODUCT.md §3) is one module of use cases, one function per use case. Each
use case runs in one unit of work: it loads what it needs, asks the domain what may
happen (state machine, authorization, scope, rating, retention), stores the result
(personal values encrypted at the repository boundary) and appends its ledger event in
the same transaction, so the case and the ledger always agree. A refused step raises the
project's error and changes nothing.

Who may see a case: its employer, its candidate and its agency; to anyone else it does
not exist (``NotFound``, never "forbidden", so ids do not leak across tenants).

The procedures import this module and not each other, except for the calls the
import-linter contract names (``pyproject.toml``); this module imports no procedure.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork, payload_body, payload_commitment
from fairscreen.domain.categories import Category
from fairscreen.domain.errors import AuthorizationRefused, CaseDestroyed, NotFound, PermissionDenied
from fairscreen.domain.lifecycle import CaseState, transition
from fairscreen.domain.model import Authorization
from fairscreen.ledger.entries import ActorRole, EventType, LedgerEntry, ReasonCode
from fairscreen.services.context import Actor, Services, require_role

S = CaseState
EMPLOYER, AGENCY, CANDIDATE = ActorRole.EMPLOYER, ActorRole.AGENCY, ActorRole.CANDIDATE


def new_id(prefix: str) -> str:
    """A fresh random id, ``<prefix>_<32 hex digits>``."""
    return f"{prefix}_{uuid.uuid4().hex}"


def dump_json(value: Any) -> str:
    """JSON as the case rows keep it: keys sorted, non-ASCII as written."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# --- the ledger ---------------------------------------------------------------------------

#: The encrypted field of a ``report.read`` payload that holds an operator's own reason.
OPERATOR_REASON_FIELD = "operator_reason"


def event_entry(
    svc: Services,
    event: EventType,
    case: RowMapping,
    actor: Actor,
    *,
    commitment_key: bytes,
    payload: Mapping[str, Any] | None = None,
    **fields: Any,
) -> tuple[LedgerEntry, str, bytes]:
    """The guarded entry for ``event``, and its payload (ids and codes only, kept in the
    database) with the commitment the entry carries.

    What the public entry must not say (PRODUCT.md §6) goes in the payload: the light and
    rule IDs, a decision, a dispute's result. The entry carries only a commitment to it,
    keyed by the case's commitment key, and the candidate appears under a pseudonym of
    this case alone."""
    body = payload_body({"event": event.value, "case": case["pseudonym"], **(payload or {})})
    commitment = payload_commitment(commitment_key, body)
    entry = LedgerEntry(
        type=event,
        case=case["pseudonym"],
        actor_role=actor.role,
        actor=svc.actor_pseudonym(actor, case=str(case["id"])),
        at=svc.now(),
        commitment=commitment,
        employer=svc.pseudonym("emp", case["employer_id"]),
        **fields,
    )
    return entry, commitment, body


def log_event(
    svc: Services,
    uow: SqlUnitOfWork,
    event: EventType,
    case: RowMapping,
    actor: Actor,
    *,
    payload: Mapping[str, Any] | None = None,
    commitment_key: bytes | None = None,
    **fields: Any,
) -> int:
    """Log ``event`` for ``case`` in this unit of work, with its payload; its position
    among the unit's entries (``SqlUnitOfWork.after_queue``). The case's commitment key
    is read from its keys unless given (the purge gives it: it shreds the keys before it
    logs the destruction)."""
    key = commitment_key or uow.commitment_key(case["pseudonym"])
    entry, commitment, body = event_entry(
        svc, event, case, actor, commitment_key=key, payload=payload, **fields
    )
    uow.keep_payload_body(commitment, body, case["pseudonym"])
    return uow.log(entry)


#: The notices' kind that holds an entry for the decision (:func:`record_event`).
HELD_FOR_DECISION = "held_for_decision"
#: The public fields of an entry that its held facts keep (the case, its employer and
#: the commitment are the decision's own).
_HELD_FIELDS = ("type", "at", "actor", "category", "reason", "rulebook_sha256")


def record_event(
    svc: Services,
    uow: SqlUnitOfWork,
    event: EventType,
    case: RowMapping,
    actor: Actor,
    *,
    held: bool = False,
    payload: Mapping[str, Any] | None = None,
    **fields: Any,
) -> None:
    """Log ``event`` (:func:`log_event`), or, when ``held``, keep it for the decision.

    In the pre-adverse wait (PRODUCT.md P4) only a case with a pre-adverse notice is in
    it, so an entry that only the wait makes (a supplement's re-verification: its source
    query, its re-rating, the verifier's reads) would tell a reader of the public log
    that the case was turned down (§6). Held, the entry is built and guarded as a logged
    one is, and its facts (the public fields it would carry and its payload) are kept
    encrypted with the case, as a notice of kind ``HELD_FOR_DECISION``; the decision
    that ends the wait commits to them in its payload (``decision._notice_facts``),
    where the regulator's checklist checks them (``ledger.audit.check_decision_payload``)."""
    if not held:
        log_event(svc, uow, event, case, actor, payload=payload, **fields)
        return
    entry, _, _ = event_entry(
        svc,
        event,
        case,
        actor,
        commitment_key=uow.commitment_key(case["pseudonym"]),
        payload=payload,
        **fields,
    )
    public = entry.to_mapping()
    facts = {k: public[k] for k in _HELD_FIELDS if k in public}
    uow.repo.add_notice(
        case,
        id=new_id("ntc"),
        kind=HELD_FOR_DECISION,
        body={**facts, "payload": dict(payload or {})},
        created_at=svc.now(),
    )


# --- loading a case and moving its state ------------------------------------------------------


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
    """The case, if ``actor`` may see it (else ``NotFound``) and it was not destroyed."""
    case = uow.repo.case(case_id)
    if case is None or not _visible(case, actor):
        raise NotFound("no such case", key="not_found.case", field="case_id")
    if case["state"] == S.DESTROYED and not allow_destroyed:
        raise CaseDestroyed("the case's data was destroyed", field="case_id", key="case.destroyed")
    return case


def verifier_case(
    uow: SqlUnitOfWork, actor: Actor, case_id: str, *, reading: bool = False
) -> RowMapping:
    """The case, for whoever verifies it: its agency, or the employer of a case ordered
    without one ("不委托机构（由本单位核查）", issue 13 item 4), who then answers the
    candidate's disputes and supplements itself. The employer of an agency's case is
    refused: the agency answers (PRODUCT.md P4); ``reading`` (the records and evidence
    the verifier reads), it finds nothing there, as the page does not link to any."""
    require_role(actor, AGENCY, EMPLOYER)
    case = visible_case(uow, actor, case_id)
    if actor.role is EMPLOYER and case["agency_id"] is not None:
        if reading:
            raise NotFound("no such evidence", key="not_found.evidence", field="case_id")
        raise PermissionDenied(
            "the case's agency answers its disputes",
            key="denied.agency_answers_disputes",
            field="actor",
        )
    return case


def log_read(
    svc: Services,
    uow: SqlUnitOfWork,
    case: RowMapping,
    actor: Actor,
    *,
    why: str,
    reason: ReasonCode,
) -> None:
    """A read of the case's personal data, logged in this unit of work before the data
    leaves (P5: every decryption has a reason); ``why`` names what was read."""
    log_event(svc, uow, EventType.REPORT_READ, case, actor, payload={"reason": why}, reason=reason)


def log_dispute_read(
    svc: Services, uow: SqlUnitOfWork, case: RowMapping, actor: Actor, why: str
) -> None:
    """A verifier's read of a dispute's or a supplement's records or evidence (P5: every
    decryption has a reason), ``why`` naming what was read; held for the decision in the
    pre-adverse wait (:func:`record_event`: only a supplement is read then)."""
    record_event(
        svc,
        uow,
        EventType.REPORT_READ,
        case,
        actor,
        held=in_pre_adverse_wait(case),
        payload={"reason": why},
        reason=ReasonCode.DISPUTE,
    )


def in_pre_adverse_wait(case: RowMapping) -> bool:
    """Whether the case is in a pre-adverse notice's wait, where the entries only the
    wait makes are held for the decision (:func:`record_event`)."""
    return bool(case["state"] == S.ADVERSE_NOTICE)


def reload_case(uow: SqlUnitOfWork, case: RowMapping) -> RowMapping:
    """The case's row as this unit of work now holds it."""
    fresh = uow.repo.case(case["id"])
    assert fresh is not None
    return fresh


def move_case(
    uow: SqlUnitOfWork,
    svc: Services,
    case: RowMapping,
    target: CaseState,
    *,
    through: tuple[CaseState, ...] = (),
    **values: Any,
) -> RowMapping:
    """Move the case to ``target`` if the state machine allows it (else the domain's
    ``InvalidTransition``), with ``values`` set on its row; the case as it now stands.

    ``through``: the states the case passes on its way within this unit of work, each
    step checked as if it were taken alone, and the row written once: no one else sees
    a state between two of a unit of work's own (signing: ``authorized`` then
    ``scoped``, two updates of a wide row where one does)."""
    state = CaseState(case["state"])
    for step in (*through, target):
        state = transition(state, step)
    return uow.repo.update_case(case["id"], state=target.value, updated_at=svc.now(), **values)


def case_role(uow: SqlUnitOfWork, case: RowMapping) -> dict[str, Any]:
    """The role profile the case was ordered for, as stored (``case.schema.json`` role)."""
    profile = uow.repo.profile(case["profile_id"])
    assert profile is not None
    return dict(json.loads(profile["body"]))


def domain_authorization(case: RowMapping, row: Mapping[str, Any] | None) -> Authorization:
    """The case's signed authorization as the domain checks it; none signed refuses."""
    if row is None:
        raise AuthorizationRefused(
            "no signed authorization for this case",
            key="authorization.no_signed_authorization_case",
        )
    return Authorization(
        employer_id=case["employer_id"],
        purpose=row["purpose"],
        categories=frozenset(Category(c) for c in json.loads(row["categories"])),
        sensitive_categories_consented=frozenset(Category(c) for c in json.loads(row["sensitive"])),
        signed_at=row["signed_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"] if row["revoked_at"] else None,
    )


def dispute_summaries(uow: SqlUnitOfWork, case: RowMapping) -> list[dict[str, Any]]:
    """The case's disputes as the candidate and the agency see them."""
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


#: Which list of the case's claims a claim-based finding's ``claim`` index points into.
CLAIM_LISTS = {
    Category.EDUCATION.value: "education",
    Category.EMPLOYMENT_HISTORY.value: "employment",
    Category.PROFESSIONAL_LICENSE.value: "licenses",
}


def claim_of(uow: SqlUnitOfWork, case: RowMapping, finding: Mapping[str, Any] | None) -> Any:
    """The candidate's claim a claim-based finding answers (a degree, a spell of
    employment, a licence, as the candidate wrote it), or None: what a record entered for
    it must match (PRODUCT.md P3, "Matching claims to records")."""
    if not finding or finding.get("claim") is None:
        return None
    listed = uow.repo.claims(case).get(CLAIM_LISTS.get(str(finding["category"]), ""), [])
    index = int(finding["claim"])
    return dict(listed[index]) if 0 <= index < len(listed) and listed[index] else None


def live_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The claims without those blanked by a removed finding (``review._drop_claim``)."""
    return {name: [c for c in listed if c is not None] for name, listed in claims.items()}

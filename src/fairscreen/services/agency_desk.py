"""What the investigator sees before querying (issue 14 item 1; PRODUCT.md §2, P2, P3):
the queue with each case's role, employer, state and due date, and for one case the
role, the employer, the effective scope (and what was left out, with the reason), the
candidate's claims and the deadline, so no source is queried blind.

The agency's own cases only (another agency's look missing, as everywhere). Nothing here
is written to the ledger: it reads the order and the authorization, not the report.
"""

from __future__ import annotations

from typing import Any

from fairscreen.ledger.entries import ActorRole
from fairscreen.services.case_cards import case_cards
from fairscreen.services.case_events import case_role, live_claims, visible_case
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.scope import case_scope


def desk_queue(svc: Services, actor: Actor) -> dict[str, dict[str, Any]]:
    """Per case of the agency: role title and id, employer name, the candidate's name as
    the employer entered it (once the candidate has signed: before, the agency has no
    basis to know who they are), and the next date the case's state waits for, with what it
    is (``case_cards``)."""
    require_role(actor, ActorRole.AGENCY)
    return {
        case_id: {
            "role": card.role,
            "role_id": card.role_id,
            "employer": card.employer,
            "candidate": card.candidate,  # None until the candidate signs
            "signed": card.signed,
            "due": card.next_date,
            "due_kind": card.next_kind,
        }
        for case_id, card in case_cards(svc, actor).items()
    }


def case_brief(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The case as the investigator needs it before querying: role (title, id, tier,
    each category's justification), employer, effective scope and exclusions, the
    candidate's claims (once they have signed), and the deadline (the authorization's end)."""
    require_role(actor, ActorRole.AGENCY)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        role = case_role(uow, case)
        employer = uow.repo.tenant(case["employer_id"])
        authorization = uow.repo.authorization(case["id"])
        scope = case_scope(uow, case) if authorization is not None else None
        # the candidate's claims are theirs: shown once they have signed, not before
        claims = live_claims(uow.repo.claims(case)) if authorization is not None else {}
    assert employer is not None
    return {
        "case_id": case["id"],
        "state": case["state"],
        "role": {
            "id": role["id"],
            "title": role.get("title") or role["id"],
            "tier": role["tier"],
            "justifications": {c: v["justification"] for c, v in role["categories"].items()},
        },
        "employer": employer["name"],
        "employer_pseudonym": employer["pseudonym"],
        "scope": None
        if scope is None
        else {
            "effective": [c.value for c in scope.effective],
            "excluded": [
                {"category": e.category.value, "reason": e.reason.value} for e in scope.excluded
            ],
        },
        "claims": claims,
        "deadline": authorization["expires_at"] if authorization is not None else None,
        "revoked_at": authorization["revoked_at"] if authorization is not None else None,
    }

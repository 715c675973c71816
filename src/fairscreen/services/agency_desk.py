"""What the investigator sees before querying (issue 14 item 1; PRODUCT.md §2, P2, P3):
the queue with each case's role, employer, state and due date, and for one case the
role, the employer, the effective scope (and what was left out, with the reason), the
candidate's claims and the deadline, so no source is queried blind.

The agency's own cases only (another agency's look missing, as everywhere). Nothing here
is written to the ledger: it reads the order and the authorization, not the report.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from fairscreen.adapters.db import case_tables as t
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import portal_queries
from fairscreen.services.case_events import case_role, live_claims, visible_case
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.scope import case_scope

#: Which deadline a case's state answers to: the authorization's end while the sources
#: are to be queried, the candidate's review window, the dispute's answer date.
DUE_BY_STATE = {
    "scoped": "authorization",
    "investigating": "authorization",
    "candidate_review": "review",
    "disputed": "dispute",
}


def _due(state: str, expires: datetime | None, window: datetime | None, dispute: Any) -> Any:
    kind = DUE_BY_STATE.get(state)
    return {"authorization": expires, "review": window, "dispute": dispute}.get(kind or "")


def desk_queue(svc: Services, actor: Actor) -> dict[str, dict[str, Any]]:
    """Per case of the agency: role title and id, employer name, and the due date the
    case's state answers to (with what it is)."""
    require_role(actor, ActorRole.AGENCY)
    query = (
        sa.select(
            t.cases.c.id,
            t.cases.c.state,
            t.cases.c.window_ends,
            t.role_profiles.c.body,
            t.tenants.c.name,
            t.authorizations.c.expires_at,
        )
        .select_from(
            t.cases.join(t.role_profiles, t.role_profiles.c.id == t.cases.c.profile_id)
            .join(t.tenants, t.tenants.c.id == t.cases.c.employer_id)
            .outerjoin(t.authorizations, t.authorizations.c.case_id == t.cases.c.id)
        )
        .where(t.cases.c.agency_id == actor.id)
    )
    with svc.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    disputes = portal_queries.dispute_deadlines(svc, actor)
    found = {}
    for row in rows:
        role = json.loads(row["body"])
        state = row["state"]
        found[row["id"]] = {
            "role": role.get("title") or role["id"],
            "role_id": role["id"],
            "employer": row["name"],
            "due": _due(state, row["expires_at"], row["window_ends"], disputes.get(row["id"])),
            "due_kind": DUE_BY_STATE.get(state),
        }
    return found


def case_brief(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """The case as the investigator needs it before querying: role (title, id, tier,
    each category's justification), employer, effective scope and exclusions, the
    candidate's claims, and the deadline (the authorization's end)."""
    require_role(actor, ActorRole.AGENCY)
    with svc.reader() as uow:
        case = visible_case(uow, actor, case_id)
        role = case_role(uow, case)
        employer = uow.repo.tenant(case["employer_id"])
        authorization = uow.repo.authorization(case["id"])
        scope = case_scope(uow, case) if authorization is not None else None
        claims = live_claims(uow.repo.claims(case))
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

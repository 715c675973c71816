"""Whose case it is, at a glance (issue 13 items 1 and 11): for each of the caller's
cases the role's title, the employer's name, the candidate's name as the employer entered
it (the employer, and the agency once the candidate has signed: before, it has no basis
to know who they are; the candidate knows their own name) and the next date the
case's state waits for, with what that date is.

The next date, by state (one table, ``NEXT_DATE``): the authorization's end while the
sources are to be queried (P1), the end of the candidate's review window (P4), the
earliest dispute's answer date (P4: 15 days), the end of a pre-adverse notice's waiting
period (P4), and the day the data is due for destruction
once decided, withdrawn or expired (P6). A case waiting for the candidate's signature or
the employer's decision, or already destroyed, has none.

Reads the name sealed under the case key (``cases.candidate_name_ct``); nothing here is
report content, so nothing is logged in the ledger. The caller's own cases only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from fairscreen.adapters.db import case_tables as t
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.context import Actor, Services

#: Which date a case's state waits for.
NEXT_DATE = {
    "scoped": "authorization",
    "investigating": "authorization",
    "candidate_review": "review",
    "disputed": "dispute",
    "adverse_notice": "adverse_wait",
    "decided": "destruction",
    "archived": "destruction",
    "withdrawn": "destruction",
    "expired": "destruction",
}
_OWNER = {
    ActorRole.EMPLOYER: t.cases.c.employer_id,
    ActorRole.AGENCY: t.cases.c.agency_id,
    ActorRole.CANDIDATE: t.cases.c.subject_id,
}


@dataclass(frozen=True, slots=True)
class CaseCard:
    case_id: str
    state: str
    role: str  # the role's title (its id when it has none)
    role_id: str
    employer: str
    #: the candidate's name as the employer entered it; None for the candidate, or when
    #: the order gave none (ordered over the API) or the case was destroyed
    candidate: str | None
    next_date: datetime | None
    next_kind: str | None  # a key of NEXT_DATE's values
    #: whether the candidate has signed the authorization; until then the agency is not
    #: shown their name (``candidate`` is None): it has no basis to know who they are
    signed: bool = True

    def __repr__(self) -> str:
        return f"CaseCard({self.case_id}, {self.state})"


def case_cards(
    svc: Services, actor: Actor, case_ids: list[str] | None = None
) -> dict[str, CaseCard]:
    """A card per case of the caller (or of ``case_ids`` among them); none for a case that
    is not the caller's, and nothing at all for another role."""
    owner = _OWNER.get(actor.role)
    if owner is None:
        return {}
    first_dispute = (
        sa.select(t.disputes.c.case_id, sa.func.min(t.disputes.c.due_at).label("due"))
        .where(t.disputes.c.outcome.is_(None))
        .group_by(t.disputes.c.case_id)
        .subquery()
    )
    query = (
        sa.select(
            t.cases.c.id,
            t.cases.c.pseudonym,
            t.cases.c.state,
            t.cases.c.window_ends,
            t.cases.c.adverse_wait_ends,
            t.cases.c.destruction_due,
            t.cases.c.candidate_name_ct,
            t.role_profiles.c.body,
            t.tenants.c.name,
            t.authorizations.c.expires_at,
            first_dispute.c.due,
        )
        .select_from(
            t.cases.join(t.role_profiles, t.role_profiles.c.id == t.cases.c.profile_id)
            .join(t.tenants, t.tenants.c.id == t.cases.c.employer_id)
            .outerjoin(t.authorizations, t.authorizations.c.case_id == t.cases.c.id)
            .outerjoin(first_dispute, first_dispute.c.case_id == t.cases.c.id)
        )
        .where(owner == actor.id)
    )
    if case_ids is not None:
        query = query.where(t.cases.c.id.in_(case_ids))
    cards: dict[str, CaseCard] = {}
    with svc.reader() as uow:
        for row in uow.connection.execute(query).mappings().all():
            role = json.loads(row["body"])
            state = str(row["state"])
            kind = NEXT_DATE.get(state)
            dates = {
                "authorization": row["expires_at"],
                "review": row["window_ends"],
                "dispute": row["due"],
                "adverse_wait": row["adverse_wait_ends"],
                "destruction": row["destruction_due"],
            }
            signed = row["expires_at"] is not None  # an authorization was signed
            name = None
            if actor.role is ActorRole.EMPLOYER or (actor.role is ActorRole.AGENCY and signed):
                name = uow.repo.case_candidate_name(row)
            cards[str(row["id"])] = CaseCard(
                case_id=str(row["id"]),
                state=state,
                role=str(role.get("title") or role["id"]),
                role_id=str(role["id"]),
                employer=str(row["name"]),
                candidate=name,
                next_date=dates.get(kind or ""),
                next_kind=kind if dates.get(kind or "") is not None else None,
                signed=signed,
            )
    return cards

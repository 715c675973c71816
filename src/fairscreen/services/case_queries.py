"""Read-only views of cases for the HTTP API: the list of one's cases and one case's
summary (issue 5). No decryption and no ledger entry: a summary holds ids, states,
times and, where the reader may see it, the light; never report content.

Visibility follows the service's rule (``case_events._visible``): an employer sees its own
cases, an agency the cases it runs, a candidate their own, an operator every case's
metadata; anyone else sees nothing, and someone else's case does not exist for them.
The light is part of the report: the employer sees it only once the report is released,
the operator never (it reads reports only with a recorded reason).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import case_tables as t
from fairscreen.domain.errors import InvalidInput, NotFound
from fairscreen.domain.lifecycle import RELEASED_STATES, CaseState
from fairscreen.ledger.entries import ActorRole
from fairscreen.services.context import Actor, Services

RELEASED = frozenset(s.value for s in RELEASED_STATES)
_COLUMNS = (
    t.cases.c.id,
    t.cases.c.state,
    t.cases.c.tier,
    t.cases.c.light,
    t.cases.c.outcome,
    t.cases.c.window_ends,
    t.cases.c.created_at,
    t.cases.c.updated_at,
)


def _scope(actor: Actor) -> sa.ColumnElement[bool]:
    if actor.role is ActorRole.EMPLOYER:
        return t.cases.c.employer_id == actor.id
    if actor.role is ActorRole.AGENCY:
        return t.cases.c.agency_id == actor.id
    if actor.role is ActorRole.CANDIDATE:
        return t.cases.c.subject_id == actor.id
    if actor.role is ActorRole.OPERATOR:
        return sa.true()
    return sa.false()


def _summary(row: RowMapping, actor: Actor) -> dict[str, Any]:
    state = row["state"]
    show_light = actor.role in (ActorRole.CANDIDATE, ActorRole.AGENCY) or (
        actor.role is ActorRole.EMPLOYER and state in RELEASED
    )
    return {
        "case_id": row["id"],
        "state": state,
        "tier": row["tier"],
        "light": row["light"] if show_light else None,
        "outcome": row["outcome"] if actor.role is not ActorRole.OPERATOR else None,
        "window_ends": row["window_ends"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def list_cases(
    svc: Services,
    actor: Actor,
    *,
    state: str | None = None,
    limit: int = 20,
    after: str | None = None,
) -> list[dict[str, Any]]:
    """The caller's cases, ordered by id, ``limit`` of them after the id ``after``."""
    if state is not None and state not in {s.value for s in CaseState}:
        raise InvalidInput("not a case state", field="state", key="input.not_case_state")
    query = sa.select(*_COLUMNS).where(_scope(actor)).order_by(t.cases.c.id).limit(limit)
    if state is not None:
        query = query.where(t.cases.c.state == state)
    if after:
        query = query.where(t.cases.c.id > after)
    with svc.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [_summary(row, actor) for row in rows]


def case_summary(svc: Services, actor: Actor, case_id: str) -> dict[str, Any]:
    """One case's summary; ``NotFound`` for a case that is not the caller's."""
    query = sa.select(*_COLUMNS).where(t.cases.c.id == case_id, _scope(actor))
    with svc.engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        raise NotFound("no such case", key="not_found.case", field="case_id")
    return _summary(row, actor)


def list_profiles(
    svc: Services, actor: Actor, *, limit: int = 20, after: str | None = None
) -> list[dict[str, Any]]:
    """The employer's role profiles (the role as defined: no personal data)."""
    import json

    if actor.role is not ActorRole.EMPLOYER:
        return []
    query = (
        sa.select(t.role_profiles)
        .where(t.role_profiles.c.employer_id == actor.id)
        .order_by(t.role_profiles.c.id)
        .limit(limit)
    )
    if after:
        query = query.where(t.role_profiles.c.id > after)
    with svc.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        {
            "profile_id": row["id"],
            "role": json.loads(row["body"]),
            "tier": row["tier"],
            "created_at": row["created_at"],
        }
        for row in rows
    ]

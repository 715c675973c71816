"""Fairness (PRODUCT.md §7; issue 6 items 2-3): the candidate's voluntary
self-identification, and the aggregate disparity report for regulators and employers
(small groups suppressed by the service)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from fairscreen.domain.fairness import DEFAULT_MIN_GROUP
from fairscreen.entrypoints.api.deps import ActorDep, ServicesDep
from fairscreen.entrypoints.api.schemas import FairnessOut, SelfIdentificationIn
from fairscreen.services import self_identification

router = APIRouter(prefix="/v1", tags=["fairness"])


@router.put("/me/self-identification", status_code=status.HTTP_204_NO_CONTENT)
def record_self_identification(
    svc: ServicesDep, actor: ActorDep, body: SelfIdentificationIn
) -> Response:
    """Give (or decline to give) sex and age band, under a separate consent. Kept apart
    from every case; never seen by the rating, the employer or the agency."""
    self_identification.record_self_identification(
        svc, actor, consent=body.consent, sex=body.sex, age_band=body.age_band
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/me/self-identification", status_code=status.HTTP_204_NO_CONTENT)
def withdraw_self_identification(svc: ServicesDep, actor: ActorDep) -> Response:
    """Withdraw the answers (or the refusal): nothing of them is kept."""
    self_identification.withdraw_self_identification(svc, actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/fairness")
def fairness_report(
    svc: ServicesDep,
    actor: ActorDep,
    employer_id: Annotated[str | None, Query(max_length=100)] = None,
    role_id: Annotated[str | None, Query(max_length=100)] = None,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    min_group: Annotated[int, Query(ge=DEFAULT_MIN_GROUP, le=10_000)] = DEFAULT_MIN_GROUP,
) -> FairnessOut:
    """Per sex and age band: light distribution, share flagged (yellow/red) and share not
    hired, each with impact ratios and the four-fifths flag; groups under ``min_group``
    (10 at least: it may be raised, never lowered) suppressed everywhere. A regulator may
    name any employer; an employer sees its own."""
    return FairnessOut.model_validate(
        self_identification.fairness_overview(
            svc,
            actor,
            employer_id=employer_id,
            role_id=role_id,
            since=since,
            until=until,
            min_group=min_group,
        )
    )

"""Fairness (PRODUCT.md §7; issue 6 items 2-3): the candidate's voluntary
self-identification, and the aggregate disparity report for regulators and employers
(small groups suppressed by the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.fairness import DEFAULT_MIN_GROUP
from fairscreen.entrypoints.api.deps import ActorDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import FairnessOut, SelfIdentificationIn
from fairscreen.services import self_identification

router = APIRouter(prefix="/v1", tags=["fairness"], route_class=OneTripRoute)


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
    request: Request,
    svc: ServicesDep,
    actor: ActorDep,
    employer_id: Annotated[str | None, Query(max_length=100)] = None,
    role_id: Annotated[str | None, Query(max_length=100)] = None,
    quarter: Annotated[
        str | None,
        Query(pattern=r"^\d{4}-Q[1-4]$", description="an ended calendar quarter; default the last"),
    ] = None,
    min_group: Annotated[int, Query(ge=DEFAULT_MIN_GROUP, le=10_000)] = DEFAULT_MIN_GROUP,
) -> FairnessOut:
    """Per sex and age band, over one ended calendar quarter (the last by default) and the
    released cases created in it: light distribution, share flagged (yellow/red) and share
    not hired, each with impact ratios and the four-fifths flag; groups under ``min_group``
    (10 at least: it may be raised, never lowered) suppressed everywhere. Each quarter's
    report is fixed once made. A regulator may name any employer and role; an employer
    sees its own organisation, whole."""
    for retired in ("since", "until"):
        if retired in request.query_params:  # said plainly, never silently ignored
            raise InvalidInput(
                "is not accepted: reports cover ended calendar quarters (quarter=YYYY-Qn)",
                field=retired,
            )
    return FairnessOut.model_validate(
        self_identification.fairness_overview(
            svc,
            actor,
            employer_id=employer_id,
            role_id=role_id,
            quarter=quarter,
            min_group=min_group,
        )
    )

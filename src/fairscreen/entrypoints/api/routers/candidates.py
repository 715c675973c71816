"""Candidates: registered by the employer who orders their check; their own data and
deletion (PIPL art. 45, 47) for the candidate signed in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from fairscreen.entrypoints.api.deps import ActorDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import CandidateIn, DeletionOut, IdOut
from fairscreen.services import retention, scope

router = APIRouter(prefix="/v1", tags=["candidates"], route_class=OneTripRoute)


@router.post("/candidates", status_code=status.HTTP_201_CREATED)
def register_candidate(svc: ServicesDep, actor: ActorDep, body: CandidateIn) -> IdOut:
    """Register the candidate a check will be ordered for (name, ID number, birth date,
    stored encrypted). Each employer keeps its own records: registering never returns or
    reveals another employer's record of the person; the same employer registering the
    same ID number again gets its record back, if name and birth date agree (else a 422
    naming the field that differs)."""
    return IdOut(id=scope.register_candidate(svc, actor, body.model_dump(mode="json")))


@router.get("/me/data")
def export_data(svc: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Everything held about the signed-in candidate (PIPL art. 45)."""
    return retention.export_subject_data(svc, actor)


@router.post("/me/deletion-request")
def request_deletion(svc: ServicesDep, actor: ActorDep) -> DeletionOut:
    """Every case of the candidate becomes due for destruction within 15 days (PIPL art. 47)."""
    return DeletionOut(cases=retention.request_deletion(svc, actor))

"""The regulator's (and operator's) view of the ledger: status, compliance audit, and an
entry's details through the logged path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from fairscreen.entrypoints.api.deps import ActorDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import (
    AuditOut,
    EntryDetailsOut,
    LedgerStatusOut,
    ViolationOut,
)
from fairscreen.services import transparency

router = APIRouter(prefix="/v1/ledger", tags=["ledger"], route_class=OneTripRoute)


@router.get("/status")
def status(svc: ServicesDep, actor: ActorDep) -> LedgerStatusOut:
    """Size, latest checkpoint, and a full verification (every entry, tile, checkpoint)."""
    return LedgerStatusOut.model_validate(transparency.ledger_status(svc))


@router.get("/audit")
def audit(svc: ServicesDep, actor: ActorDep) -> AuditOut:
    """The compliance audit (PRODUCT.md §6) of the whole log, as of now."""
    size, violations = transparency.compliance_audit(svc)
    return AuditOut(
        ok=not violations,
        entries=size,
        violations=[
            ViolationOut(index=v.index, rule=str(v.rule), case=v.case, message=v.message)
            for v in violations
        ],
    )


@router.get("/entries/{index}")
def entry_details(
    svc: ServicesDep, actor: ActorDep, index: Annotated[int, Path(ge=0, le=2**53)]
) -> EntryDetailsOut:
    """What entry ``index`` commits to — the light and rule IDs of a rating, a decision,
    a dispute's result, an operator's recorded reason — and whether it opens the entry's
    keyed commitment. Each such read is itself an entry of the log (``report.read``,
    reason ``audit``); a destroyed case has nothing left to read."""
    return EntryDetailsOut.model_validate(transparency.entry_details(svc, actor, index))

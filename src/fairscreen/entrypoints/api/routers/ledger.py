"""The regulator's (and operator's) view of the ledger: status and compliance audit."""

from __future__ import annotations

from fastapi import APIRouter

from fairscreen.entrypoints.api.deps import ActorDep, ServicesDep
from fairscreen.entrypoints.api.schemas import AuditOut, LedgerStatusOut, ViolationOut
from fairscreen.services import transparency

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])


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

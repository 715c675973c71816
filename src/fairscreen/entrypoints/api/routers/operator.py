"""The operator: tenants, accounts and their tokens, key rotation, legal holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from fairscreen.entrypoints.api.deps import ActorDep, PageDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import (
    AccountCreatedOut,
    AccountIn,
    AccountOut,
    IdOut,
    LegalHoldIn,
    Page,
    RetainedKeyOut,
    RotationIn,
    RotationOut,
    TenantIn,
    TokenInfoOut,
    TokenOut,
)
from fairscreen.services import accounts, retention

router = APIRouter(prefix="/v1", tags=["operator"], route_class=OneTripRoute)
IdPath = Annotated[str, Path(max_length=64)]


@router.post("/tenants", status_code=status.HTTP_201_CREATED)
def create_tenant(svc: ServicesDep, actor: ActorDep, body: TenantIn) -> IdOut:
    return IdOut(id=accounts.register_tenant(svc, actor, kind=body.kind, name=body.name))


@router.get("/accounts")
def list_accounts(svc: ServicesDep, actor: ActorDep, page: PageDep) -> Page[AccountOut]:
    rows = accounts.list_accounts(svc, actor, limit=page.limit, after=page.after)
    items = [
        AccountOut(
            account_id=r["id"],
            role=r["role"],
            tenant_id=r["tenant_id"],
            label=r["label"],
            created_at=r["created_at"],
            disabled=r["disabled_at"] is not None,
        )
        for r in rows
    ]
    return Page[AccountOut](items=items, next_cursor=page.next_cursor(rows, "id"))


@router.post("/accounts", status_code=status.HTTP_201_CREATED)
def create_account(svc: ServicesDep, actor: ActorDep, body: AccountIn) -> AccountCreatedOut:
    """An account and its first token (shown once)."""
    account_id, issued = accounts.create_account(
        svc, actor, role=body.role, label=body.label, tenant_id=body.tenant_id
    )
    return AccountCreatedOut(
        account_id=account_id,
        token=TokenOut(token_id=issued.id, token=issued.token, expires_at=issued.expires_at),
    )


@router.post("/accounts/{account_id}/tokens", status_code=status.HTTP_201_CREATED)
def issue_token(svc: ServicesDep, actor: ActorDep, account_id: IdPath) -> TokenOut:
    issued = accounts.issue_token(svc, actor, account_id)
    return TokenOut(token_id=issued.id, token=issued.token, expires_at=issued.expires_at)


@router.get("/accounts/{account_id}/tokens")
def list_tokens(svc: ServicesDep, actor: ActorDep, account_id: IdPath) -> list[TokenInfoOut]:
    """The account's API tokens and portal sessions, newest first (never a secret)."""
    return [
        TokenInfoOut(
            token_id=r["id"],
            kind=r["kind"],
            created_at=r["created_at"],
            expires_at=r["expires_at"],
            revoked_at=r["revoked_at"],
        )
        for r in accounts.list_tokens(svc, actor, account_id)
    ]


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
def disable_account(svc: ServicesDep, actor: ActorDep, account_id: IdPath) -> None:
    """Disable the account: every token and portal session of it stops at once; the
    account stays on record."""
    accounts.disable_account(svc, actor, account_id)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(svc: ServicesDep, actor: ActorDep, token_id: IdPath) -> None:
    accounts.revoke_token(svc, actor, token_id)


@router.post("/keys/rotation")
def rotate_keys(svc: ServicesDep, actor: ActorDep, body: RotationIn | None = None) -> RotationOut:
    """Re-key every subject under the current master key (PRODUCT.md P5); with
    ``{"retire": true}`` also retire the older master keys nothing uses any more (the
    same path as ``fairscreen keys rotate --retire``)."""
    report = retention.rotate_keys(svc, actor, retire=body is not None and body.retire)
    return RotationOut(
        to_key_id=report.to_key_id,
        rewrapped=report.rewrapped,
        case_keys=report.case_keys,
        already_current=report.already_current,
        skipped=report.skipped,
        failed=len(report.failed),
        retired=list(report.retired),
        kept=[RetainedKeyOut(key_id=k, still_wraps=n) for k, n in report.kept],
    )


@router.put("/cases/{case_id}/legal-hold", status_code=status.HTTP_204_NO_CONTENT)
def legal_hold(svc: ServicesDep, actor: ActorDep, case_id: IdPath, body: LegalHoldIn) -> None:
    retention.set_legal_hold(svc, actor, case_id, hold=body.hold)

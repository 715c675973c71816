"""A staff member's own account (employer, agency, regulator): its API tokens and portal
sessions — kind, when made, until when, whether ended — and a button to end any of them
(issue 12 item 12). Secrets are never shown: a token is shown once, when issued."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from fairscreen.entrypoints.web.policy import SESSION_COOKIE, Page, new_sid, page_context
from fairscreen.entrypoints.web.render import WebRoute, redirect, render
from fairscreen.services import accounts, staff_accounts

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
TokenId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/account")
def account(page: PageDep) -> Response:
    assert page.principal is not None  # the page table lets staff only in
    now = page.services.now()
    tokens = [
        {
            **row,
            "current": row["id"] == page.principal.token_id,
            "active": row["revoked_at"] is None
            and (row["expires_at"] is None or row["expires_at"] > now),
        }
        for row in accounts.list_own_tokens(page.services, page.principal)
    ]
    own = staff_accounts.own_account(page.services, page.principal)
    return render(page, "account.html", tokens=tokens, own=own)


@router.post("/account/tokens/{token_id}/revocation")
def revoke(page: PageDep, token_id: TokenId) -> Response:
    """End one of the account's tokens or sessions; ending this very session signs out."""
    assert page.principal is not None
    accounts.revoke_own_token(page.services, page.principal, token_id)
    if token_id == page.principal.token_id:
        page.cookies[SESSION_COOKIE] = None
        page.sid = new_sid()
        page.principal = None
        return redirect(page, "/?done=signed_out")
    return redirect(page, "/account?done=token_revoked")

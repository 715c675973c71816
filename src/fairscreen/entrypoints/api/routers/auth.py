"""Sign-in: candidates' one-time codes, who am I, sign out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from fairscreen.entrypoints.api.deps import PrincipalDep, ServicesDep
from fairscreen.entrypoints.api.ratelimit import client_address, limit_sign_in
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import (
    CodeSessionOut,
    MeOut,
    SignInCodeExchange,
    SignInCodeRequest,
    TokenOut,
)
from fairscreen.services import accounts

router = APIRouter(prefix="/v1/auth", tags=["auth"], route_class=OneTripRoute)


@router.post(
    "/candidate/code",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(limit_sign_in)],
)
def request_code(svc: ServicesDep, body: SignInCodeRequest, request: Request) -> CodeSessionOut:
    """Send a one-time sign-in code to the candidate (through the notifier), bound to the
    code session in the answer: the code works only with it. The answer is the same
    whether or not the candidate exists."""
    handle = accounts.request_sign_in_code(
        svc, body.candidate_id, requester=client_address(request)
    )
    return CodeSessionOut(code_session=handle)


@router.post("/candidate/token", dependencies=[Depends(limit_sign_in)])
def exchange_code(svc: ServicesDep, body: SignInCodeExchange) -> TokenOut:
    """Exchange a one-time code, with the code session it was sent for, for a
    short-lived candidate token."""
    issued = accounts.exchange_sign_in_code(svc, body.candidate_id, body.code_session, body.code)
    return TokenOut(token_id=issued.id, token=issued.token, expires_at=issued.expires_at)


@router.get("/me")
def me(principal: PrincipalDep) -> MeOut:
    return MeOut(
        role=principal.actor.role.value, actor_id=principal.actor.id, token_id=principal.token_id
    )


@router.delete("/token", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(svc: ServicesDep, principal: PrincipalDep) -> None:
    """Revoke the token this request carries."""
    accounts.sign_out(svc, principal)

"""Public pages: home, sign-in (staff paste their API token; candidates get a one-time
code through the notifier), sign-out, and the public rulebook (PRODUCT.md §4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from fairscreen.domain.errors import InvalidInput, PermissionDenied
from fairscreen.entrypoints.api.ratelimit import client_address, limit_sign_in
from fairscreen.entrypoints.web.policy import (
    HOME,
    SESSION_COOKIE,
    SID_COOKIE,
    Page,
    new_sid,
    page_context,
)
from fairscreen.entrypoints.web.render import WebRoute, redirect, render
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts
from fairscreen.services.accounts import Unauthenticated
from fairscreen.services.rulebook_view import HEADINGS, rulebook_document
from fairscreen.services.topic_model_card import TEXTS as MODEL_CARD_TEXTS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]


def _start_session(page: Page, token: str) -> None:
    """A new session: its own credential (a portal session's, or a candidate's
    short-lived token; never an account's API token) in an HttpOnly, SameSite=Strict
    cookie, and a fresh session id (so a CSRF token from before signing in is worth
    nothing after)."""
    page.cookies[SESSION_COOKIE] = token
    page.sid = new_sid()
    page.cookies[SID_COOKIE] = page.sid


@router.get("/")
def home(page: PageDep) -> Response:
    return render(page, "home.html")


@router.get("/sign-in")
def sign_in_form(page: PageDep) -> Response:
    return render(page, "sign_in.html", failed=False)


@router.post("/sign-in", dependencies=[Depends(limit_sign_in)])
def sign_in(page: PageDep) -> Response:
    token = page.field("token").strip()
    try:
        principal = accounts.authenticate(page.services, token)
    except Unauthenticated:
        return render(page, "sign_in.html", status=401, failed=True)
    home_path = HOME.get(principal.actor.role)
    if home_path is None or principal.actor.role is ActorRole.CANDIDATE:
        raise PermissionDenied("this account has no web portal", field="token")
    try:
        _, session = accounts.start_portal_session(page.services, token)
    except Unauthenticated:  # a portal session's own credential pasted as a token
        return render(page, "sign_in.html", status=401, failed=True)
    _start_session(page, session.token)
    return redirect(page, home_path)


@router.get("/candidate/sign-in")
def candidate_sign_in_form(page: PageDep) -> Response:
    return render(
        page,
        "candidate_sign_in.html",
        step="request",
        candidate_id="",
        code_session="",
        failed=False,
    )


def _candidate_id(page: Page) -> str:
    candidate_id = page.field("candidate_id").strip()
    if not candidate_id or len(candidate_id) > 64 or not candidate_id.isascii():
        raise InvalidInput("a candidate id as given with your invitation", field="candidate_id")
    return candidate_id


@router.post("/candidate/sign-in/code", dependencies=[Depends(limit_sign_in)])
def candidate_request_code(page: PageDep) -> Response:
    """The same answer whether or not the id exists (the service sends nothing then)."""
    candidate_id = _candidate_id(page)
    code_session = accounts.request_sign_in_code(
        page.services, candidate_id, requester=client_address(page.request)
    )
    return render(
        page,
        "candidate_sign_in.html",
        step="code",
        candidate_id=candidate_id,
        code_session=code_session,
        failed=False,
    )


@router.post("/candidate/sign-in", dependencies=[Depends(limit_sign_in)])
def candidate_sign_in(page: PageDep) -> Response:
    candidate_id = _candidate_id(page)
    code = page.field("code").strip()
    code_session = page.field("code_session").strip()
    try:
        issued = accounts.exchange_sign_in_code(page.services, candidate_id, code_session, code)
    except Unauthenticated:
        return render(
            page,
            "candidate_sign_in.html",
            status=401,
            step="code",
            candidate_id=candidate_id,
            code_session=code_session,
            failed=True,
        )
    _start_session(page, issued.token)
    return redirect(page, "/candidate")


@router.post("/sign-out")
def sign_out(page: PageDep) -> Response:
    """Ends the browser session and revokes its credential (the portal session, or the
    candidate's short-lived token): a copy of the cookie is worth nothing after."""
    if page.principal is not None:
        accounts.sign_out(page.services, page.principal)
    page.cookies[SESSION_COOKIE] = None
    page.sid = new_sid()
    page.cookies[SID_COOKIE] = page.sid
    page.principal = None
    return redirect(page, "/?done=signed_out")


@router.get("/rulebook")
def rulebook(page: PageDep) -> Response:
    """The published rulebook, with its version and SHA-256 (PRODUCT.md §4)."""
    document = rulebook_document(page.services.rulebook, page.services.classifier)
    return render(
        page,
        "rulebook.html",
        rulebook=document,
        h=HEADINGS.get(page.lang, HEADINGS["en"]),
        m=MODEL_CARD_TEXTS.get(page.lang, MODEL_CARD_TEXTS["en"]),
    )

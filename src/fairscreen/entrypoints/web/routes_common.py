"""Public pages: home, sign-in (staff with their e-mail and password, or an integrator's
API token; candidates get a one-time code through the notifier), sign-out, and the public
rulebook (PRODUCT.md §4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from fairscreen.domain.errors import InvalidInput, InvitationInvalid, NotFound, PermissionDenied
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
from fairscreen.services import accounts, invitations, staff_accounts
from fairscreen.services.accounts import Unauthenticated
from fairscreen.services.rulebook_view import HEADINGS, rulebook_document
from fairscreen.services.topic_model_card import TEXTS as MODEL_CARD_TEXTS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]


def start_browser_session(page: Page, token: str) -> None:
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
    return render(page, "sign_in.html", failed="", email="")


@router.post("/sign-in/password", dependencies=[Depends(limit_sign_in)])
def sign_in_with_password(page: PageDep) -> Response:
    """An e-mail and a password (issue 13 item 3), then a TOTP code where the account
    turned it on. A failure never says which of the address and the password was wrong."""
    email = page.field("email")
    try:
        step = staff_accounts.sign_in(page.services, email, page.field("password"))
    except Unauthenticated:
        return render(page, "sign_in.html", status=401, failed="password", email=email)
    if step.session is None:
        return render(page, "staff/two_step_sign_in.html", challenge=step.challenge, failed=False)
    principal, session = step.session
    start_browser_session(page, session.token)
    return redirect(page, HOME.get(principal.actor.role, "/"))


@router.post("/sign-in", dependencies=[Depends(limit_sign_in)])
def sign_in(page: PageDep) -> Response:
    """An integrator's sign-in with an account's API token (the portal session gets a
    credential of its own)."""
    token = page.field("token").strip()
    try:
        principal = accounts.authenticate(page.services, token)
    except Unauthenticated:
        return render(page, "sign_in.html", status=401, failed="token", email="")
    home_path = HOME.get(principal.actor.role)
    if home_path is None or principal.actor.role is ActorRole.CANDIDATE:
        raise PermissionDenied(
            "this account has no web portal", key="denied.no_web_portal", field="token"
        )
    try:
        _, session = accounts.start_portal_session(page.services, token)
    except Unauthenticated:  # a portal session's own credential pasted as a token
        return render(page, "sign_in.html", status=401, failed="token", email="")
    start_browser_session(page, session.token)
    return redirect(page, home_path)


@router.get("/candidate/sign-in")
def candidate_sign_in_form(page: PageDep) -> Response:
    return render(
        page,
        "candidate_sign_in.html",
        step="request",
        candidate_id="",
        code_session="",
        sent=None,
        failed=False,
    )


def _candidate_id(page: Page) -> str:
    candidate_id = page.field("candidate_id").strip()
    if not candidate_id or len(candidate_id) > 64 or not candidate_id.isascii():
        raise InvalidInput(
            "a candidate id as given with your invitation",
            field="candidate_id",
            key="input.candidate_id_given_your_invitation",
        )
    return candidate_id


@router.post("/candidate/sign-in/code", dependencies=[Depends(limit_sign_in)])
def candidate_request_code(page: PageDep) -> Response:
    """The same answer whether or not the id exists (the service sends nothing then)."""
    candidate_id = _candidate_id(page)
    sent = invitations.request_code_by_candidate_id(
        page.services, candidate_id, requester=client_address(page.request), lang=page.lang
    )
    return render(
        page,
        "candidate_sign_in.html",
        step="code",
        candidate_id=candidate_id,
        code_session=sent.code_session,
        sent=sent,
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
            sent=None,
            failed=True,
        )
    start_browser_session(page, issued.token)
    return redirect(page, "/candidate")


# --- the candidate's invitation link (issue 13 item 2) ---------------------------------------

InvitationToken = Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def _invitation_refused(page: Page, error: InvitationInvalid) -> Response:
    """404 for a link that never was (or whose case is gone), 410 for a spent or expired
    one; the page offers the ordinary sign-in."""
    status = 404 if error.reason == "unknown" else 410
    return render(page, "candidate/invitation.html", status=status, refused=error.reason)


def _in_invitation_language(page: Page, view: invitations.InvitationView) -> None:
    """The link's pages speak the invitation's language unless the reader chose another
    (``?lang=`` or the language switcher before); it is then kept as theirs, so the case
    they sign in to speaks it too."""
    if not page.lang_chosen and page.lang != view.lang:
        page.lang = view.lang
        page.remember_lang = True


def _invitation_page(
    page: Page,
    token: str,
    view: invitations.InvitationView,
    *,
    code_session: str = "",
    failed: bool = False,
    status: int = 200,
) -> Response:
    return render(
        page,
        "candidate/invitation.html",
        status=status,
        refused=None,
        token=token,
        view=view,
        code_session=code_session,
        failed=failed,
    )


@router.get("/candidate/invitation/{token}")
def invitation(page: PageDep, token: InvitationToken) -> Response:
    """Who invites, for which role, and where the code will go (masked). Opening the link
    sends nothing and spends nothing (a mail client's preview must not)."""
    try:
        view = invitations.open_invitation(page.services, token)
    except InvitationInvalid as error:
        return _invitation_refused(page, error)
    _in_invitation_language(page, view)
    return _invitation_page(page, token, view)


@router.post("/candidate/invitation/{token}/code", dependencies=[Depends(limit_sign_in)])
def invitation_code(page: PageDep, token: InvitationToken) -> Response:
    try:
        view = invitations.open_invitation(page.services, token)
        _in_invitation_language(page, view)
        code_session = invitations.request_code(
            page.services, token, requester=client_address(page.request), lang=page.lang
        )
    except InvitationInvalid as error:
        return _invitation_refused(page, error)
    return _invitation_page(page, token, view, code_session=code_session)


@router.post("/candidate/invitation/{token}", dependencies=[Depends(limit_sign_in)])
def invitation_sign_in(page: PageDep, token: InvitationToken) -> Response:
    """The code sent for this link signs the candidate in and opens their case; the link
    is spent then (single use)."""
    code_session = page.field("code_session").strip()
    try:
        view = invitations.open_invitation(page.services, token)
        _in_invitation_language(page, view)
        issued, case_id = invitations.sign_in(
            page.services, token, code_session, page.field("code").strip()
        )
    except InvitationInvalid as error:
        return _invitation_refused(page, error)
    except Unauthenticated:
        return _invitation_page(
            page, token, view, code_session=code_session, failed=True, status=401
        )
    start_browser_session(page, issued.token)
    target = f"/candidate/cases/{case_id}"
    if view.state == "ordered":
        target += "/authorization"
    return redirect(page, target)


@router.get("/dev/outbox")
def dev_outbox(page: PageDep) -> Response:
    """The development outbox (SMS, and e-mail without SMTP): only in the served demo,
    where the numbers and addresses are the demo's own; a 404 everywhere else."""
    outbox = page.services.messenger.outbox
    if not page.services.config.demo or outbox is None:
        raise NotFound("no such page", key="not_found.page")
    return render(page, "dev_outbox.html", messages=list(reversed(outbox.messages)))


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

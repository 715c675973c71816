"""Staff accounts on the portals (issue 13 items 3 and 13): an HR person signs their
organisation up, signs in with an e-mail and a password (and a TOTP code when they turned
two-step sign-in on), sets up two-step sign-in with a QR code, invites and removes
colleagues, makes API tokens for integrations; an invitee sets their password on the
invitation's link; an employer's first set-up is a checklist in plain words.

The rules live in :mod:`fairscreen.services.staff_accounts`; a refused form is shown
again with everything typed kept (never a password) and the error beside its field.
"""

from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Depends, Path, Response

from fairscreen.domain.errors import InvalidInput, NotFound, PermissionDenied
from fairscreen.entrypoints.api.ratelimit import limit_sign_in
from fairscreen.entrypoints.web.policy import HOME, Page, page_context
from fairscreen.entrypoints.web.render import WebRoute, redirect, refusal, render
from fairscreen.entrypoints.web.routes_common import start_browser_session
from fairscreen.services import accounts, case_queries, colleagues, staff_accounts
from fairscreen.services.accounts import Unauthenticated

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PageDep = Annotated[Page, Depends(page_context)]
InvitationToken = Annotated[str, Path(max_length=100)]


def _principal(page: Page) -> accounts.Principal:
    assert page.principal is not None  # the page table lets staff only in
    return page.principal


# --- sign-up ----------------------------------------------------------------------------------


@router.get("/sign-up")
def sign_up_form(page: PageDep) -> Response:
    return render(page, "staff/sign_up.html", error=None, values={})


@router.post("/sign-up", dependencies=[Depends(limit_sign_in)])
def sign_up(page: PageDep) -> Response:
    values = {"organisation": page.field("organisation"), "email": page.field("email")}
    try:
        principal, session = staff_accounts.sign_up_employer(
            page.services,
            email=values["email"],
            password=page.field("password"),
            organisation=values["organisation"],
        )
    except InvalidInput as error:
        return render(
            page, "staff/sign_up.html", status=422, error=refusal(page, error), values=values
        )
    # the sign-up page's language is the administrator's until they choose another
    staff_accounts.set_account_language(page.services, principal, page.lang)
    start_browser_session(page, session.token)
    return redirect(page, "/employer/setup?done=signed_up")


# --- sign-in, step 2: the TOTP code --------------------------------------------------------


@router.post("/sign-in/two-step", dependencies=[Depends(limit_sign_in)])
def sign_in_code(page: PageDep) -> Response:
    challenge = page.field("challenge")
    try:
        principal, session = staff_accounts.complete_sign_in(
            page.services, challenge, page.field("code")
        )
    except Unauthenticated:
        return render(
            page, "staff/two_step_sign_in.html", status=401, challenge=challenge, failed=True
        )
    start_browser_session(page, session.token)
    return redirect(page, HOME.get(principal.actor.role, "/"))


# --- an invitation's link ------------------------------------------------------------------


@router.get("/invitations/{token}")
def invitation(page: PageDep, token: InvitationToken) -> Response:
    """A used, withdrawn or expired link says so, and whom to ask (a 404 all the same)."""
    try:
        shown = colleagues.invitation(page.services, token)
    except NotFound as error:
        return _invalid_invitation(page, error)
    return render(page, "staff/invitation.html", invitation=shown, token=token, error=None)


def _invalid_invitation(page: Page, error: NotFound) -> Response:
    return render(
        page,
        "staff/invitation.html",
        status=404,
        invitation=None,
        token="",
        error=refusal(page, error),
    )


@router.post("/invitations/{token}", dependencies=[Depends(limit_sign_in)])
def accept(page: PageDep, token: InvitationToken) -> Response:
    try:
        principal, session = colleagues.accept_invitation(
            page.services, token, page.field("password")
        )
    except NotFound as error:
        return _invalid_invitation(page, error)
    except InvalidInput as error:
        shown = colleagues.invitation(page.services, token)
        return render(
            page,
            "staff/invitation.html",
            status=422,
            invitation=shown,
            token=token,
            error=refusal(page, error),
        )
    # the invitation page's language is the colleague's until they choose another
    staff_accounts.set_account_language(page.services, principal, page.lang)
    start_browser_session(page, session.token)
    return redirect(page, HOME.get(principal.actor.role, "/") + "?done=joined")


# --- two-step sign-in (TOTP) --------------------------------------------------------------


@router.get("/account/two-step")
def two_step(page: PageDep) -> Response:
    return _two_step_page(page)


def _two_step_page(page: Page, error: dict[str, str] | None = None, status: int = 200) -> Response:
    principal = _principal(page)
    own = staff_accounts.own_account(page.services, principal)
    pending = staff_accounts.pending_totp(page.services, principal)
    qr = secret = None
    if pending is not None:
        secret, uri = pending
        # an SVG as a data: URI: no image library, no inline script or style (CSP)
        qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return render(
        page,
        "staff/two_step.html",
        status=status,
        own=own,
        secret=secret,
        grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) if secret else "",
        qr=qr,
        error=error,
    )


@router.post("/account/two-step")
def two_step_begin(page: PageDep) -> Response:
    staff_accounts.begin_totp(page.services, _principal(page))
    return redirect(page, "/account/two-step")


@router.post("/account/two-step/confirmation")
def two_step_confirm(page: PageDep) -> Response:
    try:
        staff_accounts.confirm_totp(page.services, _principal(page), page.field("code"))
    except InvalidInput as error:
        return _two_step_page(page, error=refusal(page, error), status=422)
    return redirect(page, "/account?done=two_step_on")


# --- colleagues (the organisation's administrator) ---------------------------------------


def _colleagues_page(page: Page, *, status: int = 200, **values: Any) -> Response:
    listed = colleagues.colleagues(page.services, _principal(page))
    defaults: dict[str, Any] = {"error": None, "link": None, "email": ""}
    return render(
        page, "staff/colleagues.html", status=status, listed=listed, **(defaults | values)
    )


@router.get("/account/colleagues")
def colleagues_page(page: PageDep) -> Response:
    """A colleague who is not the administrator is told who manages colleagues."""
    try:
        return _colleagues_page(page)
    except PermissionDenied:
        return render(page, "staff/colleagues.html", listed=None, error=None, link=None, email="")


@router.post("/account/colleagues/invitations")
def invite(page: PageDep) -> Response:
    """The link is shown this once (to pass on if the e-mail does not arrive); it is
    stored only as a hash."""
    email = page.field("email")
    try:
        _, path = colleagues.invite_colleague(page.services, _principal(page), email)
    except InvalidInput as error:
        return _colleagues_page(page, status=422, error=refusal(page, error), email=email)
    link = page.services.config.public_url.rstrip("/") + path  # as the e-mail has it
    return _colleagues_page(page, link=link)


@router.post("/account/colleagues/invitations/revocation")
def revoke_invitation(page: PageDep) -> Response:
    colleagues.revoke_invitation(page.services, _principal(page), page.field("invitation_id"))
    return redirect(page, "/account/colleagues?done=invitation_revoked")


@router.post("/account/colleagues/removal")
def remove(page: PageDep) -> Response:
    colleagues.remove_colleague(page.services, _principal(page), page.field("account_id"))
    return redirect(page, "/account/colleagues?done=colleague_removed")


# --- API tokens for integrators --------------------------------------------------------------


def _api_tokens_page(page: Page, *, status: int = 200, **values: Any) -> Response:
    now = page.services.now()
    tokens = [
        {**row, "active": row["revoked_at"] is None}
        for row in accounts.list_own_tokens(page.services, _principal(page))
        if row["kind"] == "api"
    ]
    defaults: dict[str, Any] = {"error": None, "issued": None, "label": ""}
    return render(
        page,
        "staff/api_tokens.html",
        status=status,
        tokens=tokens,
        now=now,
        **(defaults | values),
    )


@router.get("/account/api-tokens")
def api_tokens(page: PageDep) -> Response:
    return _api_tokens_page(page)


@router.post("/account/api-tokens")
def create_api_token(page: PageDep) -> Response:
    label = page.field("label")
    try:
        issued = staff_accounts.create_own_api_token(page.services, _principal(page), label)
    except InvalidInput as error:
        return _api_tokens_page(page, status=422, error=refusal(page, error), label=label)
    return _api_tokens_page(page, issued=issued)


# --- an employer's first set-up ---------------------------------------------------------------


@router.get("/employer/setup")
def setup(page: PageDep) -> Response:
    """Three steps in plain words, each marked done once it is: the roles and their
    checks, colleagues, the first check ordered."""
    principal = _principal(page)
    own = staff_accounts.own_account(page.services, principal)
    profiles = case_queries.list_profiles(page.services, principal.actor, limit=1)
    cases = case_queries.list_cases(page.services, principal.actor, state=None, limit=1)
    invited = (
        bool(
            (listed := colleagues.colleagues(page.services, principal))["invitations"]
            or len(listed["accounts"]) > 1
        )
        if own["is_admin"]
        else True
    )
    return render(
        page,
        "staff/setup.html",
        own=own,
        steps={"profiles": bool(profiles), "colleagues": invited, "order": bool(cases)},
    )

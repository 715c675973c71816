"""Who may open which page: ONE table for the web surface, page route (method + path
template) → roles (PRODUCT.md §2), deny by default — the web twin of the API's
``ROUTE_ROLES``.

Every page runs :func:`page_context` first. It

1. looks the route up in :data:`PAGE_ROLES` (a route missing from the table is a 404
   for everyone: nothing is reachable by accident);
2. refuses a NUL character anywhere in the request (``entrypoints/api/nul.py``), then
   checks the CSRF token on every POST (a per-session token in the form, bound to the
   ``fs_sid`` cookie by HMAC; an ``Origin`` of another site is refused as well);
3. authenticates the session cookie (a staff portal session's own credential, or the
   candidate's short-lived token; never an account's API token) through
   :func:`fairscreen.services.accounts.authenticate`;
4. refuses a role the table does not list.

The services then check again what the caller may do to which object: another tenant's
case does not exist for the caller, and the page says so exactly as for a missing id.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartParser

from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.errors import FairscreenError, InvalidInput, NotFound, PermissionDenied
from fairscreen.entrypoints.api.nul import form_field_with_nul, refuse_if_marked, refuse_nul
from fairscreen.entrypoints.api.policy import route_template
from fairscreen.entrypoints.web.i18n import Translator, choose
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts, staff_accounts
from fairscreen.services.accounts import Principal, Unauthenticated
from fairscreen.services.context import Services

CANDIDATE, EMPLOYER, AGENCY = ActorRole.CANDIDATE, ActorRole.EMPLOYER, ActorRole.AGENCY
REGULATOR = ActorRole.REGULATOR
PUBLIC: frozenset[ActorRole] = frozenset()
SIGNED_IN = frozenset({CANDIDATE, EMPLOYER, AGENCY, REGULATOR, ActorRole.OPERATOR})
ONLY_CANDIDATE, ONLY_EMPLOYER = frozenset({CANDIDATE}), frozenset({EMPLOYER})
ONLY_AGENCY, ONLY_REGULATOR = frozenset({AGENCY}), frozenset({REGULATOR})
STAFF = frozenset({EMPLOYER, AGENCY, REGULATOR})

SESSION_COOKIE = "fs_session"
SID_COOKIE = "fs_sid"
LANG_COOKIE = "fs_lang"
CSRF_FIELD = "csrf"
MAX_FORM_PART = 128 * 1024
# An uploaded file (an evidence file, at most 10 MB; the request body is capped at 11 MiB
# by LimitBody) stays in memory instead of being spooled to a temporary file on disk
# past 1 MB, Starlette's default: a candidate's evidence is personal data, and nothing of
# it may sit unencrypted on disk (PRODUCT.md P5). The bound: one body per upload request.
MultiPartParser.spool_max_size = 11 * 1024 * 1024

PAGE_ROLES: dict[tuple[str, str], frozenset[ActorRole]] = {
    # --- public: home, sign-in, the rulebook ---------------------------------------------
    ("GET", "/"): PUBLIC,
    ("GET", "/sign-in"): PUBLIC,
    ("POST", "/sign-in"): PUBLIC,
    ("GET", "/candidate/sign-in"): PUBLIC,
    ("POST", "/candidate/sign-in/code"): PUBLIC,
    ("POST", "/candidate/sign-in"): PUBLIC,
    # the candidate's invitation link: public with its single-use token (issue 13 item 2)
    ("GET", "/candidate/invitation/{token}"): PUBLIC,
    ("POST", "/candidate/invitation/{token}/code"): PUBLIC,
    ("POST", "/candidate/invitation/{token}"): PUBLIC,
    # the development outbox: exists only in the served demo (404 otherwise)
    ("GET", "/dev/outbox"): PUBLIC,
    ("GET", "/rulebook"): PUBLIC,
    ("POST", "/sign-out"): SIGNED_IN,
    # --- a staff member's own account: its tokens and portal sessions ----------------------
    ("GET", "/account"): STAFF,
    ("POST", "/account/tokens/{token_id}/revocation"): STAFF,
    # --- staff accounts with a password (issue 13 items 3 and 13; routes_staff.py) ------
    ("GET", "/sign-up"): PUBLIC,
    ("POST", "/sign-up"): PUBLIC,
    ("POST", "/sign-in/password"): PUBLIC,
    ("POST", "/sign-in/two-step"): PUBLIC,
    # the invitation's single-use link is the credential; the service checks it
    ("GET", "/invitations/{token}"): PUBLIC,
    ("POST", "/invitations/{token}"): PUBLIC,
    ("GET", "/account/two-step"): STAFF,
    ("POST", "/account/two-step"): STAFF,
    ("POST", "/account/two-step/confirmation"): STAFF,
    # the service lets only the organisation's administrator in
    ("GET", "/account/colleagues"): STAFF,
    ("POST", "/account/colleagues/invitations"): STAFF,
    ("POST", "/account/colleagues/invitations/revocation"): STAFF,
    ("POST", "/account/colleagues/removal"): STAFF,
    ("GET", "/account/api-tokens"): STAFF,
    ("POST", "/account/api-tokens"): STAFF,
    ("GET", "/employer/setup"): ONLY_EMPLOYER,
    # --- referee (证明人): public with a token. The single-use link's token is the only
    # credential; the service checks it on every request (services/references.py) ------
    ("GET", "/referee/{token}"): PUBLIC,
    ("POST", "/referee/{token}"): PUBLIC,
    # --- candidate (求职者) ----------------------------------------------------------------
    ("GET", "/candidate"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/authorization"): ONLY_CANDIDATE,
    ("POST", "/candidate/cases/{case_id}/authorization"): ONLY_CANDIDATE,
    ("POST", "/candidate/cases/{case_id}/revocation"): ONLY_CANDIDATE,
    ("POST", "/candidate/cases/{case_id}/acceptance"): ONLY_CANDIDATE,
    ("POST", "/candidate/cases/{case_id}/disputes"): ONLY_CANDIDATE,
    ("POST", "/candidate/cases/{case_id}/supplements"): ONLY_CANDIDATE,
    ("POST", "/candidate/cases/{case_id}/adverse-response"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/consent-receipt.json"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/certificate.json"): ONLY_CANDIDATE,
    # the documents to keep, as PDF (routes_documents.py)
    ("GET", "/candidate/cases/{case_id}/report.pdf"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/authorization.pdf"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/pre-adverse-notice.pdf"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/adverse-action-notice.pdf"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/consent-receipt.pdf"): ONLY_CANDIDATE,
    ("GET", "/candidate/cases/{case_id}/certificate.pdf"): ONLY_CANDIDATE,
    ("GET", "/candidate/data.json"): ONLY_CANDIDATE,
    ("POST", "/candidate/deletion-request"): ONLY_CANDIDATE,
    ("POST", "/candidate/self-identification"): ONLY_CANDIDATE,
    ("POST", "/candidate/self-identification/withdrawal"): ONLY_CANDIDATE,
    # --- employer (用人单位) ---------------------------------------------------------------
    ("GET", "/employer"): ONLY_EMPLOYER,
    ("POST", "/employer/notification-email"): ONLY_EMPLOYER,
    ("GET", "/employer/profiles"): ONLY_EMPLOYER,
    ("POST", "/employer/profiles"): ONLY_EMPLOYER,
    ("POST", "/employer/profiles/builtin"): ONLY_EMPLOYER,
    ("GET", "/employer/cases/new"): ONLY_EMPLOYER,
    ("POST", "/employer/cases"): ONLY_EMPLOYER,
    ("GET", "/employer/cases/{case_id}"): ONLY_EMPLOYER,
    ("POST", "/employer/cases/{case_id}/decision"): ONLY_EMPLOYER,
    ("POST", "/employer/cases/{case_id}/investigation"): ONLY_EMPLOYER,
    # answering disputes on a case the employer checks itself (the service refuses it on
    # an agency's case)
    ("POST", "/employer/cases/{case_id}/disputes/{dispute_id}/resolution"): ONLY_EMPLOYER,
    ("GET", "/employer/cases/{case_id}/disputes/{dispute_id}/evidence"): ONLY_EMPLOYER,
    ("GET", "/employer/cases/{case_id}/disputes/{dispute_id}/files/{file_id}"): ONLY_EMPLOYER,
    ("POST", "/employer/cases/{case_id}/supplements/{supplement_id}/answer"): ONLY_EMPLOYER,
    ("GET", "/employer/cases/{case_id}/supplements/{supplement_id}/files/{file_id}"): ONLY_EMPLOYER,
    ("POST", "/employer/cases/{case_id}/invitation"): ONLY_EMPLOYER,
    # --- agency (背调机构) -----------------------------------------------------------------
    ("GET", "/agency"): ONLY_AGENCY,
    ("GET", "/agency/cases/{case_id}"): ONLY_AGENCY,
    ("POST", "/agency/cases/{case_id}/investigation"): ONLY_AGENCY,
    ("POST", "/agency/cases/{case_id}/referees"): ONLY_AGENCY,
    ("POST", "/agency/cases/{case_id}/disputes/{dispute_id}/resolution"): ONLY_AGENCY,
    ("GET", "/agency/cases/{case_id}/disputes/{dispute_id}/evidence"): ONLY_AGENCY,
    ("GET", "/agency/cases/{case_id}/disputes/{dispute_id}/files/{file_id}"): ONLY_AGENCY,
    ("POST", "/agency/cases/{case_id}/supplements/{supplement_id}/answer"): ONLY_AGENCY,
    ("GET", "/agency/cases/{case_id}/supplements/{supplement_id}/files/{file_id}"): ONLY_AGENCY,
    # --- regulator (劳动监管部门) ----------------------------------------------------------
    ("GET", "/regulator"): ONLY_REGULATOR,
    ("GET", "/regulator/entries"): ONLY_REGULATOR,
    ("GET", "/regulator/audit"): ONLY_REGULATOR,
    ("GET", "/regulator/statistics"): ONLY_REGULATOR,
    ("GET", "/regulator/fairness"): ONLY_REGULATOR,
}

#: The page each form is on (POST route → GET route): an error page's "Back" link leads
#: there, without script. The sign-out form is on every page: its Back is the Referer.
FORM_PAGES: dict[str, str] = {
    "/sign-in": "/sign-in",
    "/candidate/sign-in/code": "/candidate/sign-in",
    "/candidate/sign-in": "/candidate/sign-in",
    "/candidate/invitation/{token}/code": "/candidate/invitation/{token}",
    "/candidate/invitation/{token}": "/candidate/invitation/{token}",
    "/employer/notification-email": "/employer",
    "/account/tokens/{token_id}/revocation": "/account",
    "/sign-up": "/sign-up",
    "/sign-in/password": "/sign-in",
    "/sign-in/two-step": "/sign-in",
    "/invitations/{token}": "/invitations/{token}",
    "/account/two-step": "/account/two-step",
    "/account/two-step/confirmation": "/account/two-step",
    "/account/colleagues/invitations": "/account/colleagues",
    "/account/colleagues/invitations/revocation": "/account/colleagues",
    "/account/colleagues/removal": "/account/colleagues",
    "/account/api-tokens": "/account/api-tokens",
    "/candidate/cases/{case_id}/authorization": "/candidate/cases/{case_id}/authorization",
    "/candidate/cases/{case_id}/revocation": "/candidate/cases/{case_id}",
    "/candidate/cases/{case_id}/acceptance": "/candidate/cases/{case_id}",
    "/candidate/cases/{case_id}/disputes": "/candidate/cases/{case_id}",
    "/candidate/cases/{case_id}/supplements": "/candidate/cases/{case_id}",
    "/candidate/cases/{case_id}/adverse-response": "/candidate/cases/{case_id}",
    "/candidate/deletion-request": "/candidate",
    "/candidate/self-identification": "/candidate",
    "/candidate/self-identification/withdrawal": "/candidate",
    "/employer/profiles": "/employer/profiles",
    "/employer/profiles/builtin": "/employer/profiles",
    "/employer/cases": "/employer/cases/new",
    "/employer/cases/{case_id}/decision": "/employer/cases/{case_id}",
    "/employer/cases/{case_id}/investigation": "/employer/cases/{case_id}",
    "/employer/cases/{case_id}/disputes/{dispute_id}/resolution": "/employer/cases/{case_id}",
    "/employer/cases/{case_id}/supplements/{supplement_id}/answer": "/employer/cases/{case_id}",
    "/agency/cases/{case_id}/supplements/{supplement_id}/answer": "/agency/cases/{case_id}",
    "/employer/cases/{case_id}/invitation": "/employer/cases/{case_id}",
    "/agency/cases/{case_id}/investigation": "/agency/cases/{case_id}",
    "/agency/cases/{case_id}/referees": "/agency/cases/{case_id}",
    "/referee/{token}": "/referee/{token}",
    "/agency/cases/{case_id}/disputes/{dispute_id}/resolution": "/agency/cases/{case_id}",
}

#: Where each role lands after signing in.
HOME = {
    CANDIDATE: "/candidate",
    EMPLOYER: "/employer",
    AGENCY: "/agency",
    REGULATOR: "/regulator",
}


class SignInRequired(FairscreenError):
    """No valid session for a page that needs one: the page sends the visitor to sign in."""

    code = "SIGN_IN_REQUIRED"

    def __init__(self, target: str) -> None:
        super().__init__("sign in first")
        self.target = target


class CsrfRefused(FairscreenError):
    """A form without this session's CSRF token, or posted from another site."""

    code = "CSRF_REFUSED"


_Read = TypeVar("_Read")


@dataclass
class Page:
    """What a page knows about its request: the services, the caller, the language,
    the session's CSRF token, and the form of a POST."""

    services: Services
    request: Request
    principal: Principal | None
    lang: str
    sid: str
    new_sid: bool
    lang_from_query: bool
    form: FormData | None = None
    cookies: dict[str, str | None] = field(default_factory=dict)
    #: whether the reader chose the language (``?lang=`` now or the cookie from before),
    #: rather than it coming from the browser or the default
    lang_chosen: bool = False
    #: keep ``lang`` as the reader's language (the cookie) though they did not choose it
    #: here: the invitation's page opens in the invitation's language
    remember_lang: bool = False
    #: what :meth:`read_once` already read in this request, by its key
    reads: dict[tuple[str, ...], Any] = field(default_factory=dict)

    def read_once(self, key: tuple[str, ...], read: Callable[[], _Read]) -> _Read:
        """``read()``, made once in this request for ``key``: a logged read of case data
        (P5) that the request needs twice is made, and logged, once. A refused answer
        reads the records to build its correction, then shows the case page again with
        them: a refusal changed nothing, so the first read is what the page shows."""
        if key not in self.reads:
            self.reads[key] = read()
        return self.reads[key]  # type: ignore[no-any-return]

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    @property
    def csrf(self) -> str:
        """The form token as a page shows it: masked afresh for every page (see
        :func:`masked_csrf`)."""
        return masked_csrf(csrf_token(self.services, self.sid))

    @property
    def role(self) -> ActorRole | None:
        return self.principal.actor.role if self.principal else None

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default

    def ticked(self, name: str) -> bool:
        """A checkbox (value ``yes``): ticked or not; any other value is refused rather
        than read as "not ticked" (a client sending ``1`` meant yes)."""
        value = self.field(name)
        if value not in ("", "yes"):
            raise InvalidInput(
                "a box: ticked (yes) or not", field=name, key="input.box_ticked_yes_not"
            )
        return value == "yes"

    def typed(self) -> dict[str, str]:
        """What the form held as text (not the CSRF token), to fill a refused form again:
        nothing typed is lost on a refusal."""
        if self.form is None:
            return {}
        return {k: v for k, v in self.form.items() if isinstance(v, str) and k != "csrf"}

    def fields(self, name: str) -> list[str]:
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]

    def upload(self, name: str) -> Any:
        return self.form.get(name) if self.form is not None else None


def csrf_token(svc: Services, sid: str) -> str:
    """The session's form token: the service's one keyed hash under a purpose of its own
    (the same value the hand-written HMAC of the same key and purpose gave before)."""
    return svc.keyed_hash(b"fairscreen|web|csrf", sid)


def masked_csrf(token: str) -> str:
    """``token`` as a page carries it: a fresh random mask, then the token XOR the mask.
    Pages are gzip-compressed, and a secret that reads the same in every response beside
    text an attacker can make the page echo can be guessed from the compressed lengths
    (BREACH, CVE-2013-3587); masked afresh, the token's bytes differ in every response
    while :func:`csrf_matches` still accepts each of them (Django's defence)."""
    raw = bytes.fromhex(token)
    mask = secrets.token_bytes(len(raw))
    return (mask + bytes(a ^ b for a, b in zip(mask, raw, strict=True))).hex()


def csrf_matches(sent: str, token: str) -> bool:
    """Whether ``sent`` (a form's field) is ``token`` under some mask; constant-time."""
    raw = bytes.fromhex(token)
    try:
        data = bytes.fromhex(sent)
    except ValueError:
        return False
    if len(data) != 2 * len(raw):
        return False
    mask, masked = data[: len(raw)], data[len(raw) :]
    return hmac.compare_digest(bytes(a ^ b for a, b in zip(mask, masked, strict=True)), raw)


def new_sid() -> str:
    return secrets.token_urlsafe(32)


def _valid_sid(value: str | None) -> bool:
    return bool(value) and len(value or "") <= 64 and (value or "").isascii()


def base_page(request: Request) -> Page:
    """The page context before any check (error pages use it too)."""
    existing = getattr(request.state, "page", None)
    if isinstance(existing, Page):
        return existing
    services: Services = request.app.state.services
    sid = request.cookies.get(SID_COOKIE)
    fresh = not _valid_sid(sid)
    query_lang = request.query_params.get("lang")
    page = Page(
        services=services,
        request=request,
        principal=None,
        lang=choose(
            query_lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
        ),
        sid=new_sid() if fresh or sid is None else sid,
        new_sid=fresh,
        lang_from_query=query_lang is not None and choose(query_lang, None) == query_lang,
        lang_chosen=any(c in LANGUAGES for c in (query_lang, request.cookies.get(LANG_COOKIE))),
    )
    request.state.page = page
    return page


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


def signed_in(request: Request, services: Services) -> Principal | None:
    """The session cookie's principal: a portal session or a candidate's token. An
    account's API token in the cookie (a session from before portal sessions) is not a
    session: the visitor signs in again."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        principal = accounts.authenticate(services, token)
    except Unauthenticated:
        return None
    return principal if principal.kind in ("portal", "candidate") else None


async def page_context(request: Request) -> Page:
    """The policy check every page runs first (see the module docstring)."""
    method, path = route_template(request)
    allowed = PAGE_ROLES.get((method, path))
    if allowed is None:
        raise NotFound("no such page", key="not_found.page")
    page = base_page(request)
    refuse_if_marked(request.state)  # a NUL in the path, query or a urlencoded form
    if method == "POST":
        form = await request.form(max_files=2, max_fields=200, max_part_size=MAX_FORM_PART)
        page.form = form
        nul_field = form_field_with_nul(form.multi_items())  # a multipart form's text
        if nul_field is not None:
            refuse_nul(nul_field)
        sent = form.get(CSRF_FIELD)
        if (
            page.new_sid
            or not isinstance(sent, str)
            or not csrf_matches(sent, csrf_token(page.services, page.sid))
            or not _same_origin(request)
        ):
            raise CsrfRefused("this form is out of date or came from another site")
    page.principal = signed_in(request, page.services)
    if page.lang_from_query and page.principal is not None and page.principal.account_id:
        # a staff member who chooses a language is written to in it (release e-mails)
        staff_accounts.set_account_language(page.services, page.principal, page.lang)
    if allowed is PUBLIC:
        return page
    if page.principal is None:
        raise SignInRequired("/candidate/sign-in" if path.startswith("/candidate") else "/sign-in")
    if page.principal.actor.role not in allowed:
        raise PermissionDenied(
            "{role} may not open this page",
            key="denied.role_page",
            role=page.principal.actor.role.value,
        )
    return page

"""Who may call what: ONE table, route (method + path template) → roles (PRODUCT.md §2).

Deny by default: every route of every router runs :func:`enforce` first; a route that is
not in the table is refused to everyone, a public route (``PUBLIC``) needs no token, and
any other needs a valid bearer token whose role the table lists. The service layer then
checks again what a role may do to which object (a case of another tenant does not exist
for the caller). A test walks every route × every role and checks that this table
covers every route of the app.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool

from fairscreen.domain.errors import PermissionDenied
from fairscreen.entrypoints.api.nul import refuse_if_marked
from fairscreen.entrypoints.api.observability import address_in
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts
from fairscreen.services.accounts import Principal, Unauthenticated
from fairscreen.services.context import Services

CANDIDATE, EMPLOYER, AGENCY = ActorRole.CANDIDATE, ActorRole.EMPLOYER, ActorRole.AGENCY
REGULATOR, OPERATOR = ActorRole.REGULATOR, ActorRole.OPERATOR
PUBLIC: frozenset[ActorRole] = frozenset()  # no token needed
EVERYONE = frozenset({CANDIDATE, EMPLOYER, AGENCY, REGULATOR, OPERATOR})

ROUTE_ROLES: dict[tuple[str, str], frozenset[ActorRole]] = {
    # --- public: health and transparency (PRODUCT.md §6) ----------------------------------
    ("GET", "/healthz"): PUBLIC,
    # --- operations: metrics (an operator's token, or an address in BY_ADDRESS's list) ----
    ("GET", "/metrics"): frozenset({OPERATOR}),
    ("GET", "/checkpoint"): PUBLIC,
    ("HEAD", "/checkpoint"): PUBLIC,
    ("GET", "/tile/entries/{path:path}"): PUBLIC,
    ("HEAD", "/tile/entries/{path:path}"): PUBLIC,
    ("GET", "/tile/{level}/{path:path}"): PUBLIC,
    ("HEAD", "/tile/{level}/{path:path}"): PUBLIC,
    ("GET", "/v1/transparency/log-key"): PUBLIC,
    ("GET", "/v1/transparency/proofs/inclusion"): PUBLIC,
    ("GET", "/v1/transparency/proofs/consistency"): PUBLIC,
    ("GET", "/v1/transparency/pending/{pending_id}"): PUBLIC,
    ("GET", "/v1/transparency/rulebooks"): PUBLIC,
    ("GET", "/v1/transparency/rulebooks/sha256/{digest}"): PUBLIC,
    ("GET", "/v1/transparency/rulebooks/{version}"): PUBLIC,
    ("GET", "/v1/transparency/statistics"): PUBLIC,
    # --- sign-in -----------------------------------------------------------------------------
    ("POST", "/v1/auth/candidate/code"): PUBLIC,
    ("POST", "/v1/auth/candidate/token"): PUBLIC,
    ("GET", "/v1/auth/me"): EVERYONE,
    ("DELETE", "/v1/auth/token"): EVERYONE,
    # --- operator: tenants, accounts, tokens, keys, holds -------------------------------------
    ("POST", "/v1/tenants"): frozenset({OPERATOR}),
    ("GET", "/v1/accounts"): frozenset({OPERATOR}),
    ("POST", "/v1/accounts"): frozenset({OPERATOR}),
    ("POST", "/v1/accounts/{account_id}/tokens"): frozenset({OPERATOR}),
    ("GET", "/v1/accounts/{account_id}/tokens"): frozenset({OPERATOR}),
    ("DELETE", "/v1/accounts/{account_id}"): frozenset({OPERATOR}),
    ("DELETE", "/v1/tokens/{token_id}"): frozenset({OPERATOR}),
    ("POST", "/v1/keys/rotation"): frozenset({OPERATOR}),
    ("PUT", "/v1/cases/{case_id}/legal-hold"): frozenset({OPERATOR}),
    # --- employer: candidates, profiles, orders, decisions, webhooks --------------------------
    ("POST", "/v1/candidates"): frozenset({EMPLOYER}),
    ("GET", "/v1/profiles"): frozenset({EMPLOYER}),
    ("POST", "/v1/profiles"): frozenset({EMPLOYER}),
    ("POST", "/v1/profiles/builtin"): frozenset({EMPLOYER}),
    ("POST", "/v1/cases"): frozenset({EMPLOYER}),
    ("GET", "/v1/cases/{case_id}/invitation"): frozenset({EMPLOYER}),
    ("POST", "/v1/cases/{case_id}/invitation"): frozenset({EMPLOYER}),
    ("GET", "/v1/cases/{case_id}/employer-view"): frozenset({EMPLOYER}),
    ("POST", "/v1/cases/{case_id}/decision"): frozenset({EMPLOYER}),
    ("POST", "/v1/cases/{case_id}/pre-adverse-notice"): frozenset({EMPLOYER}),
    ("GET", "/v1/webhooks"): frozenset({EMPLOYER}),
    ("POST", "/v1/webhooks"): frozenset({EMPLOYER}),
    ("DELETE", "/v1/webhooks/{endpoint_id}"): frozenset({EMPLOYER}),
    # --- cases, by whoever is party to them ---------------------------------------------------
    ("GET", "/v1/cases"): frozenset({EMPLOYER, AGENCY, CANDIDATE, OPERATOR}),
    ("GET", "/v1/cases/{case_id}"): frozenset({EMPLOYER, AGENCY, CANDIDATE, OPERATOR}),
    ("GET", "/v1/cases/{case_id}/authorization"): frozenset({CANDIDATE, EMPLOYER}),
    ("POST", "/v1/cases/{case_id}/authorization"): frozenset({CANDIDATE}),
    ("POST", "/v1/cases/{case_id}/authorization/revocation"): frozenset({CANDIDATE}),
    ("GET", "/v1/cases/{case_id}/consent-receipt"): frozenset({CANDIDATE}),
    ("POST", "/v1/cases/{case_id}/investigation"): frozenset({AGENCY, EMPLOYER}),
    ("POST", "/v1/cases/{case_id}/referees"): frozenset({AGENCY, EMPLOYER}),
    ("GET", "/v1/cases/{case_id}/referees"): frozenset({AGENCY, EMPLOYER}),
    ("GET", "/v1/cases/{case_id}/report"): frozenset({CANDIDATE, AGENCY, OPERATOR}),
    ("POST", "/v1/cases/{case_id}/acceptance"): frozenset({CANDIDATE}),
    ("POST", "/v1/cases/{case_id}/disputes"): frozenset({CANDIDATE}),
    ("POST", "/v1/cases/{case_id}/disputes/{dispute_id}/resolution"): frozenset({AGENCY, EMPLOYER}),
    # 补充材料: the candidate supplies; the candidate and the case's verifier (its agency,
    # or the employer of an own-check case: the service decides) list; the verifier answers
    ("POST", "/v1/cases/{case_id}/supplements"): frozenset({CANDIDATE}),
    ("GET", "/v1/cases/{case_id}/supplements"): frozenset({CANDIDATE, AGENCY, EMPLOYER}),
    ("POST", "/v1/cases/{case_id}/supplements/{supplement_id}/answer"): frozenset(
        {AGENCY, EMPLOYER}
    ),
    ("GET", "/v1/cases/{case_id}/certificate"): frozenset({CANDIDATE}),
    ("POST", "/v1/cases/{case_id}/adverse-response"): frozenset({CANDIDATE}),
    ("GET", "/v1/cases/{case_id}/notices"): frozenset({CANDIDATE, EMPLOYER}),
    ("GET", "/v1/cases/{case_id}/decision"): frozenset({CANDIDATE, EMPLOYER}),
    # --- the candidate's own data (PIPL art. 45, 47) ------------------------------------------
    ("GET", "/v1/me/data"): frozenset({CANDIDATE}),
    # --- fairness (PRODUCT.md §7): self-identification apart, aggregates suppressed ------------
    ("PUT", "/v1/me/self-identification"): frozenset({CANDIDATE}),
    ("DELETE", "/v1/me/self-identification"): frozenset({CANDIDATE}),
    ("GET", "/v1/fairness"): frozenset({EMPLOYER, REGULATOR, OPERATOR}),
    ("POST", "/v1/me/deletion-request"): frozenset({CANDIDATE}),
    # --- the regulator: ledger status and the compliance audit --------------------------------
    ("GET", "/v1/ledger/status"): frozenset({REGULATOR, OPERATOR}),
    ("GET", "/v1/ledger/audit"): frozenset({REGULATOR, OPERATOR}),
    ("GET", "/v1/ledger/entries/{index}"): frozenset({REGULATOR, OPERATOR}),
}

#: Routes also open, without a token, to a peer in the app's ``metrics_networks``
#: (``FAIRSCREEN_METRICS_ALLOW``: the Prometheus server that scrapes every process).
BY_ADDRESS: frozenset[tuple[str, str]] = frozenset({("GET", "/metrics")})
#: The request scope's key under which :func:`enforce` leaves the caller it checked, for
#: the routes' dependencies (``deps.ActorDep``, ``deps.PrincipalDep``) to take.
CALLER_KEY = "fairscreen_caller"


def services_in(request: Request) -> Services:
    """The services object the app was built with."""
    services: Services = request.app.state.services
    return services


async def services_of(request: Request) -> Services:
    """:func:`services_in` as a dependency (async: no thread hop)."""
    return services_in(request)


async def _authenticate(request: Request, token: str) -> Principal:
    reader = getattr(request.app.state, "loop_reader", None)
    if reader is not None:
        return await accounts.authenticate_on_loop(services_in(request), token, reader.one)
    return await run_in_threadpool(accounts.authenticate, services_in(request), token)


def route_template(request: Request) -> tuple[str, str]:
    """The matched route as (method, path template); HEAD is checked as GET. The web
    portals' policy looks its pages up by the same key."""
    route = request.scope.get("route")
    method = "GET" if request.method == "HEAD" else request.method
    return method, str(getattr(route, "path", ""))


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (the scheme in any case),
    or None. Read here rather than by FastAPI's ``HTTPBearer`` dependency: a dependency
    costs a walk of FastAPI's solver on every request, and the OpenAPI document's bearer
    scheme is written by ``app._openapi`` from the policy table anyway."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    return token if scheme.lower() == "bearer" and token else None


async def enforce(request: Request) -> Principal | None:
    """The policy check every route runs first; returns the caller (None if public).
    Async: the token's row is read on the event loop where the app has a
    ``loop_reader`` (``serve`` on PostgreSQL: adapters/db/loop_reads.py), else in the
    thread pool; either way before the route's parameters are validated, so a caller
    without a valid token gets 401 or 403, never a 422 that describes the route."""
    refuse_if_marked(request.state)  # a NUL anywhere in the request (entrypoints/api/nul.py)
    key = route_template(request)
    allowed = ROUTE_ROLES.get(key)
    if allowed is None:
        raise PermissionDenied("this route is not open to anyone", field="route")
    if allowed is PUBLIC:
        return None
    token = bearer_token(request)
    if key in BY_ADDRESS and token is None:
        peer = request.client.host if request.client else None
        if address_in(peer, getattr(request.app.state, "metrics_networks", ())):
            return None
    if token is None:
        raise Unauthenticated("a bearer token is required")
    principal = await _authenticate(request, token)
    if principal.actor.role not in allowed:
        raise PermissionDenied(
            f"{principal.actor.role.value} may not call this route", field="route"
        )
    request.scope[CALLER_KEY] = principal
    return principal


def checked_caller(request: Request) -> Principal | None:
    """The caller :func:`enforce` let through for this request, or None (a public route,
    a peer let in by address, or a request :func:`enforce` has not checked)."""
    principal: Principal | None = request.scope.get(CALLER_KEY)
    return principal

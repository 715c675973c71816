"""The HTTP API on a live service (``make_world``) over a real database: accounts for two
tenants (A: the world's employer and agency; B: another employer and agency), a
regulator and an operator, and candidates signed in through the one-time-code flow."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from factories import OTHER_ID
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.policy import PUBLIC, ROUTE_ROLES
from fairscreen.entrypoints.api.ratelimit import AddressLimiter
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts
from fairscreen.services.accounts import register_tenant
from fairscreen.services.context import Actor
from fairscreen.services.scope import register_candidate
from integration.service_fixtures import OPERATOR, REQUESTED, World, make_world

OTHER_SUBJECT = {"name": "测试乙", "national_id": OTHER_ID, "birth_date": "1985-02-02"}
#: The world's signed-in identities and their roles (tenant A's, then tenant B's).
ROLE_OF: dict[str, ActorRole] = {
    "candidate": ActorRole.CANDIDATE,
    "employer": ActorRole.EMPLOYER,
    "agency": ActorRole.AGENCY,
    "regulator": ActorRole.REGULATOR,
    "operator": ActorRole.OPERATOR,
    "candidate_b": ActorRole.CANDIDATE,
    "employer_b": ActorRole.EMPLOYER,
    "agency_b": ActorRole.AGENCY,
}
#: Everyone a test can act as: ``anonymous`` (no token), then each of :data:`ROLE_OF`.
IDENTITIES = ("anonymous", *ROLE_OF)


def caller_for(method: str, path: str) -> str:
    """Someone the policy table lets call the route (tenant A's, when it is a tenant's)."""
    roles = ROUTE_ROLES[(method, path)]
    if roles is PUBLIC:
        return "anonymous"
    first = sorted(roles)[0]
    return next(who for who, role in ROLE_OF.items() if role is first)


@dataclass
class Api:
    world: World
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def h(self, who: str) -> dict[str, str]:
        """Headers for ``who``: employer, agency, regulator, operator, candidate (tenant
        A), employer_b, agency_b, candidate_b (tenant B); ``anonymous`` has none."""
        if who == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def sign_in(self, candidate_id: str) -> str:
        """The candidate's whole sign-in over the API: ask for a code, read it from the
        notifier (as the person would on their phone), exchange it for a token."""
        notifier = self.world.notifier
        before = len(notifier.sent)
        answer = self.client.post("/v1/auth/candidate/code", json={"candidate_id": candidate_id})
        assert answer.status_code == 202, answer.text
        session = answer.json()["code_session"]
        sent = [n for n in notifier.sent[before:] if n.kind == "sign_in"]
        assert len(sent) == 1
        code = sent[0].fields["code"]
        answer = self.client.post(
            "/v1/auth/candidate/token",
            json={"candidate_id": candidate_id, "code_session": session, "code": code},
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["token"])

    def later(self, **delta: float) -> None:
        """Move the clock on; candidates' short-lived tokens are renewed by signing in
        again, as a person coming back later would."""
        self.world.clock.advance(**delta)
        self.tokens["candidate"] = self.sign_in(self.ids["candidate"])
        self.tokens["candidate_b"] = self.sign_in(self.ids["candidate_b"])

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, path, headers=self.h(who), **kwargs)


def _account(world: World, role: str, tenant_id: str | None = None) -> str:
    _, issued = accounts.create_account(
        world.svc, OPERATOR, role=role, label=f"{role} desk", tenant_id=tenant_id
    )
    return issued.token


def many_sign_ins() -> AddressLimiter:
    """The tests sign in over and over from one address; the limit itself is tested apart
    (test_api_ratelimit.py)."""
    return AddressLimiter(limit=1_000_000)


def build_api(database_url: str, tmp_path: Path) -> Api:
    # The webhook tests' receivers listen on 127.0.0.1, as a developer's would.
    world = make_world(database_url, tmp_path, webhook_private_targets=True)
    client = TestClient(
        create_app(world.svc, web=False, sign_in_limiter=many_sign_ins()),
        raise_server_exceptions=False,
    )
    api = Api(world, client)
    svc = world.svc
    employer_b = register_tenant(svc, OPERATOR, kind="employer", name="另一家公司")
    agency_b = register_tenant(svc, OPERATOR, kind="agency", name="另一家背调机构")
    candidate_b = register_candidate(svc, Actor(ActorRole.EMPLOYER, employer_b), OTHER_SUBJECT)
    api.ids.update(
        employer=world.employer.id,
        agency=world.agency.id,
        candidate=world.candidate.id,
        employer_b=employer_b,
        agency_b=agency_b,
        candidate_b=candidate_b,
        profile=world.profile_id,
    )
    api.tokens.update(
        employer=_account(world, "employer", world.employer.id),
        agency=_account(world, "agency", world.agency.id),
        regulator=_account(world, "regulator"),
        operator=_account(world, "operator"),
        employer_b=_account(world, "employer", employer_b),
        agency_b=_account(world, "agency", agency_b),
    )
    api.tokens["candidate"] = api.sign_in(world.candidate.id)
    api.tokens["candidate_b"] = api.sign_in(candidate_b)
    return api


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    built = build_api(database_url, tmp_path)
    try:
        yield built
    finally:
        built.world.svc.engine.dispose()


def order_over_api(api: Api, requested: list[str] | None = None, *, agency: bool = True) -> str:
    """The employer orders a check of the candidate, through its agency or (``agency``
    false) running the check itself."""
    order: dict[str, Any] = {
        "subject_id": api.ids["candidate"],
        "profile_id": api.ids["profile"],
        "requested": requested or REQUESTED,
        # the tests' one candidate gets a case per scenario, knowingly
        "confirm_duplicate": True,
    }
    if agency:
        order["agency_id"] = api.ids["agency"]
    answer = api.call("employer", "POST", "/v1/cases", json=order)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def sign_over_api(api: Api, case_id: str, lang: str = "zh-Hans") -> None:
    from integration.service_fixtures import CLAIMS

    notice = api.call("candidate", "GET", f"/v1/cases/{case_id}/authorization?lang={lang}")
    assert notice.status_code == 200, notice.text
    body = notice.json()
    answer = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/authorization",
        json={
            "text_sha256": body["sha256"],
            "lang": lang,
            "categories": body["categories"],
            "claims": CLAIMS,
        },
    )
    assert answer.status_code == 201, answer.text


def released_case(api: Api, requested: list[str] | None = None) -> str:
    """A case ordered (``requested``, else the usual), signed, investigated and accepted
    (released) over the API."""
    case_id = order_over_api(api, requested)
    sign_over_api(api, case_id)
    assert api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    api.later(hours=1)
    answer = api.call("candidate", "POST", f"/v1/cases/{case_id}/acceptance", json={})
    assert answer.status_code == 204, answer.text
    return case_id


__all__ = ["Actor", "ActorRole", "Api", "build_api", "order_over_api", "released_case"]


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every hand-off to a worker thread (Starlette's and FastAPI's go through anyio)."""
    seen: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(function, "__name__", repr(function)))
        return await real(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return seen

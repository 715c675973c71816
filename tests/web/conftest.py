"""The web portals on a live service over a real database: the API tests' world
(``tests/api/conftest.py``: tenants A and B, a regulator, an operator, candidates signed
in with one-time codes), served with the portals mounted, and one browser-like client
per role whose session cookie holds that role's session (a staff portal session started
with the account's API token, or the candidate's token)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.conftest import ROLE_OF, Api, build_api, many_sign_ins
from fairscreen.entrypoints.api import create_app
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import accounts

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@dataclass
class Web:
    api: Api
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, who: str) -> TestClient:
        """A browser for ``who`` (its own cookie jar), signed in unless anonymous."""
        if who not in self.clients:
            client = TestClient(
                create_app(self.api.world.svc, sign_in_limiter=many_sign_ins()),
                raise_server_exceptions=True,
                follow_redirects=False,
            )
            if who != "anonymous":
                client.cookies.set("fs_session", self.session_token(who))
            client.get("/")  # the session id cookie
            self.clients[who] = client
        return self.clients[who]

    def session_token(self, who: str) -> str:
        """What the browser's cookie holds for ``who``: a candidate's token, or a staff
        portal session's own credential (never the account's API token)."""
        if ROLE_OF[who] is ActorRole.CANDIDATE:
            return self.api.tokens[who]
        _, session = accounts.start_portal_session(self.api.world.svc, self.api.tokens[who])
        return session.token

    def get(self, who: str, path: str, **kwargs: Any) -> Any:
        return self.client(who).get(path, **kwargs)

    def post(self, who: str, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """A form post with the session's CSRF token (read from the home page)."""
        client = self.client(who)
        token = csrf_of(client.get("/sign-in").text)
        return client.post(path, data={"csrf": token, **(data or {})}, **kwargs)

    def refresh_candidates(self) -> None:
        """After the clock moved on: every browser signs in again (candidates' tokens and
        portal sessions are short-lived)."""
        for who, client in self.clients.items():
            if who != "anonymous":
                client.cookies.set("fs_session", self.session_token(who))


def order_on_the_portal(web: Web, **subject: str) -> Any:
    """The employer orders an identity check on the portal, the invitation going to a
    mobile number; ``subject`` overrides the candidate's fields."""
    from integration.service_fixtures import SUBJECT

    return web.post(
        "employer",
        "/employer/cases",
        {
            "profile_id": web.api.ids["profile"],
            "requested": ["identity"],
            "agency_id": web.api.ids["agency"],
            "contact": "13900139000",
            **{**SUBJECT, **subject},
        },
    )


def case_in_review(web: Web) -> str:
    """A case ordered, signed and investigated: its candidate reviews the report (the
    yellow litigation finding LIT-3 among its findings)."""
    from api.conftest import order_over_api, sign_over_api

    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    assert web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    web.refresh_candidates()
    return case_id


def disputed_case(web: Web, statement: str = "不是我的案件") -> tuple[str, str]:
    """A case ordered, signed and investigated, whose candidate disputes LIT-3 (the
    yellow litigation finding); returns the case id and the dispute id."""
    from api.conftest import order_over_api, sign_over_api

    api = web.api
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    assert api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    answer = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": ["LIT-3"], "statement": statement},
    )
    assert answer.status_code == 201, answer.text
    return case_id, str(answer.json()["dispute_ids"][0])


def refused_every_outcome(web: Web, action: str, outcomes: tuple[str, ...]) -> None:
    """The employer of an agency's case POSTs each answer ``outcome`` to ``action`` (a
    dispute's or a supplement's): each is refused alike, 403 PERMISSION_DENIED (the
    agency answers), and nothing is read (no ``report.read`` logged, P5), though some
    outcomes read the records to build the corrected ones."""
    from integration.service_fixtures import reads_by_reason

    before = reads_by_reason(web.api.world)
    for outcome in outcomes:
        refused = web.post("employer", action, {"outcome": outcome, "answer": "无法核实"})
        assert refused.status_code == 403, outcome
        assert "<code>PERMISSION_DENIED</code>" in refused.text, outcome
        # and says why, in the employer's language
        assert "该案件的异议由受托核查机构答复。" in refused.text, outcome
    assert reads_by_reason(web.api.world) == before


def run_background_jobs(web: Web) -> None:
    """Run the jobs the requests enqueued, as ``serve``'s in-process runner does on SQLite
    and ``fairscreen worker --once`` on PostgreSQL (services/background.py)."""
    import asyncio

    from fairscreen.adapters.jobs import InProcessQueue
    from fairscreen.entrypoints.api.scheduler import run_jobs
    from fairscreen.entrypoints.worker import run_worker

    svc = web.api.world.svc
    if isinstance(svc.jobs, InProcessQueue):
        run_jobs(svc)
    else:
        asyncio.run(run_worker(svc, once=True, loops=()))


def build_web(database_url: str, tmp_path: Path) -> Web:
    return Web(build_api(database_url, tmp_path))


@contextmanager
def served_web(database_url: str, tmp_path: Path) -> Iterator[Web]:
    """The portals' world, its browsers closed and its engine disposed afterwards."""
    built = build_web(database_url, tmp_path)
    try:
        yield built
    finally:
        for client in built.clients.values():
            client.close()
        built.api.world.svc.engine.dispose()


@pytest.fixture
def web(sqlite_url: str, tmp_path: Path) -> Iterator[Web]:
    with served_web(sqlite_url, tmp_path) as built:
        yield built


@pytest.fixture
def web_any_db(database_url: str, tmp_path: Path) -> Iterator[Web]:
    with served_web(database_url, tmp_path) as built:
        yield built


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's); skips without one, outside CI."""
    from web.browser import launch, require_browser

    require_browser()
    yield from launch()


@pytest.fixture
def live(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Api, str]]:
    """The portals' world served by uvicorn on loopback, and its base URL."""
    from web.browser import LiveServer

    api = build_api(sqlite_url, tmp_path)
    try:
        with LiveServer(create_app(api.world.svc, sign_in_limiter=many_sign_ins())) as server:
            yield api, server.url
    finally:
        api.world.svc.engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real headless Chromium (skips without one, outside CI)"
    )

"""On PostgreSQL ``serve`` reads the bearer token's row on the event loop
(``adapters/db/loop_reads.py``): the policy check takes no trip to the thread pool, the
route's own is the request's only one, and every refusal is what it was."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.conftest import Api, many_sign_ins
from fairscreen.entrypoints.api import create_app


def _app(api: Api) -> TestClient:
    app = create_app(
        api.world.svc, web=False, sign_in_limiter=many_sign_ins(), token_reads_on_loop=True
    )
    return TestClient(app)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_token_is_read_on_the_loop_and_the_route_takes_the_only_trip(
    api: Api, trips: list[str]
) -> None:
    with _app(api) as client:
        assert client.app.state.loop_reader is not None  # type: ignore[attr-defined]
        trips.clear()
        answer = client.get("/v1/ledger/status", headers=api.h("operator"))
        assert answer.status_code == 200, answer.text
        assert len(trips) == 1, trips  # the route's; the check's read was awaited
        trips.clear()
        assert client.get("/v1/ledger/status", headers=api.h("employer")).status_code == 403
        assert trips == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_the_loop_a_bad_token_is_refused_before_the_body_is_validated(api: Api) -> None:
    unknown = {"Authorization": "Bearer fs_" + "0" * 40}
    with _app(api) as client:
        assert client.post("/v1/cases", json={"nonsense": 1}, headers=unknown).status_code == 401
        assert client.post("/v1/cases", json={"nonsense": 1}).status_code == 401
        refused = client.post("/v1/cases", json={"nonsense": 1}, headers=api.h("employer"))
        assert refused.status_code == 422  # a valid caller learns what is wrong
    assert client.app.state.loop_reader is None  # type: ignore[attr-defined]  # closed


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_the_token_is_read_in_the_thread_pool(api: Api, trips: list[str]) -> None:
    with _app(api) as client:
        assert getattr(client.app.state, "loop_reader", None) is None  # type: ignore[attr-defined]
        trips.clear()
        assert client.get("/v1/ledger/status", headers=api.h("operator")).status_code == 200
        checks = sum("function authenticate " in trip for trip in trips)  # not shown: a token
        assert (checks, len(trips)) == (1, 2)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_the_loop_a_token_signed_out_is_refused_at_the_next_request(api: Api) -> None:
    """The reader keeps its cursors, not their rows: the read after a sign-out sees it."""
    made = api.call("operator", "POST", "/v1/accounts", json={"role": "regulator", "label": "x"})
    assert made.status_code == 201, made.text
    mine = {"Authorization": f"Bearer {made.json()['token']['token']}"}
    with _app(api) as client:
        for _ in range(3):  # the same statement again and again on the kept cursors
            assert client.get("/v1/auth/me", headers=mine).status_code == 200
        assert client.delete("/v1/auth/token", headers=mine).status_code == 204
        after = client.get("/v1/auth/me", headers=mine)
        assert after.status_code == 401
        unknown = client.get("/v1/auth/me", headers={"Authorization": "Bearer fs_" + "0" * 40})
        assert after.json() == unknown.json()
        assert client.get("/v1/auth/me", headers=api.h("operator")).status_code == 200

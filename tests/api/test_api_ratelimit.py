"""Sign-in attempts per client address (entrypoints/api/ratelimit.py): the API's and the
portals' sign-in requests (candidates' codes, staff tokens) count together; beyond the
limit a 429 with Retry-After, and nothing reaches the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.ratelimit import AddressLimiter
from fairscreen.services import accounts
from integration.service_fixtures import make_world


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_sliding_window_per_address() -> None:
    clock = Clock()
    limiter = AddressLimiter(limit=3, window=60.0, clock=clock)
    assert [limiter.wait_for("198.51.100.7") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.wait_for("198.51.100.7") == pytest.approx(60.0)
    assert limiter.wait_for("203.0.113.9") == 0.0  # another address counts apart
    clock.now += 30
    assert limiter.wait_for("198.51.100.7") == pytest.approx(30.0)  # refused: not counted
    clock.now += 30.5
    assert limiter.wait_for("198.51.100.7") == 0.0  # the first three left the window
    with pytest.raises(ValueError):
        AddressLimiter(limit=0)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_eleventh_sign_in_request_in_a_minute_is_refused(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(database_url, tmp_path)
    calls: list[str] = []
    for name in ("request_sign_in_code", "exchange_sign_in_code", "authenticate"):
        real = getattr(accounts, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(accounts, name, spy)
    client = TestClient(create_app(world.svc), follow_redirects=False)  # the default limit
    candidate = world.candidate.id
    for _ in range(5):
        assert (
            client.post("/v1/auth/candidate/code", json={"candidate_id": candidate}).status_code
            == 202
        )
    for _ in range(5):  # the portal's sign-in counts with the API's
        page = client.get("/candidate/sign-in")
        token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        answer = client.post(
            "/candidate/sign-in/code", data={"csrf": token, "candidate_id": candidate}
        )
        assert answer.status_code == 200
    assert len(calls) == 10
    refused = client.post(
        "/v1/auth/candidate/token",
        json={"candidate_id": candidate, "code_session": "scs_" + "a" * 32, "code": "00000000"},
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    page = client.post(
        "/candidate/sign-in/code",
        data={"csrf": token, "candidate_id": candidate},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 429 and "尝试次数过多" in page.text
    # The staff portal's token sign-in is a sign-in too: no token is tried beyond the limit.
    page = client.get("/sign-in")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    staff = client.post(
        "/sign-in", data={"csrf": token, "token": "guess"}, headers={"Accept": "text/html"}
    )
    assert staff.status_code == 429 and "尝试次数过多" in staff.text
    assert len(calls) == 10  # nothing beyond the limit reached the service
    world.svc.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forwarded_for_counts_only_from_a_listed_proxy(database_url: str, tmp_path: Path) -> None:
    """Issue 12 item 11: a caller on loopback that sends its own ``X-Forwarded-For`` must
    not choose the address the limit counts; only a proxy the operator lists may."""
    world = make_world(database_url, tmp_path)
    body = {"candidate_id": world.candidate.id}

    def statuses(app: Any, forwarded: list[str]) -> list[int]:
        client = TestClient(app, client=("127.0.0.1", 40000))
        return [
            client.post(
                "/v1/auth/candidate/code", json=body, headers={"X-Forwarded-For": address}
            ).status_code
            for address in forwarded
        ]

    spoofed = [f"198.51.100.{i}" for i in range(4)]
    unlisted = create_app(world.svc, sign_in_limiter=AddressLimiter(limit=3))
    assert statuses(unlisted, spoofed) == [202, 202, 202, 429]  # one caller, one count
    listed = create_app(
        world.svc, sign_in_limiter=AddressLimiter(limit=3), trusted_proxies=["127.0.0.0/8"]
    )
    assert statuses(listed, spoofed) == [202] * 4  # the proxy's clients count apart
    assert statuses(listed, ["203.0.113.9"] * 4)[-1] == 429
    world.svc.engine.dispose()


def test_trusted_proxies_must_be_addresses() -> None:
    from fairscreen.config import Settings

    assert Settings().trusted_proxy_list == []
    assert Settings(trusted_proxies=" 10.0.0.5, 10.1.0.0/16").trusted_proxy_list == [
        "10.0.0.5",
        "10.1.0.0/16",
    ]
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies="proxy.example")

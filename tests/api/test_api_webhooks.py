"""Signed webhooks against a real receiver on 127.0.0.1: signature, retry with backoff,
bounded attempts, only the employer's own cases, no personal data in a body."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from api.conftest import OTHER_SUBJECT, Api, order_over_api, sign_over_api
from factories import SUBJECT
from fairscreen.adapters.outbound import PublicOnlyTransport
from fairscreen.services import webhooks
from local_http import serve_locally


@dataclass
class Receiver:
    url: str
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    #: statuses to answer, in order, per path; then 200
    script: dict[str, list[int]] = field(default_factory=dict)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            state.received.append(
                (self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            planned = state.script.get(self.path, [])
            self.send_response(planned.pop(0) if planned else 200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serve_locally(Handler) as base:
        state.url = base
        yield state


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_signed_delivery_retry_and_backoff(api: Api, receiver: Receiver) -> None:
    svc, clock = api.world.svc, api.world.clock
    created = api.call("employer", "POST", "/v1/webhooks", json={"url": receiver.url + "/hook"})
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert api.call("employer", "GET", "/v1/webhooks").json()["items"][0]["url"].endswith("/hook")
    assert secret not in api.call("employer", "GET", "/v1/webhooks").text

    # Tenant B's case must not reach tenant A's receiver.
    b_profile = api.call(
        "employer_b", "POST", "/v1/profiles/builtin", json={"profile": "general-staff"}
    ).json()["id"]
    api.call(
        "employer_b",
        "POST",
        "/v1/cases",
        json={
            "subject_id": api.ids["candidate_b"],
            "profile_id": b_profile,
            "requested": ["identity"],
        },
    )

    case_id = order_over_api(api)
    sign_over_api(api, case_id)  # authorization.signed, scope.set
    receiver.script["/hook"] = [500]
    assert webhooks.collect_events(svc) == 2
    assert webhooks.collect_events(svc) == 0  # the cursor moved: nothing twice
    with httpx.Client() as client:
        first = webhooks.deliver_due(svc, client)
        assert (first.delivered, first.retried, first.failed) == (1, 1, 0)
        clock.advance(seconds=20)  # before the backoff (30 s): nothing is due
        assert webhooks.deliver_due(svc, client) == webhooks.DeliveryReport()
        clock.advance(seconds=15)
        assert webhooks.deliver_due(svc, client).delivered == 1

    assert len(receiver.received) == 3
    events = []
    for _, headers, body in receiver.received:
        assert webhooks.verify(secret, headers, body, now=clock())
        assert not webhooks.verify(secret, headers, body + b" ", now=clock())
        assert not webhooks.verify(secret, headers, body, now=clock() + timedelta(hours=1))
        assert not webhooks.verify("whsec_" + "A" * 44, headers, body, now=clock())
        payload = json.loads(body)
        assert headers["webhook-id"] == payload["id"]
        assert set(payload) == {
            "id",
            "type",
            "event",
            "case_id",
            "case_pseudonym",
            "case_state",
            "ledger_index",
            "occurred_at",
        }
        assert payload["case_id"] == case_id
        for personal in (*SUBJECT.values(), *OTHER_SUBJECT.values()):
            assert personal not in body.decode()
        events.append(payload["event"])
    assert sorted(set(events)) == ["authorization.signed", "scope.set"]
    # The retried message is the same message (same id), so a receiver can de-duplicate.
    ids = [h["webhook-id"] for _, h, _ in receiver.received]
    assert len(set(ids)) == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retries_are_bounded(api: Api, receiver: Receiver) -> None:
    svc, clock = api.world.svc, api.world.clock
    api.call("employer", "POST", "/v1/webhooks", json={"url": receiver.url + "/down"})
    receiver.script["/down"] = [503] * 100
    case_id = order_over_api(api)
    api.call("candidate", "POST", f"/v1/cases/{case_id}/authorization/revocation")  # destroyed
    queued = webhooks.collect_events(svc)
    assert queued >= 1
    with httpx.Client() as client:
        reports = []
        for attempt in range(1, webhooks.MAX_ATTEMPTS + 2):
            reports.append(webhooks.deliver_due(svc, client))
            clock.advance(seconds=webhooks.backoff(attempt).total_seconds())
    assert sum(r.failed for r in reports) == queued
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS * queued
    assert webhooks.backoff(1) == timedelta(seconds=30)
    assert webhooks.backoff(20) == webhooks.MAX_DELAY


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_endpoint_gets_only_later_events_and_can_be_removed(
    api: Api, receiver: Receiver
) -> None:
    svc = api.world.svc
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    created = api.call("employer", "POST", "/v1/webhooks", json={"url": receiver.url + "/late"})
    assert webhooks.collect_events(svc) == 0
    endpoint_id = created.json()["endpoint_id"]
    assert api.call("employer_b", "DELETE", f"/v1/webhooks/{endpoint_id}").status_code == 404
    assert api.call("employer", "DELETE", f"/v1/webhooks/{endpoint_id}").status_code == 204
    assert api.call("employer", "DELETE", f"/v1/webhooks/{endpoint_id}").status_code == 404
    for bad in ("ftp://x.test/", "http://user:pw@x.test/", "not a url"):
        answer = api.call("employer", "POST", "/v1/webhooks", json={"url": bad})
        assert answer.status_code == 422 and answer.json()["field"] == "url", bad


# --- receivers must be public (server-side request forgery) ----------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5432/",
        "http://localhost/hook",
        "http://api.localhost/hook",
        "http://10.0.0.7/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fd00::1]/hook",
    ],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_private_receiver_is_refused_and_nothing_is_stored(api: Api, url: str) -> None:
    api.world.svc.config = replace(api.world.svc.config, webhook_private_targets=False)
    answer = api.call("employer", "POST", "/v1/webhooks", json={"url": url})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == "url" and "public address" in problem["detail"]
    assert api.call("employer", "GET", "/v1/webhooks").json()["items"] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_public_receiver_is_accepted(api: Api) -> None:
    api.world.svc.config = replace(api.world.svc.config, webhook_private_targets=False)
    answer = api.call(
        "employer", "POST", "/v1/webhooks", json={"url": "https://hooks.example.com/x"}
    )
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_name_that_resolves_inside_is_never_sent_to(api: Api, receiver: Receiver) -> None:
    """A public-looking name registered, then resolving to loopback (DNS rebinding): the
    delivery client resolves, refuses, and the receiver on 127.0.0.1 hears nothing."""
    svc = api.world.svc
    port = httpx.URL(receiver.url).port
    api.call("employer", "POST", "/v1/webhooks", json={"url": f"http://hooks.example.com:{port}/"})
    sign_over_api(api, order_over_api(api))
    assert webhooks.collect_events(svc) == 2
    inside = PublicOnlyTransport(httpx.HTTPTransport(), resolver=lambda _h, _p: ["127.0.0.1"])
    with httpx.Client(transport=inside, follow_redirects=False) as client:
        report = webhooks.deliver_due(svc, client)
    assert (report.delivered, report.retried) == (0, 2)
    assert receiver.received == []

"""Signed webhooks against a real receiver on 127.0.0.1: signature, retry with backoff,
bounded attempts, only the employer's own cases, no personal data in a body."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.conftest import OTHER_SUBJECT, Api, many_sign_ins, order_over_api, sign_over_api
from factories import SUBJECT
from fairscreen.adapters.db import account_tables as a
from fairscreen.adapters.outbound import AsyncPublicOnlyTransport
from fairscreen.entrypoints.api import create_app
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
    first = webhooks.deliver_due(svc, httpx.AsyncClient)
    assert (first.delivered, first.retried, first.failed) == (1, 1, 0)
    clock.advance(seconds=20)  # before the backoff (30 s): nothing is due
    assert webhooks.deliver_due(svc, httpx.AsyncClient) == webhooks.DeliveryReport()
    clock.advance(seconds=15)
    assert webhooks.deliver_due(svc, httpx.AsyncClient).delivered == 1

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
    reports = []
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 2):
        reports.append(webhooks.deliver_due(svc, httpx.AsyncClient))
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


def _refused_at_registration(api: Api, url: str) -> dict[str, str]:
    """Register ``url`` as the employer, with private receivers refused: a 422 naming the
    field, not the URL; returns the problem."""
    api.world.svc.config = replace(api.world.svc.config, webhook_private_targets=False)
    answer = api.call("employer", "POST", "/v1/webhooks", json={"url": url})
    assert answer.status_code == 422, answer.text
    problem: dict[str, str] = answer.json()
    assert problem["field"] == "url"
    assert url not in answer.text  # the detail names the rule, not the input
    return problem


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
    problem = _refused_at_registration(api, url)
    assert "public address" in problem["detail"]
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

    def inside() -> httpx.AsyncClient:
        transport = AsyncPublicOnlyTransport(
            httpx.AsyncHTTPTransport(), resolver=lambda _h, _p: ["127.0.0.1"]
        )
        return httpx.AsyncClient(transport=transport, follow_redirects=False)

    report = webhooks.deliver_due(svc, inside)
    assert (report.delivered, report.retried) == (0, 2)
    assert receiver.received == []


# --- one receiver never holds back another (issue 12 item 5) ----------------------------------


@dataclass
class HostileReceiver:
    url: str
    #: bytes of the huge answer written before the client went away
    written: list[int] = field(default_factory=list)
    #: set when the test ends: a stalling answer stops waiting
    done: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def hostile() -> Iterator[HostileReceiver]:
    state = HostileReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            if self.path == "/drip":  # the status line, a byte at a time
                for byte in b"HTTP/1.1 200 OK\r\n":
                    if state.done.wait(0.6):
                        return
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            elif self.path == "/huge":  # a 2xx with an answer far too big to hold
                self.send_response(200)
                self.send_header("content-length", str(400 * 1024 * 1024))
                self.end_headers()
                chunk, written = b"x" * 65536, 0
                try:
                    while written < 400 * 1024 * 1024:
                        self.wfile.write(chunk)
                        written += len(chunk)
                except OSError:
                    pass
                state.written.append(written)
            elif self.path == "/stall":
                state.stalled.set()
                state.done.wait(30)

        def log_message(self, *args: object) -> None:
            pass

    with serve_locally(Handler) as base:
        state.url = base
        try:
            yield state
        finally:
            state.done.set()


def _employer_b_endpoint(api: Api, url: str) -> None:
    """A receiver of employer B stored as it was before registration checked more."""
    with api.world.svc.engine.begin() as connection:
        connection.execute(
            sa.insert(a.webhook_endpoints).values(
                id="whk_stored_before",
                employer_id=api.ids["employer_b"],
                url=url,
                from_index=0,
                created_at=api.world.clock(),
            )
        )


def _order_for_b(api: Api) -> None:
    profile = api.call(
        "employer_b", "POST", "/v1/profiles/builtin", json={"profile": "general-staff"}
    ).json()["id"]
    ordered = api.call(
        "employer_b",
        "POST",
        "/v1/cases",
        json={
            "subject_id": api.ids["candidate_b"],
            "profile_id": profile,
            "requested": ["identity"],
        },
    )
    assert ordered.status_code == 201, ordered.text
    case_id = ordered.json()["id"]
    signed = api.call(
        "candidate_b", "POST", f"/v1/cases/{case_id}/authorization/revocation"
    )  # a state change of B's case, into the ledger
    assert signed.status_code in (200, 204), signed.text


@pytest.mark.parametrize("bad_url", ["http://①②⑦.0.0.1/x", "http://[::1/x", "http://x.test:99999/"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_receiver_that_cannot_be_parsed_fails_alone(
    api: Api, receiver: Receiver, bad_url: str
) -> None:
    svc = api.world.svc
    _employer_b_endpoint(api, bad_url)
    api.call("employer", "POST", "/v1/webhooks", json={"url": receiver.url + "/a"})
    _order_for_b(api)
    sign_over_api(api, order_over_api(api))
    assert webhooks.collect_events(svc) >= 3
    report = webhooks.deliver_due(svc, httpx.AsyncClient)
    assert report.delivered == 2 and report.retried >= 1  # A's arrive; B's wait to retry
    assert {path for path, _, _ in receiver.received} == {"/a"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_dripping_receiver_meets_its_deadline_and_holds_back_nobody(
    api: Api, receiver: Receiver, hostile: HostileReceiver
) -> None:
    svc = api.world.svc
    _employer_b_endpoint(api, hostile.url + "/drip")
    api.call("employer", "POST", "/v1/webhooks", json={"url": receiver.url + "/a"})
    _order_for_b(api)
    sign_over_api(api, order_over_api(api))
    webhooks.collect_events(svc)
    started = time.monotonic()
    report = webhooks.deliver_due(svc, httpx.AsyncClient, deadline=3.0)
    took = time.monotonic() - started
    assert report.delivered == 2 and report.retried >= 1
    assert took < 8.0, took  # the drip alone would take 17 bytes x 0.6 s = 10 s


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_huge_answer_is_never_read(api: Api, hostile: HostileReceiver) -> None:
    svc = api.world.svc
    api.call("employer", "POST", "/v1/webhooks", json={"url": hostile.url + "/huge"})
    sign_over_api(api, order_over_api(api))
    queued = webhooks.collect_events(svc)
    report = webhooks.deliver_due(svc, httpx.AsyncClient)
    assert report.delivered == queued  # a 2xx is a delivery, whatever follows it
    hostile.done.set()
    deadline = time.monotonic() + 10
    while len(hostile.written) < queued and time.monotonic() < deadline:
        time.sleep(0.05)
    # The client went away after the headers: the receiver could push only what the
    # sockets' buffers hold, nowhere near its 400 MB.
    assert hostile.written and max(hostile.written) < 64 * 1024 * 1024


@pytest.mark.parametrize(
    "url",
    [
        "http://①②⑦.0.0.1/x",  # IDNA maps it to 127.0.0.1
        "http://127.1/hook",  # resolvers read it as 127.0.0.1
        "http://bücher.example/hook",  # an international name: its xn-- form, please
        "http://x.test:99999/hook",
        "http://under_score.test/hook",
    ],
)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_registration_refuses_a_host_the_client_would_read_otherwise(api: Api, url: str) -> None:
    _refused_at_registration(api, url)
    assert api.call("employer", "GET", "/v1/webhooks").json()["items"] == []
    punycode = api.call(
        "employer", "POST", "/v1/webhooks", json={"url": "https://xn--bcher-kva.example/h"}
    )
    assert punycode.status_code == 201


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_stalled_delivery_delays_no_release(api: Api, hostile: HostileReceiver) -> None:
    """The scheduler's deliveries run apart from its releases, purges and checkpoints."""
    api.call("employer", "POST", "/v1/webhooks", json={"url": hostile.url + "/stall"})
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    app = create_app(
        api.world.svc, scheduler_interval=0.05, web=False, sign_in_limiter=many_sign_ins()
    )
    headers = {"Authorization": f"Bearer {api.tokens['employer']}"}
    with TestClient(app) as client:
        assert hostile.stalled.wait(10)  # a delivery is now stuck on the receiver
        api.world.clock.advance(days=30)  # and the review window ends
        deadline = time.monotonic() + 3
        state = ""
        while time.monotonic() < deadline:
            state = client.get(f"/v1/cases/{case_id}", headers=headers).json()["state"]
            if state == "released":
                break
            time.sleep(0.05)
        assert state == "released"
        hostile.done.set()

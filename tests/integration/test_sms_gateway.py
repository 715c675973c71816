"""SMS in production (issue 13 item 2): the HTTP gateway adapter against a real HTTP
server the test starts on the loopback, the settings that choose it, the candidate's
invitation going through it, a service with SMS turned off, and ``serve`` refusing to
start in production with SMS sign-in on and no gateway."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from service_fixtures import World, make_world, order_invited

from fairscreen.adapters.messages import DevOutbox, Messenger, development_messenger
from fairscreen.adapters.sms_gateway import HttpSmsGateway, SmsGatewaySettings, SmsTurnedOff
from fairscreen.adapters.sources.http import RetryPolicy
from fairscreen.bootstrap import settings_messenger
from fairscreen.config import Settings
from fairscreen.domain.errors import InvalidInput, MessageNotSent

NUMBER = "13800138000"
CODE_TEXT = "您的验证码是 48151623，10 分钟内有效。"
KEY = "sk_test_gateway_key_9f8e7d"


@dataclass
class Gateway:
    """A scripted SMS gateway: answers ``script``'s (status, delay) in turn (the last one
    again when they run out) and keeps every request it got."""

    url: str
    script: list[tuple[int, float]] = field(default_factory=lambda: [(200, 0.0)])
    received: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            state.received.append({"path": self.path, "headers": dict(self.headers), "json": body})
            turn = len(state.received) - 1
            status, delay = state.script[min(turn, len(state.script) - 1)]
            time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(b'{"id": "msg-1"}')
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                pass

        def log_message(self, *args: object) -> None:  # the number is in no test log
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _client(gateway: Gateway, *, timeout: float = 2.0) -> tuple[HttpSmsGateway, list[float]]:
    waits: list[float] = []
    settings = SmsGatewaySettings(
        url=gateway.url,
        api_key=KEY,
        sender="fairscreen",
        timeout=timeout,
        retry=RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05),
    )
    return HttpSmsGateway(settings, sleep=waits.append), waits


def _no_secret_in(text: str) -> None:
    for secret in (NUMBER, "48151623", KEY):
        assert secret not in text


def test_a_message_is_posted_as_json_with_the_key(gateway: Gateway) -> None:
    client, waits = _client(gateway)
    client.send_sms(NUMBER, CODE_TEXT, kind="sign_in_code")
    [request] = gateway.received
    assert request["path"] == "/v1/messages"
    assert request["json"] == {
        "to": NUMBER,
        "text": CODE_TEXT,
        "kind": "sign_in_code",
        "sender": "fairscreen",
    }
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert len(request["headers"]["Idempotency-Key"]) == 32
    assert waits == []
    _no_secret_in(repr(client) + repr(client._settings))


def test_a_busy_gateway_is_tried_again_with_the_same_idempotency_key(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.script = [(503, 0.0), (429, 0.0), (201, 0.0)]
    client, waits = _client(gateway)
    with caplog.at_level(logging.DEBUG):
        client.send_sms(NUMBER, CODE_TEXT, kind="sign_in_code")
    assert len(gateway.received) == 3 and len(waits) == 2
    keys = {r["headers"]["Idempotency-Key"] for r in gateway.received}
    assert len(keys) == 1  # one message, whatever the retries: the gateway sends it once
    assert "HTTP 503" in caplog.text and "HTTP 429" in caplog.text
    _no_secret_in(caplog.text)


def test_a_failing_gateway_is_a_clear_error_after_three_attempts(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.script = [(500, 0.0)]
    client, _ = _client(gateway)
    with caplog.at_level(logging.DEBUG), pytest.raises(MessageNotSent) as failed:
        client.send_sms(NUMBER, CODE_TEXT, kind="invitation")
    assert len(gateway.received) == 3
    assert str(failed.value) == (
        "the SMS gateway did not take the invitation message: HTTP 500, after 3 attempts"
    )
    _no_secret_in(str(failed.value) + caplog.text)


def test_a_refusal_is_final_and_not_retried(gateway: Gateway) -> None:
    gateway.script = [(401, 0.0)]
    client, waits = _client(gateway)
    with pytest.raises(MessageNotSent) as failed:
        client.send_sms(NUMBER, CODE_TEXT, kind="sign_in_code")
    assert len(gateway.received) == 1 and waits == []
    assert str(failed.value).endswith(": HTTP 401")


def test_a_gateway_that_does_not_answer_in_time_is_tried_again_then_reported(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.script = [(200, 0.6)]
    client, waits = _client(gateway, timeout=0.2)
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG), pytest.raises(MessageNotSent) as failed:
        client.send_sms(NUMBER, CODE_TEXT, kind="sign_in_code")
    assert time.monotonic() - started < 2.5  # three bounded attempts, not a hang
    assert "no answer within 0.2 s, after 3 attempts" in str(failed.value)
    assert len(waits) == 2
    _no_secret_in(str(failed.value) + caplog.text)


def test_an_unreachable_gateway_is_reported() -> None:
    client, _ = _client(Gateway(url="http://127.0.0.1:9/v1/messages"))
    with pytest.raises(MessageNotSent, match="could not connect"):
        client.send_sms(NUMBER, CODE_TEXT, kind="sign_in_code")


# --- settings ---------------------------------------------------------------------------


def test_the_settings_choose_the_gateway_with_its_key_from_a_file(
    gateway: Gateway, tmp_path: Path
) -> None:
    key_file = tmp_path / "sms.key"
    key_file.write_text(KEY + "\n")
    settings = Settings(sms_gateway_url=gateway.url, sms_api_key_file=key_file)
    messenger = settings_messenger(settings)
    assert isinstance(messenger.sms, HttpSmsGateway)
    messenger.send("sms", NUMBER, kind="sign_in_code", subject="", body=CODE_TEXT)
    assert gateway.received[0]["headers"]["Authorization"] == f"Bearer {KEY}"
    _no_secret_in(repr(settings))

    key_file.write_text("")
    with pytest.raises(InvalidInput, match="key file is empty"):
        settings_messenger(settings)
    with pytest.raises(ValidationError, match="sms_api_key"):
        Settings(sms_gateway_url=gateway.url)  # a gateway needs its key
    with pytest.raises(ValidationError, match="not both"):
        Settings(sms_gateway_url=gateway.url, sms_api_key=KEY, sms_api_key_file=key_file)
    with pytest.raises(ValidationError, match="sms_gateway_url"):
        Settings(sms_gateway_url="ftp://gateway.example", sms_api_key=KEY)
    assert isinstance(settings_messenger(Settings()).sms, DevOutbox)  # development
    assert isinstance(settings_messenger(Settings(sms_sign_in=False)).sms, SmsTurnedOff)


def test_production_refuses_sms_sign_in_without_a_gateway_and_plain_http() -> None:
    production = {
        "environment": "production",
        "database_url": "postgresql+psycopg://fs@db.example/fairscreen",
        "key_store_url": "postgresql+psycopg://fs@db.example/keys",
        "key_provider": "env",
    }
    refusal = Settings(**production).sms_refusal()  # type: ignore[arg-type]
    assert refusal is not None and "FAIRSCREEN_SMS_GATEWAY_URL" in refusal
    assert Settings(**production, sms_sign_in=False).sms_refusal() is None  # type: ignore[arg-type]
    with_gateway = Settings(  # type: ignore[arg-type]
        **production, sms_gateway_url="https://sms.example/v1", sms_api_key=KEY
    )
    assert with_gateway.sms_refusal() is None
    with pytest.raises(ValidationError, match="https"):
        Settings(**production, sms_gateway_url="http://sms.example/v1", sms_api_key=KEY)  # type: ignore[arg-type]
    assert Settings().sms_refusal() is None  # development: the demo's outbox is fine


def test_serve_in_production_will_not_start_without_an_sms_gateway(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "FAIRSCREEN_ENVIRONMENT": "production",
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "FAIRSCREEN_KEY_STORE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/keys",
        "FAIRSCREEN_KEY_PROVIDER": "env",
    }
    done = subprocess.run(
        [sys.executable, "-m", "fairscreen", "serve", "--port", "18995"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: sms_gateway_url: SMS sign-in is on")
    assert "FAIRSCREEN_SMS_GATEWAY_URL" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "var").exists()  # refused before anything was made


# --- through the service ------------------------------------------------------------------

PERSON = {"name": "测试丙", "national_id": "99999919930303003X", "birth_date": "1993-03-03"}


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def _order(world: World, contact: str) -> tuple[str, str]:
    return order_invited(world, PERSON, contact)


def test_the_candidates_invitation_goes_through_the_gateway(world: World, gateway: Gateway) -> None:
    outbox = development_messenger()
    client, _ = _client(gateway)
    world.svc.messenger = Messenger(sms=client, mail=outbox.mail, outbox=outbox.outbox)
    _, case_id = _order(world, "138 0013 8000")
    [request] = gateway.received
    assert request["json"]["to"] == "+86" + NUMBER  # E.164, as domain.contact keeps it
    assert request["json"]["kind"] == "invitation"
    assert "/candidate/invitation/" in request["json"]["text"]
    assert outbox.outbox is not None and outbox.outbox.messages == []  # nothing left behind
    assert case_id.startswith("case_")


def test_with_sms_off_an_order_by_mobile_is_refused_and_nothing_is_written(world: World) -> None:
    import dataclasses

    from fairscreen.services.case_queries import list_cases

    world.svc.config = dataclasses.replace(world.svc.config, sms_sign_in=False)
    world.svc.messenger = Messenger(sms=SmsTurnedOff(), mail=development_messenger().mail)
    before = list_cases(world.svc, world.employer)
    with pytest.raises(InvalidInput) as refused:
        _order(world, "138 0013 8000")
    assert refused.value.key == "input.no_text_messages" and refused.value.field == "contact"
    assert list_cases(world.svc, world.employer) == before
    _, case_id = _order(world, "candidate@example.test")  # e-mail still works
    assert case_id.startswith("case_")
    with pytest.raises(MessageNotSent, match="FAIRSCREEN_SMS_SIGN_IN"):
        world.svc.messenger.send("sms", NUMBER, kind="sign_in_code", subject="", body=CODE_TEXT)

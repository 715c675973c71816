"""Outbound requests to tenant-chosen URLs (adapters/outbound.py): public addresses only,
and the connection goes to the address that was checked."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from fairscreen.adapters.outbound import (
    BlockedDestination,
    PublicOnlyTransport,
    is_public,
    non_public_reason,
    tenant_client,
)
from fairscreen.config import Settings
from local_http import serve_locally


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT (shared)
        ("0.0.0.0", False),
        ("224.0.0.1", False),  # multicast
        ("240.0.0.1", False),  # reserved
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd12:3456::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:93.184.215.14", True),
        # IPv6 forms that carry a private or loopback IPv4 address (issue 12 item 10)
        ("64:ff9b::a00:5", False),  # NAT64 well-known prefix → 10.0.0.5
        ("64:ff9b::7f00:1", False),  # → 127.0.0.1
        ("64:ff9b::5db8:d70e", True),  # → 93.184.215.14
        ("64:ff9b:1::5db8:d70e", False),  # local-use NAT64: never public
        ("::127.0.0.1", False),  # IPv4-compatible
        ("::a9fe:a9fe", False),  # IPv4-compatible → 169.254.169.254
        ("::ffff:0:a00:5", False),  # IPv4-translated → 10.0.0.5
        ("::ffff:0:7f00:1", False),
        ("2002:7f00:1::", False),  # 6to4 → 127.0.0.1
        ("2002:c0a8:1::1", False),  # 6to4 → 192.168.0.1
        ("2002:5db8:d70e::1", True),  # 6to4 of a public address
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("hooks.example.com", False),  # a name: resolved and checked at delivery
        ("93.184.215.14", False),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("hooks.localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("64:ff9b::a00:5", True),
        ("::127.0.0.1", True),
        ("2002:7f00:1::", True),
        ("::ffff:0:a00:5", True),
    ],
)
def test_registration_refuses_what_is_private_as_written(host: str, refused: bool) -> None:
    assert (non_public_reason(host) is not None) is refused


def _recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    return seen, httpx.MockTransport(answer)


def test_the_request_goes_to_the_checked_address_under_its_name() -> None:
    seen, inner = _recording()
    transport = PublicOnlyTransport(inner, resolver=lambda _h, _p: ["93.184.215.14"])
    with httpx.Client(transport=transport) as client:
        assert client.post("https://hooks.example.com/h?x=1", content=b"{}").status_code == 204
    (sent,) = seen
    assert sent.url.host == "93.184.215.14" and sent.url.path == "/h" and sent.url.query == b"x=1"
    assert sent.headers["host"] == "hooks.example.com"
    assert sent.extensions["sni_hostname"] == "hooks.example.com"  # TLS checks the name


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["93.184.215.14", "10.0.0.1"],
        ["::1"],
        [],
        ["64:ff9b::a00:5"],
        ["::127.0.0.1"],
        ["2002:7f00:1::"],
        ["::ffff:0:a00:5"],
    ],
    ids=[
        "loopback",
        "one-of-several-private",
        "ipv6-loopback",
        "nothing",
        "aaaa-nat64-private",
        "aaaa-ipv4-compatible-loopback",
        "aaaa-6to4-loopback",
        "aaaa-ipv4-translated-private",
    ],
)
def test_a_name_resolving_inside_is_never_sent(answers: list[str]) -> None:
    seen, inner = _recording()
    transport = PublicOnlyTransport(inner, resolver=lambda _h, _p: answers)
    with httpx.Client(transport=transport) as client, pytest.raises(BlockedDestination):
        client.post("http://hooks.example.com/", content=b"{}")
    assert seen == []


def test_a_name_that_does_not_resolve_is_a_connection_error() -> None:
    def fail(_h: str, _p: int) -> list[str]:
        raise socket.gaierror("no such name")

    seen, inner = _recording()
    transport = PublicOnlyTransport(inner, resolver=fail)
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.post("http://hooks.invalid/", content=b"{}")
    assert seen == []


@pytest.fixture
def local_receiver() -> Iterator[tuple[str, list[bytes]]]:
    got: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serve_locally(Handler) as base:
        yield f"{base}/", got


def test_the_tenant_client_reaches_loopback_only_when_allowed(
    local_receiver: tuple[str, list[bytes]],
) -> None:
    url, got = local_receiver
    with tenant_client() as client, pytest.raises(BlockedDestination):
        client.post(url, content=b"1")
    assert got == []
    with tenant_client(allow_private=True) as client:
        assert client.post(url, content=b"2").status_code == 204
    assert got == [b"2"]


def test_production_refuses_private_webhook_targets() -> None:
    with pytest.raises(ValueError, match="webhook_private_targets"):
        Settings(
            environment="production",
            database_url="postgresql+psycopg://db/fairscreen",
            key_provider="env",
            webhook_private_targets=True,
        )


def test_production_needs_a_key_store_apart_on_postgresql() -> None:
    base = {
        "environment": "production",
        "database_url": "postgresql+psycopg://db/fairscreen",
        "key_provider": "env",
    }
    with pytest.raises(ValueError, match="key_store_url"):
        Settings(**base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="key_store_url"):
        Settings(**base, key_store_url="sqlite:///var/keystore.db")  # type: ignore[arg-type]
    kept = Settings(**base, key_store_url="postgresql+psycopg://keys/fairscreen")  # type: ignore[arg-type]
    assert kept.key_store_database == "postgresql+psycopg://keys/fairscreen"

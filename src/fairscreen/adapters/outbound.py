"""Outbound HTTP to an address a tenant chose (webhook receivers): public addresses only.

An employer names the URL its webhooks go to. Unchecked, the service would POST from
inside our network to whatever that names: the database port on loopback, a cloud
metadata service on 169.254.169.254, a host on the private network (server-side request
forgery, OWASP API7:2023). So:

- at registration, :func:`non_public_reason` refuses a host that is an IP literal outside
  the public internet, or a name under ``localhost`` (RFC 6761);
- at delivery, :class:`PublicOnlyTransport` resolves the name, refuses the request unless
  every address it resolves to is public, and connects to the address it checked (the
  ``Host`` header and the TLS server name stay the name, so certificates are still
  verified against it): a DNS answer that changes between the check and the connection
  (rebinding) cannot send the request elsewhere.

Development and tests may allow private receivers (``Settings.webhook_private_targets``,
refused in production).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence

import httpx

Resolver = Callable[[str, int], Sequence[str]]


class BlockedDestination(httpx.ConnectError):
    """The receiver's address is not on the public internet; nothing was sent."""


def is_public(address: str) -> bool:
    """True for a unicast address on the public internet (not loopback, private, shared,
    link-local, reserved, multicast or unspecified); IPv4-mapped IPv6 counts as IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id names a link
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def non_public_reason(host: str) -> str | None:
    """Why ``host`` (a URL's host, without brackets) is refused as it stands, or None when
    it may be public (a name that resolves is checked again at delivery)."""
    name = host.rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return "must be a public address, not localhost"
    if _is_literal(name) and not is_public(name):
        return "must be a public address, not loopback, private, link-local or reserved"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PublicOnlyTransport(httpx.BaseTransport):
    """Sends a request only to a public address, and to the very address it checked."""

    def __init__(self, inner: httpx.BaseTransport, resolver: Resolver = resolve) -> None:
        self._inner = inner
        self._resolve = resolver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        if non_public_reason(host) is not None:
            raise BlockedDestination("the receiver's address is not public", request=request)
        try:
            addresses = [host] if _is_literal(host) else list(self._resolve(host, port))
        except OSError as exc:
            raise httpx.ConnectError(
                "the receiver's name does not resolve", request=request
            ) from exc
        if not addresses or not all(is_public(a) for a in addresses):
            raise BlockedDestination("the receiver's address is not public", request=request)
        if not _is_literal(host):
            # Connect to the checked address; Host header and TLS name stay the name.
            request.url = request.url.copy_with(host=addresses[0])
            if request.url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def operator_client(*, timeout: float) -> httpx.Client:
    """The client for URLs the operator configured (the log's witnesses): any address,
    loopback included (a witness may run beside the log), no redirects, and every
    request bounded by ``timeout`` seconds so a witness that hangs cannot stall a
    publication."""
    return httpx.Client(follow_redirects=False, timeout=httpx.Timeout(timeout))


def tenant_client(*, allow_private: bool = False) -> httpx.Client:
    """The client for requests to tenant-chosen URLs: no redirects followed (a public
    receiver could redirect to a private one), public addresses only unless
    ``allow_private`` (development and tests)."""
    transport: httpx.BaseTransport = httpx.HTTPTransport()
    if not allow_private:
        transport = PublicOnlyTransport(transport)
    return httpx.Client(transport=transport, follow_redirects=False)

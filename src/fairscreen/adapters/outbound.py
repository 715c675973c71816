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

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Sequence

import httpx

Resolver = Callable[[str, int], Sequence[str]]


class BlockedDestination(httpx.ConnectError):
    """The receiver's address is not on the public internet; nothing was sent."""


#: IPv6 prefixes that carry an IPv4 address in their last 32 bits: IPv4-compatible
#: (RFC 4291 §2.5.5.1), IPv4-translated (RFC 2765 §2.1), and the NAT64 well-known prefix
#: (RFC 6052 §2.1). A gateway turns them into the IPv4 address they carry.
_LOW_32_BITS_IPV4 = tuple(
    ipaddress.IPv6Network(prefix) for prefix in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)
#: Local-use NAT64 (RFC 8215): the IPv4 address may sit anywhere in it; never public.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to through a translator or tunnel:
    IPv4-mapped and -compatible, IPv4-translated, NAT64, 6to4 (RFC 3056) and Teredo
    (RFC 4380: its server and its client)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if any(ip in prefix for prefix in _LOW_32_BITS_IPV4):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def is_public(address: str) -> bool:
    """True for a unicast address on the public internet (not loopback, private, shared,
    link-local, reserved, multicast or unspecified). An IPv6 address that carries an IPv4
    one (:func:`embedded_ipv4`) is public only if that IPv4 address is: ``::127.0.0.1``,
    ``64:ff9b::a00:5`` or ``2002:7f00:1::`` reach loopback or the private network through
    a translator as surely as the IPv4 literal does. (A NAT64 prefix an operator chose
    for its own network cannot be recognised from outside; such networks should not
    route that prefix from this service.)"""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id names a link
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        carried = embedded_ipv4(ip)
        if carried:
            return all(v4.is_global and not v4.is_multicast for v4 in carried)
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


def _port(request: httpx.Request) -> int:
    return request.url.port or (443 if request.url.scheme == "https" else 80)


def _refuse_written_host(request: httpx.Request) -> None:
    if non_public_reason(request.url.host) is not None:
        raise BlockedDestination("the receiver's address is not public", request=request)


def _route_to_checked(request: httpx.Request, addresses: Sequence[str]) -> None:
    """Refuse unless every address is public; then point the request at the first one,
    the ``Host`` header and the TLS server name staying the name."""
    host = request.url.host
    if not addresses or not all(is_public(a) for a in addresses):
        raise BlockedDestination("the receiver's address is not public", request=request)
    if not _is_literal(host):
        request.url = request.url.copy_with(host=addresses[0])
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}


def _unresolved(request: httpx.Request, exc: OSError) -> httpx.ConnectError:
    return httpx.ConnectError("the receiver's name does not resolve", request=request)


class PublicOnlyTransport(httpx.BaseTransport):
    """Sends a request only to a public address, and to the very address it checked."""

    def __init__(self, inner: httpx.BaseTransport, resolver: Resolver = resolve) -> None:
        self._inner = inner
        self._resolve = resolver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _refuse_written_host(request)
        host = request.url.host
        try:
            addresses = [host] if _is_literal(host) else list(self._resolve(host, _port(request)))
        except OSError as exc:
            raise _unresolved(request, exc) from exc
        _route_to_checked(request, addresses)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class AsyncPublicOnlyTransport(httpx.AsyncBaseTransport):
    """:class:`PublicOnlyTransport` for an ``httpx.AsyncClient`` (the webhook deliveries,
    which run concurrently, each under a total deadline). The name is resolved in a
    worker thread: ``getaddrinfo`` blocks."""

    def __init__(self, inner: httpx.AsyncBaseTransport, resolver: Resolver = resolve) -> None:
        self._inner = inner
        self._resolve = resolver

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _refuse_written_host(request)
        host = request.url.host
        try:
            addresses = (
                [host]
                if _is_literal(host)
                else list(await asyncio.to_thread(self._resolve, host, _port(request)))
            )
        except OSError as exc:
            raise _unresolved(request, exc) from exc
        _route_to_checked(request, addresses)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


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


def tenant_async_client(*, allow_private: bool = False) -> httpx.AsyncClient:
    """:func:`tenant_client` for asynchronous use (the webhook deliveries)."""
    transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport()
    if not allow_private:
        transport = AsyncPublicOnlyTransport(transport)
    return httpx.AsyncClient(transport=transport, follow_redirects=False)

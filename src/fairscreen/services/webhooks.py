"""Signed webhooks to employers on their cases' state changes (issue 5 item 1).

1. **Endpoints**: an employer registers a URL and is shown its signing secret once. The
   secret is never stored: it is ``HMAC-SHA256(pseudonym key, "webhook|" + endpoint id)``,
   recomputed when signing.
2. **Outbox** (:func:`collect_events`): the producer reads the ledger from its cursor;
   every state-changing event of a case whose employer has an endpoint becomes an outbox
   row in the same transaction that moves the cursor. The ledger is the one record of
   what happened, so a release by the scheduler or a destruction by the purge is sent
   like a step taken over the API, and nothing is sent twice.
3. **Delivery** (:func:`deliver_due`, called by the scheduler on its own, apart from
   releases, purges and checkpoints, so no receiver can delay those): POST the body, signed as
   Standard Webhooks v1 (https://www.standardwebhooks.com): headers ``webhook-id``,
   ``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256
   over "<id>.<timestamp>.<body>">``; the secret is ``whsec_<base64 key>``. A 2xx answer
   delivers it; anything else is retried with exponential backoff (30 s, 1 min, 2 min …
   at most 1 h apart) up to ``MAX_ATTEMPTS`` tries, then marked failed.

   One receiver must not hold back another (issue 12 item 5). Messages are sent
   concurrently, each on its own: whatever goes wrong with one (a URL that does not
   parse, a refused address, a broken connection) is that message's failed try and
   nothing else's. Each has a total deadline (``DELIVERY_DEADLINE_SECONDS``: connecting,
   sending and the answer's headers together, however slowly a receiver drips bytes),
   and the answer's body is never read: its status says all (a 400 MB body once took
   the process from 124 MB to 2.1 GB).
4. **Public receivers only**: a URL whose host is a loopback, private, link-local or
   reserved address (or ``localhost``) is refused at registration, as is a host that is
   not plain ASCII (an international name is registered in its ``xn--`` form: IDNA
   mapping turns ``①②⑦.0.0.1`` into ``127.0.0.1``) or a URL the HTTP client cannot
   parse; the scheduler's
   client (``adapters/outbound.tenant_client``) resolves every receiver and sends only
   to public addresses, following no redirects: an employer's URL must not reach inside
   our network. ``ServiceConfig.webhook_private_targets`` lifts this for development.

A body holds ids, pseudonyms, the event code and the case's state: never report content.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from fairscreen.adapters.db import account_tables as a
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.outbound import non_public_reason
from fairscreen.domain.errors import InvalidInput, NotFound
from fairscreen.ledger.entries import ActorRole, EventType
from fairscreen.services.context import Actor, Services, require_role

log = logging.getLogger("fairscreen.webhooks")
#: a host name as registered: ASCII letters, digits and hyphens, dot-separated
_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$"
)
#: makes the client for one round of deliveries (an ``httpx.AsyncClient``)
ClientFactory = Callable[[], httpx.AsyncClient]

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
TIMEOUT_SECONDS = 5.0
#: the whole of one delivery: connect, send, and the answer's status and headers
DELIVERY_DEADLINE_SECONDS = 10.0
MAX_CONCURRENT_DELIVERIES = 16
TOLERANCE_SECONDS = 300
COLLECT_BATCH = 2000
DELIVER_BATCH = 50

#: The ledger events that change a case's state (reads and holds do not).
STATE_EVENTS = frozenset(
    {
        EventType.AUTHORIZATION_SIGNED,
        EventType.AUTHORIZATION_REVOKED,
        EventType.SCOPE_SET,
        EventType.REPORT_RATED,
        EventType.REVIEW_OPENED,
        EventType.DISPUTE_OPENED,
        EventType.DISPUTE_RESOLVED,
        EventType.REPORT_RELEASED,
        EventType.DECISION_RECORDED,
        EventType.DELETION_REQUESTED,
        EventType.DATA_DESTROYED,
    }
)


# --- signatures (Standard Webhooks v1) -----------------------------------------------------------


def endpoint_secret(svc: Services, endpoint_id: str) -> str:
    key = hmac.new(svc.pseudonym_key, f"webhook|{endpoint_id}".encode(), hashlib.sha256).digest()
    return "whsec_" + base64.b64encode(key).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for a body."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: the timestamp is recent and one signature matches."""
    try:
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
        given = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance:
        return False
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


# --- endpoints (employer) --------------------------------------------------------------------


def _plain_host(host: str) -> bool:
    """An IP address, or a DNS name of letters, digits and hyphens that is not all
    digits (``127.1`` is no name: resolvers read it as an address)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST_NAME.match(host)) and not host.replace(".", "").isdigit()
    return True


def _check_url(url: str, *, allow_private: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 500:
        raise InvalidInput(
            "an http(s) URL of at most 500 characters",
            field="url",
            key="input.http_url_most_500_characters",
        )
    if parts.username or parts.password:
        raise InvalidInput("must not carry credentials", field="url")
    if not url.isascii() or not _plain_host(parts.hostname):
        raise InvalidInput(
            "the host must be a name of ASCII letters, digits and hyphens (an international "
            "name in its xn-- form) or an IP address",
            field="url",
        )
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise InvalidInput("not a URL the delivery client can use", field="url") from exc
    reason = None if allow_private else non_public_reason(parts.hostname)
    if reason is not None:  # a name is checked again, resolved, at every delivery
        raise InvalidInput(reason, field="url")
    return url


def create_endpoint(svc: Services, actor: Actor, url: str) -> tuple[str, str]:
    """Register a receiver; returns its id and its signing secret (shown once). It
    receives the events logged from now on."""
    require_role(actor, ActorRole.EMPLOYER)
    _check_url(url, allow_private=svc.config.webhook_private_targets)
    endpoint_id = f"whk_{uuid.uuid4().hex}"
    with svc.uow() as uow:
        uow.connection.execute(
            sa.insert(a.webhook_endpoints).values(
                id=endpoint_id,
                employer_id=actor.id,
                url=url,
                from_index=uow.ledger_store.read_size(),
                created_at=svc.now(),
            )
        )
        uow.commit()
    return endpoint_id, endpoint_secret(svc, endpoint_id)


def list_endpoints(
    svc: Services, actor: Actor, *, limit: int = 20, after: str | None = None
) -> list[dict[str, Any]]:
    require_role(actor, ActorRole.EMPLOYER)
    query = (
        sa.select(a.webhook_endpoints)
        .where(
            a.webhook_endpoints.c.employer_id == actor.id,
            a.webhook_endpoints.c.disabled_at.is_(None),
        )
        .order_by(a.webhook_endpoints.c.id)
        .limit(limit)
    )
    if after:
        query = query.where(a.webhook_endpoints.c.id > after)
    with svc.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [{"endpoint_id": r["id"], "url": r["url"], "created_at": r["created_at"]} for r in rows]


def disable_endpoint(svc: Services, actor: Actor, endpoint_id: str) -> None:
    require_role(actor, ActorRole.EMPLOYER)
    with svc.uow() as uow:
        done = uow.connection.execute(
            sa.update(a.webhook_endpoints)
            .where(
                a.webhook_endpoints.c.id == endpoint_id,
                a.webhook_endpoints.c.employer_id == actor.id,
                a.webhook_endpoints.c.disabled_at.is_(None),
            )
            .values(disabled_at=svc.now())
        )
        if done.rowcount != 1:
            raise NotFound("no such webhook endpoint", field="endpoint_id")
        uow.commit()


# --- the outbox ---------------------------------------------------------------------------------


def collect_events(svc: Services, *, batch: int = COLLECT_BATCH) -> int:
    """Turn new ledger events into outbox rows; returns how many rows were added."""
    added = 0
    with svc.uow() as uow:
        connection = uow.connection
        start = connection.execute(
            sa.select(a.webhook_cursor.c.ledger_index).where(a.webhook_cursor.c.id == 1)
        ).scalar_one()
        size = uow.ledger_store.read_size()
        stop = min(size, start + batch)
        if stop <= start:
            return 0
        endpoints: dict[str, list[tuple[str, int]]] = {}
        for row in connection.execute(
            sa.select(a.webhook_endpoints).where(a.webhook_endpoints.c.disabled_at.is_(None))
        ).mappings():
            endpoints.setdefault(row["employer_id"], []).append((row["id"], row["from_index"]))
        cases: dict[str, Any] = {}
        now = svc.now()
        # No endpoint, nothing to send: move the cursor without reading the entries.
        unread = uow.ledger_store.read_entries(start, stop) if endpoints else []
        for index, data in unread:
            entry = json.loads(data)
            if entry.get("type") not in STATE_EVENTS:
                continue
            pseudonym = entry["case"]
            if pseudonym not in cases:
                cases[pseudonym] = (
                    connection.execute(
                        sa.select(t.cases.c.id, t.cases.c.employer_id, t.cases.c.state).where(
                            t.cases.c.pseudonym == pseudonym
                        )
                    )
                    .mappings()
                    .first()
                )
            case = cases[pseudonym]
            if case is None:
                continue
            for endpoint_id, from_index in endpoints.get(case["employer_id"], []):
                if index < from_index:
                    continue
                message_id = f"msg_{uuid.uuid4().hex}"
                body = {
                    "id": message_id,
                    "type": "case.state_changed",
                    "event": entry["type"],
                    "case_id": case["id"],
                    "case_pseudonym": pseudonym,
                    "case_state": case["state"],
                    "ledger_index": index,
                    "occurred_at": entry["at"],
                }
                connection.execute(
                    sa.insert(a.webhook_outbox).values(
                        id=message_id,
                        endpoint_id=endpoint_id,
                        body=json.dumps(body, sort_keys=True, separators=(",", ":")),
                        created_at=now,
                        attempts=0,
                        next_attempt_at=now,
                    )
                )
                added += 1
        connection.execute(
            sa.update(a.webhook_cursor).where(a.webhook_cursor.c.id == 1).values(ledger_index=stop)
        )
        uow.commit()
    return added


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s doubling, at most 1 h."""
    delay: timedelta = BASE_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_DELAY)


def deliver_due(
    svc: Services,
    new_client: ClientFactory,
    *,
    batch: int = DELIVER_BATCH,
    deadline: float = DELIVERY_DEADLINE_SECONDS,
) -> DeliveryReport:
    """Send every due outbox row once, concurrently and each on its own (outside any
    transaction: a slow receiver holds no lock), then record the outcome of each.
    ``new_client`` makes the HTTP client for this round (``adapters/outbound``)."""
    now = svc.now()
    query = (
        sa.select(a.webhook_outbox, a.webhook_endpoints.c.url, a.webhook_endpoints.c.disabled_at)
        .join(a.webhook_endpoints, a.webhook_endpoints.c.id == a.webhook_outbox.c.endpoint_id)
        .where(
            a.webhook_outbox.c.delivered_at.is_(None),
            a.webhook_outbox.c.failed_at.is_(None),
            a.webhook_outbox.c.next_attempt_at <= now,
        )
        .order_by(a.webhook_outbox.c.next_attempt_at, a.webhook_outbox.c.id)
        .limit(batch)
    )
    with svc.engine.connect() as connection:
        due = connection.execute(query).mappings().all()
    if not due:
        return DeliveryReport()
    outcomes = asyncio.run(_send_all(svc, due, new_client, now=now, deadline=deadline))
    delivered = retried = failed = 0
    with svc.uow() as uow:
        for row, status in outcomes:
            attempts = int(row["attempts"]) + 1
            values: dict[str, Any] = {"attempts": attempts, "last_status": status}
            if status is not None and 200 <= status < 300:
                values["delivered_at"] = now
                delivered += 1
            elif attempts >= MAX_ATTEMPTS or row["disabled_at"] is not None:
                values["failed_at"] = now
                failed += 1
            else:
                values["next_attempt_at"] = now + backoff(attempts)
                retried += 1
            uow.connection.execute(
                sa.update(a.webhook_outbox)
                .where(a.webhook_outbox.c.id == row["id"])
                .values(**values)
            )
        uow.commit()
    return DeliveryReport(delivered, retried, failed)


async def _send_all(
    svc: Services,
    due: Sequence[RowMapping],
    new_client: ClientFactory,
    *,
    now: datetime,
    deadline: float,
) -> list[tuple[RowMapping, int | None]]:
    slots = asyncio.Semaphore(MAX_CONCURRENT_DELIVERIES)

    async def one(client: httpx.AsyncClient, row: RowMapping) -> tuple[RowMapping, int | None]:
        async with slots:
            return row, await _send(svc, client, row, now=now, deadline=deadline)

    async with new_client() as client:
        return list(await asyncio.gather(*(one(client, row) for row in due)))


async def _send(
    svc: Services, client: httpx.AsyncClient, row: RowMapping, *, now: datetime, deadline: float
) -> int | None:
    """One message: the receiver's status, or None when there was none to be had."""
    if row["disabled_at"] is not None:
        return None
    body = row["body"].encode("utf-8")
    timestamp = int(now.timestamp())
    headers = {
        "content-type": "application/json",
        "user-agent": "fairscreen-webhooks/1",
        "webhook-id": row["id"],
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            endpoint_secret(svc, row["endpoint_id"]), row["id"], timestamp, body
        ),
    }
    try:
        async with asyncio.timeout(deadline):
            async with client.stream(
                "POST", row["url"], content=body, headers=headers, timeout=TIMEOUT_SECONDS
            ) as response:
                # Only the status counts; the body is closed unread, whatever its size.
                return response.status_code
    except Exception as exc:  # noqa: BLE001 - one receiver's failure is its message's alone
        log.warning("webhook %s not delivered: %s", row["id"], type(exc).__name__)
        return None

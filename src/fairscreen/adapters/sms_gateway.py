"""SMS through an HTTP gateway (issue 13 item 2): the production adapter of the
``SmsSender`` port (``adapters/messages.py``).

Most SMS providers, and the small relays operators put in front of them, take one JSON
POST per message. This client speaks that generic form, so a provider plugs in by URL
and key rather than by code:

    POST <FAIRSCREEN_SMS_GATEWAY_URL>
    Authorization: Bearer <FAIRSCREEN_SMS_API_KEY>
    Idempotency-Key: <one random id per message, the same on every retry>
    Content-Type: application/json

    {"to": "+8613800138000", "text": "…", "kind": "sign_in_code", "sender": "…"}

``to`` is the number in E.164 form (``domain.contact``), ``kind`` what the message is
(``invitation``, ``code``), ``sender`` only when ``FAIRSCREEN_SMS_SENDER`` is set.

Any 2xx is delivery accepted. 429 and 5xx, a timeout or a refused connection are tried
again (bounded exponential backoff with full jitter, ``Retry-After`` honoured up to the
policy's cap: the source adapters' :class:`RetryPolicy`), with the same idempotency key so
a gateway that did take the first attempt does not send twice. Any other answer (a 4xx:
a wrong key, a number the gateway will not serve) is final. Either way the caller gets a
:class:`~fairscreen.domain.errors.MessageNotSent` that says what happened.

The number and the text are personal data, and the text may hold a sign-in code: neither
is logged, put in an error, or kept; the log names the message's kind and the gateway's
status only, and the response body is never read into a message. The key's ``repr`` is
masked.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from fairscreen.adapters.sources.http import RETRY_STATUSES, RetryPolicy, retry_after
from fairscreen.domain.errors import MessageNotSent

log = logging.getLogger("fairscreen.sms")


#: answers worth another attempt: the gateway is busy or failing, not refusing
@dataclass(frozen=True, slots=True)
class SmsGatewaySettings:
    """``url``: the gateway's endpoint; ``api_key``: its bearer key (``repr`` masked);
    ``sender``: the sender name or number the gateway shows, when it takes one;
    ``timeout``: seconds for each attempt (connect, read, write)."""

    url: str
    api_key: str = field(repr=False)
    sender: str | None = None
    timeout: float = 5.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __repr__(self) -> str:
        return f"SmsGatewaySettings({self.url}, key=***)"


class HttpSmsGateway:
    """``SmsSender`` over a generic HTTP gateway (see the module docstring). ``transport``
    lets a test inject an httpx transport (the tests use a real server on the loopback);
    ``sleep`` and ``rng`` make the backoff testable without waiting."""

    def __init__(
        self,
        settings: SmsGatewaySettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._transport = transport
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - backoff jitter, not a secret

    def __repr__(self) -> str:
        return f"HttpSmsGateway({self._settings.url})"

    def send_sms(self, to: str, body: str, *, kind: str) -> None:
        s = self._settings
        payload: dict[str, str] = {"to": to, "text": body, "kind": kind}
        if s.sender:
            payload["sender"] = s.sender
        headers = {
            "Authorization": f"Bearer {s.api_key}",
            "Idempotency-Key": uuid.uuid4().hex,
            "User-Agent": "fairscreen-sms",
        }
        attempts = s.retry.attempts
        with httpx.Client(
            timeout=httpx.Timeout(s.timeout), transport=self._transport, follow_redirects=False
        ) as client:
            for attempt in range(attempts):
                failed = self._attempt(client, payload, headers, kind)
                if failed is None:
                    return
                if failed.final or attempt + 1 == attempts:
                    why = failed.why if failed.final else f"{failed.why}, after {attempts} attempts"
                    raise MessageNotSent(
                        "the SMS gateway did not take the {kind} message: {why}", kind=kind, why=why
                    )
                self._sleep(s.retry.delay(attempt, self._rng, failed.retry_after))
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _attempt(
        self, client: httpx.Client, payload: dict[str, str], headers: dict[str, str], kind: str
    ) -> _Failed | None:
        """One POST: None when the gateway accepted the message, else why not."""
        try:
            answer = client.post(self._settings.url, json=payload, headers=headers)
        except httpx.TimeoutException as exc:
            log.warning("sms %s: gateway timed out (%s)", kind, type(exc).__name__)
            return _Failed(f"no answer within {self._settings.timeout:g} s")
        except httpx.TransportError as exc:
            log.warning("sms %s: gateway unreachable (%s)", kind, type(exc).__name__)
            return _Failed(f"could not connect ({type(exc).__name__})")
        if answer.is_success:
            return None
        log.warning("sms %s: gateway answered HTTP %s", kind, answer.status_code)
        if answer.status_code in RETRY_STATUSES:
            wait = retry_after(answer.headers.get("Retry-After"), datetime.now(UTC))
            return _Failed(f"HTTP {answer.status_code}", retry_after=wait)
        return _Failed(f"HTTP {answer.status_code}", final=True)


@dataclass(frozen=True, slots=True)
class _Failed:
    """An attempt that did not deliver: why (no personal data), whether it is final (a
    4xx refusal), and the gateway's ``Retry-After`` seconds when it named some."""

    why: str
    final: bool = False
    retry_after: float | None = None


class SmsTurnedOff:
    """``SmsSender`` of a service that sends no SMS (``FAIRSCREEN_SMS_SIGN_IN=false``): a
    message refused out loud, never dropped."""

    def send_sms(self, to: str, body: str, *, kind: str) -> None:
        raise MessageNotSent(
            "this service sends no text messages (FAIRSCREEN_SMS_SIGN_IN is false): "
            "the {kind} message was not sent",
            kind=kind,
        )

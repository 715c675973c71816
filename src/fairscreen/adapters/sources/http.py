"""A source behind HTTP: timeouts, bounded retries with backoff and jitter, a circuit
breaker and response validation (issue 4 item 3; PRODUCT.md P3, §4 ``CHECK_INCOMPLETE``).

Wire protocol (``fairscreen/source-query/v1``)::

    POST <base_url>/query                      (JSON; identifiers in the body, never the URL)
    {"schema": "fairscreen/source-query/v1", "query_id": "<random>",
     "category": "litigation",
     "subject": {"national_id": "…", "name": "…", "birth_date": "YYYY-MM-DD" | null}}

    200 {"status": "ok", "records": [<case-file records>]}
    200 {"status": "not_found"}
    200 {"status": "source_unavailable"}

Behaviour, every failure an answer (``source_unavailable`` + reason), never an exception:

1. the permit is checked first (a refusal is the only thing that raises);
2. an open circuit answers ``CIRCUIT_OPEN`` without calling the source;
3. each attempt has connect/read/write/pool timeouts and a total deadline (a server that
   trickles bytes is cut off), and reads at most ``max_response_bytes``;
4. timeouts, connection errors, 5xx, 429 and a source that reports itself unavailable are
   retried up to ``RetryPolicy.attempts`` times, waiting ``uniform(0, min(cap, base·2ⁿ))``
   ("full jitter", so many workers do not retry in step; ``Retry-After`` is honoured up to
   the cap); other statuses, garbage JSON and a wrong shape are not retried;
5. every failed attempt counts towards the circuit breaker; a success resets it.

The case pseudonym is not sent: the source needs the subject, not our case numbering. No
redirects are followed and no proxy settings are taken from the environment, so the
identifiers go only to the configured URL.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

import httpx
import orjson

from fairscreen.adapters.sources.port import (
    QueryPermit,
    RecordShapeError,
    SourceAnswer,
    SourceQuery,
    UnavailableReason,
    check_permit,
    select_records,
    unavailable,
    utc_now,
)
from fairscreen.domain.categories import Category, RecordStatus, SourceKind

QUERY_SCHEMA = "fairscreen/source-query/v1"
#: answers worth another try: too many requests, and a server's passing failure (the SMS
#: gateway client retries on the same)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``total`` bounds one attempt from request to last byte."""

    connect: float = 2.0
    read: float = 5.0
    write: float = 5.0
    pool: float = 2.0
    total: float = 10.0

    def for_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter (AWS Architecture Blog, "Exponential
    Backoff and Jitter", 2015)."""

    attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    def delay(self, retry: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        backoff = rng.uniform(0.0, min(self.max_delay, self.base_delay * 2**retry))
        if retry_after is not None:
            return max(backoff, min(retry_after, self.max_delay))
        return backoff


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Stops calling a failing source (Nygard, *Release It!*, "Circuit Breaker").

    Closed: calls pass; ``failure_threshold`` consecutive failures open it. Open: calls are
    refused until ``reset_after`` seconds have passed on ``clock``; then half-open: one
    trial call passes; its success closes the breaker, its failure opens it again.
    ``clock`` is injected (monotonic seconds) so tests move time instead of sleeping.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_after: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self.failure_threshold = failure_threshold
        self.reset_after = reset_after
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_in_flight = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            if (
                self._state is BreakerState.OPEN
                and self._clock() - self._opened_at >= self.reset_after
            ):
                return BreakerState.HALF_OPEN
            return self._state

    def allow(self) -> bool:
        """May a call go through now? (In half-open, only one trial at a time.)"""
        with self._lock:
            if self._state is BreakerState.OPEN:
                if self._clock() - self._opened_at < self.reset_after:
                    return False
                self._state = BreakerState.HALF_OPEN
                self._trial_in_flight = False
            if self._state is BreakerState.HALF_OPEN:
                if self._trial_in_flight:
                    return False
                self._trial_in_flight = True
            return True

    def record_success(self) -> None:
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()
                self._trial_in_flight = False


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: UnavailableReason
    retryable: bool
    detail: str | None = None
    retry_after: float | None = None


class HttpSource:
    """:class:`~fairscreen.adapters.sources.port.SourcePort` for a source behind HTTP.

    ``kinds`` are the source kinds this source may vouch for; a record claiming another
    kind makes the answer ``INVALID_SHAPE``. ``transport`` lets tests inject an httpx
    transport; the integration tests use a real server on the loopback instead.
    """

    def __init__(
        self,
        source_id: str,
        base_url: str,
        *,
        categories: Iterable[Category],
        kinds: Iterable[SourceKind] = (SourceKind.REGISTRY,),
        timeouts: Timeouts = Timeouts(),
        retry: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker | None = None,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_response_bytes: int = 1 << 20,
    ) -> None:
        self._source_id = source_id
        self._categories = frozenset(categories)
        self._kinds = tuple(dict.fromkeys(kinds))
        if not self._kinds:
            raise ValueError("a source vouches for at least one kind")
        self._timeouts = timeouts
        self._retry = retry
        self.breaker = breaker or CircuitBreaker()
        self._now = now
        self._sleep = sleep
        self._rng = rng or random.SystemRandom()
        self._max_bytes = max_response_bytes
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "fairscreen-source/1",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=timeouts.for_httpx(),
            transport=transport,
            follow_redirects=False,
            trust_env=False,
        )

    def __repr__(self) -> str:
        return f"HttpSource(source_id={self._source_id!r}, breaker={str(self.breaker.state)!r})"

    @property
    def source_id(self) -> str:
        return self._source_id

    @property
    def categories(self) -> frozenset[Category]:
        return self._categories

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpSource:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def fetch(self, query: SourceQuery, permit: QueryPermit | None) -> SourceAnswer:
        """Ask the source (steps in the module docstring)."""
        check_permit(permit, query, at=self._now())
        if query.category not in self._categories:
            return self._unavailable(query, UnavailableReason.NOT_COVERED, 0, None)
        failure = _Failure(UnavailableReason.INTERNAL_ERROR, retryable=False)
        attempts = 0
        for retry in range(self._retry.attempts):
            if not self.breaker.allow():
                if attempts:  # opened by our own failures: report what actually failed
                    return self._unavailable(query, failure.reason, attempts, "circuit opened")
                return self._unavailable(query, UnavailableReason.CIRCUIT_OPEN, attempts, None)
            attempts += 1
            try:
                outcome = self._attempt(query)
            except Exception as exc:  # noqa: BLE001 - a bug here must not crash a case
                outcome = _Failure(
                    UnavailableReason.INTERNAL_ERROR, retryable=False, detail=type(exc).__name__
                )
            if isinstance(outcome, SourceAnswer):
                self.breaker.record_success()
                return _with_attempts(outcome, attempts)
            self.breaker.record_failure()
            failure = outcome
            if not outcome.retryable or retry + 1 == self._retry.attempts:
                break
            self._sleep(self._retry.delay(retry, self._rng, outcome.retry_after))
        return self._unavailable(query, failure.reason, attempts, failure.detail)

    def _unavailable(
        self, query: SourceQuery, reason: UnavailableReason, attempts: int, detail: str | None
    ) -> SourceAnswer:
        return unavailable(
            self._source_id,
            self._kinds[0],
            query.category,
            reason,
            attempts=attempts,
            detail=detail,
        )

    def _attempt(self, query: SourceQuery) -> SourceAnswer | _Failure:
        subject = query.subject
        body = {
            "schema": QUERY_SCHEMA,
            "query_id": uuid.uuid4().hex,
            "category": str(query.category),
            "subject": {
                "national_id": subject.national_id,
                "name": subject.name,
                "birth_date": subject.birth_date.isoformat() if subject.birth_date else None,
            },
        }
        deadline = time.monotonic() + self._timeouts.total
        try:
            with self._client.stream("POST", "query", content=orjson.dumps(body)) as response:
                if response.status_code != 200:
                    return _status_failure(response, self._now())
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        return _Failure(UnavailableReason.RESPONSE_TOO_LARGE, retryable=False)
                    if time.monotonic() > deadline:
                        return _Failure(UnavailableReason.TIMEOUT, retryable=True, detail="total")
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            return _Failure(UnavailableReason.TIMEOUT, retryable=True, detail=type(exc).__name__)
        except httpx.TransportError as exc:  # connect refused, reset, protocol garbage
            return _Failure(
                UnavailableReason.CONNECTION_ERROR, retryable=True, detail=type(exc).__name__
            )
        return self._parse(query, b"".join(chunks))

    def _parse(self, query: SourceQuery, content: bytes) -> SourceAnswer | _Failure:
        try:
            document: Any = orjson.loads(content)
        except orjson.JSONDecodeError:
            return _Failure(UnavailableReason.INVALID_JSON, retryable=False)
        if not isinstance(document, dict):
            return _Failure(UnavailableReason.INVALID_SHAPE, retryable=False, detail="not object")
        status = document.get("status")
        kind = self._kinds[0]
        if status == RecordStatus.NOT_FOUND:
            return SourceAnswer(self._source_id, kind, query.category, RecordStatus.NOT_FOUND)
        if status == RecordStatus.SOURCE_UNAVAILABLE:
            return _Failure(UnavailableReason.REPORTED_UNAVAILABLE, retryable=True)
        if status != RecordStatus.OK or not isinstance(document.get("records"), list):
            return _Failure(UnavailableReason.INVALID_SHAPE, retryable=False, detail="status")
        try:
            records, discarded = select_records(
                document["records"], query.category, kinds=frozenset(self._kinds)
            )
        except RecordShapeError as exc:
            # The path names the key, never the value: safe to keep as a detail.
            return _Failure(UnavailableReason.INVALID_SHAPE, retryable=False, detail=exc.path)
        if not records:
            # "ok" with nothing of this category is the source saying it holds nothing.
            return SourceAnswer(
                self._source_id,
                kind,
                query.category,
                RecordStatus.NOT_FOUND,
                discarded=discarded,
            )
        return SourceAnswer(
            self._source_id, kind, query.category, RecordStatus.OK, records, discarded=discarded
        )


def _status_failure(response: httpx.Response, now: datetime) -> _Failure:
    code = response.status_code
    if code in RETRY_STATUSES:
        return _Failure(
            UnavailableReason.SERVER_ERROR,
            retryable=True,
            detail=f"HTTP {code}",
            retry_after=retry_after(response.headers.get("Retry-After"), now),
        )
    return _Failure(UnavailableReason.HTTP_STATUS, retryable=False, detail=f"HTTP {code}")


def retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` in seconds (RFC 9110 §10.2.3: delay-seconds, or an HTTP-date
    counted from ``now``, the source's clock)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - now).total_seconds())


def _with_attempts(answer: SourceAnswer, attempts: int) -> SourceAnswer:
    return dataclasses.replace(answer, attempts=attempts)

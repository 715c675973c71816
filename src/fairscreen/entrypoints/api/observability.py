"""What an operator watches: request metrics, request ids, one log line per request, and
the JSON log format (docs/operations.md, 'Metrics and logs').

- :class:`Metrics`: a Prometheus registry *per app* (so per ``serve`` process: each one
  is its own scrape target, and PromQL sums them; no multiprocess mode, since ``serve``
  runs one uvicorn worker per process). Requests are counted and timed per route
  **template** (``/v1/cases/{case_id}``), never per concrete path: case ids, tokens and
  anything else a client puts in a URL never become a label. The database's gauges
  (``services/gauges.py``) are read when the registry is scraped.
- :class:`ObserveRequests`: the outermost middleware. It gives each request an id (the
  ``X-Request-ID`` of a trusted proxy when it is a plain token, else a fresh random one),
  echoes it in the answer, counts and times the request, and logs one line for it: method,
  route template, status, duration. Nothing from the path, query, headers or body.
- :func:`configure_logging`: ``text`` (default) or ``json`` (one object per line: time,
  level, logger, message, request_id, route, status, duration_ms), for every logger,
  uvicorn's included. An exception is logged by its type alone: its text and traceback may
  quote personal data.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairscreen.services.context import Services
from fairscreen.services.gauges import read_gauges

access_log = logging.getLogger("fairscreen.access")

#: The request being served, for every log line written while it is (contextvars follow
#: the request into the thread pool that runs FastAPI's sync routes).
request_id_var: ContextVar[str | None] = ContextVar("fairscreen_request_id", default=None)

#: What an ``X-Request-ID`` from a trusted proxy may be; anything else is replaced.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
UNMATCHED = "unmatched"
#: The methods a label may name; any other (a client may send any token) is ``other``,
#: so no caller can add series to the registry.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(items: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or networks (``10.0.0.5``, ``10.1.0.0/16``), as networks."""
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def address_in(host: str | None, allowed: Iterable[Network]) -> bool:
    """Whether ``host`` (a peer's address; may be a name such as ``testclient``) lies in
    one of ``allowed``."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in allowed)


class _DatabaseGauges(Collector):
    """Reads the gauges from the database at each scrape (a request for ``/metrics``)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def collect(self) -> Iterator[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        for reading in read_gauges(self._services):
            label_names = [name for name, _ in reading.labels]
            family = families.get(reading.name)
            if family is None:
                family = families[reading.name] = GaugeMetricFamily(
                    reading.name, reading.help, labels=label_names
                )
            family.add_metric([value for _, value in reading.labels], reading.value)
        yield from families.values()


class Metrics:
    """The app's registry and its request metrics."""

    def __init__(self, services: Services | None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "fairscreen_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "fairscreen_http_request_duration_seconds",
            "Time from the request's arrival to the end of its answer, by route template.",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
        )
        self.in_flight = Gauge(
            "fairscreen_http_requests_in_flight",
            "Requests being served now.",
            registry=self.registry,
        )
        if services is not None:
            self.registry.register(_DatabaseGauges(services))


def route_label(scope: Scope) -> str:
    """The route template that answered (``/v1/cases/{case_id}``), the mount's prefix
    for a mounted app (``/static/{path}``), or ``unmatched``: never the concrete path."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template:
        return str(template)
    root = str(scope.get("root_path", "") or "")
    if root and root != scope.get("fairscreen_outer_root", ""):
        return f"{root}/{{path}}"
    return UNMATCHED


class ObserveRequests:
    """Request id, metrics and the access log line; outermost, so it sees the peer that
    connected (before the trusted-proxy rewrite) and times everything inside."""

    def __init__(self, app: ASGIApp, metrics: Metrics, trusted_proxies: Sequence[str] = ()) -> None:
        self.app = app
        self.metrics = metrics
        self.trusted = networks(trusted_proxies)

    def request_id(self, scope: Scope) -> str:
        client = scope.get("client")
        # no trusted proxy (the default): the peer's address is not parsed on each request
        if self.trusted and address_in(client[0] if client else None, self.trusted):
            for name, value in scope.get("headers", []):
                if name == b"x-request-id":
                    text = bytes(value).decode("latin-1")
                    if REQUEST_ID.fullmatch(text):
                        return text
        return uuid.uuid4().hex

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.request_id(scope)
        token = request_id_var.set(request_id)
        scope["fairscreen_outer_root"] = scope.get("root_path", "")
        status = 500  # unless an answer starts
        header = (b"x-request-id", request_id.encode())

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        started = time.perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, tagged)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.in_flight.dec()
            method = str(scope.get("method", ""))
            method = method if method in METHODS else "other"
            route = route_label(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.duration.labels(method, route).observe(elapsed)
            access_log.info(
                "%s %s %d %.1f ms",
                method,
                route,
                status,
                elapsed * 1000,
                extra={"route": route, "status": status, "duration_ms": round(elapsed * 1000, 1)},
            )
            request_id_var.reset(token)


# --- logs ------------------------------------------------------------------------------------

LogFormat = Literal["text", "json"]


class _RequestContext(logging.Filter):
    """Adds the current request's id to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line. An exception adds its type only (``error``)."""

    FIELDS = ("route", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        for name in self.FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``; an exception by its type only."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return f"({ei[0].__name__})" if ei and ei[0] is not None else ""

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return ""


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not the one in place
    when the handler was made: a host that swaps stderr (a supervisor, a test harness)
    and closes the old one must not turn every later line into a logging error."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass  # always the current sys.stderr


def log_handler(log_format: LogFormat, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(_RequestContext())
    return handler


def configure_logging(log_format: LogFormat, level: str = "info") -> None:
    """Every logger (uvicorn's too) writes through one handler on the root logger, in
    ``log_format``. Called by ``serve`` before uvicorn starts (uvicorn is then told not to
    install its own handlers)."""
    # What no formatter here reads (each names the time, level, logger, request id and
    # message) is not collected for every record: its caller (a walk of the stack), its
    # thread and its process (the logging HOWTO's 'Optimization' switches). Each request
    # writes its access line, and a serve or a worker writes little else.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(log_format))
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # whatever an earlier logging set-up in this process did to them (uvicorn's own
        # dictConfig sets levels and may disable loggers), they now go through the root
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        logger.disabled = False
    # procrastinate's own INFO lines name each job with its arguments (a case's id) in a
    # worker, and say "Deferred 1 job" for nearly every request in a server: its warnings
    # and errors only (docs/operations.md, 'Logs').
    logging.getLogger("procrastinate").setLevel(logging.WARNING)

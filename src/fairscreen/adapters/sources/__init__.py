"""Source adapters behind one port (PRODUCT.md P1, P3; issue 4 item 3).

- :mod:`.port` – the query, the answer, the permit and the record-shape check;
- :mod:`.file_registry` – registers read from JSON fixtures (the demo's sources);
- :mod:`.http` – a source behind HTTP with timeouts, retries, a circuit breaker.

Every failure of a source is a ``source_unavailable`` answer (the category becomes
``CHECK_INCOMPLETE``); the only exception a ``fetch`` raises is the refusal of a query
without a permit for it. See ``docs/sources.md``.
"""

from fairscreen.adapters.sources.file_registry import (
    FIXTURE_SCHEMA,
    FileRegistrySource,
    demo_fixtures,
)
from fairscreen.adapters.sources.http import (
    QUERY_SCHEMA,
    BreakerState,
    CircuitBreaker,
    HttpSource,
    RetryPolicy,
    Timeouts,
)
from fairscreen.adapters.sources.port import (
    PERMIT_TTL,
    QueryPermit,
    SourceAnswer,
    SourcePort,
    SourceQuery,
    SubjectIdentifiers,
    UnavailableReason,
    check_permit,
    issue_permit,
)

__all__ = [
    "FIXTURE_SCHEMA",
    "PERMIT_TTL",
    "QUERY_SCHEMA",
    "BreakerState",
    "CircuitBreaker",
    "FileRegistrySource",
    "HttpSource",
    "QueryPermit",
    "RetryPolicy",
    "SourceAnswer",
    "SourcePort",
    "SourceQuery",
    "SubjectIdentifiers",
    "Timeouts",
    "UnavailableReason",
    "check_permit",
    "demo_fixtures",
    "issue_permit",
]

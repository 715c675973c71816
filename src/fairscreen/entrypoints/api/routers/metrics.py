"""``GET /metrics``: the Prometheus text exposition of this process's request metrics and
the database's operational gauges (docs/operations.md, 'Metrics and logs').

Who may read it: an operator's token, or, without a token, a peer whose address is in
``FAIRSCREEN_METRICS_ALLOW`` (the Prometheus server's address or network; empty by
default). The policy table says so (``policy.BY_ADDRESS``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format 0.0.4.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics(request: Request) -> Response:
    """Request rates and latencies per route template, requests in flight, checkpoint
    age, purge backlog, and the queues' backlogs where their tables exist. Sync: the
    gauges are read from the database, in the thread pool."""
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)

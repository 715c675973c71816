"""The employer's webhook endpoints (signed, Standard Webhooks v1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from fairscreen.entrypoints.api.deps import ActorDep, PageDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import Page, WebhookCreatedOut, WebhookIn, WebhookOut
from fairscreen.services import webhooks

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], route_class=OneTripRoute)


@router.get("")
def list_endpoints(svc: ServicesDep, actor: ActorDep, page: PageDep) -> Page[WebhookOut]:
    rows = webhooks.list_endpoints(svc, actor, limit=page.limit, after=page.after)
    return Page[WebhookOut](
        items=[WebhookOut(**row) for row in rows],
        next_cursor=page.next_cursor(rows, "endpoint_id"),
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def create_endpoint(svc: ServicesDep, actor: ActorDep, body: WebhookIn) -> WebhookCreatedOut:
    """Register a receiver for the state changes of the employer's cases; the signing
    secret is shown this once."""
    endpoint_id, secret = webhooks.create_endpoint(svc, actor, body.url)
    return WebhookCreatedOut(endpoint_id=endpoint_id, secret=secret)


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def disable_endpoint(
    svc: ServicesDep, actor: ActorDep, endpoint_id: Annotated[str, Path(max_length=64)]
) -> None:
    webhooks.disable_endpoint(svc, actor, endpoint_id)

"""The employer's role profiles (PRODUCT.md P2)."""

from __future__ import annotations

from fastapi import APIRouter, status

from fairscreen.entrypoints.api.deps import ActorDep, PageDep, ServicesDep
from fairscreen.entrypoints.api.routing import OneTripRoute
from fairscreen.entrypoints.api.schemas import (
    BuiltinProfileIn,
    IdOut,
    Page,
    ProfileOut,
    RoleProfileIn,
)
from fairscreen.services import case_queries, scope

router = APIRouter(prefix="/v1/profiles", tags=["profiles"], route_class=OneTripRoute)


@router.get("")
def list_profiles(svc: ServicesDep, actor: ActorDep, page: PageDep) -> Page[ProfileOut]:
    rows = case_queries.list_profiles(svc, actor, limit=page.limit, after=page.after)
    return Page[ProfileOut](
        items=[ProfileOut(**row) for row in rows],
        next_cursor=page.next_cursor(rows, "profile_id"),
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def define_profile(svc: ServicesDep, actor: ActorDep, body: RoleProfileIn) -> IdOut:
    """A role profile, checked against its tier's limits (necessity, minimal intrusion)."""
    role = body.model_dump(mode="json", exclude_none=True)
    return IdOut(id=scope.define_role_profile(svc, actor, role))


@router.post("/builtin", status_code=status.HTTP_201_CREATED)
def use_builtin(svc: ServicesDep, actor: ActorDep, body: BuiltinProfileIn) -> IdOut:
    """Copy a built-in profile (``fairscreen profiles``) into the employer's own."""
    return IdOut(id=scope.use_builtin_profile(svc, actor, body.profile))

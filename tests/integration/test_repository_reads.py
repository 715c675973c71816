"""A unit of work reads a tenant or a role profile once (``ServiceRepository``): no
statement changes either row once written, and signing an authorization read each twice
(the scope, then the notice). A tenant not found is looked up again, since the same unit
of work may add it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from service_fixtures import make_world

SELECTS = ("FROM tenants", "FROM role_profiles")


def _count_selects(engine: sa.Engine, seen: list[str]) -> Any:
    def record(*args: Any) -> None:
        statement = args[2]
        seen.extend(kind for kind in SELECTS if kind in statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    return record


def test_a_tenant_and_a_profile_are_read_once_per_unit_of_work(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    seen: list[str] = []
    record = _count_selects(world.svc.engine, seen)
    try:
        with world.svc.uow() as uow:
            first = uow.repo.tenant(world.employer.id)
            again = uow.repo.tenant(world.employer.id)
            profile = uow.repo.profile(world.profile_id)
            assert uow.repo.profile(world.profile_id) == profile
        assert first is not None and again == first and first["kind"] == "employer"
        assert profile is not None and profile["employer_id"] == world.employer.id
        assert seen == list(SELECTS)
        with world.svc.uow() as uow:  # a new unit of work reads again
            assert uow.repo.tenant(world.employer.id) == first
        assert seen == [*SELECTS, SELECTS[0]]
    finally:
        sa.event.remove(world.svc.engine, "before_cursor_execute", record)
        world.svc.engine.dispose()


def test_a_tenant_not_found_is_read_again(database_url: str, tmp_path: Path) -> None:
    world = make_world(database_url, tmp_path)
    tenant_id = f"tenant_{uuid.uuid4().hex}"
    try:
        with world.svc.uow() as uow:
            assert uow.repo.tenant(tenant_id) is None
            uow.repo.add_tenant(
                id=tenant_id,
                kind="employer",
                name="某测试公司",
                pseudonym=world.svc.pseudonym("emp", tenant_id),
                created_at=world.svc.now(),
            )
            added = uow.repo.tenant(tenant_id)
        assert added is not None and added["kind"] == "employer"
    finally:
        world.svc.engine.dispose()

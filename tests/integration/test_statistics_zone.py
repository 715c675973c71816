"""The public statistics count a case in the period of its UTC moment, whatever zone the
database sessions run in (a database set to Asia/Shanghai, the transaction timeout scope
that sends no startup options): PostgreSQL's EXTRACT from a timestamptz reads the
session's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from service_fixtures import make_world, order

from fairscreen.services.stats import MIN_GROUP, case_statistics


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/Los_Angeles"])
def test_a_case_counts_in_the_month_of_its_utc_moment(
    database_url: str, tmp_path: Path, zone: str
) -> None:
    world = make_world(database_url, tmp_path)
    # 20:00 UTC on the last day of the year: 04:00 on 1 January in Shanghai
    world.clock.now = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    for _ in range(MIN_GROUP):
        order(world)
    engine = world.svc.engine
    if engine.dialect.name == "postgresql":

        @sa.event.listens_for(engine, "connect")
        def _in_zone(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET TimeZone TO '{zone}'")
            dbapi_connection.commit()

        engine.dispose()  # the sessions from now on run in ``zone``
    monthly = case_statistics(world.svc)
    assert [group["period"] for group in monthly["groups"]] == ["2026-12"]
    yearly = case_statistics(world.svc, period="year")
    assert [group["period"] for group in yearly["groups"]] == ["2026"]

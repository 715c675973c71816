"""A database put back from an older backup while the log's high-water mark stands: the
scheduler releases, destroys and publishes nothing (issue 18, item 3: the revoked case
came back in candidate_review and was released to the employer)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from backups import dump, restore
from fairscreen.adapters.db.case_tables import cases
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.services.authorization import revoke_authorization
from fairscreen.services.investigation import run_investigation
from integration.service_fixtures import make_world, order_and_sign


def _state(world_engine: sa.Engine, case_id: str) -> str:
    with world_engine.connect() as connection:
        return str(
            connection.execute(sa.select(cases.c.state).where(cases.c.id == case_id)).scalar()
        )


def test_the_scheduler_does_nothing_on_a_database_older_than_its_log(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    assert tick(world.svc).failed_steps == ()
    saved = dump(database_url)
    revoke_authorization(world.svc, world.candidate, case_id)
    assert tick(world.svc).failed_steps == ()
    restore(database_url, saved)
    assert _state(world.svc.engine, case_id) == "candidate_review"  # revived by the restore
    world.clock.advance(days=30)
    report = tick(world.svc)
    assert report.failed_steps == ("high_water",) and report.released == 0
    assert _state(world.svc.engine, case_id) == "candidate_review"
    # The public checkpoint of the older tree is not served as if it were the latest.
    served = TestClient(create_app(world.svc)).get("/checkpoint")
    assert served.status_code == 503 and served.json()["code"] == "LOG_ROLLED_BACK"
    assert str(tmp_path) not in served.text
    world.svc.engine.dispose()

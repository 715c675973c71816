"""The scheduler runs in the background while the app is served: it releases reports
whose review window ended and publishes a checkpoint, without anyone asking."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from api.conftest import Api, many_sign_ins, order_over_api, sign_over_api
from fairscreen.adapters.db.engine import begin_write
from fairscreen.adapters.db.ledger_store import queue_pending
from fairscreen.entrypoints.api import create_app
from fairscreen.ledger.entries import encode_entry
from ledger.ledger_factories import at, entry


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_background_scheduler_releases_and_publishes(api: Api) -> None:
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    api.world.clock.advance(days=30)  # the review window has ended, nobody disputed
    app = create_app(
        api.world.svc, scheduler_interval=0.05, web=False, sign_in_limiter=many_sign_ins()
    )
    with TestClient(app) as client:  # the lifespan starts the scheduler
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if client.get("/checkpoint").status_code == 200:
                break
            time.sleep(0.05)
        headers = {"Authorization": f"Bearer {api.tokens['employer']}"}
        state = client.get(f"/v1/cases/{case_id}", headers=headers).json()["state"]
    assert state == "released"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_runs_the_sequencer_and_stops_it_at_shutdown(api: Api) -> None:
    svc = api.world.svc
    with begin_write(svc.engine) as connection:
        (pending_id,) = queue_pending(
            connection, [encode_entry(entry("source.queried", when=at(1, 0), category="education"))]
        )
    app = create_app(svc, sequencer_interval=0.02, web=False, sign_in_limiter=many_sign_ins())
    with TestClient(app) as client:  # the lifespan starts the sequencer's thread
        deadline = time.monotonic() + 30
        answer = client.get(f"/v1/transparency/pending/{pending_id}").json()
        while answer["inclusion"] is None and time.monotonic() < deadline:
            time.sleep(0.02)
            answer = client.get(f"/v1/transparency/pending/{pending_id}").json()
        assert [t for t in threading.enumerate() if t.name == "fairscreen-sequencer"]
    # Integrated and published by the loop; stopped with the app.
    assert answer["state"] == "integrated" and answer["inclusion"] is not None
    assert not [t for t in threading.enumerate() if t.name == "fairscreen-sequencer"]


def test_a_background_investigation_is_done_by_the_in_process_runner(api: Api) -> None:
    """``?background=true`` answers 202 at once; the runner inside ``serve`` queries the
    sources and opens the review (issue 16 item 2: the same task a worker runs). On
    PostgreSQL the job goes to procrastinate and a worker runs it instead
    (tests/integration/test_job_queue.py, the worker's investigation tests)."""
    if api.world.svc.engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL `fairscreen worker` runs background jobs, not serve")
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    app = create_app(
        api.world.svc, scheduler_interval=0.05, web=False, sign_in_limiter=many_sign_ins()
    )
    headers = {"Authorization": f"Bearer {api.tokens['agency']}"}
    with TestClient(app) as client:
        started = client.post(
            f"/v1/cases/{case_id}/investigation", params={"background": "true"}, headers=headers
        )
        assert started.status_code == 202, started.text
        assert started.json()["light"] is None and started.json()["queried"]
        deadline = time.monotonic() + 20
        state = "investigating"
        while state == "investigating" and time.monotonic() < deadline:
            time.sleep(0.05)
            state = client.get(f"/v1/cases/{case_id}", headers=headers).json()["state"]
    assert state == "candidate_review"


def test_serve_runs_its_own_sequencer_on_sqlite_only_unless_told() -> None:
    """On PostgreSQL ``fairscreen worker`` runs the sequencer: a thread in every
    ``serve`` only polled its lease beside it. The option, then the setting, decide
    first; 0 turns it off."""
    from fairscreen.entrypoints.cli.serve import serve_sequencer_interval

    assert serve_sequencer_interval(None, None, in_process=True) == 0.2
    assert serve_sequencer_interval(None, None, in_process=False) is None
    assert serve_sequencer_interval(None, 0.5, in_process=False) == 0.5
    assert serve_sequencer_interval(1.0, 0.5, in_process=False) == 1.0
    assert serve_sequencer_interval(0.0, 0.5, in_process=True) is None
    assert serve_sequencer_interval(None, 0.0, in_process=True) is None

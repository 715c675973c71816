"""The scheduler lease (adapters/db/lease.py): one holder at a time per database, across
processes, never waiting; a tick that cannot take it does nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from service_fixtures import World, make_world, order_and_sign

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.lease import exclusive_lease
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.services.investigation import run_investigation

SRC = Path(__file__).resolve().parents[2] / "src"


def test_one_holder_at_a_time_and_names_apart(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with exclusive_lease(engine, "scheduler") as first:
            assert first
            with exclusive_lease(engine, "scheduler") as second:
                assert not second  # another connection / file handle: refused at once
            with exclusive_lease(engine, "another-job") as other:
                assert other
        with exclusive_lease(engine, "scheduler") as again:
            assert again  # released on exit
    finally:
        engine.dispose()


def test_a_lease_held_by_another_process_is_refused_until_it_ends(database_url: str) -> None:
    holder = textwrap.dedent(
        f"""
        import sys, time
        from fairscreen.adapters.db.engine import create_engine
        from fairscreen.adapters.db.lease import exclusive_lease
        engine = create_engine({database_url!r})
        with exclusive_lease(engine, "scheduler") as held:
            print("held" if held else "refused", flush=True)
            sys.stdin.readline()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", holder],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    engine = create_engine(database_url)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        with exclusive_lease(engine, "scheduler") as held:
            assert not held
        child.communicate("done\n", timeout=30)
        with exclusive_lease(engine, "scheduler") as held:
            assert held
    finally:
        if child.poll() is None:
            child.kill()
        engine.dispose()


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def test_a_tick_without_the_lease_does_nothing(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    world.clock.advance(days=30)  # the review window ended: the release is due
    with exclusive_lease(world.svc.engine, "scheduler") as held:
        assert held
        assert tick(world.svc).skipped
        with world.svc.reader() as uow:
            assert uow.repo.case(case_id)["state"] == "candidate_review"  # type: ignore[index]
    report = tick(world.svc)
    assert not report.skipped and report.released == 1

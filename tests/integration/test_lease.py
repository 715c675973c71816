"""The scheduler lease (adapters/db/lease.py): one holder at a time per database, across
processes, never waiting; a tick that cannot take it does nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from service_fixtures import World, make_world, order_and_sign
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.lease import exclusive_lease
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.services.investigation import run_investigation
from pg_sessions import end_sessions, named_url

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


FROZEN_HOLDER = """
import logging, sys, time
from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.lease import exclusive_lease
logging.basicConfig(stream=sys.stdout, level=logging.WARNING, format="%(message)s")
limit = None if sys.argv[2] == "none" else float(sys.argv[2])
with exclusive_lease(create_engine(sys.argv[1]), "sequencer", hold_limit=limit) as held:
    print("held" if held else "refused", flush=True)
    sys.stdin.readline()  # frozen (SIGSTOP) meanwhile, then told to go on
print("left the lease", flush=True)
"""


def _hold_then_freeze(url: str, limit: str) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", FROZEN_HOLDER, url, limit],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    os.kill(child.pid, signal.SIGSTOP)
    return child


def _taken_within(engine: Engine, seconds: float, hold_limit: float | None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with exclusive_lease(engine, "sequencer", hold_limit=hold_limit) as held:
            if held:
                return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
def test_a_frozen_holder_keeps_a_bounded_lease_no_longer_than_its_limit(
    postgres_url: str,
) -> None:
    """A process frozen (SIGSTOP) while it holds a lease with a ``hold_limit``: the server
    ends the lease at the limit and another process takes it; the frozen one, woken,
    finds it gone, says so in its log and goes on. Without a limit the frozen holder
    keeps the lease for as long as it is stopped."""
    engine = create_engine(postgres_url)
    children = []
    try:
        bounded = _hold_then_freeze(postgres_url, "1")
        children.append(bounded)
        with exclusive_lease(engine, "sequencer", hold_limit=1.0) as held:
            assert not held  # frozen, but within its limit
        assert _taken_within(engine, 15, hold_limit=1.0)
        os.kill(bounded.pid, signal.SIGCONT)
        said, _ = bounded.communicate("go on\n", timeout=30)
        assert bounded.returncode == 0
        assert "lease sequencer was held past its limit of 1000 ms" in said
        assert "left the lease" in said

        unbounded = _hold_then_freeze(postgres_url, "none")
        children.append(unbounded)
        assert not _taken_within(engine, 3, hold_limit=None)  # the session lock stays
        os.kill(unbounded.pid, signal.SIGCONT)
        unbounded.communicate("go on\n", timeout=30)
        assert _taken_within(engine, 5, hold_limit=None)
    finally:
        for child in children:
            if child.poll() is None:
                os.kill(child.pid, signal.SIGCONT)
                child.kill()
                child.wait(timeout=30)
        engine.dispose()


@pytest.mark.postgres
def test_a_holder_that_renews_keeps_a_bounded_lease_past_its_limit(postgres_url: str) -> None:
    """The limit counts idle time: a live holder renewing between its steps keeps the
    lease longer than the limit; one that stops renewing loses it, and its next renewal
    says so (``LeaseLost``), so its work stops."""
    from fairscreen.adapters.db.lease import LeaseLost

    engine = create_engine(postgres_url)
    try:
        with exclusive_lease(engine, "sequencer", hold_limit=1.0) as lease:
            assert lease
            for _ in range(4):  # 2 s of work, renewed every half second
                time.sleep(0.5)
                lease.renew()
                with exclusive_lease(engine, "sequencer", hold_limit=1.0) as other:
                    assert not other
            time.sleep(2)  # not renewed: the server ends it
            assert _taken_within(engine, 5, hold_limit=1.0)
            with pytest.raises(LeaseLost, match="not renewed for 1000 ms"):
                lease.renew()
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("renews", [True, False], ids=["renewed", "left"])
def test_a_lease_whose_session_the_server_ended_is_lost_not_an_error(
    postgres_url: str, caplog: pytest.LogCaptureFixture, renews: bool
) -> None:
    """A restart (or an administrator) ends the holder's session: the engine then says
    ``DatabaseUnreachable`` rather than the driver's error, and the lease still reads it
    as the lease being gone: a renewal raises ``LeaseLost``; a holder that leaves without
    one finds it gone on the way out and logs it, as for a holder ended at its limit.
    Only this test's own sessions are ended (``pg_sessions``): the database is shared."""
    from fairscreen.adapters.db.lease import LeaseLost

    url, name = named_url(postgres_url, "fairscreen_lease")
    engine = create_engine(url)
    try:
        with exclusive_lease(engine, "sequencer", hold_limit=30.0) as lease:
            assert lease
            assert end_sessions(postgres_url, name) >= 1
            if renews:
                with pytest.raises(LeaseLost, match="was ended by the server"):
                    lease.renew()
        assert ("was held past its limit" in caplog.text) is not renews
        assert _taken_within(engine, 5, hold_limit=30.0)
    finally:
        engine.dispose()

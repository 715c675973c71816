"""The sequencer as the service runs it (issue 16 item 1), on SQLite and PostgreSQL: a
request commits its entries as pending and takes no ledger lock; the sequencer's loop
(whoever holds its lease) integrates them and publishes; ``ledger publish`` and
``ledger integrate`` go through the same lease; when the holder dies, another process
takes over."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from service_fixtures import World, make_world, order_and_sign
from typer.testing import CliRunner

from fairscreen.adapters.db.engine import begin_read
from fairscreen.adapters.db.lease import LeaseLost, exclusive_lease
from fairscreen.adapters.db.ledger_store import (
    ADVISORY_LOCK_CLASS,
    FROZEN_WRITER_LIMIT,
    pending_count,
    reading,
)
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.adapters.high_water import FileMarkStore
from fairscreen.domain.errors import DatabaseBusy, LedgerPending
from fairscreen.entrypoints.cli import app
from fairscreen.services.authorization import revoke_authorization
from fairscreen.services.investigation import run_investigation
from fairscreen.services.retention import destruction_certificate
from fairscreen.services.sequencer import (
    LEASE,
    SequencerReport,
    integrate,
    run_sequencer,
    sequence_round,
)
from fairscreen.services.transparency import audit_ledger, pending_entry


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    made = make_world(database_url, tmp_path)
    # Requests leave their entries pending on SQLite too: the sequencer's path, tested
    # on both databases.
    made.svc.config = replace(made.svc.config, sequence_inline=False)
    return made


def pending(world: World) -> int:
    with begin_read(world.svc.engine) as connection:
        return pending_count(connection)


def size(world: World) -> int:
    with reading(world.svc.engine) as log:
        return log.size()


def test_requests_leave_entries_pending_and_the_loop_integrates_and_publishes(
    world: World,
) -> None:
    before = size(world)
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    queued = pending(world)
    assert queued > 0 and size(world) == before  # nothing in the tree yet

    stop = threading.Event()
    rounds: list[SequencerReport] = []
    loop = threading.Thread(
        target=run_sequencer,
        args=(world.svc, stop),
        kwargs={"interval": 0.02, "publish_interval": 0.0, "on_round": rounds.append},
    )
    loop.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(r.published for r in rounds):
            time.sleep(0.02)
    finally:
        stop.set()
        loop.join(timeout=30)
    assert not loop.is_alive()  # the stop signal ends the loop
    assert pending(world) == 0 and size(world) == before + queued
    assert sum(r.integrated for r in rounds) == queued
    assert all(delay >= 0 for r in rounds for delay in r.delays)
    with reading(world.svc.engine) as log:
        latest = log.latest_checkpoint()
    assert latest is not None and latest.size == size(world)
    assert audit_ledger(world.svc, as_of=world.clock.now) == []


def test_by_default_sqlite_integrates_at_commit_and_postgresql_leaves_it_to_the_sequencer(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)  # the default: sequence_inline=None
    before = size(world)
    order_and_sign(world)
    if world.svc.engine.dialect.name == "sqlite":
        assert pending(world) == 0 and size(world) > before
    else:
        queued = pending(world)
        assert queued > 0 and size(world) == before
        assert integrate(world.svc.engine).integrated == queued


def test_a_process_frozen_holding_the_high_water_mark_stalls_no_round(world: World) -> None:
    """Another process holds the high-water mark's lock as if frozen mid-raise (SIGSTOP
    in the milliseconds of a raise): the sequencer's round integrates and publishes all
    the same, leaving the mark where it was, where it used to wait 5 s and fail, round
    after round, for as long as the freeze lasted. Once the lock is free, the next round
    raises the mark to the latest checkpoint."""
    mark = world.svc.high_water
    assert mark is not None
    order_and_sign(world)
    sequence_round(world.svc, witnesses=False)  # a first checkpoint, and the mark at it
    order_and_sign(world)
    queued = pending(world)
    before = mark.mark()
    assert before is not None
    frozen = FileMarkStore(Path(mark.store.location))  # a descriptor of its own: a holder
    with frozen.locked():
        report = sequence_round(world.svc, witnesses=False)
        assert report.integrated == queued and report.published
        assert mark.mark() == before  # not raised while held
    sequence_round(world.svc, witnesses=False)
    with reading(world.svc.engine) as log:
        latest = log.latest_checkpoint()
    raised = mark.mark()
    assert latest is not None and raised is not None and raised.size == latest.size == size(world)


def test_a_destruction_certificate_waits_for_its_entry(world: World) -> None:
    case_id = order_and_sign(world)
    revoke_authorization(world.svc, world.candidate, case_id)  # destroys the case (P1)
    with pytest.raises(LedgerPending):
        destruction_certificate(world.svc, world.candidate, case_id)
    sequence_round(world.svc)
    certificate = destruction_certificate(world.svc, world.candidate, case_id)
    found = pending_entry(world.svc, certificate["ledger_pending_id"])
    assert found["state"] == "integrated" and found["index"] == certificate["ledger_index"]
    assert certificate["receipt"].startswith("c2sp.org/tlog-proof@v1")


def test_nothing_runs_beside_the_lease_holder(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_and_sign(world)
    queued = pending(world)
    env = {
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_DATABASE_URL": str(world.svc.engine.url.render_as_string(False)),
    }
    monkeypatch.setattr("fairscreen.entrypoints.cli.ledger.LEASE_WAIT", 0.2)
    with exclusive_lease(world.svc.engine, LEASE) as held:
        assert held
        assert sequence_round(world.svc).skipped
        assert integrate(world.svc.engine).skipped
        published = CliRunner().invoke(app, ["ledger", "publish"], env=env)
        assert published.exit_code != 0
        assert "sequencer lease" in published.output
        integrated = CliRunner().invoke(app, ["ledger", "integrate", "--wait", "0"], env=env)
        assert integrated.exit_code != 0
        assert pending(world) == queued
    integrated = CliRunner().invoke(app, ["ledger", "integrate"], env=env)
    assert integrated.exit_code == 0, integrated.output
    assert f"integrated {queued} entries" in integrated.output
    published = CliRunner().invoke(app, ["ledger", "publish"], env=env)
    assert published.exit_code == 0, published.output
    again = CliRunner().invoke(app, ["ledger", "publish"], env=env)
    assert again.exit_code == 0, again.output
    with reading(world.svc.engine) as log:
        sizes = [c.size for c in log.store.read_checkpoints()]
    assert len(sizes) == len(set(sizes)) == 1  # one checkpoint per size


HOLDER = """
import sys, time
from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.lease import exclusive_lease
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.adapters.high_water import FileMarkStore
with exclusive_lease(create_engine(sys.argv[1]), sys.argv[2]) as held:
    print("held" if held else "refused", flush=True)
    time.sleep(3600)
"""


def test_when_the_holder_dies_another_process_takes_over(world: World) -> None:
    order_and_sign(world)
    url = world.svc.engine.url.render_as_string(False)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, LEASE], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert sequence_round(world.svc).skipped
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        deadline = time.monotonic() + 30
        report = sequence_round(world.svc)
        while report.skipped and time.monotonic() < deadline:  # the server notices the death
            time.sleep(0.05)
            report = sequence_round(world.svc)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
    assert not report.skipped and report.integrated > 0 and report.published
    assert pending(world) == 0


@pytest.mark.postgres
def test_requests_commit_while_the_ledger_lock_is_held(postgres_url: str, tmp_path: Path) -> None:
    """The ledger lock (the sequencer's) held elsewhere for the whole time: requests that
    log entries and requests that log none still commit (before issue 16 each of them
    waited for it)."""
    world = make_world(postgres_url, tmp_path)
    engine = world.svc.engine
    with engine.connect() as holder:
        holder.execute(
            sa.text("SELECT pg_advisory_lock(:key, hashtext(current_schema()))"),
            {"key": ADVISORY_LOCK_CLASS},
        )
        holder.commit()
        done: list[str] = []

        def requests() -> None:
            case_id = order_and_sign(world)  # registration and orders log nothing, signing does
            run_investigation(world.svc, world.agency, case_id)
            done.append(case_id)

        worker = threading.Thread(target=requests, daemon=True)
        worker.start()
        worker.join(timeout=120)  # a liveness bound: with the old lock this never ends
        assert done, "a request waited for the ledger lock"
        assert pending(world) > 0
        holder.execute(
            sa.text("SELECT pg_advisory_unlock(:key, hashtext(current_schema()))"),
            {"key": ADVISORY_LOCK_CLASS},
        )
        holder.commit()
    assert integrate(engine).integrated > 0


@pytest.mark.postgres
def test_two_writers_on_one_case_queue_on_its_row(postgres_url: str, tmp_path: Path) -> None:
    """No ledger lock serialises writers any more: a writer that loads a case holds its
    row until it commits, so a second writer of the case waits and then sees the first's
    state (its entries are then queued after the first's)."""
    world = make_world(postgres_url, tmp_path)
    case_id = order_and_sign(world)
    seen: list[str] = []

    def writer() -> SqlUnitOfWork:
        # Keys beside the data: the tests' SQLite key store would serialise the two
        # writers on its own write lock (production keeps its keys in PostgreSQL).
        return SqlUnitOfWork(world.svc.engine, world.svc.key_provider)

    def second_writer() -> None:
        with writer() as uow:
            case = uow.repo.case(case_id)
            assert case is not None
            seen.append(str(case["state"]))

    with writer() as first:
        assert first.repo.case(case_id) is not None
        waiting = threading.Thread(target=second_writer)
        waiting.start()
        with world.svc.engine.connect() as watcher:
            for _ in range(200):  # until the second writer waits on the row (10 s at most)
                blocked = watcher.execute(
                    sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")
                ).scalar_one()
                if blocked or seen:
                    break
                time.sleep(0.05)
        first.repo.update_case(case_id, state="withdrawn")
        first.commit()
    waiting.join(timeout=60)
    assert seen == ["withdrawn"]


FROZEN_INTEGRATION = """
import sys
from fairscreen.adapters.db.engine import begin_write, create_engine
from fairscreen.adapters.db.ledger_store import FROZEN_WRITER_LIMIT, SqlLedgerStore
with begin_write(create_engine(sys.argv[1])) as connection:
    # as the sequencer's transaction mid-integration
    SqlLedgerStore(connection, idle_limit=FROZEN_WRITER_LIMIT).lock_for_append()
    print("locked", flush=True)
    sys.stdin.readline()  # frozen (SIGSTOP) meanwhile
"""


@pytest.mark.postgres
def test_a_sequencer_frozen_mid_integration_stalls_the_log_only_briefly(
    postgres_url: str, tmp_path: Path
) -> None:
    """A process frozen (SIGSTOP) while its transaction holds the log's writer lock: the
    server ends that transaction after ``FROZEN_WRITER_LIMIT`` seconds idle, and another
    process's sequencer integrates what is pending (before, the session-wide limit of a
    minute stalled every sequencer, and the drill saw the backlog grow for as long as the
    SIGSTOP lasted)."""
    world = make_world(postgres_url, tmp_path)
    order_and_sign(world)
    url = world.svc.engine.url.render_as_string(False)
    frozen = subprocess.Popen(
        [sys.executable, "-c", FROZEN_INTEGRATION, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert frozen.stdout is not None and frozen.stdout.readline().strip() == "locked"
        os.kill(frozen.pid, signal.SIGSTOP)
        began = time.monotonic()
        while pending(world) and time.monotonic() - began < 30:
            # the first round waits for the frozen writer (and may lose its own lease
            # meanwhile, or time out on the lock): the loop goes on, as the live one does
            with contextlib.suppress(DatabaseBusy, LeaseLost):
                sequence_round(world.svc)
        waited = time.monotonic() - began
    finally:
        os.kill(frozen.pid, signal.SIGCONT)
        frozen.kill()
        frozen.wait(timeout=30)
    assert pending(world) == 0, "the log stayed stalled"
    assert waited < FROZEN_WRITER_LIMIT + 10


@pytest.mark.postgres
def test_only_the_sequencers_transactions_get_the_short_idle_limit(postgres_url: str) -> None:
    """The writer lock's 5 s idle limit is the sequencer's (its integration and its
    checkpoints): an operator's ``ledger append``, whose Python work between statements
    may run longer, keeps the session's limit."""
    from fairscreen.adapters.db.engine import begin_write, create_engine
    from fairscreen.adapters.db.ledger_store import SqlLedgerStore

    engine = create_engine(postgres_url)
    show = sa.text("SHOW idle_in_transaction_session_timeout")
    try:
        limits = []
        for idle_limit in (None, FROZEN_WRITER_LIMIT):
            with begin_write(engine) as connection:
                SqlLedgerStore(connection, idle_limit=idle_limit).lock_for_append()
                limits.append(connection.execute(show).scalar_one())
    finally:
        engine.dispose()
    assert limits == ["1min", "5s"]

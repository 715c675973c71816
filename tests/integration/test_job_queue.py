"""Background work on a real job queue (issue 16 item 2): procrastinate on PostgreSQL,
the same task functions in-process on SQLite.

- a job exists exactly when the state change that causes it committed (enqueued through
  the unit of work's own connection);
- ``fairscreen worker`` runs the jobs and the sweeps, and nothing is done twice;
- many purges at once (workers, the CLI) each destroy a case once, never failing with
  ``InvalidTransition`` (4 of 287 concurrent purges did before).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from procrastinate import jobs as procrastinate_jobs
from procrastinate.exceptions import ConnectorException
from service_fixtures import World, make_world, order_and_sign, settle

from fairscreen.adapters.jobs import InProcessQueue, Job, ProcrastinateQueue
from fairscreen.adapters.sources.port import (
    QueryPermit,
    SourceAnswer,
    SourcePort,
    SourceQuery,
    UnavailableReason,
    unavailable,
)
from fairscreen.domain.categories import Category, SourceKind
from fairscreen.entrypoints.api.scheduler import run_jobs, start_loops
from fairscreen.entrypoints.worker import (
    RETRY_STALLED,
    StalledJobsLeft,
    cron_for,
    procrastinate_app,
    run_worker,
)
from fairscreen.services import retention
from fairscreen.services.background import TASKS
from fairscreen.services.investigation import run_investigation, start_investigation
from fairscreen.services.jobs import INVESTIGATE, RELEASE_CASE


@pytest.fixture
def world(postgres_url: str, postgres_key_store_url: str, tmp_path: Path) -> World:
    made = make_world(postgres_url, tmp_path, key_store_url=postgres_key_store_url)
    assert isinstance(made.svc.jobs, ProcrastinateQueue)  # bootstrap's choice on PostgreSQL
    return made


def _jobs(world: World) -> list[dict[str, object]]:
    with world.svc.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT task_name, args, lock, status, scheduled_at FROM procrastinate_jobs "
                "ORDER BY id"
            )
        )
        return [dict(row._mapping) for row in rows]


def _entries(world: World, kind: str) -> list[dict[str, object]]:
    """The integrated log's entries of ``kind`` (after one sequencer pass: on PostgreSQL
    a request only queues its entries)."""
    settle(world)
    with world.svc.reader() as uow:
        size = uow.ledger_store.read_size()
        found = [json.loads(data) for _, data in uow.ledger_store.read_entries(0, size)]
    return [entry for entry in found if entry["type"] == kind]


def test_the_release_job_commits_with_the_review_window_and_only_then(world: World) -> None:
    case_id = order_and_sign(world)
    assert _jobs(world) == []
    run_investigation(world.svc, world.agency, case_id)
    [job] = _jobs(world)
    assert job["task_name"] == RELEASE_CASE and job["args"] == {"case_id": case_id}
    assert job["lock"] == f"case:{case_id}" and job["status"] == "todo"
    with world.svc.reader() as uow:
        window_ends = uow.repo.case(case_id)["window_ends"]  # type: ignore[index]
    assert job["scheduled_at"] == window_ends
    # The job is written in the caller's transaction: rolled back with it.
    count = sa.text("SELECT count(*) FROM procrastinate_jobs")
    with world.svc.uow() as uow:
        world.svc.jobs.enqueue(uow.connection, [Job(RELEASE_CASE, {"case_id": "cs_none"})])
        assert uow.connection.execute(count).scalar_one() == 2  # seen inside
        assert len(_jobs(world)) == 1  # not outside
    assert len(_jobs(world)) == 1  # never committed: gone
    # A use case that fails after enqueuing leaves none either.
    with pytest.raises(RuntimeError), world.svc.uow() as uow:
        uow.enqueue(Job(RELEASE_CASE, {"case_id": "cs_none"}))
        raise RuntimeError("the use case failed after enqueuing")
    assert len(_jobs(world)) == 1


def test_a_queueing_lock_drops_a_second_job_without_failing_the_transaction(
    world: World,
) -> None:
    job = Job("collect_webhooks", queueing_lock="collect_webhooks")
    for _ in range(2):
        with world.svc.uow() as uow:
            uow.enqueue(job)
            uow.connection.execute(sa.text("UPDATE webhook_cursor SET ledger_index = 0"))
            uow.commit()  # the duplicate is dropped in a savepoint; the update commits
    assert [j["task_name"] for j in _jobs(world)] == ["collect_webhooks"]


def test_the_worker_releases_once_and_runs_the_sweeps(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    world.clock.advance(days=30)  # the window ended without a dispute
    asyncio.run(run_worker(world.svc, once=True))
    with world.svc.reader() as uow:
        assert uow.repo.case(case_id)["state"] == "released"  # type: ignore[index]
    # released by its own job or by the sweep that ran beside it, never by both
    assert len(_entries(world, "report.released")) == 1
    with world.svc.reader() as uow:  # the publish sweep ran: a checkpoint of the log
        assert uow.ledger().latest_checkpoint() is not None
    assert [j["status"] for j in _jobs(world)] == []  # done jobs are deleted
    # Another round finds nothing more to do.
    asyncio.run(run_worker(world.svc, once=True))
    assert len(_entries(world, "report.released")) == 1


def test_concurrent_purges_destroy_each_case_once(world: World) -> None:
    cases = [order_and_sign(world) for _ in range(12)]
    retention.request_deletion(world.svc, world.candidate)
    world.clock.advance(days=16)  # every case is due (PIPL art. 47: 15 days)
    results: list[retention.PurgeResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def purge() -> None:
        start.wait()
        try:
            results.append(retention.purge(world.svc, batch=3))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=purge) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    destroyed = [case for result in results for case in result.destroyed]
    assert sorted(destroyed) == sorted(cases)  # each exactly once, across all purges
    ledger = _entries(world, "data.destroyed")
    assert len(ledger) == len(cases)
    assert len({entry["case"] for entry in ledger}) == len(cases)


def test_the_sweeps_periods_are_cron_lines() -> None:
    assert cron_for(5) == "* * * * * */5"
    assert cron_for(60) == "*/1 * * * *"
    assert cron_for(300) == "*/5 * * * *"
    with pytest.raises(ValueError, match="7 s"):
        cron_for(7)


def test_the_long_running_loops_start_and_stop_with_the_worker(world: World) -> None:
    """The place the ledger sequencer plugs in: a loop given to the worker runs beside
    the queue and is told to stop when the worker stops."""
    seen: list[str] = []

    def loop(svc: object, stop: threading.Event) -> None:
        seen.append("started")
        stop.wait(60)
        seen.append("stopped")

    asyncio.run(run_worker(world.svc, once=True, loops=[loop]))
    assert seen == ["started", "stopped"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_the_same_release_job_runs_in_process(database_url: str, tmp_path: Path) -> None:
    world = make_world(database_url, tmp_path)
    assert isinstance(world.svc.jobs, InProcessQueue)
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    [job] = world.svc.jobs.waiting()
    assert job.task == RELEASE_CASE
    assert run_jobs(world.svc) == 0  # not due yet by the service's clock
    world.clock.advance(days=30)
    assert run_jobs(world.svc) == 1
    with world.svc.reader() as uow:
        assert uow.repo.case(case_id)["state"] == "released"  # type: ignore[index]
    stop = threading.Event()
    ran = threading.Event()
    [thread] = start_loops(world.svc, [lambda svc, halt: (ran.set(), halt.wait(60))], stop)
    assert ran.wait(10)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()


def test_fairscreen_worker_once_and_its_refusals(postgres_url: str, tmp_path: Path) -> None:
    """The command itself: on SQLite it says where the work runs instead; on an
    un-migrated PostgreSQL database it names ``db upgrade``; after it, ``--once`` runs,
    logging as ``serve`` does."""
    import os
    import subprocess
    import sys

    def worker(url: str, *args: str) -> subprocess.CompletedProcess[str]:
        environment = {
            **os.environ,
            "FAIRSCREEN_DATABASE_URL": url,
            "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        }
        command = [sys.executable, "-m", "fairscreen", *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=120, env=environment, check=False
        )

    on_sqlite = worker(f"sqlite:///{tmp_path / 'x.db'}", "worker")
    assert on_sqlite.returncode == 2 and "needs PostgreSQL" in on_sqlite.stderr
    unmigrated = worker(postgres_url, "worker", "--once")
    assert unmigrated.returncode == 1 and "fairscreen db upgrade" in unmigrated.stderr
    assert unmigrated.stderr.count("\n") == 1
    assert worker(postgres_url, "db", "upgrade").returncode == 0
    done = worker(postgres_url, "worker", "--once")
    assert done.returncode == 0, done.stderr
    assert "worker stopped" in done.stdout
    # serve's log lines, with the time (not Python's bare last resort, which dropped INFO)
    started = r"^\d{4}-\d\d-\d\d [\d:,]+ INFO fairscreen\.worker \[-\] worker started: 2 jobs"
    assert re.search(started, done.stderr, re.MULTILINE), done.stderr
    # procrastinate's job lines (each job with its arguments: a case's id) are not logged
    assert "procrastinate" not in done.stderr, done.stderr


def _release_due(world: World) -> str:
    """A case investigated and its review window over: its release job is due."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    world.clock.advance(days=30)
    return case_id


def _dead_worker(connection: sa.Connection) -> int:
    """A worker silent for an hour (no heartbeat: killed), by its id."""
    return int(
        connection.execute(
            sa.text(
                "INSERT INTO procrastinate_workers (last_heartbeat) "
                "VALUES (now() - interval '1 hour') RETURNING id"
            )
        ).scalar_one()
    )


def test_the_jobs_of_a_dead_worker_run_again(world: World) -> None:
    """A worker killed mid-job leaves it ``doing``; once the worker is known dead (no
    heartbeat), the upkeep puts the job back and a live worker runs it."""
    case_id = _release_due(world)
    with world.svc.engine.begin() as connection:
        worker_id = _dead_worker(connection)
        connection.execute(
            sa.text("UPDATE procrastinate_jobs SET status = 'doing', worker_id = :worker"),
            {"worker": worker_id},
        )
    asyncio.run(run_worker(world.svc, once=True))
    assert [j["task_name"] for j in _jobs(world) if j["status"] == "doing"] == []
    with world.svc.reader() as uow:
        assert uow.repo.case(case_id)["state"] == "released"  # type: ignore[index]
    assert len(_entries(world, "report.released")) == 1


def test_a_dead_workers_sweep_ends_when_the_next_one_waits(world: World) -> None:
    """A worker killed mid-sweep leaves the sweep's job ``doing``; by the time the upkeep
    finds it, the sweep's next job is waiting (its queueing lock allows one). Putting the
    dead one back would make two wait, which PostgreSQL refused (a drill's worker log:
    UniqueViolation), failing the upkeep and stranding every stalled job after it, a
    case's release among them. Now the dead sweep ends ``aborted`` (the waiting job does
    the sweep), the release runs again, and no job fails."""
    case_id = _release_due(world)
    sweep = next(task for task in TASKS.values() if task.every is not None)
    with world.svc.engine.begin() as connection:
        worker_id = _dead_worker(connection)
        queue = connection.execute(
            sa.text("SELECT queue_name FROM procrastinate_jobs WHERE task_name = :release"),
            {"release": RELEASE_CASE},
        ).scalar_one()
        for status, owner in (("doing", worker_id), ("todo", None)):  # dead, then next
            connection.execute(
                sa.text(
                    "INSERT INTO procrastinate_jobs "
                    "(queue_name, task_name, queueing_lock, lock, args, status, worker_id) "
                    "VALUES (:queue, :name, :queueing_lock, :lock, '{}', "
                    "CAST(:status AS procrastinate_job_status), :worker)"
                ),
                {
                    "queue": queue,
                    "name": sweep.name,
                    "queueing_lock": sweep.name,
                    "lock": sweep.lock,
                    "status": status,
                    "worker": owner,
                },
            )
        connection.execute(  # the case's release, stalled with it
            sa.text(
                "UPDATE procrastinate_jobs SET status = 'doing', worker_id = :worker "
                "WHERE task_name = :release"
            ),
            {"worker": worker_id, "release": RELEASE_CASE},
        )
    asyncio.run(run_worker(world.svc, once=True))
    statuses = [(j["task_name"], j["status"]) for j in _jobs(world)]
    assert (sweep.name, "aborted") in statuses
    assert [name for name, status in statuses if status in ("doing", "failed")] == []
    assert _state(world, case_id) == "released"
    assert len(_entries(world, "report.released")) == 1


def test_a_stalled_job_that_cannot_go_back_does_not_hold_up_the_others(world: World) -> None:
    """Each stalled job is put back on its own: one the queue refuses is logged and the
    rest go back; the upkeep's own job then fails (``StalledJobsLeft``), so the next
    period tries the refused one again."""
    app = procrastinate_app(world.svc)
    refused, other = (
        procrastinate_jobs.Job(id=n, queue="q", lock=None, queueing_lock=None, task_name=name)
        for n, name in ((1, "a"), (2, "b"))
    )
    returned: list[procrastinate_jobs.Job] = []

    async def stalled(**_: object) -> list[procrastinate_jobs.Job]:
        return [refused, other]

    async def retry(job: procrastinate_jobs.Job, **_: object) -> None:
        if job is refused:
            raise ConnectorException("the database refused it")
        returned.append(job)

    app.job_manager.get_stalled_jobs = stalled  # type: ignore[method-assign]
    app.job_manager.retry_job = retry  # type: ignore[method-assign]
    with pytest.raises(StalledJobsLeft, match="1 of 2 stalled jobs"):
        asyncio.run(app.tasks[RETRY_STALLED].func())
    assert returned == [other]


class DownFor:
    """A source that times out for its first ``down`` queries, then answers as the
    wrapped one does (a registry that was down for a while)."""

    def __init__(self, inner: SourcePort, down: int) -> None:
        self.inner, self.down, self.calls = inner, down, 0

    @property
    def source_id(self) -> str:
        return self.inner.source_id

    @property
    def categories(self) -> frozenset[Category]:
        return self.inner.categories

    def fetch(self, query: SourceQuery, permit: QueryPermit | None) -> SourceAnswer:
        self.calls += 1
        if self.calls <= self.down:
            return unavailable(
                self.source_id, SourceKind.REGISTRY, query.category, UnavailableReason.TIMEOUT
            )
        return self.inner.fetch(query, permit)


def _flaky(world: World, down: int) -> DownFor:
    """Every category's source: one source that is down for ``down`` queries."""
    [inner] = {id(s): s for s in world.svc.sources.values()}.values()
    flaky = DownFor(inner, down)
    world.svc.sources = dict.fromkeys(world.svc.sources, flaky)
    return flaky


def _state(world: World, case_id: str) -> str:
    with world.svc.reader() as uow:
        return str(uow.repo.case(case_id)["state"])  # type: ignore[index]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_background_investigation_waits_out_a_source_that_is_down(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    flaky = _flaky(world, down=2)
    started = start_investigation(world.svc, world.agency, case_id)
    assert started.queried and started.light is None
    assert _state(world, case_id) == "investigating"
    assert run_jobs(world.svc) == 0  # the first try met the source down: not rated
    assert _state(world, case_id) == "investigating"
    [retry] = world.svc.jobs.waiting()
    assert retry.attempt == 1 and retry.run_at is not None
    assert run_jobs(world.svc) == 0  # not before its backoff, by the service's clock
    for _ in range(3):
        world.clock.advance(minutes=5)
        run_jobs(world.svc)
    assert _state(world, case_id) == "candidate_review"
    with world.svc.reader() as uow:
        records = uow.repo.records(uow.repo.case(case_id))  # type: ignore[arg-type]
    assert not [r for r in records if r.get("status") == "source_unavailable"]
    assert len(_entries(world, "report.rated")) == 1
    assert flaky.calls > 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_its_last_try_an_investigation_rates_what_it_has(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    _flaky(world, down=10_000)  # never answers
    start_investigation(world.svc, world.agency, case_id)
    for _ in range(TASKS[INVESTIGATE].attempts):
        run_jobs(world.svc)
        world.clock.advance(minutes=10)
    assert _state(world, case_id) == "candidate_review"
    assert [job.task for job in world.svc.jobs.waiting()] == [RELEASE_CASE]  # none left
    with world.svc.reader() as uow:
        records = uow.repo.records(uow.repo.case(case_id))  # type: ignore[arg-type]
    assert records and all(r.get("status") == "source_unavailable" for r in records)


def test_the_worker_retries_an_investigation_with_backoff(world: World) -> None:
    case_id = order_and_sign(world)
    _flaky(world, down=1)
    start_investigation(world.svc, world.agency, case_id)
    asyncio.run(run_worker(world.svc, once=True))
    assert _state(world, case_id) == "investigating"
    [job] = [j for j in _jobs(world) if j["task_name"] == INVESTIGATE]
    assert job["status"] == "todo"  # failed once, waits for its retry
    with world.svc.engine.begin() as connection:  # its backoff (2 s) has passed
        connection.execute(sa.text("UPDATE procrastinate_jobs SET scheduled_at = now()"))
    asyncio.run(run_worker(world.svc, once=True))
    assert _state(world, case_id) == "candidate_review"
    assert len(_entries(world, "report.rated")) == 1


def test_the_in_process_queue_keeps_a_bounded_number_of_jobs() -> None:
    queue = InProcessQueue(limit=2)
    queue.committed([Job(RELEASE_CASE, {"case_id": str(n)}) for n in range(3)])
    queue.committed([Job("collect_webhooks", queueing_lock="c")])
    assert [job.args["case_id"] for job in queue.waiting()] == ["0", "1"]
    unbounded = InProcessQueue()
    unbounded.committed([Job("collect_webhooks", queueing_lock="c")] * 2)
    assert len(unbounded.waiting()) == 1  # one waiting per queueing lock


def test_the_queue_starts_again_when_procrastinate_ends_it_unasked(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """procrastinate stops its worker, without raising, when one of its side tasks fails
    (the drill saw the periodic deferrer wait past lock_timeout on a frozen peer's lock):
    ``fairscreen worker`` then exited 0 with no job run. The queue starts again, whether
    it ended or raised; the long-running loops run on throughout; only ``stop`` ends it."""
    import procrastinate

    from fairscreen.entrypoints import worker as worker_module

    monkeypatch.setattr(worker_module, "QUEUE_RESTART_SECONDS", 0.05)
    runs: list[str] = []
    loop_events: list[str] = []

    async def fake_run_worker_async(self: procrastinate.App, **_: object) -> None:
        runs.append("run")
        if len(runs) == 1:
            return  # as after "Side task deferrer failed …, stopping worker"
        if len(runs) == 2:
            raise procrastinate.exceptions.ConnectorException("Database error.")
        await asyncio.Event().wait()  # runs until cancelled by stop

    monkeypatch.setattr(procrastinate.App, "run_worker_async", fake_run_worker_async)

    def loop(svc: object, halt: threading.Event) -> None:
        loop_events.append("started")
        halt.wait(60)
        loop_events.append("stopped")

    async def drive() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(run_worker(world.svc, stop=stop, loops=[loop]))
        for _ in range(200):
            if len(runs) >= 3:
                break
            await asyncio.sleep(0.02)
        assert loop_events == ["started"]  # the loops did not stop with the queue
        stop.set()
        await asyncio.wait_for(running, 30)

    with caplog.at_level("ERROR", logger="fairscreen.worker"):
        asyncio.run(drive())
    assert len(runs) == 3
    assert loop_events == ["started", "stopped"]
    said = [record.getMessage() for record in caplog.records]
    assert "the job queue ended; it starts again in 0.05 s" in said
    # ended again soon after starting: the pause doubles
    assert "the job queue failed (ConnectorException); it starts again in 0.1 s" in said

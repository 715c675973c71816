"""Concurrent writers with and without the ledger lock on their path, on PostgreSQL, in
one run (issue 16 item 1).

    createdb -h 127.0.0.1 -U postgres bench_db
    .venv/bin/python bench/sequencer.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench_db

Each writer thread runs transactions like a request's: one state row updated (its own
row: writers do not contend on data), one event payload row inserted, one ledger entry
(~260 bytes), commit. Two ways, alternated round by round so the machine's load drifts
over both alike:

- **lock** (before issue 16): the entry is appended in the writer's transaction
  (``append_in_transaction``: ``pg_advisory_xact_lock`` held until commit);
- **pending** (now): the entry is queued in ``ledger_pending`` (no ledger lock), and one
  sequencer thread (``run_sequencer``'s pass: ``integrate_all`` every ``--interval``
  seconds) integrates it; the delay of every entry from its queueing to its
  integration is recorded.

Prints commits/s per mode and writer count, the ratio to the lock's in the same round,
and p50/p99/max of the integration delay. Every database schema is fresh; nothing here
runs in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from fairscreen.adapters.db.engine import begin_write, create_engine
from fairscreen.adapters.db.ledger_store import append_in_transaction, queue_pending
from fairscreen.adapters.db.migrations import upgrade
from fairscreen.services.sequencer import integrate_all

BENCH_STATE = sa.Table(
    "bench_state",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("counter", sa.Integer, nullable=False),
)
BENCH_EVENTS = sa.Table(
    "bench_events",
    sa.MetaData(),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
)


def entry(writer: int, number: int) -> bytes:
    return (
        f'{{"actor":{{"pseudonym":"usr_{writer:032x}","role":"agency"}},'
        f'"at":"2026-12-04T10:00:00Z","case":"case_{number:032x}",'
        f'"category":"education","commitment":"{uuid.uuid4().hex * 2}",'
        f'"type":"source.queried","v":2}}'
    ).encode()


def fresh_schema(base: str) -> str:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in base else "?"
    url = f"{base}{separator}options=-csearch_path%3D{schema}"
    upgrade(url)
    engine = sa.create_engine(url)
    BENCH_STATE.create(engine)
    BENCH_EVENTS.create(engine)
    engine.dispose()
    return url


def run_writers(
    url: str, writers: int, seconds: float, write: Callable[[sa.Connection, int, int], None]
) -> int:
    engine = create_engine(url, pool_size=writers + 2)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(BENCH_STATE), [{"id": w, "counter": 0} for w in range(writers)]
        )
    stop = time.monotonic() + seconds
    counts = [0] * writers

    def work(writer: int) -> None:
        number = 0
        while time.monotonic() < stop:
            with begin_write(engine) as connection:
                connection.execute(
                    sa.update(BENCH_STATE)
                    .where(BENCH_STATE.c.id == writer)
                    .values(counter=BENCH_STATE.c.counter + 1)
                )
                connection.execute(
                    sa.insert(BENCH_EVENTS).values(id=uuid.uuid4().hex, body=b"x" * 120)
                )
                write(connection, writer, number)
            number += 1
        counts[writer] = number

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return sum(counts)


def locked(connection: sa.Connection, writer: int, number: int) -> None:
    append_in_transaction(connection, [entry(writer, number)], guard=False)


def pending(connection: sa.Connection, writer: int, number: int) -> None:
    queue_pending(connection, [entry(writer, number)])


def with_sequencer(url: str, interval: float, run: Callable[[], int]) -> tuple[int, list[float]]:
    engine = create_engine(url)
    stop = threading.Event()
    delays: list[float] = []

    def loop() -> None:
        while not stop.is_set():
            delays.extend(integrate_all(engine).delays)
            stop.wait(interval)

    sequencer = threading.Thread(target=loop)
    sequencer.start()
    try:
        commits = run()
        time.sleep(interval * 4)  # let the sequencer drain what is left
    finally:
        stop.set()
        sequencer.join()
    delays.extend(integrate_all(engine).delays)
    engine.dispose()
    return commits, delays


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL database (SQLAlchemy URL)")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.05, help="sequencer interval")
    args = parser.parse_args()
    console = Console(width=120)
    results: dict[tuple[str, int], list[float]] = {}
    delays: dict[int, list[float]] = {}
    for round_number in range(args.rounds):
        for writers in args.writers:
            url = fresh_schema(args.url)
            commits = run_writers(url, writers, args.seconds, locked)
            results.setdefault(("lock", writers), []).append(commits / args.seconds)
            url = fresh_schema(args.url)
            commits, waited = with_sequencer(
                url,
                args.interval,
                lambda url=url, writers=writers: run_writers(url, writers, args.seconds, pending),
            )
            results.setdefault(("pending", writers), []).append(commits / args.seconds)
            delays.setdefault(writers, []).extend(waited)
            console.print(f"round {round_number + 1}, {writers} writers: done")
    table = Table(title="PostgreSQL, writer transactions/s (mean of rounds) and integration delay")
    for column in (
        "writers",
        "lock: commits/s",
        "pending: commits/s",
        "ratio",
        "delay p50 ms",
        "delay p99 ms",
        "delay max ms",
        "entries",
    ):
        table.add_column(column, justify="right")
    for writers in args.writers:
        before = statistics.mean(results[("lock", writers)])
        after = statistics.mean(results[("pending", writers)])
        waited = delays[writers]
        table.add_row(
            str(writers),
            f"{before:,.0f}",
            f"{after:,.0f}",
            f"{after / before:.2f}",
            f"{percentile(waited, 0.5) * 1000:.0f}",
            f"{percentile(waited, 0.99) * 1000:.0f}",
            f"{max(waited) * 1000:.0f}",
            f"{len(waited):,}",
        )
    console.print(table)


if __name__ == "__main__":
    main()

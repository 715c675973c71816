"""The server's CPU per lifecycle, steadily: whole lifecycles driven one after another
through the ASGI app in one process, no load generator and no sockets in between.

``bench/load.py`` measures what several ``serve`` processes carry under locust, and on a
shared 2-core machine its CPU per lifecycle moves with whatever else runs (51 to 127 ms
for the same code). Here one process holds both the app and its client, so what it
spends is the app's work plus a small, constant client share, and a change shows against
its baseline measured in the same run, round by round.

Each measurement runs in a child process of its own (this file with ``--child``), on the
code named by its ``PYTHONPATH`` only (``--before`` needs no copy of this file in the
other checkout):

1. fresh databases: on PostgreSQL a data database and a key-store database
   (``load.databases``), on SQLite two files; ``fairscreen db upgrade`` migrates them and
   the world is seeded through the services, as ``bench/load.py`` does (``load.upgrade``,
   ``load.seed``: synthetic people only);
2. the app is built as ``serve`` builds it (``build_services`` that migrates nothing,
   ``create_app`` with the token read on the event loop; logging configured, the start-up
   heap frozen), with no scheduler and no sequencer thread: on PostgreSQL ``fairscreen
   worker`` runs those, so they are not a request's CPU;
3. its lifespan runs and an ``httpx.AsyncClient`` over ``httpx.ASGITransport`` sends the
   lifecycle's eight requests (``load/lifecycle_steps.py``, the locustfile's steps)
   through the app's whole middleware stack, a ``def`` route taking its trip to the
   thread pool as under uvicorn;
4. after ``--warmup`` lifecycles, ``time.process_time`` (every thread of the process)
   over ``--lifecycles`` lifecycles gives CPU ms per lifecycle;
5. in the first round only (they do not vary), ``--count`` more lifecycles are counted
   per database: statements (SQLAlchemy's ``before_cursor_execute`` on every engine, by
   the database it reaches: a reader's has an engine of its own; plus the statements
   psycopg's async connections run: the token read on the loop), the transactions the
   server sees (on PostgreSQL: an explicit transaction is counted when its first
   statement goes out, and each statement in autocommit is one; on SQLite: each
   ``BEGIN``), and on PostgreSQL the round trips (statements, plus ``BEGIN`` and the
   ``COMMIT`` or ``ROLLBACK`` of each explicit transaction).

``--before DIR`` measures another checkout's code (``DIR/src``) too, alternating with
this one's over ``--rounds`` rounds (before first in even rounds, now first in odd ones,
so a drift of the machine's load falls on both), and the table gives the minimum and the
median of each, and their ratio. The minimum is the figure least disturbed by other work.

    .venv/bin/python bench/lifecycle_cpu.py [--before /work/main] [--rounds 5]
        [--lifecycles 60] [--warmup 5] [--count 10] [--sqlite] [--postgres ADMIN_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench" / "load"))  # lifecycle_steps, beside the locustfile

from lifecycle_steps import lifecycle  # noqa: E402

import load  # noqa: E402  (bench/load.py: databases, db upgrade, the seeded world)

DATABASES = ("data", "keys")


class LifecycleFailed(Exception):
    pass


# --- the child: one measurement on the code its PYTHONPATH names -------------------------


@contextmanager
def fresh_stores(kind: str, admin_url: str, folder: Path) -> Iterator[tuple[str, str]]:
    """A fresh data database and key store (URLs), at the code's head revision."""
    if kind == "sqlite":
        urls = (f"sqlite:///{folder / 'data.db'}", f"sqlite:///{folder / 'keys.db'}")
        load.upgrade(load.process_env(*urls, folder / "var"))
        yield urls
        return
    tag = uuid.uuid4().hex[:8]
    names = (f"fairscreen_cpu_{tag}", f"fairscreen_cpu_{tag}_keys")
    with load.databases(admin_url, *names) as (data_url, keys_url):
        load.upgrade(load.process_env(data_url, keys_url, folder / "var"))
        yield data_url, keys_url


class StatementCounter:
    """Statements, transactions and round trips per database, between :meth:`start` and
    :meth:`stop`. Its hooks are in place only then: a listener on an engine costs every
    statement SQLAlchemy's event dispatch and a call, which a server does not pay, so
    the timed and callgrind-counted lifecycles run without them."""

    def __init__(self, services: Any) -> None:
        self.counts = {name: Counter[str]() for name in DATABASES}
        self._engines = {"data": services.engine, "keys": services.key_engine}
        self._names = {
            str(engine.url.database): name
            for name, engine in self._engines.items()
            if engine is not None
        }
        self._listeners: list[tuple[Any, Any]] = []
        self._execute: Any = None

    def start(self) -> None:
        import sqlalchemy as sa

        for name, engine in self._engines.items():
            if engine is not None:
                listener = self._statement(name)
                sa.event.listen(engine, "before_cursor_execute", listener)
                self._listeners.append((engine, listener))
        self._count_async_psycopg()

    def stop(self) -> None:
        import psycopg
        import sqlalchemy as sa

        for engine, listener in self._listeners:
            sa.event.remove(engine, "before_cursor_execute", listener)
        self._listeners.clear()
        if self._execute is not None:
            psycopg.AsyncCursor.execute = self._execute  # type: ignore[method-assign]
            self._execute = None

    def _statement(self, name: str) -> Any:
        def before_cursor_execute(
            connection: Any, cursor: Any, statement: str, *_: Any, **__: Any
        ) -> None:
            counts = self.counts[name]
            if connection.dialect.name == "sqlite":  # the engine's explicit BEGIN
                counts["transactions" if statement.startswith("BEGIN") else "statements"] += 1
                return
            counts["statements"] += 1
            dbapi = cursor.connection
            if dbapi.autocommit:
                counts["transactions"] += 1
            elif dbapi.info.transaction_status == dbapi.info.transaction_status.IDLE:
                counts["transactions"] += 1  # psycopg sends BEGIN now …
                counts["bounds"] += 2  # … and COMMIT or ROLLBACK at the end

        return before_cursor_execute

    def _count_async_psycopg(self) -> None:
        """psycopg's async connections (the token read on the loop) run in autocommit:
        each statement is one transaction. Counted at the cursor, which every async
        statement goes through (``AsyncConnection.execute`` makes one; the token read
        keeps its own)."""
        import psycopg

        execute = self._execute = psycopg.AsyncCursor.execute
        counter = self

        async def counted(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            name = counter._names.get(cursor.connection.info.dbname, "data")
            counts = counter.counts[name]
            counts["statements"] += 1
            counts["transactions"] += 1
            return await execute(cursor, *args, **kwargs)

        psycopg.AsyncCursor.execute = counted  # type: ignore[method-assign]

    def per_lifecycle(self, lifecycles: int, postgres: bool) -> dict[str, dict[str, float]]:
        table = {}
        for name, counts in self.counts.items():
            row = {
                "statements": counts["statements"] / lifecycles,
                "transactions": counts["transactions"] / lifecycles,
            }
            if postgres:
                row["round trips"] = (counts["statements"] + counts["bounds"]) / lifecycles
            table[name] = row
        return table


async def drive(client: Any, world: dict[str, Any]) -> None:
    """One lifecycle; the first answer of 300 or more stops it with an error naming the
    step and the problem's code (never a body's personal data)."""
    steps = lifecycle(world)
    answer = None
    try:
        while True:
            request = steps.send(answer)
            response = await client.request(
                request.method, request.path, headers=dict(request.headers), json=request.body
            )
            if response.status_code >= 300:
                code = response.json().get("code", "?") if response.content else "-"
                raise LifecycleFailed(f"{request.step}: HTTP {response.status_code} {code}")
            answer = response.json() if response.content else None
    except StopIteration:
        return


async def measure(app: Any, world: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    counter = StatementCounter(app.state.services)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as client,
    ):
        for _ in range(args.warmup):
            await drive(client, world)
        began_cpu, began = time.process_time(), time.perf_counter()
        for _ in range(args.lifecycles):
            await drive(client, world)
        cpu, wall = time.process_time() - began_cpu, time.perf_counter() - began
        if args.count:
            counter.start()
            try:
                for _ in range(args.count):
                    await drive(client, world)
            finally:
                counter.stop()
    postgres = args.database == "postgresql"
    return {
        "cpu_ms": cpu * 1000 / args.lifecycles,
        "wall_ms": wall * 1000 / args.lifecycles,
        "counts": counter.per_lifecycle(args.count, postgres) if args.count else None,
    }


def child(args: argparse.Namespace) -> None:
    import fairscreen
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.entrypoints.api import create_app
    from fairscreen.entrypoints.api.observability import configure_logging
    from fairscreen.entrypoints.api.server import compile_on_start, freeze_startup_heap

    with (
        tempfile.TemporaryDirectory(prefix="fairscreen-cpu-") as tmp,
        fresh_stores(args.database, args.postgres, Path(tmp)) as (data_url, keys_url),
    ):
        folder = Path(tmp) / "var"
        world = load.seed(data_url, keys_url, folder)
        settings = Settings(database_url=data_url, key_store_url=keys_url, data_dir=folder)
        services = build_services(settings, migrate=False, require_schema=True)
        try:
            # as `serve` builds it on PostgreSQL: the background work is the worker's
            app = create_app(services, token_reads_on_loop=True)
            configure_logging(settings.log_format, "info")
            compile_on_start(app)
            freeze_startup_heap()
            result = asyncio.run(measure(app, world, args))
        finally:
            services.engine.dispose()
            if services.key_engine is not None:
                services.key_engine.dispose()
    gc.unfreeze()
    print(json.dumps({**result, "code": str(Path(fairscreen.__file__).parent)}))


# --- the parent: rounds of children, one table ---------------------------------------------


@dataclass
class Code:
    label: str
    src: Path
    cpu_ms: list[float]
    wall_ms: list[float]
    counts: dict[str, dict[str, dict[str, float]]]  # database kind -> store -> figure


def run_child(code: Code, database: str, args: argparse.Namespace, count: int) -> None:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", "--database", database]
    command += ["--lifecycles", str(args.lifecycles), "--warmup", str(args.warmup)]
    command += ["--count", str(count), "--postgres", args.postgres]
    with tempfile.TemporaryFile() as log:
        done = subprocess.run(
            command,
            env={**os.environ, "PYTHONPATH": str(code.src)},
            stdout=subprocess.PIPE,
            stderr=log,
            check=False,
        )
        if done.returncode != 0:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace")[-3000:]
            raise SystemExit(f"{code.label} ({database}) failed:\n{tail}")
    result = json.loads(done.stdout.decode("utf-8").strip().splitlines()[-1])
    if Path(result["code"]).resolve() != (code.src / "fairscreen").resolve():
        raise SystemExit(f"{code.label} ran {result['code']}, not the code of {code.src}")
    if database == "postgresql":
        code.cpu_ms.append(result["cpu_ms"])
        code.wall_ms.append(result["wall_ms"])
    if result["counts"] is not None:
        code.counts[database] = result["counts"]
    print(f"{code.label} {database}: {result['cpu_ms']:.1f} ms CPU per lifecycle", file=sys.stderr)


def print_table(codes: list[Code], args: argparse.Namespace) -> None:
    load_average = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nCPU per lifecycle through the ASGI app in one process (PostgreSQL), "
        f"{args.lifecycles} lifecycles after {args.warmup} of warm-up, {args.rounds} rounds; "
        f"{os.cpu_count()} CPUs; load average after the run {load_average}"
    )
    baseline = codes[0]
    header = ["code", "CPU ms/lc, min", "median", "÷ before (min)", "÷ before (median)"]
    header += ["each round", "wall ms/lc, median"]
    print("| " + " | ".join(header) + " |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for code in codes:
        low, middle = min(code.cpu_ms), statistics.median(code.cpu_ms)
        ratios = ("", "")
        if code is not baseline and len(codes) > 1:
            ratios = (
                f"{low / min(baseline.cpu_ms):.2f}",
                f"{middle / statistics.median(baseline.cpu_ms):.2f}",
            )
        rounds = ", ".join(f"{value:.1f}" for value in code.cpu_ms)
        wall = statistics.median(code.wall_ms)
        print(
            f"| {code.label} | {low:.1f} | {middle:.1f} | {ratios[0]} | {ratios[1]} | "
            f"{rounds} | {wall:.1f} |"
        )
    print(f"\nper lifecycle and database ({args.count} lifecycles counted):")
    print("| code | database | store | statements | transactions | round trips |")
    print("|---|---|---|---:|---:|---:|")
    for code in codes:
        for database, stores in code.counts.items():
            for store, row in stores.items():
                trips = row.get("round trips")
                print(
                    f"| {code.label} | {database} | {store} | {row['statements']:.1f} | "
                    f"{row['transactions']:.1f} | {'-' if trips is None else f'{trips:.1f}'} |"
                )


def child_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``parser`` with the child's own arguments (hidden): this file's parent and
    ``lifecycle_callgrind.py`` start the child with them."""
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default="postgresql", help=argparse.SUPPRESS)
    return parser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout, measured alternately")
    parser.add_argument("--rounds", type=int, default=5, help="measurements of each code")
    parser.add_argument("--lifecycles", type=int, default=60, help="timed, per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="lifecycles before the timing")
    parser.add_argument("--count", type=int, default=10, help="lifecycles counted (round 1)")
    parser.add_argument("--sqlite", action="store_true", help="count statements on SQLite too")
    parser.add_argument("--postgres", default=load.POSTGRES, help="an admin URL (CREATE DATABASE)")
    args = child_arguments(parser).parse_args()
    if args.child:
        child(args)
        return
    for name in ("rounds", "lifecycles", "count"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name}: at least 1")
    codes = [Code("now", ROOT / "src", [], [], {})]
    if args.before is not None:
        if not (args.before / "src" / "fairscreen").is_dir():
            raise SystemExit(f"--before: {args.before} has no src/fairscreen")
        codes.insert(0, Code("before", args.before.resolve() / "src", [], [], {}))
    for round_number in range(args.rounds):
        order = codes if round_number % 2 == 0 else codes[::-1]
        for code in order:
            run_child(code, "postgresql", args, args.count if round_number == 0 else 0)
    if args.sqlite:
        for code in codes:
            run_child(code, "sqlite", args, args.count)
    print_table(codes, args)


if __name__ == "__main__":
    main()

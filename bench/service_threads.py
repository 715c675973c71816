"""Concurrent lifecycles through the service on PostgreSQL, this tree against another
checkout (before issue 16) in the same run.

    .venv/bin/python bench/service_threads.py --before /work/main --threads 1 4 8

Each measurement runs in a child process of the tree it measures (its own virtualenv's
Python, ``<tree>/.venv/bin/python``): a fresh PostgreSQL schema, the wrapped keys beside
the data (production keeps them in PostgreSQL; the test fixtures' SQLite key store would
serialise the writers on its own write lock), then ``--threads`` threads each running
lifecycles (order → sign → investigate and rate → accept → released) for
``--seconds``. In a tree that has the sequencer, its loop runs beside them (as ``serve``
runs it) and the entries still pending at the end are integrated before the audit.
Rounds alternate the trees, so the machine's load drifts over both alike. Prints
lifecycles/s per tree and thread count and the ratio; each child checks its ledger's
compliance audit is clean. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def child(tree: Path, threads: int, seconds: float) -> dict[str, Any]:
    sys.path[:0] = [str(tree / "tests"), str(tree / "tests" / "integration")]
    import sqlalchemy as sa
    from service_fixtures import make_world, order_and_sign

    from fairscreen.adapters.db.key_store import move_wrapped_keys
    from fairscreen.services.investigation import run_investigation
    from fairscreen.services.review import accept_report
    from fairscreen.services.transparency import audit_ledger

    try:
        from fairscreen.services import sequencer
    except ImportError:
        sequencer = None  # type: ignore[assignment]

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            world = make_world(url, Path(folder))
            if world.svc.key_engine is not None:
                move_wrapped_keys(world.svc.key_engine, world.svc.engine)
                world.svc.key_engine = None
            order_and_sign(world)  # warm up
            stop_sequencer = threading.Event()
            loop = None
            if sequencer is not None:
                loop = threading.Thread(
                    target=sequencer.run_sequencer, args=(world.svc, stop_sequencer)
                )
                loop.start()
            done = [0] * threads
            errors: list[str] = []
            deadline = time.monotonic() + seconds

            def work(slot: int) -> None:
                try:
                    while time.monotonic() < deadline:
                        case_id = order_and_sign(world)
                        run_investigation(world.svc, world.agency, case_id)
                        accept_report(world.svc, world.candidate, case_id)
                        done[slot] += 1
                except Exception as exc:  # noqa: BLE001 - reported in the table
                    errors.append(type(exc).__name__)

            started = time.monotonic()
            workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            elapsed = time.monotonic() - started
            stop_sequencer.set()
            if loop is not None:
                loop.join()
                sequencer.integrate_all(world.svc.engine)
            clean = audit_ledger(world.svc, as_of=world.clock.now) == []
            world.svc.engine.dispose()
        return {"lifecycles": sum(done), "seconds": elapsed, "errors": errors, "clean": clean}
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def measure(tree: Path, threads: int, seconds: float) -> dict[str, Any]:
    python = tree / ".venv" / "bin" / "python"
    answer = subprocess.run(
        [str(python), __file__, "--child", str(tree), str(threads), str(seconds)],
        capture_output=True,
        text=True,
        check=True,
        # the other checkout is read, never written to (no bytecode caches there)
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    result: dict[str, Any] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        tree, threads, seconds = Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        print(json.dumps(child(tree, threads, seconds)))
        return
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    trees = {"before": args.before.resolve(), "now": here}
    rates: dict[tuple[str, int], list[float]] = {}
    notes: dict[tuple[str, int], set[str]] = {}
    console = Console(width=120)
    for round_number in range(args.rounds):
        for threads in args.threads:
            for name, tree in trees.items():
                result = measure(tree, threads, args.seconds)
                rates.setdefault((name, threads), []).append(
                    result["lifecycles"] / result["seconds"]
                )
                found = notes.setdefault((name, threads), set())
                found.update(result["errors"])
                if not result["clean"]:
                    found.add("audit not clean")
            console.print(f"round {round_number + 1}, {threads} threads: done")
    table = Table(title="PostgreSQL, lifecycles/s (mean of rounds), keys beside the data")
    for column in ("threads", "before", "now", "ratio", "notes"):
        table.add_column(column, justify="right")
    for threads in args.threads:
        before = sum(rates[("before", threads)]) / len(rates[("before", threads)])
        now = sum(rates[("now", threads)]) / len(rates[("now", threads)])
        problems = notes[("before", threads)] | notes[("now", threads)]
        table.add_row(
            str(threads),
            f"{before:.1f}",
            f"{now:.1f}",
            f"{now / before:.2f}",
            ", ".join(sorted(problems)) or "—",
        )
    console.print(table)


if __name__ == "__main__":
    main()

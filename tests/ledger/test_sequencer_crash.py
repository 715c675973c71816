"""Sequencing off the request path, for real (issue 16 item 1; SQLite and PostgreSQL):
writers queue pending entries while sequencers race to integrate them, one sequencer is
killed -9 inside a batch (before its commit), a writer is killed -9 mid-run. Every
acknowledged entry ends up in the log exactly once, in each writer's order, nothing
stays pending, and ``fairscreen ledger verify`` passes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from sequencer_worker import entry
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from fairscreen.adapters.db.engine import begin_write
from fairscreen.adapters.db.ledger_store import (
    integrate_pending,
    pending_count,
    pending_status,
    queue_pending,
    reading,
)
from fairscreen.adapters.db.tables import ledger_entries
from fairscreen.entrypoints.cli import app
from fairscreen.ledger.verify import verify_log

WORKER = Path(__file__).with_name("sequencer_worker.py")
WRITERS = ("alpha", "beta", "gamma")
PER_COMMIT = 7


class Process:
    """A worker process whose output lines are collected on a thread."""

    def __init__(self, *args: str) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, str(WORKER), *args],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(WORKER.parent)},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.strip())

    def wait_for(self, prefix: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if line.startswith(prefix):
                    return line
            if self.popen.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no {prefix!r} from {self.popen.args}: {self.lines[-5:]}")

    def kill(self) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._reader.join(timeout=30)

    def acknowledged(self) -> list[int]:
        numbers: list[int] = []
        for line in self.lines:
            word, first, last = line.split()
            assert word == "ack"
            numbers.extend(range(int(first), int(last) + 1))
        return numbers


def test_racing_sequencers_and_kill_9_lose_nothing_and_integrate_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    writers = {name: Process("writer", database_url, name, str(PER_COMMIT)) for name in WRITERS}
    for process in writers.values():
        process.wait_for("ack")
    # Two sequencers race; a third takes a batch and is killed -9 before it commits
    # (while it holds the batch, the others wait on its lock: on SQLite, writers too).
    racers = [Process("sequencer", database_url, "50") for _ in range(2)]
    doomed = Process("sequencer", database_url, "500", "hold")
    try:
        doomed.wait_for("holding")
        time.sleep(0.3)
        doomed.kill()
        for racer in racers:
            racer.wait_for("integrated")
        writers["beta"].kill()  # a writer killed mid-run: its acknowledged entries stay
        time.sleep(1.0)
        racers[0].kill()  # and a racer, wherever it is
        time.sleep(0.5)
    finally:
        for process in [*writers.values(), doomed, *racers]:
            process.kill()
    assert doomed.popen.returncode == -signal.SIGKILL

    # Whatever is still pending is integrated by one more pass (a sequencer taking over).
    with begin_write(engine) as connection:
        integrate_pending(connection)
    with begin_write(engine) as connection:
        assert pending_count(connection) == 0

    with reading(engine) as log:
        size = log.size()
        stored = [data for _, data in log.store.read_entries(0, size)]
        assert verify_log(log.store, None).ok
    counts = Counter(stored)
    assert max(counts.values()) == 1, "an entry was integrated twice"
    for name, process in writers.items():
        acked = process.acknowledged()
        assert acked, name
        positions = {data: i for i, data in enumerate(stored)}
        mine = [positions.get(entry(name, number)) for number in acked]
        assert None not in mine, f"an acknowledged entry of {name} was lost"
        assert mine == sorted(mine), f"{name}'s entries were integrated out of order"
    with engine.connect() as connection:
        with_ids = connection.execute(
            sa.select(sa.func.count()).where(ledger_entries.c.pending_id.is_not(None))
        ).scalar_one()
    assert with_ids == size

    env = {"FAIRSCREEN_DATA_DIR": str(tmp_path / "var"), "FAIRSCREEN_DATABASE_URL": database_url}
    result = CliRunner().invoke(app, ["ledger", "verify"], env=env)
    assert result.exit_code == 0, result.output


def test_a_pending_entry_has_its_index_once_integrated(engine: Engine) -> None:
    with begin_write(engine) as connection:
        first, second = queue_pending(connection, [entry("x", 0), entry("x", 1)])
    with begin_write(engine) as connection:
        assert pending_status(connection, first) is None
        integration = integrate_pending(connection, 1)
    assert integration.pending_ids == (first,)
    assert len(integration.delays) == 1 and integration.delays[0] >= 0
    with begin_write(engine) as connection:
        assert pending_status(connection, first) == 0
        assert pending_status(connection, second) is None
        integrate_pending(connection)
        assert pending_status(connection, second) == 1
        # Integrating again finds nothing: the pending rows went with the append.
        assert integrate_pending(connection).count == 0


def test_a_rolled_back_transaction_leaves_nothing_pending(engine: Engine) -> None:
    try:
        with begin_write(engine) as connection:
            queue_pending(connection, [entry("y", 0)])
            raise RuntimeError("the state change failed")
    except RuntimeError:
        pass
    with begin_write(engine) as connection:
        assert pending_count(connection) == 0
        assert integrate_pending(connection).count == 0

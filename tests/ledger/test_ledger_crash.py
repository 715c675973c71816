"""Kill -9 in the middle of a large batched append (a real subprocess, SQLite and
PostgreSQL): the log keeps every acknowledged batch, nothing of the interrupted one, and
``fairscreen ledger verify`` passes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger_crash_worker import batch_entries
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from fairscreen.adapters.db.ledger_store import reading
from fairscreen.entrypoints.cli import app
from fairscreen.ledger.verify import verify_log

WORKER = Path(__file__).with_name("ledger_crash_worker.py")
BATCH = 30_000
ACKED_BEFORE_KILL = 2


def test_kill_9_mid_batch_keeps_exactly_the_acknowledged_batches(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), database_url, str(BATCH), "50"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(WORKER.parent)},
    )
    assert worker.stdout is not None
    acked: list[int] = []
    durations: list[float] = []
    started = time.monotonic()
    try:
        for line in worker.stdout:
            word, batch, *rest = line.split()
            if word == "begin":
                started = time.monotonic()
                if len(acked) == ACKED_BEFORE_KILL:
                    # Well inside the batch: commit comes at its very end.
                    time.sleep(min(durations) * 0.4)
                    os.kill(worker.pid, signal.SIGKILL)
                    break
            else:
                durations.append(time.monotonic() - started)
                acked.append(int(batch))
                assert int(rest[0]) == len(acked) * BATCH
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    assert acked == list(range(ACKED_BEFORE_KILL))

    with reading(engine) as log:
        assert log.size() == ACKED_BEFORE_KILL * BATCH
        assert log.store.max_entry_index() == ACKED_BEFORE_KILL * BATCH - 1
        for batch in acked:
            stored = [
                data for _, data in log.store.read_entries(batch * BATCH, (batch + 1) * BATCH)
            ]
            assert stored == batch_entries(batch, BATCH)
        assert verify_log(log.store, None).ok

    env = {
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_DATABASE_URL": database_url,
    }
    result = CliRunner().invoke(app, ["ledger", "verify"], env=env)
    assert result.exit_code == 0, result.output
    assert f"OK: {ACKED_BEFORE_KILL * BATCH} entries" in result.output

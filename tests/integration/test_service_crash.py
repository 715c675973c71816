"""Kill -9 the service in the middle of state changes: afterwards every case and the
ledger agree (both changed or neither), the ledger verifies, and every acknowledged step
is there (issue 4)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.ledger_store import reading
from fairscreen.ledger.entries import decode_entry
from fairscreen.ledger.verify import verify_log
from fairscreen.services.sequencer import integrate_all

#: The last state-changing ledger event each state must show (report.read changes none).
LAST_EVENT = {
    "ordered": None,
    "scoped": "scope.set",
    "investigating": "source.queried",
    "candidate_review": "review.opened",
    "released": "report.released",
    "decided": "decision.recorded",
}
ORDER = ["ordered", "scoped", "investigating", "candidate_review", "released", "decided"]
WORKER = Path(__file__).with_name("service_crash_worker.py")


def test_kill_minus_nine_leaves_case_and_ledger_in_agreement(
    database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(20261129)
    acked: dict[str, str] = {}
    for run in range(3):
        process = subprocess.Popen(
            [sys.executable, str(WORKER), database_url, str(tmp_path / f"run{run}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join([str(WORKER.parent.parent), str(WORKER.parent)]),
            },
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + rng.uniform(0.8, 2.0)
        while time.monotonic() < deadline:
            line = process.stdout.readline().decode().split()
            if line and line[0] == "ack":
                acked[line[1]] = line[2]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        for line in process.stdout.read().decode().splitlines():
            parts = line.split()
            if parts and parts[0] == "ack":
                acked[parts[1]] = parts[2]
    assert len(acked) >= 3

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            cases = {row.id: row for row in connection.execute(sa.select(t.cases))}
        events: dict[str, list[str]] = defaultdict(list)
        # The sequencer that takes over integrates what the killed process committed
        # (on PostgreSQL its entries wait as pending; on SQLite they are in already).
        integrate_all(engine)
        with reading(engine) as log:
            report = verify_log(log.store, None)
            assert report.ok, [str(f) for f in report.findings]
            for index in range(log.size()):
                entry = decode_entry(log.entry(index))
                if entry.type.value != "report.read":
                    events[entry.case].append(entry.type.value)
    finally:
        engine.dispose()
    for case in cases.values():
        last = events[case.pseudonym][-1] if events[case.pseudonym] else None
        assert last == LAST_EVENT[case.state], (case.state, events[case.pseudonym])
    for case_id, step in acked.items():
        assert ORDER.index(cases[case_id].state) >= ORDER.index(step)

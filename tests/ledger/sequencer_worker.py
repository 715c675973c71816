"""Processes for the sequencer kill -9 tests (test_sequencer_crash.py).

Usage:
  python sequencer_worker.py writer DATABASE_URL NAME PER_COMMIT
      queue PER_COMMIT entries per transaction (no ledger lock) until killed; prints
      ``ack <first> <last>`` (the entries' numbers) after each commit returned
  python sequencer_worker.py sequencer DATABASE_URL BATCH [hold]
      integrate pending entries, BATCH per transaction, until killed, racing any other
      sequencer (no lease: the integration's own lock must keep them apart). With
      ``hold``, the first non-empty batch prints ``holding <n>`` and waits inside its
      transaction, before commit, to be killed there.
"""

from __future__ import annotations

import sys
import time

from fairscreen.adapters.db.engine import begin_write, create_engine
from fairscreen.adapters.db.ledger_store import integrate_pending, queue_pending


def entry(name: str, number: int) -> bytes:
    return f"{name}-{number:08d}".encode().ljust(64, b".")


def writer(url: str, name: str, per_commit: int) -> None:
    engine = create_engine(url)
    number = 0
    while True:
        with begin_write(engine) as connection:
            queue_pending(connection, [entry(name, number + i) for i in range(per_commit)])
        print(f"ack {number} {number + per_commit - 1}", flush=True)
        number += per_commit


def sequencer(url: str, batch: int, hold: bool) -> None:
    engine = create_engine(url)
    while True:
        with begin_write(engine) as connection:
            integration = integrate_pending(connection, batch)
            if hold and integration.count:
                print(f"holding {integration.count}", flush=True)
                time.sleep(3600)
        if integration.count:
            print(f"integrated {integration.count}", flush=True)
        else:
            time.sleep(0.01)


def main() -> None:
    role, url = sys.argv[1], sys.argv[2]
    if role == "writer":
        writer(url, sys.argv[3], int(sys.argv[4]))
    else:
        sequencer(url, int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "hold")


if __name__ == "__main__":
    main()

"""A writer for the kill -9 test: appends large batches and acknowledges each commit.

Usage: python ledger_crash_worker.py DATABASE_URL BATCH_SIZE BATCHES

Prints ``begin <n>`` before batch n and ``ack <n> <size>`` after its commit returned.
"""

from __future__ import annotations

import sys

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.ledger_store import append_batch


def batch_entries(batch: int, size: int) -> list[bytes]:
    return [f"batch-{batch}-entry-{i}".encode().ljust(80, b".") for i in range(size)]


def main() -> None:
    url, batch_size, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    engine = create_engine(url)
    for batch in range(batches):
        print(f"begin {batch}", flush=True)
        result = append_batch(engine, batch_entries(batch, batch_size), guard=False)
        print(f"ack {batch} {result.size}", flush=True)


if __name__ == "__main__":
    main()

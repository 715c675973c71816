"""A process of the multi-process high-water test (test_high_water.py): it raises shared
mark files, round after round, at the same moment as the other processes do.

Each process builds the same log in memory (the same entries, so the same trees, as
processes sharing one database see) and signs its checkpoints with the same key; only
the mark files are shared, which is what the test is about.
"""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from fairscreen.adapters.high_water import FileMarkStore
from fairscreen.ledger.checkpoint import Checkpoint, sign_checkpoint
from fairscreen.ledger.high_water import HighWater
from fairscreen.ledger.log import Log
from fairscreen.ledger.note import NoteSigner
from fairscreen.ledger.store import MemoryLedgerStore

ORIGIN = "fairscreen.test/ledger"
KEY_SEED = bytes(range(32))


def signed_log(size: int) -> tuple[Log, dict[int, str]]:
    """A log of ``size`` synthetic entries and its checkpoint at every size 1..size."""
    log = Log(MemoryLedgerStore())
    log.append([f"entry {index:04d}".encode() for index in range(size)])
    signer = NoteSigner(ORIGIN, KEY_SEED)
    notes = {
        n: sign_checkpoint(Checkpoint(ORIGIN, n, log.root(n)), signer) for n in range(1, size + 1)
    }
    return log, notes


def raise_marks(
    rounds: list[tuple[Path, list[int]]],
    log_size: int,
    start: Barrier,
    results: Queue[list[list[int]]],
) -> None:
    """For each round, wait for every process at ``start``, then raise the round's mark
    file to each size in turn, reading the mark after each raise; put the sizes read,
    one list per round, on ``results``."""
    log, notes = signed_log(log_size)
    verifier = NoteSigner(ORIGIN, KEY_SEED).verifier
    seen: list[list[int]] = []
    for path, sizes in rounds:
        mark = HighWater(FileMarkStore(path), verifier)
        start.wait()
        observed = []
        for size in sizes:
            mark.raise_to(log, notes[size])
            current = mark.mark()
            observed.append(current.size if current is not None else 0)
        seen.append(observed)
    results.put(seen)

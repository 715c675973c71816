"""Benchmark of the witness (C2SP tlog-witness), against its own floor, in one run.

    .venv/bin/python bench/witness.py [--checkpoints 2000] [--batch 100]

A log of ``--batch`` new entries per checkpoint grows ``--checkpoints`` times; each new
checkpoint goes to a witness (SQLite state in a temporary directory, synchronous=FULL)
with its consistency proof. Measured:

1. ``Witness.add_checkpoint`` per request: parse, verify the log's signature, lock the
   state, verify the consistency proof, store, cosign (no HTTP);
2. the floor under it, measured in the same run on the same inputs: the cryptography
   alone (one Ed25519 verification, one consistency proof check, one Ed25519 signature),
   so the table shows what the state's transaction and parsing add;
3. the client's check of the answer (``verify_cosignatures``).

Proofs and signed notes are made before the timed sections. Nothing here runs in the
test suite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from fairscreen.adapters.witness_store import SqliteWitnessState
from fairscreen.ledger.checkpoint import open_checkpoint
from fairscreen.ledger.cosignature import cosign, generate_cosigner, verify_cosignatures
from fairscreen.ledger.log import Log
from fairscreen.ledger.merkle import verify_consistency
from fairscreen.ledger.note import NoteSigner
from fairscreen.ledger.store import MemoryLedgerStore
from fairscreen.ledger.witness import AddCheckpoint, Witness


def _requests(signer: NoteSigner, checkpoints: int, batch: int) -> list[AddCheckpoint]:
    log = Log(MemoryLedgerStore())
    requests = []
    old = 0
    for round_ in range(checkpoints):
        log.append([b"entry %d %d" % (round_, i) for i in range(batch)])
        note = log.publish(signer, force=True).note
        proof = log.consistency_proof(old, log.size()).proof if old else ()
        requests.append(AddCheckpoint(old, proof, note))
        old = log.size()
    return requests


def _per_second(samples: list[float]) -> str:
    return f"{1 / statistics.median(samples):,.0f}"


def _micro(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e6:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoints", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    arguments = parser.parse_args()
    signer = NoteSigner.generate("bench.example/log")
    cosigner = generate_cosigner("bench.example/witness")
    requests = _requests(signer, arguments.checkpoints, arguments.batch)
    bodies = [r.body().encode() for r in requests]

    with tempfile.TemporaryDirectory() as directory:
        witness = Witness(
            cosigner=cosigner,
            logs={signer.name: [signer.verifier]},
            state=SqliteWitnessState(Path(directory)),
            clock=lambda: int(time.time()),
        )
        served: list[float] = []
        answers = []
        for body in bodies:
            start = time.perf_counter()
            answers.append(witness.add_checkpoint(body))
            served.append(time.perf_counter() - start)

    # The floor: the same cryptography on the same inputs, without parsing or state.
    floor: list[float] = []
    previous = None
    for request in requests:
        start = time.perf_counter()
        checkpoint = open_checkpoint(request.note, signer.verifier)
        if previous is not None:
            verify_consistency(
                previous.size, checkpoint.size, request.proof, previous.root, checkpoint.root
            )
        cosign(checkpoint.text(), cosigner, 1_764_000_000)
        floor.append(time.perf_counter() - start)
        previous = checkpoint

    checked: list[float] = []
    for request, line in zip(requests, answers, strict=True):
        start = time.perf_counter()
        assert verify_cosignatures(request.note + line, [cosigner.verifier])
        checked.append(time.perf_counter() - start)

    table = Table(
        title=f"witness: {arguments.checkpoints} checkpoints, {arguments.batch} entries apart"
    )
    table.add_column("measure")
    table.add_column("median µs", justify="right")
    table.add_column("per second", justify="right")
    table.add_row(
        "add-checkpoint (parse, verify, lock, store, cosign)", _micro(served), _per_second(served)
    )
    table.add_row(
        "floor: Ed25519 verify + consistency check + Ed25519 sign",
        _micro(floor),
        _per_second(floor),
    )
    table.add_row("client: verify the cosignature", _micro(checked), _per_second(checked))
    Console().print(table)


if __name__ == "__main__":
    main()

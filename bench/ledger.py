"""Benchmark of the evidence ledger against pymerkle, in one run on one machine.

    .venv/bin/python bench/ledger.py                 # 10^6 entries (a few minutes)
    .venv/bin/python bench/ledger.py --entries 100000

Measured, for fairscreen's ledger (SQLite file, tiles persisted, WAL, synchronous=FULL)
and for pymerkle's ``SqliteTree`` (entries and leaf hashes in SQLite, tree not stored):

1. appends/s in batches of ``--batch`` (1,000), each batch one committed transaction;
2. inclusion and consistency proofs at the full size, read from storage: ours from a fresh
   read transaction (each proof is one SQL query for its tiles), pymerkle's with its
   in-memory subroot cache cleared before every proof (otherwise it answers from memory);
3. a full verify: ours recomputes every leaf from the entries and checks every stored
   tile and the signed checkpoint; pymerkle has no verify, so its row is a full root
   recomputation from its stored leaf hashes (``get_root``) — less work than ours;
4. peak Python memory of that verify (tracemalloc, a separate run so tracing does not
   slow the timed one).

Entries are realistic canonical ledger entries (~260 bytes of RFC 8785 JSON), generated
outside the timed sections; the cost of guarding and canonicalising an entry is shown
as its own row. pymerkle's consistency proofs are not in RFC 9162 form: compare speed only.
Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pymerkle import SqliteTree
from rich.console import Console
from rich.table import Table

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.ledger_store import append_batch, reading, writing
from fairscreen.adapters.db.migrations import upgrade
from fairscreen.ledger import merkle
from fairscreen.ledger.entries import encode_entry
from fairscreen.ledger.note import NoteSigner
from fairscreen.ledger.verify import verify_log

TYPES = ("source.queried", "report.read", "review.opened", "report.rated")


def make_entry(i: int) -> bytes:
    """A canonical (RFC 8785: sorted keys, no spaces) entry, built by formatting."""
    digest = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
    actor, day, hour, minute, second = i % 97, 1 + i % 28, i % 24, i % 60, (i // 7) % 60
    return (
        f'{{"actor":{{"pseudonym":"usr_{actor:032x}","role":"agency"}},'
        f'"at":"2026-03-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z",'
        f'"case":"case_{digest[:32]}","category":"education","digest":"{digest}",'
        f'"type":"{TYPES[i % len(TYPES)]}","v":1}}'
    ).encode()


def batches(total: int, size: int) -> Iterator[list[bytes]]:
    for start in range(0, total, size):
        yield [make_entry(i) for i in range(start, min(start + size, total))]


def timed(function: Callable[[], Any]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def peak_memory(function: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def fmt_us(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e6:,.1f} µs"


def fmt_mib(value: float) -> str:
    return f"{value / 2**20:,.1f} MiB"


def directory_size(path: Path, stem: str) -> int:
    return sum(p.stat().st_size for p in path.glob(stem + "*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--proofs", type=int, default=2_000, help="our proofs per kind")
    parser.add_argument("--pymerkle-proofs", type=int, default=10, help="pymerkle cold proofs")
    parser.add_argument("--pymerkle-warm", type=int, default=200, help="pymerkle warm proofs")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go")
    options = parser.parse_args()
    n, rng, console = options.entries, random.Random(9162), Console()
    workdir = Path(tempfile.mkdtemp(prefix="ledger-bench-", dir=options.dir))
    console.print(
        f"[bold]ledger bench[/] {n:,} entries, batches of {options.batch:,}, in {workdir}"
    )

    # 0. Entry guard + canonical JSON, for scale.
    sample = [
        {
            "v": 1,
            "type": "source.queried",
            "case": f"case_{i:032x}",
            "actor": {"role": "agency", "pseudonym": f"usr_{i % 97:032x}"},
            "at": "2026-03-01T09:00:00Z",
            "digest": hashlib.sha256(str(i).encode()).hexdigest(),
            "category": "education",
        }
        for i in range(20_000)
    ]
    encode_seconds = timed(lambda: [encode_entry(m) for m in sample])

    # 1. Appends.
    url = f"sqlite:///{workdir / 'fairscreen.db'}"
    upgrade(url)
    engine = create_engine(url)
    ours_append = 0.0
    for batch in batches(n, options.batch):
        ours_append += timed(lambda batch=batch: append_batch(engine, batch, guard=False))
    console.print(f"  ours: appended in {ours_append:.1f} s")
    tree = SqliteTree(str(workdir / "pymerkle.db"))
    theirs_append = 0.0
    for batch in batches(n, options.batch):
        theirs_append += timed(lambda batch=batch: tree.append_entries(batch))
    console.print(f"  pymerkle: appended in {theirs_append:.1f} s")

    # 2. Proofs at n, from storage.
    signer = NoteSigner("bench.example/ledger", os.urandom(32))
    with writing(engine) as log:
        log.publish(signer)
    engine.dispose()
    engine = create_engine(url)
    ours_inclusion: list[float] = []
    ours_consistency: list[float] = []
    with reading(engine) as log:
        root = log.root(n)
        for _ in range(options.proofs):
            index = rng.randrange(n)
            started = time.perf_counter()
            proof = log.inclusion_proof(index, n)
            ours_inclusion.append(time.perf_counter() - started)
        merkle.verify_inclusion(merkle.leaf_hash(make_entry(index)), index, n, proof.proof, root)
        for _ in range(options.proofs):
            old = rng.randint(1, n)
            started = time.perf_counter()
            consistency = log.consistency_proof(old, n)
            ours_consistency.append(time.perf_counter() - started)
        merkle.verify_consistency(
            old, n, consistency.proof, consistency.old_root, consistency.new_root
        )
    theirs_inclusion: list[float] = []
    theirs_consistency: list[float] = []
    for _ in range(options.pymerkle_proofs):
        tree.cache_clear()
        index = rng.randrange(n) + 1  # pymerkle counts from 1
        theirs_inclusion.append(timed(lambda index=index: tree.prove_inclusion(index, n)))
    for _ in range(options.pymerkle_proofs):
        tree.cache_clear()
        old = rng.randint(1, n)
        theirs_consistency.append(timed(lambda old=old: tree.prove_consistency(old, n)))
    # pymerkle with its subroot cache kept: repeated proofs answered partly from memory.
    theirs_warm: list[float] = []
    for _ in range(options.pymerkle_warm):
        index = rng.randrange(n) + 1
        theirs_warm.append(timed(lambda index=index: tree.prove_inclusion(index, n)))
    console.print("  proofs done")

    # 3./4. Verify: timed, then traced for memory.
    def ours_verify() -> None:
        with reading(engine) as log:
            report = verify_log(log.store, signer.verifier)
        if not report.ok or report.root != root:
            raise SystemExit(f"verify failed: {report.findings[:3]}")

    def theirs_verify() -> None:
        tree.cache_clear()
        tree.get_root(n)

    ours_verify_seconds = timed(ours_verify)
    theirs_verify_seconds = timed(theirs_verify)
    ours_peak = peak_memory(ours_verify)
    theirs_peak = peak_memory(theirs_verify)
    engine.dispose()

    table = Table(title=f"Evidence ledger vs pymerkle {_pymerkle_version()} at {n:,} entries")
    table.add_column("measure")
    table.add_column("fairscreen ledger", justify="right")
    table.add_column("pymerkle", justify="right")
    table.add_column("target", justify="right")
    table.add_row(
        f"append, batches of {options.batch:,} (entries/s)",
        fmt_rate(n / ours_append),
        fmt_rate(n / theirs_append),
        "≥ 100,000",
    )
    table.add_row(
        f"inclusion proof at {n:,}, median",
        fmt_us(ours_inclusion),
        fmt_us(theirs_inclusion),
        "< 100 µs",
    )
    table.add_row(
        "  pymerkle, subroot cache warm (memory)",
        "—",
        fmt_us(theirs_warm[len(theirs_warm) // 2 :]),
        "",
    )
    table.add_row(
        "inclusion proofs/s",
        fmt_rate(len(ours_inclusion) / sum(ours_inclusion)),
        fmt_rate(len(theirs_inclusion) / sum(theirs_inclusion)),
        "",
    )
    table.add_row(
        f"consistency proof at {n:,}, median",
        fmt_us(ours_consistency),
        fmt_us(theirs_consistency),
        "",
    )
    table.add_row(
        "consistency proofs/s",
        fmt_rate(len(ours_consistency) / sum(ours_consistency)),
        fmt_rate(len(theirs_consistency) / sum(theirs_consistency)),
        "",
    )
    table.add_row(
        "full verify (entries/s)",
        fmt_rate(n / ours_verify_seconds),
        fmt_rate(n / theirs_verify_seconds) + "*",
        "≥ 300,000",
    )
    table.add_row("verify peak memory (tracemalloc)", fmt_mib(ours_peak), fmt_mib(theirs_peak), "")
    table.add_row(
        "database size",
        fmt_mib(directory_size(workdir, "fairscreen.db")),
        fmt_mib(directory_size(workdir, "pymerkle.db")),
        "",
    )
    table.add_row(
        "entry guard + RFC 8785 (entries/s)", fmt_rate(len(sample) / encode_seconds), "—", ""
    )
    console.print(table)
    console.print(
        "* pymerkle: root recomputed from its stored leaf hashes (get_root), no entry "
        "rehashing and no stored tree to check. Proofs: ours "
        f"{len(ours_inclusion):,} per kind, pymerkle {len(theirs_inclusion)} per kind "
        "(subroot cache cleared before each) and "
        f"{len(theirs_warm)} more with its cache kept (median of the second half)."
    )


def _pymerkle_version() -> str:
    from importlib.metadata import version

    return version("pymerkle")


if __name__ == "__main__":
    main()

"""Benchmark: ``audit_csv`` streams a large CSV in memory O(groups), not O(rows).

1. Write a synthetic CSV (default 10,000,000 rows; six groups of different flag rates
   plus a group of 5 rows that must be suppressed) to a temporary file.
2. In a fresh child process each, so that peak RSS (``ru_maxrss``) belongs to one
   approach alone, run:
   - ``interpreter``: Python with fairscreen imported, reading nothing — the floor;
   - ``streaming``: :func:`fairscreen.services.fairness_audit.audit_csv`, the library
     call behind ``fairscreen audit fairness``;
   - ``baseline (list)``: the same file read fully into a list with :mod:`csv` and then
     counted with the same domain accumulator — what "not streaming" costs.
3. Print a Rich table (rows, seconds, rows/s, peak RSS, optional tracemalloc peak) and
   check both approaches produced the same report.

``--tracemalloc`` also records Python's allocation peak (it slows the runs down, so the
timings of such a run are not comparable with an untraced one).

    .venv/bin/python bench/fairness.py              # 10 M rows
    .venv/bin/python bench/fairness.py --rows 2000000 --tracemalloc
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from fairscreen.domain.fairness import FairnessAccumulator
from fairscreen.services.fairness_audit import audit_csv

# group -> (share of rows, P(flagged), P(outcome positive))
GROUPS = {
    "A": (0.30, 0.20, 0.30),
    "B": (0.25, 0.30, 0.35),
    "C": (0.20, 0.35, 0.30),
    "D": (0.15, 0.25, 0.40),
    "E": (0.07, 0.45, 0.30),
    "F": (0.03, 0.15, 0.20),
}
TINY_GROUP_ROWS = 5
AUDIT = {"group": "group", "predicted": "flagged", "outcome": "reoffended", "positive": "1"}


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    """Write ``rows`` data rows. Row tails come from a pool of 2**16 pre-drawn tails so
    that generating 10 M rows takes seconds, not minutes; ids stay unique."""
    rng = random.Random(seed)
    names = list(GROUPS)
    weights = [share for share, _, _ in GROUPS.values()]
    pool = []
    for _ in range(1 << 16):
        name = rng.choices(names, weights)[0]
        _, p_flag, p_outcome = GROUPS[name]
        flagged = int(rng.random() < p_flag)
        outcome = int(rng.random() < (p_outcome + (0.25 if flagged else 0.0)))
        pool.append(f"{name},{rng.random():.4f},{flagged},{outcome}\n")
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("id,group,score,flagged,reoffended\n")
        for i in range(min(TINY_GROUP_ROWS, rows)):
            handle.write(f"t{i},tiny,0.5000,1,0\n")
        getrandbits = rng.getrandbits
        chunk = 100_000
        for start in range(TINY_GROUP_ROWS, rows, chunk):
            stop = min(start + chunk, rows)
            handle.writelines(f"{i},{pool[getrandbits(16)]}" for i in range(start, stop))


def _baseline(path: Path) -> dict[str, Any]:
    """Read every row into memory first, then count: the non-streaming way."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        everything = list(reader)
    g, p, o = (header.index(AUDIT[k]) for k in ("group", "predicted", "outcome"))
    accumulator = FairnessAccumulator(with_outcome=True)
    for row in everything:
        accumulator.add(row[g], row[p] == "1", row[o] == "1")
    return accumulator.report().as_dict()


def measure(approach: str, path: Path, traced: bool) -> dict[str, Any]:
    """Run one approach in this (fresh) process and report time and memory."""
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    report: dict[str, Any] | None = None
    if approach == "streaming":
        report = audit_csv(
            path,
            group=AUDIT["group"],
            predicted=AUDIT["predicted"],
            outcome=AUDIT["outcome"],
            positive=AUDIT["positive"],
        ).as_dict()
    elif approach == "baseline":
        report = _baseline(path)
    seconds = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] if traced else None
    return {
        "seconds": seconds,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "tracemalloc_peak": traced_peak,
        "report": report,
    }


def _child(approach: str, path: Path, traced: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", approach, "--path", str(path)]
    if traced:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _mib(value: float | None) -> str:
    if value is None:
        return "—"
    # The streaming peak is kilobytes: MiB with one decimal would round it away.
    return f"{value / 2**10:,.0f} KiB" if value < 2**20 else f"{value / 2**20:,.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also trace allocations")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--measure", choices=["interpreter", "streaming", "baseline"])
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()

    if args.measure:  # child mode: one measurement, JSON on stdout
        print(json.dumps(measure(args.measure, args.path, args.tracemalloc)))
        return

    console = Console(width=110)  # piped output would otherwise wrap at 80 columns
    with tempfile.TemporaryDirectory(prefix="fairscreen-bench-") as tmp:
        path = Path(tmp) / "synthetic.csv"
        started = time.perf_counter()
        generate(path, args.rows)
        console.print(
            f"generated {args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        approaches = ["interpreter", "streaming"] + ([] if args.skip_baseline else ["baseline"])
        results = {name: _child(name, path, args.tracemalloc) for name in approaches}

    table = Table(title=f"fairscreen audit fairness — {args.rows:,} rows")
    for column in ("approach", "rows", "seconds", "rows/s", "peak RSS", "tracemalloc peak"):
        table.add_column(column, justify="left" if column == "approach" else "right")
    labels = {"baseline": "baseline (list)"}
    for name, result in results.items():
        rows = 0 if name == "interpreter" else args.rows
        seconds = result["seconds"]
        table.add_row(
            labels.get(name, name),
            f"{rows:,}",
            f"{seconds:.2f}",
            f"{rows / seconds:,.0f}" if rows else "—",
            _mib(result["maxrss_kib"] * 1024),
            _mib(result["tracemalloc_peak"]),
        )
    console.print(table)
    if "baseline" in results:
        same = results["streaming"]["report"] == results["baseline"]["report"]
        console.print(f"streaming and baseline reports identical: {same}")
        if not same:
            sys.exit(1)
    streaming = results["streaming"]["report"]
    console.print(
        f"suppressed: {streaming['suppressed']}; reference group: {streaming['reference_group']}"
    )


if __name__ == "__main__":
    main()

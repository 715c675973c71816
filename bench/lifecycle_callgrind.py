"""Instructions per lifecycle (valgrind's callgrind), the count another process's load
does not move: ``bench/lifecycle_cpu.py``'s child under callgrind, with the
instrumentation switched on for exactly ``--lifecycles`` lifecycles after ``--warmup``.

The clock of ``lifecycle_cpu.py`` moves with whatever else the shared machine runs; a
count of user-space instructions (every thread of the process) does not, so a step of a
CPU pass is measured against the step before it by this. Two runs of the same code
differ by some 0.04 %, and code that differs in no statement by up to 0.3 % (the event
loop's and the pool threads' timing).

The switch is callgrind's own client request (``CALLGRIND_START_INSTRUMENTATION`` and
``…_STOP_…`` from ``valgrind/callgrind.h``), compiled here into a tiny shared library
and called through ctypes right before the first counted lifecycle and right after the
last: start-up, migration, seeding and warm-up run uninstrumented, and nothing of the
switch itself is counted but a ctypes call. The child is ``lifecycle_cpu``'s, on the
code its ``PYTHONPATH`` names (``--code DIR``: DIR/src), with ``PYTHONHASHSEED=0``.

    .venv/bin/python bench/lifecycle_callgrind.py [--code /work/main] [--lifecycles 10]
        [--warmup 5] [--out callgrind.out] [--postgres ADMIN_URL] [--sqlite]

It prints M instructions per lifecycle; ``callgrind_annotate --inclusive=yes OUT`` shows
where they go.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SWITCH_SOURCE = """
#include <valgrind/callgrind.h>
void instrumentation_on(void) { CALLGRIND_START_INSTRUMENTATION; }
void instrumentation_off(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""


def compile_switch(folder: Path) -> Path:
    source, library = folder / "switch.c", folder / "switch.so"
    source.write_text(SWITCH_SOURCE)
    subprocess.run(["cc", "-O1", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


def child(args: argparse.Namespace) -> None:
    """lifecycle_cpu's child, its ``drive`` wrapped to switch the instrumentation."""
    import lifecycle_cpu

    switch = ctypes.CDLL(os.environ["FAIRSCREEN_CALLGRIND_SWITCH"])
    drive = lifecycle_cpu.drive
    driven = 0
    first, last = args.warmup + 1, args.warmup + args.lifecycles

    async def switched(client: Any, world: dict[str, Any]) -> None:
        nonlocal driven
        driven += 1
        if driven == first:
            switch.instrumentation_on()
        await drive(client, world)
        if driven == last:
            switch.instrumentation_off()

    lifecycle_cpu.drive = switched  # type: ignore[assignment]
    args.count = 0
    lifecycle_cpu.child(args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="a checkout (its src)")
    parser.add_argument("--lifecycles", type=int, default=10, help="counted")
    parser.add_argument("--warmup", type=int, default=5, help="lifecycles before counting")
    parser.add_argument("--out", type=Path, default=Path("callgrind.out"))
    parser.add_argument("--sqlite", action="store_true", help="SQLite, not PostgreSQL")
    parser.add_argument("--postgres", default=None, help="an admin URL (CREATE DATABASE)")
    sys.path.insert(0, str(ROOT / "bench"))
    import lifecycle_cpu
    import load

    args = lifecycle_cpu.child_arguments(parser).parse_args()
    if args.child:
        child(args)
        return

    with tempfile.TemporaryDirectory(prefix="fairscreen-callgrind-") as tmp:
        library = compile_switch(Path(tmp))
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
        command += [f"--callgrind-out-file={args.out.resolve()}"]
        command += [sys.executable, str(Path(__file__).resolve()), "--child"]
        command += ["--database", "sqlite" if args.sqlite else "postgresql"]
        command += ["--lifecycles", str(args.lifecycles), "--warmup", str(args.warmup)]
        command += ["--postgres", args.postgres or load.POSTGRES]
        environment = {
            **os.environ,
            "PYTHONPATH": str(args.code.resolve() / "src"),
            "PYTHONHASHSEED": "0",
            "FAIRSCREEN_CALLGRIND_SWITCH": str(library),
        }
        subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, check=True)
    totals = next(line for line in args.out.read_text().splitlines() if line.startswith("totals:"))
    instructions = int(totals.split()[1])
    print(
        f"{args.code}: {instructions / args.lifecycles / 1e6:.2f} M instructions per "
        f"lifecycle ({args.lifecycles} after {args.warmup} of warm-up; {args.out})"
    )


if __name__ == "__main__":
    main()

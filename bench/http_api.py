"""HTTP API latency and throughput: one uvicorn worker on SQLite, on 127.0.0.1 only.

What it measures, each phase bounded in requests and seconds:

1. ``GET /healthz`` — the baseline: the stack (uvicorn, FastAPI, middleware) with no
   policy check and no database.
2. ``GET /v1/cases/{id}`` — a case summary: token check + one indexed read.
3. ``GET /v1/cases/{id}/report`` — the candidate reads their full report: token check,
   decryption, and a ``report.read`` ledger entry appended in the same transaction (every
   read of a report is evidence, PRODUCT.md P5), so it is a write as well.
4. ``GET /v1/cases/{id}/employer-view`` — the employer's released view (also logged).
5. ``POST /v1/cases/{id}/authorization`` — a state change: the candidate signs (ordered →
   authorized → scoped, two ledger entries, encrypted authorization text).

Each read is run open-loop at a fixed rate (200 requests/s: the target is p99 < 50 ms)
with latency measured from the scheduled send time (no coordinated omission), and
closed-loop with 8 concurrent clients for the maximum rate. The state change runs
closed-loop and open-loop at 50/s on cases prepared beforehand.

The server runs as ``fairscreen serve`` does (``entrypoints/api/server.py``: the start-up
heap frozen out of the garbage collector's reach). The load generator shares the machine
and would add pauses of its own to the latencies it measures (a full collection of its
thousands of pending requests takes 30–40 ms), so it collects only between phases.

    .venv/bin/python bench/http_api.py [--seconds 5] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"  # loopback only
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _settings(folder: Path) -> Any:
    from fairscreen.config import Settings

    return Settings(database_url=f"sqlite:///{folder / 'bench.db'}", data_dir=folder)


def _example() -> dict[str, Any]:
    from fairscreen.services.worked_examples import worked_examples

    return dict(json.loads(worked_examples()[0].read_text("utf-8")))


# --- the server (a child process) ------------------------------------------------------------


def serve(folder: Path, port: int) -> None:
    from fairscreen.bootstrap import build_services
    from fairscreen.entrypoints.api import create_app, server

    app = create_app(build_services(_settings(folder), migrate=False), web=False)
    server.run(app, host=HOST, port=port, log_level="warning")  # as `fairscreen serve` does


# --- the world it serves ------------------------------------------------------------------------


@dataclass
class World:
    candidate: str
    employer: str
    case_id: str
    to_sign: list[tuple[str, str]]  # (case id, notice sha256)


def seed(folder: Path, cases_to_sign: int) -> World:
    from fairscreen.adapters.notify import MemoryNotifier
    from fairscreen.adapters.sources.recorded import RecordedSource
    from fairscreen.bootstrap import build_services
    from fairscreen.domain.categories import Category
    from fairscreen.ledger.entries import ActorRole
    from fairscreen.services import accounts
    from fairscreen.services.accounts import register_tenant
    from fairscreen.services.authorization import authorization_notice
    from fairscreen.services.context import Actor
    from fairscreen.services.demo import sign_as_shown
    from fairscreen.services.investigation import run_investigation
    from fairscreen.services.review import accept_report
    from fairscreen.services.scope import define_role_profile, order_check, register_candidate

    example = _example()
    notifier = MemoryNotifier()
    source = RecordedSource(example["records"])
    svc = build_services(
        _settings(folder), sources={c: source for c in Category}, notifier=notifier
    )
    operator = Actor(ActorRole.OPERATOR, "bench")
    employer = Actor(ActorRole.EMPLOYER, register_tenant(svc, operator, kind="employer", name="E"))
    agency = Actor(ActorRole.AGENCY, register_tenant(svc, operator, kind="agency", name="A"))
    profile = define_role_profile(svc, employer, example["role"])
    candidate = Actor(ActorRole.CANDIDATE, register_candidate(svc, employer, example["subject"]))
    requested = example["requested_categories"]

    def order() -> str:
        return order_check(
            svc,
            employer,
            subject_id=candidate.id,
            profile_id=profile,
            requested=requested,
            agency_id=agency.id,
            confirm_duplicate=True,  # one synthetic candidate, ordered again and again
        )

    case_id = order()
    sign_as_shown(svc, candidate, case_id, claims=example.get("claims", {}))
    run_investigation(svc, agency, case_id)
    accept_report(svc, candidate, case_id)
    to_sign = []
    for _ in range(cases_to_sign):
        ordered = order()
        to_sign.append((ordered, authorization_notice(svc, candidate, ordered, "zh-Hans").sha256))
    _, employer_token = accounts.create_account(
        svc, operator, role="employer", label="bench", tenant_id=employer.id
    )
    session = accounts.request_sign_in_code(svc, candidate.id, requester="bench")
    code = notifier.sent[-1].fields["code"]
    candidate_token = accounts.exchange_sign_in_code(svc, candidate.id, session, code)
    svc.engine.dispose()
    return World(candidate_token.token, employer_token.token, case_id, to_sign)


# --- load ----------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    mode: str
    latencies: list[float]
    errors: int
    elapsed: float

    def row(self) -> str:
        done = len(self.latencies)
        ordered = sorted(self.latencies) or [float("nan")]
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
        rate = done / self.elapsed if self.elapsed else 0.0
        return (
            f"| {self.name:<34} | {self.mode:<14} | {done:>6} | {rate:>8.0f} | "
            f"{p50:>7.1f} | {p99:>7.1f} | {self.errors:>4} |"
        )


Request = tuple[str, str, dict[str, str], Any]


class Pool:
    """A lean HTTP/1.1 keep-alive client (asyncio streams, one request per connection at
    a time): on two shared cores, httpx's per-request cost would take the server's CPU
    and the figures would measure the client."""

    def __init__(self, host: str, port: int, size: int) -> None:
        self._host, self._port, self._size = host, port, size
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def open(self) -> None:
        for _ in range(self._size):
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))

    async def close(self) -> None:
        while not self._idle.empty():
            _, writer = self._idle.get_nowait()
            writer.close()

    @staticmethod
    def encode(request: Request) -> bytes:
        method, path, headers, body = request
        content = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {len(content)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        lines.extend(f"{k}: {v}" for k, v in headers.items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + content

    async def send(self, raw: bytes) -> int:
        reader, writer = await self._idle.get()
        try:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
        except BaseException:
            writer.close()
            self._idle.put_nowait(await asyncio.open_connection(self._host, self._port))
            raise
        self._idle.put_nowait((reader, writer))
        return status


async def closed_loop(
    pool: Pool, name: str, requests: list[bytes], workers: int, seconds: float
) -> Result:
    latencies: list[float] = []
    errors = 0
    queue = list(reversed(requests))
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while queue and time.perf_counter() < deadline:
            raw = queue.pop()
            started = time.perf_counter()
            status = await pool.send(raw)
            latencies.append(time.perf_counter() - started)
            errors += status >= 400

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return Result(name, f"closed x{workers}", latencies, errors, time.perf_counter() - began)


async def open_loop(pool: Pool, name: str, requests: list[bytes], rate: float) -> Result:
    latencies: list[float] = []
    errors = 0
    began = time.perf_counter()

    async def one(at: float, raw: bytes) -> None:
        nonlocal errors
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        status = await pool.send(raw)
        latencies.append(time.perf_counter() - at)  # from the scheduled time
        errors += status >= 400

    await asyncio.gather(*(one(began + i / rate, raw) for i, raw in enumerate(requests)))
    return Result(name, f"open {rate:.0f}/s", latencies, errors, time.perf_counter() - began)


async def run(port: int, world: World, seconds: float, rate: float) -> list[Result]:
    candidate = {"Authorization": f"Bearer {world.candidate}"}
    employer = {"Authorization": f"Bearer {world.employer}"}
    case = f"/v1/cases/{world.case_id}"
    reads: list[tuple[str, Request]] = [
        ("GET /healthz (baseline)", ("GET", "/healthz", {}, None)),
        ("GET case summary", ("GET", case, employer, None)),
        ("GET report (candidate, logged)", ("GET", f"{case}/report", candidate, None)),
        ("GET employer view (logged)", ("GET", f"{case}/employer-view", employer, None)),
    ]
    count = int(rate * seconds)
    results = []
    pool = Pool(HOST, port, 64)
    await pool.open()
    try:
        for name, request in reads:
            raw = Pool.encode(request)
            assert await pool.send(raw) == 200, name  # warm, and it works
            gc.collect()  # between phases: the load generator's own pauses are not the server's
            results.append(await open_loop(pool, name, [raw] * count, rate))
            results.append(await closed_loop(pool, name, [raw] * count, 8, seconds))
        signs = [
            Pool.encode(
                (
                    "POST",
                    f"/v1/cases/{case_id}/authorization",
                    candidate,
                    {"text_sha256": sha, "lang": "zh-Hans", "categories": ["identity"]},
                )
            )
            for case_id, sha in world.to_sign
        ]
        half = len(signs) // 2
        gc.collect()
        results.append(
            await closed_loop(pool, "POST sign (state change)", signs[:half], 8, seconds)
        )
        results.append(await open_loop(pool, "POST sign (state change)", signs[half:], 50))
    finally:
        await pool.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase (bounded)")
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop reads per second")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    seconds = min(args.seconds, 10.0)
    rate = min(args.rate, 1000.0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        world = seed(folder, cases_to_sign=int(50 * seconds) * 2)
        print(f"seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        port = _free_port()
        server = subprocess.Popen(  # one uvicorn worker, loopback
            [sys.executable, __file__, "--serve", str(folder), "--port", str(port)],
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        try:
            base = f"http://{HOST}:{port}"
            for _ in range(100):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise SystemExit("the server did not start")
            gc.disable()  # the client collects between phases only (see run)
            try:
                results = asyncio.run(run(port, world, seconds, rate))
            finally:
                gc.enable()
        finally:
            server.terminate()
            server.wait(timeout=10)
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"fairscreen HTTP API, one uvicorn worker, SQLite, {HOST}; {os.cpu_count()} CPUs, "
        f"load average after the run {load} (1/5/15 min: other work on the machine shows here)"
    )
    header = ("scenario", "mode", "reqs", "req/s", "p50 ms", "p99 ms", "err")
    print(f"| {header[0]:<34} | {header[1]:<14} | " + " | ".join(header[2:]) + " |")
    print("|" + "-" * 36 + "|" + "-" * 16 + "|-------:|--------:|-------:|-------:|----:|")
    for result in results:
        print(result.row())


if __name__ == "__main__":
    main()

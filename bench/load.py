"""Load benchmark: whole lifecycles over HTTP against 1, 2 and 4 ``serve`` processes on one
PostgreSQL, driven by locust (headless), with pgbench's commit rate measured in the same
run as the ceiling to compare with (issue 16 item 6).

For each (processes, clients) pair, on a fresh pair of databases (the data and the key
store, as production keeps them apart):

1. ``fairscreen db upgrade`` migrates both (``serve`` and ``worker`` do not migrate, and
   refuse a database not at head), then the world is seeded through the services (an
   operator, an employer and an agency with API tokens, a role profile, a candidate of
   the demo sources and the candidate's token from the one-time-code sign-in);
2. ``processes`` × ``fairscreen serve`` start on 127.0.0.1, each on its own port (a
   single uvicorn worker each, as ``serve`` runs), plus ``fairscreen worker`` processes
   (``--workers``, default 1): on PostgreSQL they run the background tasks and the
   ledger's sequencer;
3. locust runs ``clients`` users for ``--seconds``, each user bound to one server round
   robin (locust's host list: ``bench/load/locustfile.py``), each driving lifecycles
   back to back (closed loop; the eight steps are named in the locustfile);
4. meanwhile ``/metrics`` of the first server is read every second for the sequencer's
   backlog (``fairscreen_sequencer_*`` gauges; "-" while no such probe is registered),
   the servers' CPU time is read from ``/proc`` and the database's commits from
   ``pg_stat_database``.

The table: lifecycles/s and its ratio to the 1-process row with as many clients (the
baseline); errors (failed requests: each stops its lifecycle); the servers' CPU ms per
lifecycle; the database's commits/s and their ratio to pgbench's ``-c 8`` rate; the
sequencer's backlog; p50/p99 ms per step. The load generator, the servers and PostgreSQL
share the machine's cores (and, on a shared machine, other work: the load average is
printed), so compare rows of one run, not runs.

    .venv/bin/python bench/load.py [--processes 1,2,4] [--clients 4,16] [--seconds 15]
                                   [--port-base 18410] [--postgres URL] [--profile FILE]
                                   [--before OTHER_CHECKOUT]

``--before DIR`` runs each configuration on another checkout's code too (its ``src`` on
``PYTHONPATH`` of the servers, workers and ``db upgrade``), just before this one's, so a
change is compared with what it changed under the same load (column ``code``).

``--profile FILE`` samples the first server with py-spy during each run (100 Hz, only the
thread holding the GIL: waits on the database are left out, and so is C code that runs
without the GIL, so it sees less than the CPU time from ``/proc``), keeps the raw stacks
in ``FILE.<code>.<proc>x<clients>`` and prints where a lifecycle's CPU went: ms per lifecycle
per function, inclusive and self (with several processes, per lifecycle that server
served, assuming an even share).

Needs the ``bench`` extra (``pip install -e '.[bench]'``: locust) and ``pgbench``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

# the lifecycle's steps are written once, in the folder the locustfile is in
sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))
from lifecycle_steps import STEPS

HOST = "127.0.0.1"  # loopback only
ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def demo_person() -> dict[str, str]:
    """The first person of the shipped synthetic identity register
    (``fairscreen/data/sources/demo``), whom every demo source knows: read, not written
    here again."""
    from importlib import resources

    from fairscreen.domain.identity import embedded_birth_date

    register = resources.files("fairscreen").joinpath("data/sources/demo/identity.json")
    identity = json.loads(register.read_text("utf-8"))["records"][0]["identity"]
    born = embedded_birth_date(identity["national_id"])
    assert born is not None, "the demo register's first ID number carries a birth date"
    return {**identity, "birth_date": born.isoformat()}


# --- databases -----------------------------------------------------------------------------


@contextmanager
def databases(admin_url: str, *names: str) -> Iterator[list[str]]:
    """Fresh, empty databases ``names`` (dropped afterwards); their URLs."""
    # pre-ping: a drill may restart the server (--restart-postgres), which ends this
    # engine's pooled connection before the DROP at the end
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        base = sa.make_url(admin_url)
        yield [base.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def commits(admin_url: str, database: str) -> int:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
            query = sa.text("SELECT xact_commit FROM pg_stat_database WHERE datname = :name")
            return int(connection.execute(query, {"name": database}).scalar_one())
    finally:
        engine.dispose()


def pgbench_rates(admin_url: str, seconds: int) -> dict[int, float]:
    """pgbench's simple-update transactions (``-N``) per second from 1 and 8 clients, on
    a scratch database, each for ``seconds``."""
    url = sa.make_url(admin_url)
    name = f"fairscreen_load_{uuid.uuid4().hex[:8]}_pgbench"
    connect = [
        "-h",
        url.host or HOST,
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    rates = {}
    with databases(admin_url, name):
        subprocess.run(
            ["pgbench", *connect, "-i", "-q", "-s", "1", name], check=True, capture_output=True
        )
        for clients in (1, 8):
            jobs = str(min(clients, 2))
            command = ["pgbench", *connect, "-n", "-N", "-c", str(clients), "-j", jobs]
            done = subprocess.run(
                [*command, "-T", str(seconds), name],
                check=True,
                capture_output=True,
                text=True,
            )
            found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
            assert found, done.stdout
            rates[clients] = float(found.group(1))
    return rates


# --- the world -----------------------------------------------------------------------------


def process_env(
    data_url: str, keys_url: str, folder: Path, code: Path | None = None
) -> dict[str, str]:
    """The environment of the servers, workers and ``db upgrade``: the databases, the
    data directory and, with ``code`` (another checkout), its ``src`` ahead of the
    editable install of this one."""
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": data_url,
        "FAIRSCREEN_KEY_STORE_URL": keys_url,
        "FAIRSCREEN_DATA_DIR": str(folder),
    }
    if code is not None:
        env["PYTHONPATH"] = str(code / "src")
    return env


def upgrade(env: dict[str, str]) -> None:
    """``fairscreen db upgrade``, as an operator runs it once before starting anything:
    ``serve`` and ``worker`` do not migrate, and refuse a database not at head."""
    subprocess.run(
        [sys.executable, "-m", "fairscreen", "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )


def seed(data_url: str, keys_url: str, folder: Path) -> dict[str, Any]:
    """Seed through the services (on a database ``db upgrade`` brought to head); what the
    locust users need, as JSON."""
    from fairscreen.adapters.notify import MemoryNotifier
    from fairscreen.bootstrap import build_services
    from fairscreen.config import Settings
    from fairscreen.ledger.entries import ActorRole
    from fairscreen.services import accounts
    from fairscreen.services.context import Actor
    from fairscreen.services.scope import define_role_profile, register_candidate
    from fairscreen.services.worked_examples import worked_examples

    example = json.loads(worked_examples()[0].read_text("utf-8"))  # Luo: four categories
    notifier = MemoryNotifier()
    settings = Settings(database_url=data_url, key_store_url=keys_url, data_dir=folder)
    svc = build_services(settings, notifier=notifier, migrate=False, require_schema=True)
    try:
        operator = Actor(ActorRole.OPERATOR, "bench")
        employer = accounts.register_tenant(svc, operator, kind="employer", name="某食品公司")
        agency = accounts.register_tenant(svc, operator, kind="agency", name="某背调机构")
        profile = define_role_profile(svc, Actor(ActorRole.EMPLOYER, employer), example["role"])
        candidate = register_candidate(svc, Actor(ActorRole.EMPLOYER, employer), demo_person())
        tokens = {
            role: accounts.create_account(
                svc, operator, role=role, label=f"load {role}", tenant_id=tenant
            )[1].token
            for role, tenant in (("employer", employer), ("agency", agency), ("operator", None))
        }
        session = accounts.request_sign_in_code(svc, candidate, requester="bench")
        code = str(notifier.sent[-1].fields["code"])
        candidate_token = accounts.exchange_sign_in_code(svc, candidate, session, code).token
    finally:
        svc.engine.dispose()
        if svc.key_engine is not None:
            svc.key_engine.dispose()
    return {
        **tokens,
        "candidate": candidate_token,
        "candidate_id": candidate,
        "agency_id": agency,
        "profile_id": profile,
        "requested": example["requested_categories"],
        "claims": example.get("claims", {}),
    }


# --- processes -----------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` so far (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@contextmanager
def servers(
    count: int, workers: int, port_base: int, env: dict[str, str], folder: Path
) -> Iterator[tuple[list[str], list[int], list[int]]]:
    """``count`` serve processes (and ``workers`` worker processes); their base URLs, the
    serve processes' pids and the workers'. Stopped (SIGTERM, then SIGKILL) on the way
    out."""
    started: list[subprocess.Popen[bytes]] = []
    urls = [f"http://{HOST}:{port_base + n}" for n in range(count)]
    try:
        for n, url in enumerate(urls):
            serve = ["serve", "--host", HOST, "--port", url.rsplit(":", 1)[1]]
            started.append(start_fairscreen(serve, env, folder / f"serve-{n}.log"))
        for n in range(workers):
            started.append(start_fairscreen(["worker"], env, folder / f"worker-{n}.log"))
        for n, url in enumerate(urls):
            _wait_healthy(url, started, folder / f"serve-{n}.log")
        pids = [process.pid for process in started]
        yield urls, pids[:count], pids[count:]
    finally:
        stop(started)


def start_fairscreen(
    arguments: list[str], env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """``python -m fairscreen ARGUMENTS`` in the background, its output appended to
    ``log``."""
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        command = [sys.executable, "-m", "fairscreen", *arguments]
        return subprocess.Popen(command, env=env, stdout=output, stderr=output)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each (a stopped one is woken first, or it would never handle it), then
    SIGKILL whatever has not exited within 15 s."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class StartFailed(Exception):
    pass


def _wait_healthy(url: str, processes: list[subprocess.Popen[bytes]], log: Path) -> None:
    """Until ``url/healthz`` answers; a loaded machine may take a while to start four
    processes (imports, the topic lexicon's compilation, the start-up checks)."""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            tail = log.read_text("utf-8", "replace")[-2000:]
            raise StartFailed(f"a server exited while starting ({url}):\n{tail}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise StartFailed(f"{url} did not start within 240 s")


@dataclass
class Sequencer:
    """The largest sequencer backlog seen while the load ran (from ``/metrics``)."""

    pending: float | None = None
    oldest_seconds: float | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    #: every reading: (time.monotonic(), pending, oldest age in seconds)
    samples: list[tuple[float, float, float]] = field(default_factory=list)

    def watch(self, url: str, token: str) -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=5) as client:
            while not self.stop.wait(1.0):
                try:
                    text = client.get(f"{url}/metrics").text
                except httpx.HTTPError:
                    continue
                seen: dict[str, float] = {}
                for line in text.splitlines():
                    if line.startswith("fairscreen_sequencer_"):
                        name, _, value = line.rpartition(" ")
                        seen["pending" if name.endswith("_count") else name] = float(value)
                oldest = next(
                    (v for k, v in seen.items() if k.endswith("_oldest_age_seconds")), 0.0
                )
                if "pending" in seen:
                    self.pending = max(self.pending or 0.0, seen["pending"])
                    self.oldest_seconds = max(self.oldest_seconds or 0.0, oldest)
                    self.samples.append((time.monotonic(), seen["pending"], oldest))

    def oldest_between(self, start: float, end: float) -> float:
        """The oldest pending entry's largest age read between ``start`` and ``end``."""
        return max((age for at, _, age in self.samples if start <= at <= end), default=0.0)

    def cell(self) -> str:
        if self.pending is None:
            return "-"
        return f"{self.pending:.0f} / {self.oldest_seconds or 0:.1f} s"


# --- one configuration ---------------------------------------------------------------------


@dataclass
class Row:
    code: str
    processes: int
    clients: int
    seconds: float
    lifecycles: int
    errors: int
    cpu_ms: float
    worker_cpu_ms: float
    commits_per_s: float
    sequencer: str
    steps: dict[str, tuple[float, float]]

    @property
    def rate(self) -> float:
        return self.lifecycles / self.seconds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def run_one(
    args: argparse.Namespace, processes: int, clients: int, workers: int, code: Path | None = None
) -> Row:
    """One configuration; ``code``: another checkout whose ``src`` the servers, workers and
    ``db upgrade`` run instead of this one's (``--before``)."""
    tag = uuid.uuid4().hex[:8]
    label = f"{'before' if code is not None else 'now'}.{processes}x{clients}"
    names = (f"fairscreen_load_{tag}", f"fairscreen_load_{tag}_keys")
    with (
        tempfile.TemporaryDirectory(prefix="fairscreen-load-") as tmp,
        databases(args.postgres, *names) as (data_url, keys_url),
    ):
        folder = Path(tmp)
        env = process_env(data_url, keys_url, folder / "var", code)
        upgrade(env)
        world = seed(data_url, keys_url, folder / "var")
        with (
            servers(processes, workers, args.port_base, env, folder) as (urls, pids, worker_pids),
            watched(world, urls, folder) as (world_file, out_file, sequencer),
        ):
            commits_before, cpu_before = commits(args.postgres, names[0]), cpu_seconds(pids)
            worker_cpu_before = cpu_seconds(worker_pids)
            profiler = _profile(args, pids[0], label)
            began = time.perf_counter()
            locust(world_file, out_file, clients, args.seconds, folder / "locust.log").wait()
            elapsed = time.perf_counter() - began
            cpu = cpu_seconds(pids) - cpu_before
            worker_cpu = cpu_seconds(worker_pids) - worker_cpu_before
            if profiler is not None:
                profiler.wait(timeout=60)
            committed = commits(args.postgres, names[0]) - commits_before
            if not out_file.exists():
                sys.exit((folder / "locust.log").read_text())
            out = json.loads(out_file.read_text("utf-8"))
    done = len(out["completed"])
    if profiler is not None and done:
        print_profile(Path(f"{args.profile}.{label}"), done / processes)
    return Row(
        code="before" if code is not None else "now",
        processes=processes,
        clients=clients,
        seconds=float(args.seconds),
        lifecycles=done,
        errors=sum(out["errors"].values()),
        cpu_ms=cpu * 1000 / done if done else float("nan"),
        worker_cpu_ms=worker_cpu * 1000 / done if done else float("nan"),
        commits_per_s=committed / elapsed,
        sequencer=sequencer.cell(),
        steps={
            step: (
                statistics.median(out["times"].get(step) or [float("nan")]),
                percentile(out["times"].get(step, []), 0.99),
            )
            for step in STEPS
        },
    )


@contextmanager
def watched(
    world: dict[str, Any], urls: list[str], folder: Path
) -> Iterator[tuple[Path, Path, Sequencer]]:
    """The world written for the locust users (with the servers' URLs), the file they
    write what they saw to, and the sequencer's backlog read from the first server's
    ``/metrics`` every second until the block ends."""
    world["hosts"] = urls
    world_file, out_file = folder / "world.json", folder / "out.json"
    world_file.write_text(json.dumps(world), "utf-8")
    sequencer = Sequencer()
    watcher = threading.Thread(
        target=sequencer.watch, args=(urls[0], world["operator"]), daemon=True
    )
    watcher.start()
    try:
        yield world_file, out_file, sequencer
    finally:
        sequencer.stop.set()
        watcher.join()


def locust(
    world_file: Path, out_file: Path, clients: int, seconds: int, log: Path
) -> subprocess.Popen[bytes]:
    """locust, headless, in the background: ``clients`` users driving lifecycles
    (``LOCUSTFILE``) for ``seconds`` against the world in ``world_file``; what they saw is
    written to ``out_file`` when it exits."""
    users = ["-u", str(clients), "-r", str(clients), "-t", f"{seconds}s"]
    quiet = ["--only-summary", "--loglevel", "WARNING", "--stop-timeout", "30"]
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", *users, *quiet],
            env={
                **os.environ,
                "FAIRSCREEN_LOAD_WORLD": str(world_file),
                "FAIRSCREEN_LOAD_OUT": str(out_file),
            },
            stdout=subprocess.DEVNULL,
            stderr=output,
        )


def _profile(args: argparse.Namespace, pid: int, label: str) -> subprocess.Popen[bytes] | None:
    if not args.profile:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = f"{args.profile}.{label}"
    command = [spy, "record", "-p", str(pid), "-r", "100", "-d", str(args.seconds)]
    # --gil: only the thread holding the GIL, i.e. running Python, not waiting on a socket
    command += ["-f", "raw", "-o", out, "--nonblocking", "--gil"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def print_profile(raw: Path, lifecycles: float, top: int = 30) -> None:
    """py-spy's raw stacks as CPU ms per lifecycle, per function (file and name; one
    sample is 10 ms at 100 Hz), inclusive (on the stack) and self (at its top)."""
    inclusive: dict[str, float] = {}
    own: dict[str, float] = {}
    total = 0
    for line in raw.read_text("utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    per = 10.0 / lifecycles  # ms of CPU per sample, per lifecycle
    print(f"\nprofile {raw.name}: {total * per:.1f} ms CPU per lifecycle sampled")
    ours = {frame: n for frame, n in inclusive.items() if "fairscreen/" in frame}
    for title, table in (
        ("inclusive, fairscreen's", ours),
        ("inclusive", inclusive),
        ("self", own),
    ):
        print(f"  top {top} by {title} ms/lifecycle:")
        for frame, samples in sorted(table.items(), key=lambda item: -item[1])[:top]:
            print(f"    {samples * per:7.2f}  {frame[:150]}")


def print_table(rows: list[Row], pgbench: dict[int, float], workers: int) -> None:
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nfairscreen under locust: whole lifecycles (8 requests) over HTTP, PostgreSQL, "
        f"{HOST}; {os.cpu_count()} CPUs shared by servers, locust and PostgreSQL; "
        f"{workers} worker process(es); load average after the run {load}"
    )
    print(
        f"pgbench -N (same run, scratch database): {pgbench[1]:,.0f} commits/s from 1 client, "
        f"{pgbench[8]:,.0f} from 8"
    )
    header = ["code", "proc", "clients", "lifecycles/s", "× 1 proc", "errors"]
    header += ["server CPU ms/lc"]
    header += ["worker CPU ms/lc"]
    header += ["db commits/s", "÷ pgbench c8", "seq. backlog"]
    header += [f"{step} p50/p99 ms" for step in STEPS]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    baseline = {(row.code, row.clients): row.rate for row in rows if row.processes == 1}
    for row in rows:
        base = baseline.get((row.code, row.clients))
        cells = [
            row.code,
            str(row.processes),
            str(row.clients),
            f"{row.rate:.1f}",
            f"{row.rate / base:.2f}" if base else "-",
            str(row.errors),
            f"{row.cpu_ms:.0f}",
            f"{row.worker_cpu_ms:.0f}",
            f"{row.commits_per_s:,.0f}",
            f"{row.commits_per_s / pgbench[8]:.2f}",
            row.sequencer,
        ]
        cells += [f"{p50:.0f}/{p99:.0f}" for p50, p99 in row.steps.values()]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2,4", help="serve processes, comma-separated")
    parser.add_argument("--clients", default="4,16", help="locust users, comma-separated")
    parser.add_argument("--seconds", type=int, default=15, help="per configuration")
    parser.add_argument("--workers", type=int, default=1, help="fairscreen worker processes")
    parser.add_argument("--pgbench-seconds", type=int, default=5)
    parser.add_argument("--port-base", type=int, default=18410)
    parser.add_argument("--postgres", default=POSTGRES, help="an admin URL (CREATE DATABASE)")
    parser.add_argument("--profile", help="py-spy the first server: FILE.<code>.<proc>x<clients>")
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout: each configuration runs on its code too, just before this one's",
    )
    args = parser.parse_args()
    if shutil.which("pgbench") is None:
        raise SystemExit("pgbench is needed (Debian: postgresql-client)")
    workers = args.workers
    pgbench = pgbench_rates(args.postgres, args.pgbench_seconds)
    rows = []
    for processes in (int(p) for p in args.processes.split(",")):
        for clients in (int(c) for c in args.clients.split(",")):
            try:
                if args.before is not None:
                    rows.append(run_one(args, processes, clients, workers, args.before))
                rows.append(run_one(args, processes, clients, workers))
            except StartFailed as failed:  # the other configurations still run
                print(f"{processes} proc × {clients} clients: {failed}", file=sys.stderr)
                continue
            print(
                f"{processes} proc × {clients} clients: {rows[-1].rate:.1f} lifecycles/s",
                file=sys.stderr,
            )
    print_table(rows, pgbench, workers)


if __name__ == "__main__":
    main()

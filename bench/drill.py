"""Failure drill: several ``serve`` processes and workers on one PostgreSQL under load, with
the sequencer and a worker killed (SIGKILL) and frozen (SIGSTOP) mid-run, then the
database checked against what the clients were told (issue 16, "How we will judge it").

1. **Concurrent first start**: ``--serve`` × ``fairscreen db upgrade`` at once on empty
   databases (the operator's step before a release; ``serve`` does not migrate): each
   must exit 0.
2. The world is seeded as ``bench/load.py`` seeds it; ``--serve`` servers and
   ``--workers`` workers start; locust drives whole lifecycles (``bench/load/
   locustfile.py``) with ``--clients`` users for ``--seconds``, recording each case's
   last acknowledged step.
3. Meanwhile, one fault at a time, each followed by ``--settle`` seconds of load alone
   (the load runs as long as the five need, at least ``--seconds``):
   - the worker seen holding the sequencer's lease (``pg_locks``, polled) is killed with
     SIGKILL, mid-round, and a new worker is started (as a supervisor would);
   - the next holder of the lease is frozen (SIGSTOP) for ``--freeze`` seconds, then
     resumed (SIGCONT); a worker is "caught holding" the lease when it still holds it
     once stopped (a round may end between the look and the signal: it is then resumed
     and another try made);
   - a worker not holding the lease is killed, and replaced;
   - a worker is frozen for ``--freeze`` seconds, then resumed;
   - with ``--serve`` 2 or more, a ``serve`` process is frozen for ``--freeze`` seconds
     mid-load, then resumed: the other servers must go on answering (issue 16 item 3:
     one frozen process must not stall every process). Their rate of answered requests
     (``/metrics``) in the ``--sample`` seconds before and during the freeze is compared;
   - with ``--restart-postgres COMMAND``: PostgreSQL itself restarted mid-load (every
     connection of every process dropped); the servers' rate of answered requests in the
     ``--settle`` seconds after the command returned is compared with the rate before.
4. After the load: the drill waits for the pending entries to drain, then checks, each a
   row of the table, all of which must hold:
   - every case's last acknowledged step is in the database (its state is at least the
     one that step leaves; ``ACKNOWLEDGED_STATES``);
   - nothing the docs say happens once per case happened twice
     (``ONCE_PER_CASE``; a source query once per case and category);
   - nothing is left pending, the log's indices run without a gap, and no two
     checkpoints were published at one size;
   - while one ``serve`` was frozen, the others answered at least half as many requests
     a second as just before it (with the frozen one's users stalled, they had more of
     the machine, not less);
   - after PostgreSQL's restart, the servers answered at least half as many requests a
     second as before it (their pools, the token reads on the loop and the workers'
     queues found the database again);
   - ``fairscreen ledger verify`` and ``fairscreen ledger audit`` exit 0.
   Printed beside: the lifecycles completed, the failed requests per step, the largest
   sequencer backlog seen on ``/metrics`` and how long the drain took.

    .venv/bin/python bench/drill.py [--serve 3] [--workers 2] [--clients 16]
                                    [--seconds 60] [--freeze 10] [--settle 10]
                                    [--postgres URL] [--restart-postgres COMMAND]
                                    [--logs DIR] [--code OTHER_CHECKOUT]

``--code`` runs the servers, workers and ``db upgrade`` on another checkout's ``src``
(the drill itself and its checks stay this checkout's): to see what a change fixed.

Exit status 1 when a check fails. Needs the ``bench`` extra (locust) and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from fairscreen.adapters.db.lease import postgres_lease_key
from fairscreen.services.sequencer import LEASE

# bench/load.py, beside this file (Python puts a script's folder first on its path)
from load import (
    POSTGRES,
    STEPS,
    databases,
    locust,
    process_env,
    seed,
    servers,
    start_fairscreen,
    stop,
    watched,
)

#: The states a case may be in once the server acknowledged a step (later ones included:
#: the next step may have been acknowledged too, after the client stopped listening).
_AFTER_SIGN = ("scoped", "investigating", "candidate_review", "released", "decided")
ACKNOWLEDGED_STATES: dict[str, tuple[str, ...]] = {
    "order": ("ordered", "authorized", *_AFTER_SIGN),
    "notice": ("ordered", "authorized", *_AFTER_SIGN),
    "sign": _AFTER_SIGN,
    "investigate": ("candidate_review", "released", "decided"),
    "report": ("candidate_review", "released", "decided"),
    "accept": ("released", "decided"),
    "employer view": ("released", "decided"),
    "decision": ("decided",),
}
assert set(ACKNOWLEDGED_STATES) == set(STEPS)
#: Event types a lifecycle without disputes logs at most once per case.
ONCE_PER_CASE = (
    "authorization.signed",
    "report.rated",
    "review.opened",
    "report.released",
    "decision.recorded",
)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


# --- the processes ---------------------------------------------------------------------------


class Workers:
    """The running workers (pid → process), replaced as a supervisor would."""

    def __init__(self, pids: list[int], env: dict[str, str], folder: Path) -> None:
        self.pids = list(pids)
        self.env, self.folder = env, folder
        self.replacements: list[subprocess.Popen[bytes]] = []

    def replace(self, pid: int) -> float | None:
        """Start a worker in ``pid``'s place; the seconds until it said it started (its
        loops running, ``worker started``), None if not within a minute. Waited for, so
        that the next fault meets two running workers, not one and one still starting
        (on these loaded cores a worker took over 10 s to start)."""
        self.pids.remove(pid)
        log = self.folder / f"worker-r{len(self.replacements)}.log"
        began = time.monotonic()
        process = start_fairscreen(["worker"], self.env, log)
        self.replacements.append(process)
        self.pids.append(process.pid)
        while time.monotonic() - began < 60:
            if log.exists() and "worker started" in log.read_text("utf-8", "replace"):
                return time.monotonic() - began
            time.sleep(0.2)
        return None


def _up(seconds: float | None) -> str:
    return " (not started within 60 s)" if seconds is None else f" (up in {seconds:.1f} s)"


def lease_holder(admin_url: str, database: str, candidates: list[int], wait: float) -> int | None:
    """The pid, among ``candidates``, of the process whose connection holds the
    sequencer's lease, polled for up to ``wait`` seconds (it is held for a round at a
    time, by whichever worker's loop takes it): PostgreSQL's backend holding the
    advisory lock, then the local process at the other end of that backend's socket."""
    key = postgres_lease_key(LEASE)
    query = sa.text(
        "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
        "AND l.classid::bigint = :key AND a.datname = :database"
    )
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    deadline = time.monotonic() + wait
    try:
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                ports = connection.execute(query, {"key": key, "database": database}).scalars()
                for port in ports:
                    owner = _process_on_port(int(port))
                    if owner in candidates:
                        return owner
                time.sleep(0.005)
    finally:
        engine.dispose()
    return None


def sessions_of(admin_url: str, database: str, pid: int) -> str:
    """What PostgreSQL's sessions for process ``pid`` are doing (state, wait, how long
    in their transaction), found by their client ports (``ss``): said beside a freeze,
    since a holder stopped in the middle of a statement is not idle, and the server's
    idle limit does not end it. No query text (parameters stay out of it anyway)."""
    server_port = sa.make_url(admin_url).port or 5432
    ports = [
        int(line.split()[2].rsplit(":", 1)[1])
        for line in _established(f"dport = :{server_port}")
        if f"pid={pid}," in line
    ]
    if not ports:
        return "no sessions"
    query = sa.text(
        "SELECT state, coalesce(wait_event, '-'), "
        "coalesce(round(extract(epoch FROM now() - xact_start)::numeric, 1)::text, '-') "
        "FROM pg_stat_activity WHERE datname = :database AND client_port = ANY(:ports) "
        "ORDER BY 1"
    )
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"database": database, "ports": ports}).all()
    finally:
        engine.dispose()
    return ", ".join(f"{state}/{wait} ({age} s in its transaction)" for state, wait, age in rows)


def _established(condition: str) -> list[str]:
    """``ss``'s lines for the established TCP sockets meeting ``condition`` (its filter
    syntax), each with its process (as root sees every process)."""
    shown = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( {condition} )"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return shown.splitlines()


def _process_on_port(port: int) -> int | None:
    """The local pid with a TCP socket on ``port``."""
    found = "\n".join(_established(f"sport = :{port}")).split("pid=", 1)
    return int(found[1].split(",", 1)[0]) if len(found) == 2 else None


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (an exited child not yet reaped is a zombie: not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def freeze(pid: int, seconds: float) -> None:
    """SIGSTOP ``pid`` (again, if it is stopped already) for ``seconds``, then SIGCONT."""
    os.kill(pid, signal.SIGSTOP)
    time.sleep(seconds)
    os.kill(pid, signal.SIGCONT)


def _metrics(client: httpx.Client, url: str, wait: float = 30.0) -> str:
    """``url``'s ``/metrics``, asked again for up to ``wait`` seconds while it fails (its
    database gauges need the database: not there for a moment after a restart)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return client.get(f"{url}/metrics").raise_for_status().text
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def answered(urls: list[str], token: str) -> float:
    """Requests the servers at ``urls`` have answered so far, by their ``/metrics``
    (``fairscreen_http_requests_total``, every route but ``/metrics`` itself)."""
    total = 0.0
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        for url in urls:
            text = _metrics(client, url)
            for line in text.splitlines():
                if line.startswith("fairscreen_http_requests_total{") and (
                    'route="/metrics"' not in line
                ):
                    total += float(line.rpartition(" ")[2])
    return total


# --- the checks ------------------------------------------------------------------------------


def drained(data_url: str, timeout: float) -> float | None:
    """Seconds until nothing is pending (None: still pending after ``timeout``)."""
    engine = sa.create_engine(data_url)
    began = time.monotonic()
    try:
        while time.monotonic() - began < timeout:
            with engine.connect() as connection:
                left = connection.execute(sa.text("SELECT count(*) FROM ledger_pending"))
                if left.scalar_one() == 0:
                    return time.monotonic() - began
            time.sleep(0.5)
    finally:
        engine.dispose()
    return None


def database_checks(data_url: str, acknowledged: dict[str, str]) -> list[Check]:
    engine = sa.create_engine(data_url)
    try:
        with engine.connect() as connection:
            cases = {
                str(row.id): (row.state, row.pseudonym)
                for row in connection.execute(sa.text("SELECT id, state, pseudonym FROM cases"))
            }
            entries = [
                json.loads(bytes(row.data))
                for row in connection.execute(sa.text("SELECT data FROM ledger_entries"))
            ]
            indices = connection.execute(
                sa.text(
                    "SELECT count(*), coalesce(min(idx), 0), coalesce(max(idx), -1) "
                    "FROM ledger_entries"
                )
            ).one()
            sizes = Counter(
                connection.execute(sa.text("SELECT size FROM ledger_checkpoints")).scalars()
            )
            jobs = dict(
                connection.execute(
                    sa.text("SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")
                ).all()
            )
    finally:
        engine.dispose()
    lost = [
        f"{step} of a case in state {cases[case][0] if case in cases else 'missing'}"
        for case, step in acknowledged.items()
        if case not in cases or cases[case][0] not in ACKNOWLEDGED_STATES[step]
    ]
    once = Counter(
        (entry["case"], entry["type"]) for entry in entries if entry["type"] in ONCE_PER_CASE
    )
    queries = Counter(
        (entry["case"], entry.get("category"))
        for entry in entries
        if entry["type"] == "source.queried"
    )
    twice = [f"{kind} ×{n}" for (_, kind), n in once.items() if n > 1]
    twice += [f"source.queried {category} ×{n}" for (_, category), n in queries.items() if n > 1]
    count, low, high = indices
    return [
        Check(
            "every acknowledged step is in the database",
            not lost,
            f"{len(acknowledged)} cases acknowledged; lost: {', '.join(lost[:5]) or 'none'}",
        ),
        Check(
            "nothing done twice that happens once",
            not twice,
            f"{len(entries)} entries; twice: {', '.join(twice[:5]) or 'none'}",
        ),
        Check(
            "the log's indices run without a gap",
            count == high + 1 and low == 0,
            f"{count} entries, indices {low}..{high}",
        ),
        Check(
            "no background job failed",
            not jobs.get("failed"),
            f"jobs left by status: {jobs or 'none'} (done jobs are deleted)",
        ),
        Check(
            "one checkpoint per size",
            all(n == 1 for n in sizes.values()),
            f"{sum(sizes.values())} checkpoints, {len(sizes)} sizes",
        ),
    ]


#: a fault may bring the servers' answered requests a second down to this share of the
#: rate just before it (a frozen holder of a lock everyone needs would bring it near zero)
KEPT_SHARE = 0.5


def rate_kept(name: str, rates: list[tuple[float, float]], before: str, after: str) -> Check:
    """``name`` holds when the requests a second ``after`` the fault (or during it) are at
    least :data:`KEPT_SHARE` of those ``before`` it (the phrases say when, in the detail)."""
    if not rates:
        return Check(name, False, "the fault was not made")
    ((then, now),) = rates
    return Check(
        name,
        then > 0 and now >= KEPT_SHARE * then,
        f"{then:.1f} requests/s {before}, {now:.1f} {after}",
    )


def cli_check(name: str, arguments: list[str], env: dict[str, str]) -> Check:
    done = subprocess.run(
        [sys.executable, "-m", "fairscreen", *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    said = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[-1]
    return Check(name, done.returncode == 0, f"exit {done.returncode}: {said[:120]}")


# --- the drill -------------------------------------------------------------------------------


def concurrent_first_start(env: dict[str, str], count: int) -> Check:
    """``count`` × ``fairscreen db upgrade`` at once on the empty databases."""
    command = [sys.executable, "-m", "fairscreen", "db", "upgrade"]
    started = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(count)
    ]
    codes = [process.wait(timeout=300) for process in started]
    for process in started:
        assert process.stdout is not None
        process.stdout.close()
    return Check(
        f"{count} concurrent first starts (db upgrade)",
        all(code == 0 for code in codes),
        f"exit codes {codes}",
    )


def run(args: argparse.Namespace) -> tuple[list[Check], dict[str, Any]]:
    tag = uuid.uuid4().hex[:8]
    names = (f"fairscreen_drill_{tag}", f"fairscreen_drill_{tag}_keys")
    with (
        tempfile.TemporaryDirectory(prefix="fairscreen-drill-") as tmp,
        databases(args.postgres, *names) as (data_url, keys_url),
    ):
        folder = Path(tmp)
        env = process_env(data_url, keys_url, folder / "var", args.code)
        checks = [concurrent_first_start(env, args.serve)]
        world = seed(data_url, keys_url, folder / "var")
        #: what was done to whom, when it began and ended (time.monotonic())
        events: list[tuple[str, float, float]] = []
        with (
            servers(args.serve, args.workers, args.port_base, env, folder) as (
                urls,
                serve_pids,
                pids,
            ),
            watched(world, urls, folder) as (world_file, out_file, sequencer),
        ):
            workers = Workers(pids, env, folder)
            # One fault at a time, each followed by --settle seconds of load alone (a
            # freeze's own length first): the stall after each is its own.
            gap, span = args.settle, args.freeze + args.settle
            # the kill and freeze of the lease holder and of a worker, then a serve frozen
            # (when another can go on) and PostgreSQL restarted (when asked), each after
            # the one before settled (the last two after their --sample of the rate too)
            serve_frozen = args.serve > 1
            count = 4 + serve_frozen + bool(args.restart_postgres)
            offsets = [gap, 2 * gap, 2 * gap + span, 3 * gap + span, 4 * gap + 2 * span]
            starts = [*offsets, offsets[-1] + args.sample + span][:count]
            seconds = max(args.seconds, round(starts[-1] + args.sample + span))
            began = time.monotonic()
            load = locust(world_file, out_file, args.clients, seconds, folder / "locust.log")

            def at(offset: float, action: Callable[[], None]) -> None:
                time.sleep(max(0.0, began + offset - time.monotonic()))
                action()

            def holder(wait: float = 10) -> int | None:
                return lease_holder(args.postgres, names[0], workers.pids, wait=wait)

            def stopped_holding() -> int | None:
                """A worker stopped (SIGSTOP) while it holds the lease: the one seen
                holding it is stopped, then asked again (its round may have ended in
                between: then it goes on and another try is made, for up to 30 s)."""
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    pid = holder(wait=1)
                    if pid is None:
                        continue
                    os.kill(pid, signal.SIGSTOP)
                    if holder(wait=0.5) == pid:
                        return pid
                    os.kill(pid, signal.SIGCONT)
                return None

            def frozen(pid: int, who: str, seen: str = "") -> None:
                """``pid`` (stopped already, or not) frozen for --freeze seconds; ``seen``:
                what its database sessions were doing when it stopped."""
                now = time.monotonic()
                freeze(pid, args.freeze)
                said = f"SIGSTOP {who} {pid} for {args.freeze:g} s"
                said += f" (its sessions when stopped: {seen})" if seen else ""
                events.append((said, now, time.monotonic()))

            def kill_sequencer() -> None:
                pid = stopped_holding()
                now = time.monotonic()
                if pid is None:
                    events.append(("no worker caught holding the lease: none killed", now, now))
                    return
                os.kill(pid, signal.SIGKILL)
                up = workers.replace(pid)
                said = f"SIGKILL the lease holder {pid} mid-round; replaced{_up(up)}"
                events.append((said, now, now))

            def freeze_sequencer() -> None:
                pid = stopped_holding()
                if pid is None:
                    now = time.monotonic()
                    events.append(("no worker caught holding the lease: none frozen", now, now))
                    return
                frozen(pid, "the lease holder", sessions_of(args.postgres, names[0], pid))

            def kill_worker() -> None:
                busy = holder()
                pid = next(p for p in workers.pids if p != busy)
                now = time.monotonic()
                os.kill(pid, signal.SIGKILL)
                up = workers.replace(pid)
                said = f"SIGKILL worker {pid} (not the lease holder); replaced{_up(up)}"
                events.append((said, now, now))

            def freeze_worker() -> None:
                frozen(workers.pids[0], "worker")

            #: the other servers' answered requests a second: (before, during) the freeze
            server_rates: list[tuple[float, float]] = []

            def rate_before(servers: list[str]) -> tuple[float, float]:
                """The requests ``servers`` answered a second over --sample seconds, and
                how many they had answered at its end."""
                began = answered(servers, world["operator"])
                time.sleep(args.sample)
                ended = answered(servers, world["operator"])
                return (ended - began) / args.sample, ended

            def freeze_server() -> None:
                """The last ``serve`` (the backlog is read from the first) frozen for
                --freeze seconds; the others' answered requests counted before (over
                --sample seconds) and during it."""
                pid, others = serve_pids[-1], urls[:-1]
                rate, at_stop = rate_before(others)
                now = time.monotonic()
                os.kill(pid, signal.SIGSTOP)
                time.sleep(args.freeze)
                at_resume = answered(others, world["operator"])
                os.kill(pid, signal.SIGCONT)
                events.append((f"SIGSTOP serve {pid} for {args.freeze:g} s", now, time.monotonic()))
                server_rates.append((rate, (at_resume - at_stop) / args.freeze))

            #: the servers' answered requests a second: (before, after) PostgreSQL's restart
            restart_rates: list[tuple[float, float]] = []

            def restart_postgres() -> None:
                """PostgreSQL restarted by the operator's command; the servers' rate of
                answered requests over --sample seconds before, and over --settle
                seconds once the command returned."""
                rate, at_restart = rate_before(urls)
                now = time.monotonic()
                subprocess.run(shlex.split(args.restart_postgres), check=True, timeout=120)
                back = time.monotonic()
                events.append((f"PostgreSQL restarted ({back - now:.1f} s)", now, back))
                time.sleep(args.settle)
                after = answered(urls, world["operator"])
                restart_rates.append((rate, (after - at_restart) / (time.monotonic() - now)))

            faults = [kill_sequencer, freeze_sequencer, kill_worker, freeze_worker]
            faults += [freeze_server] if serve_frozen else []
            faults += [restart_postgres] if args.restart_postgres else []
            for offset, action in zip(starts, faults, strict=True):
                at(offset, action)
            load.wait()
            ended = time.monotonic()
            gone = [pid for pid in workers.pids if not running(pid)]
            drain = drained(data_url, timeout=120)
            stop(workers.replacements)
        out = json.loads(out_file.read_text("utf-8"))
        checks += database_checks(data_url, out["acknowledged"])
        checks.append(
            Check(
                "every worker not killed still runs",
                not gone,
                f"{len(workers.pids)} workers; exited: {gone or 'none'}",
            )
        )
        checks.append(
            Check(
                "nothing left pending",
                drain is not None,
                "still pending 120 s after the load"
                if drain is None
                else f"drained {drain:.1f} s after the load",
            )
        )
        if serve_frozen:
            name = "the other servers went on while one was frozen"
            during = "during the SIGSTOP"
            checks.append(rate_kept(name, server_rates, "before the SIGSTOP", during))
        if args.restart_postgres:
            name = "the servers answered again after PostgreSQL restarted"
            after = "in the time after it"
            checks.append(rate_kept(name, restart_rates, "before the restart", after))
        checks.append(cli_check("ledger verify", ["ledger", "verify"], env))
        checks.append(cli_check("ledger audit", ["ledger", "audit"], env))
        restarts = sum(
            log.read_text("utf-8", "replace").count("the job queue ")
            for log in folder.glob("worker*.log")
        )
        if not args.restart_postgres:  # a restart drops every connection: then expected
            checks.append(
                Check(
                    "no worker's job queue stopped",
                    restarts == 0,
                    f"{restarts} stopped and started again (the workers' logs)",
                )
            )
        if args.logs is not None:  # the processes' logs, and the backlog read each second
            args.logs.mkdir(parents=True, exist_ok=True)
            for log in folder.glob("*.log"):
                shutil.copy(log, args.logs / log.name)
            trace = {
                "samples": [(at - began, n, age) for at, n, age in sequencer.samples],
                "events": [(said, start - began, end - began) for said, start, end in events],
            }
            (args.logs / "backlog.json").write_text(json.dumps(trace), "utf-8")
    summary = {
        "seconds": seconds,
        "lifecycles": len(out["completed"]),
        "errors": dict(out["errors"]),
        "sequencer backlog (max pending / oldest)": sequencer.cell(),
        # not a check with a restart (every queue's connection dropped), but said
        "job queues stopped and started again": restarts,
        # the oldest pending entry's largest age from each event until the next one (or
        # the load's end): how long the log's integration stalled on it
        "events": [
            f"{said}: oldest pending {sequencer.oldest_between(start, until):.1f} s"
            for (said, start, _), until in zip(
                events, [start for _, start, _ in events[1:]] + [ended], strict=True
            )
        ],
    }
    return checks, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, default=3, help="serve processes")
    parser.add_argument("--workers", type=int, default=2, help="fairscreen worker processes")
    parser.add_argument("--clients", type=int, default=16, help="locust users")
    parser.add_argument("--seconds", type=int, default=60, help="the load's least duration")
    parser.add_argument("--freeze", type=float, default=10.0, help="seconds of each SIGSTOP")
    parser.add_argument(
        "--settle", type=float, default=10.0, help="seconds of load alone after each fault"
    )
    parser.add_argument(
        "--sample", type=float, default=5.0, help="seconds of the rate before a serve freeze"
    )
    parser.add_argument(
        "--restart-postgres",
        metavar="COMMAND",
        help="restart PostgreSQL mid-load with this command (e.g. 'pg_ctlcluster "
        "--skip-systemctl-redirect 15 drill restart' for a cluster of the drill's own)",
    )
    parser.add_argument("--port-base", type=int, default=18510)
    parser.add_argument("--postgres", default=POSTGRES, help="an admin URL (CREATE DATABASE)")
    parser.add_argument("--logs", type=Path, help="keep the servers' and workers' logs here")
    parser.add_argument(
        "--code", type=Path, help="another checkout: its src runs the servers and workers"
    )
    args = parser.parse_args()
    if args.workers < 2:
        parser.error("--workers: at least 2 (one is killed while another must go on)")
    checks, summary = run(args)
    print(
        f"\nfailure drill: {args.serve} serve, {args.workers} workers, {args.clients} clients, "
        f"{summary.pop('seconds')} s of load on PostgreSQL; SIGSTOPs of {args.freeze:g} s"
    )
    for event in summary.pop("events"):
        print(f"  - {event}")
    for name, value in summary.items():
        print(f"  {name}: {value}")
    print("| check | holds | detail |\n|---|---|---|")
    for check in checks:
        print(f"| {check.name} | {'yes' if check.ok else '**NO**'} | {check.detail} |")
    sys.exit(0 if all(check.ok for check in checks) else 1)


if __name__ == "__main__":
    main()

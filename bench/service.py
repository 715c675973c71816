"""Benchmark: the screening service on SQLite and PostgreSQL (issue 4).

- full lifecycles per second (order → sign → investigate and rate → accept → released),
  each step its own transaction with its ledger entries, on each database;
- baseline in the same run: the offline evaluation of the same case file (the rating's
  own cost, without database, encryption or ledger);
- the time to purge N expired cases (default 100,000; target ≥ 2,000 cases/s): cases are
  seeded straight through the repository (decided, due yesterday, with encrypted records,
  report and decision), then ``purge`` destroys them all: crypto-shredding, row deletion,
  ``data.destroyed`` entries and certificates.

Usage: ``python bench/service.py [--lifecycles 200] [--purge 100000] [--no-postgres]
[--no-sqlite]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

sys.path[:0] = [
    str(Path(__file__).resolve().parent.parent / "tests"),
    str(Path(__file__).resolve().parent.parent / "tests" / "integration"),
]

from service_fixtures import CLAIMS, make_world, order_and_sign  # noqa: E402

from fairscreen.services.evaluation import evaluate_case  # noqa: E402
from fairscreen.services.investigation import case_file, run_investigation  # noqa: E402
from fairscreen.services.retention import purge  # noqa: E402
from fairscreen.services.review import accept_report  # noqa: E402
from fairscreen.services.transparency import audit_ledger  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def postgres_schema() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def lifecycles(database_url: str, folder: Path, count: int) -> tuple[float, float]:
    world = make_world(database_url, folder)
    order_and_sign(world)  # warm up
    start = time.perf_counter()
    for _ in range(count):
        case_id = order_and_sign(world)
        run_investigation(world.svc, world.agency, case_id)
        accept_report(world.svc, world.candidate, case_id)
    elapsed = time.perf_counter() - start
    with world.svc.uow() as uow:
        document = case_file(world.svc, uow, uow.repo.case(case_id))  # type: ignore[arg-type]
    payload = json.dumps(document, ensure_ascii=False)
    start = time.perf_counter()
    for _ in range(count):
        evaluate_case(payload)
    baseline = time.perf_counter() - start
    world.svc.engine.dispose()
    return count / elapsed, count / baseline


def seed_expired(database_url: str, folder: Path, count: int) -> tuple[object, float]:
    world = make_world(database_url, folder)
    svc = world.svc
    case_id = order_and_sign(world)
    run_investigation(svc, world.agency, case_id)
    with svc.uow() as uow:
        template = uow.repo.case(case_id)
        assert template is not None
        records = uow.repo.records(template)
        report = uow.repo.report(template)
        profile_id, subject_id = template["profile_id"], template["subject_id"]
        subject_pseudonym = uow.repo.subject(subject_id)["pseudonym"]  # type: ignore[index]
    now = svc.now()
    start = time.perf_counter()
    batch = 2000
    for first in range(0, count, batch):
        with svc.uow() as uow:
            for _ in range(first, min(first + batch, count)):
                new_id = f"case_{uuid.uuid4().hex}"
                uow.repo.add_case(
                    id=new_id,
                    pseudonym=svc.pseudonym("case", new_id),
                    subject_pseudonym=subject_pseudonym,
                    employer_id=world.employer.id,
                    agency_id=world.agency.id,
                    subject_id=subject_id,
                    profile_id=profile_id,
                    tier="standard",
                    state="decided",
                    requested=template["requested"],
                    purpose="bench",
                    review_days=5,
                    accepted=True,
                    legal_hold=False,
                    outcome="not_hired",
                    decided_at=now - timedelta(days=181),
                    destruction_due=now,  # due now: the purge runs on time
                    created_at=now,
                    updated_at=now,
                    claims=CLAIMS,
                )
                case = uow.repo.case(new_id)
                assert case is not None
                uow.repo.put_records(case, records[:3], now)
                uow.repo.put_report(
                    case,
                    report or {},
                    rulebook_version="bench",
                    rulebook_sha256=svc.rulebook.sha256,
                    rated_at=now,
                )
                uow.repo.put_decision(
                    case,
                    reason="bench",
                    outcome="not_hired",
                    adverse=False,
                    decided_at=now - timedelta(days=181),
                )
            uow.commit()
    seeded = time.perf_counter() - start
    return svc, seeded


def purge_rate(database_url: str, folder: Path, count: int) -> tuple[float, float, int]:
    svc, _seconds_to_seed = seed_expired(database_url, folder, count)
    start = time.perf_counter()
    result = purge(svc)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    violations = audit_ledger(svc)  # type: ignore[arg-type]
    assert not violations, violations[:3]
    return len(result.destroyed) / elapsed, elapsed, len(result.destroyed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=200)
    parser.add_argument("--purge", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    table = Table(title="fairscreen service — one process, one core")
    for column in (
        "database",
        "lifecycles/s (authorize → released)",
        "baseline: offline evaluations/s",
        f"purge {args.purge:,} expired: cases/s",
        "purge seconds",
    ):
        table.add_column(column, justify="right")
    targets: list[tuple[str, object]] = [] if args.no_sqlite else [("SQLite", None)]
    if not args.no_postgres:
        targets.append(("PostgreSQL", postgres_schema))
    for name, maker in targets:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if maker is None:
                url_a, url_b = f"sqlite:///{folder / 'a.db'}", f"sqlite:///{folder / 'b.db'}"
                rate, baseline = lifecycles(url_a, folder / "a", args.lifecycles)
                purged, seconds, destroyed = purge_rate(url_b, folder / "b", args.purge)
            else:
                with postgres_schema() as url_a:
                    rate, baseline = lifecycles(url_a, folder / "a", args.lifecycles)
                with postgres_schema() as url_b:
                    purged, seconds, destroyed = purge_rate(url_b, folder / "b", args.purge)
            assert destroyed >= args.purge
            table.add_row(
                name, f"{rate:,.1f}", f"{baseline:,.0f}", f"{purged:,.0f}", f"{seconds:,.1f}"
            )
    Console().print(table)


if __name__ == "__main__":
    main()

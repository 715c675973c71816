"""Reads of a report are evidence (PRODUCT.md P5): each is in the ledger before the data
leaves, group-committed so concurrent readers share a disk flush; a read whose evidence
cannot be committed shows nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from service_fixtures import World, make_world, order_and_sign, settle

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.ledger_store import reading
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.errors import CaseDestroyed, DatabaseUnreachable, LedgerError
from fairscreen.ledger.entries import decode_entry
from fairscreen.services.authorization import revoke_authorization
from fairscreen.services.evidence import EvidenceLog
from fairscreen.services.investigation import run_investigation
from fairscreen.services.review import read_report
from fairscreen.services.transparency import audit_ledger


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> World:
    return make_world(database_url, tmp_path)


def reads_logged(world: World) -> int:
    settle(world)
    with reading(world.svc.engine) as log:
        return sum(
            decode_entry(log.entry(i)).type.value == "report.read" for i in range(log.size())
        )


def test_concurrent_reads_are_each_logged_once(world: World) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    before = reads_logged(world)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda _: read_report(world.svc, world.candidate, case_id), range(40))
        )
    assert all(
        r["report"]["rating"]["light"] == results[0]["report"]["rating"]["light"] for r in results
    )
    assert reads_logged(world) == before + 40
    settle(world)
    assert audit_ledger(world.svc, as_of=world.clock.now) == []


@pytest.mark.parametrize(
    ("ledger_url", "refusal"),
    [
        # a ledger that cannot take the entry, a database without the schema: LedgerError
        ("sqlite:///{tmp}/empty.db", LedgerError),
        # PostgreSQL out of reach while the entry waits (a restart; nothing listens on
        # port 1): the storage's own DatabaseUnreachable (503, try again), not LedgerError
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", DatabaseUnreachable),
    ],
    ids=["unmigrated", "unreachable"],
)
def test_a_read_whose_evidence_cannot_be_committed_shows_nothing(
    world: World, tmp_path: Path, ledger_url: str, refusal: type[Exception]
) -> None:
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    ledger = create_engine(ledger_url.format(tmp=tmp_path))
    world.svc.evidence = EvidenceLog(lambda: SqlUnitOfWork(ledger, world.svc.key_provider))
    before = reads_logged(world)
    with pytest.raises(refusal):
        read_report(world.svc, world.candidate, case_id)
    assert reads_logged(world) == before
    ledger.dispose()


def test_a_read_that_meets_a_destruction_shows_nothing_and_logs_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read decrypts from a snapshot; before its entry is committed the candidate
    revokes and the case is destroyed (P1: revocation before release destroys). The
    reader gets CASE_DESTROYED, no report.read follows data.destroyed, the audit is clean."""
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    before = reads_logged(world)
    evidence = world.svc.evidence
    record = evidence.record

    def destroyed_in_between(*args: object) -> int:
        revoke_authorization(world.svc, world.candidate, case_id)
        with world.svc.reader() as uow:
            case = uow.repo.case(case_id)
            assert case is not None and case["state"] == "destroyed"
        return record(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(evidence, "record", destroyed_in_between)
    with pytest.raises(CaseDestroyed):
        read_report(world.svc, world.candidate, case_id)
    monkeypatch.undo()
    assert reads_logged(world) == before
    settle(world)
    assert audit_ledger(world.svc, as_of=world.clock.now) == []

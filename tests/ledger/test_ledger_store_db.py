"""The log over a real database (SQLite file and PostgreSQL schema): migrations, atomic
batches, proofs read from stored tiles, one writer at a time, group commit, publishing."""

from __future__ import annotations

import json
import threading
import time

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from ledger_factories import at, encoded, entry
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.engine import begin_read, begin_write
from fairscreen.adapters.db.ledger_store import (
    SqlLedgerStore,
    append_batch,
    append_in_transaction,
    reading,
    writing,
)
from fairscreen.adapters.db.migrations import (
    COMPARE_OPTIONS,
    alembic_config,
    current_revision,
    upgrade,
)
from fairscreen.adapters.db.tables import metadata
from fairscreen.domain.errors import LedgerEntryRefused, LedgerError
from fairscreen.ledger import merkle
from fairscreen.ledger.checkpoint import open_checkpoint
from fairscreen.ledger.log import CheckpointPublisher, GroupCommitter, Log
from fairscreen.ledger.note import NoteSigner
from fairscreen.ledger.verify import verify_log


def _entries(start: int, count: int) -> list[bytes]:
    return [f"entry-{i}".encode() for i in range(start, start + count)]


def test_migrations_are_idempotent_and_match_the_tables(engine: Engine, database_url: str) -> None:
    upgrade(database_url)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engine) == head
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts=COMPARE_OPTIONS), metadata
        )
    # Other features own their tables; this test answers for the ledger's.
    assert [d for d in differences if "ledger_" in str(d)] == []
    with reading(engine) as log:
        assert log.size() == 0
        assert log.root() == merkle.root_hash([])


def test_batches_build_the_same_tree_as_the_rfc(engine: Engine) -> None:
    sizes = [1, 255, 1, 300, 1000, 43]
    start = 0
    for count in sizes:
        result = append_batch(engine, _entries(start, count), guard=False)
        assert (result.first_index, result.size) == (start, start + count)
        start += count
    leaves = [merkle.leaf_hash(e) for e in _entries(0, start)]
    with reading(engine) as log:
        assert log.size() == start == 1600
        for size in (1, 256, 257, 512, 1600):
            assert log.root(size) == merkle.root_hash(leaves[:size])
        for index, size in ((0, 1600), (255, 1600), (256, 257), (1599, 1600), (700, 1000)):
            proof = log.inclusion_proof(index, size)
            assert list(proof.proof) == merkle.inclusion_proof(leaves[:size], index)
            merkle.verify_inclusion(leaves[index], index, size, proof.proof, proof.root)
        consistency = log.consistency_proof(300, 1600)
        assert list(consistency.proof) == merkle.consistency_proof(leaves, 300)
        assert log.entry(1599) == b"entry-1599"
        with pytest.raises(LedgerError, match="entry 1600 is not in the log"):
            log.entry(1600)
        with pytest.raises(LedgerError, match="smaller than asked"):
            log.inclusion_proof(0, 1601)


def test_append_shares_the_callers_transaction(engine: Engine) -> None:
    append_batch(engine, _entries(0, 10), guard=False)
    with pytest.raises(RuntimeError, match="state change failed"), begin_write(engine) as conn:
        append_in_transaction(conn, _entries(10, 500), guard=False)
        raise RuntimeError("state change failed")
    with reading(engine) as log:
        assert log.size() == 10
        assert log.store.read_entries(0, 1000)[-1] == (9, b"entry-9")
        assert verify_log(log.store, None).ok
    with begin_write(engine) as conn:
        append_in_transaction(conn, _entries(10, 5), guard=False)
    with reading(engine) as log:
        assert log.size() == 15


def test_the_store_refuses_to_work_outside_a_transaction(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(LedgerError, match="inside a transaction"):
        SqlLedgerStore(connection).read_size()


def test_concurrent_writers_queue_on_the_lock(engine: Engine) -> None:
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for batch in range(8):
                append_batch(
                    engine, [f"w{worker}-b{batch}-{i}".encode() for i in range(50)], guard=False
                )
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with reading(engine) as log:
        assert log.size() == 3 * 8 * 50
        assert verify_log(log.store, None).ok
        entries = [data for _, data in log.store.read_entries(0, 1200)]
    assert len(set(entries)) == 1200
    for worker in range(3):
        mine = [e for e in entries if e.startswith(f"w{worker}-".encode())]
        assert mine == sorted(
            mine, key=lambda e: (int(e.split(b"-")[1][1:]), int(e.split(b"-")[2]))
        )


def test_group_commit_gathers_submitters_into_batches(engine: Engine) -> None:
    batches: list[int] = []

    def append(entries: list[bytes]) -> object:
        batches.append(len(entries))
        return append_batch(engine, entries, guard=False)

    with GroupCommitter(append, max_batch=64, max_delay=0.05) as committer:  # type: ignore[arg-type]
        futures = [committer.submit(f"g{i}".encode()) for i in range(300)]
        indices = [future.result(timeout=30) for future in futures]
    assert sorted(indices) == list(range(300))
    assert len(batches) < 300 and max(batches) <= 64
    with reading(engine) as log:
        for index, future_index in enumerate(indices[:20]):
            assert log.entry(future_index) == f"g{index}".encode()


def test_a_failed_group_batch_reaches_every_submitter(engine: Engine) -> None:
    def broken(entries: object) -> object:
        raise LedgerError("disk full")

    with GroupCommitter(broken, max_delay=0.01) as committer:  # type: ignore[arg-type]
        future = committer.submit(b"x")
        with pytest.raises(LedgerError, match="disk full"):
            future.result(timeout=10)
    with pytest.raises(LedgerError, match="closed"):
        committer.submit(b"y")


def test_publishing_is_separate_from_sequencing(engine: Engine, signer: NoteSigner) -> None:
    append_batch(engine, _entries(0, 3), guard=False)
    with writing(engine) as log:
        first = log.publish(signer)
        assert log.publish(signer).id == first.id  # nothing new: no second signature
    append_batch(engine, _entries(3, 2), guard=False)
    with reading(engine) as log:
        latest = log.latest_checkpoint()
        assert latest is not None and latest.size == 3  # appends do not sign
    with writing(engine) as log:
        second = log.publish(signer)
    checkpoint = open_checkpoint(second.note, signer.verifier)
    assert (checkpoint.size, checkpoint.root) == (5, second.root)
    assert second.published_at.tzinfo is not None


def test_interval_publisher(engine: Engine, signer: NoteSigner) -> None:
    def publish() -> object:
        with writing(engine) as log:
            return log.publish(signer)

    publisher = CheckpointPublisher(publish, interval=0.05)  # type: ignore[arg-type]
    publisher.start()
    try:
        append_batch(engine, _entries(0, 7), guard=False)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with reading(engine) as log:
                latest = log.latest_checkpoint()
            if latest is not None and latest.size == 7:
                break
            time.sleep(0.02)
    finally:
        publisher.stop()
    assert latest is not None and latest.size == 7
    assert publisher.last_error is None


def test_readers_see_one_snapshot(engine: Engine) -> None:
    append_batch(engine, _entries(0, 4), guard=False)
    with begin_read(engine) as connection:
        log = Log(SqlLedgerStore(connection))
        before = log.size()
        append_batch(engine, _entries(4, 4), guard=False)
        assert log.size() == before == 4
    with reading(engine) as log:
        assert log.size() == 8


def test_size_row_guards_against_unlocked_writers(engine: Engine) -> None:
    append_batch(engine, _entries(0, 2), guard=False)
    with begin_write(engine) as connection:
        store = SqlLedgerStore(connection)
        with pytest.raises(LedgerError, match="no longer at size 1"):
            store.write_append(1, [b"x"], [], 2)
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT size FROM ledger_state")).scalar_one() == 2


def test_the_service_facing_append_guards_every_entry(engine: Engine) -> None:
    good = encoded(entry("report.read", when=at(1), reason="audit"))
    smuggled = {**entry("report.read", when=at(2)), "name": "Zhang Wei"}
    append_batch(engine, [good])
    with pytest.raises(LedgerEntryRefused, match="not JSON"):
        append_batch(engine, [b"Zhang Wei, ID 110101199003074578"])
    with pytest.raises(LedgerEntryRefused, match="name"):
        append_batch(engine, [json.dumps(smuggled, sort_keys=True).encode()])
    with pytest.raises(LedgerEntryRefused, match="canonical"):
        append_batch(engine, [json.dumps(json.loads(good), indent=1).encode()])
    with reading(engine) as log:
        assert log.size() == 1

"""Tampering is detected and named: a changed entry, a changed tile hash, a truncated
log, two checkpoints of one size with different roots, a forged signature."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.ledger_store import append_batch, reading, writing
from fairscreen.ledger.checkpoint import Checkpoint, sign_checkpoint
from fairscreen.ledger.log import Log
from fairscreen.ledger.note import NoteSigner
from fairscreen.ledger.store import MemoryLedgerStore
from fairscreen.ledger.verify import FindingKind, VerifyReport, verify_log

SIZE = 700


@pytest.fixture
def published(engine: Engine, signer: NoteSigner) -> Engine:
    """700 entries in uneven batches, checkpoints published at 300 and 700."""
    for start, stop in ((0, 100), (100, 300)):
        append_batch(engine, [f"e{i}".encode() for i in range(start, stop)], guard=False)
    with writing(engine) as log:
        log.publish(signer)
    append_batch(engine, [f"e{i}".encode() for i in range(300, SIZE)], guard=False)
    with writing(engine) as log:
        log.publish(signer)
    return engine


def _verify(engine: Engine, signer: NoteSigner, *given: str) -> VerifyReport:
    with reading(engine) as log:
        return verify_log(log.store, signer.verifier, checkpoints=given, chunk_size=128)


def _kinds(report: VerifyReport) -> dict[FindingKind, int | None]:
    return {finding.kind: finding.index for finding in report.findings}


def _execute(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text(statement), params)


def test_an_intact_log_verifies(published: Engine, signer: NoteSigner) -> None:
    report = _verify(published, signer)
    assert report.ok, report.findings
    assert (report.checked, report.checkpoints_checked) == (SIZE, 2)
    assert report.latest_checkpoint is not None and report.latest_checkpoint.size == SIZE


def test_a_changed_entry_is_named(published: Engine, signer: NoteSigner) -> None:
    _execute(published, "UPDATE ledger_entries SET data = :d WHERE idx = 123", d=b"e999")
    report = _verify(published, signer)
    kinds = _kinds(report)
    assert kinds[FindingKind.ENTRY_MODIFIED] == 123
    assert FindingKind.CHECKPOINT_MISMATCH in kinds
    assert FindingKind.TILE_MODIFIED not in kinds
    assert report.first_bad_index == 123
    assert "entry 123 was modified" in str(report.findings[-1])


def test_a_changed_tile_hash_is_named(published: Engine, signer: NoteSigner) -> None:
    with published.begin() as connection:
        hashes = connection.execute(
            sa.text("SELECT hashes FROM ledger_tiles WHERE level = 0 AND idx = 1")
        ).scalar_one()
        changed = bytes(hashes[:160]) + bytes([hashes[160] ^ 1]) + bytes(hashes[161:])
        connection.execute(
            sa.text("UPDATE ledger_tiles SET hashes = :h WHERE level = 0 AND idx = 1"),
            {"h": changed},
        )
    report = _verify(published, signer)
    kinds = _kinds(report)
    assert kinds == {FindingKind.TILE_MODIFIED: 256 + 5}
    assert "tile/0/001 hash #5 was modified" in str(report.findings[0])


def test_a_changed_interior_hash_is_named(published: Engine, signer: NoteSigner) -> None:
    with published.begin() as connection:
        interior = connection.execute(
            sa.text("SELECT interior FROM ledger_tiles WHERE level = 0 AND idx = 0")
        ).scalar_one()
        connection.execute(
            sa.text("UPDATE ledger_tiles SET interior = :h WHERE level = 0 AND idx = 0"),
            {"h": bytes([interior[0] ^ 0x80]) + bytes(interior[1:])},
        )
    report = _verify(published, signer)
    assert _kinds(report) == {FindingKind.TILE_MODIFIED: 0}
    assert "interior" in str(report.findings[0])


def test_a_truncated_log_is_named(published: Engine, signer: NoteSigner) -> None:
    _execute(published, "DELETE FROM ledger_entries WHERE idx >= 600")
    report = _verify(published, signer)
    kinds = _kinds(report)
    assert kinds[FindingKind.TRUNCATED] == 600
    assert report.checked == 600


def test_a_consistently_rewritten_shorter_log_is_caught_by_a_kept_checkpoint(
    published: Engine, signer: NoteSigner
) -> None:
    with reading(published) as log:
        kept = log.latest_checkpoint()
        entries = [data for _, data in log.store.read_entries(0, 600)]
    assert kept is not None
    # The operator rebuilds a shorter log from scratch, with fresh tiles and checkpoints:
    # internally consistent, so only a checkpoint held outside the log reveals it.
    rewritten = MemoryLedgerStore()
    Log(rewritten).append(entries)
    Log(rewritten).publish(signer)
    assert verify_log(rewritten, signer.verifier).ok
    report = verify_log(rewritten, signer.verifier, checkpoints=[kept.note])
    assert _kinds(report) == {FindingKind.TRUNCATED: 600}
    assert f"signs size {SIZE} but the log holds only 600" in str(report.findings[0])


def test_two_checkpoints_of_one_size_with_different_roots_are_a_fork(
    published: Engine, signer: NoteSigner
) -> None:
    forged = sign_checkpoint(Checkpoint(signer.name, SIZE, b"\x07" * 32), signer)
    with writing(published) as log:
        log.store.add_checkpoint(SIZE, b"\x07" * 32, forged, datetime.now(UTC))
    report = _verify(published, signer)
    kinds = _kinds(report)
    assert FindingKind.CHECKPOINT_FORK in kinds
    assert FindingKind.CHECKPOINT_MISMATCH in kinds
    fork = next(f for f in report.findings if f.kind is FindingKind.CHECKPOINT_FORK)
    assert f"both sign size {SIZE} with different roots" in fork.message


def test_a_fork_shown_by_a_kept_checkpoint(published: Engine, signer: NoteSigner) -> None:
    other = MemoryLedgerStore()
    Log(other).append([b"something else"] * SIZE)
    kept = Log(other).publish(signer).note
    report = _verify(published, signer, kept)
    assert FindingKind.CHECKPOINT_FORK in _kinds(report)


def test_a_forged_signature_is_named(published: Engine, signer: NoteSigner) -> None:
    _execute(
        published,
        "UPDATE ledger_checkpoints SET note = REPLACE(note, '\n300\n', '\n301\n') WHERE size = 300",
    )
    report = _verify(published, signer)
    assert FindingKind.SIGNATURE_INVALID in _kinds(report)
    stranger = NoteSigner(signer.name, bytes(32))
    assert FindingKind.SIGNATURE_INVALID in _kinds(_verify(published, stranger))


def test_missing_middle_entry_and_extra_rows(published: Engine, signer: NoteSigner) -> None:
    _execute(published, "DELETE FROM ledger_entries WHERE idx = 50")
    assert _kinds(_verify(published, signer))[FindingKind.ENTRY_MISSING] == 50
    _execute(published, "INSERT INTO ledger_entries (idx, data) VALUES (50, :d)", d=b"e50")
    _execute(published, "INSERT INTO ledger_entries (idx, data) VALUES (9999, :d)", d=b"x")
    assert _kinds(_verify(published, signer)) == {FindingKind.ENTRY_EXTRA: 9999}


def test_a_deleted_tile_is_named(published: Engine, signer: NoteSigner) -> None:
    _execute(published, "DELETE FROM ledger_tiles WHERE level = 0 AND idx = 2")
    assert _kinds(_verify(published, signer)) == {FindingKind.TILE_MISSING: 512}


def test_truncation_with_a_lowered_size_is_caught_by_the_stored_checkpoint(
    published: Engine, signer: NoteSigner
) -> None:
    _execute(published, "DELETE FROM ledger_entries WHERE idx >= 600")
    _execute(published, "UPDATE ledger_state SET size = 600")
    report = _verify(published, signer)
    truncated = [f for f in report.findings if f.kind is FindingKind.TRUNCATED]
    assert truncated and truncated[0].index == 600
    assert f"signs size {SIZE} but the log holds only 600" in truncated[0].message

"""Destroyed stays destroyed, backups included (issue 18, item 1).

An operator backs up the data and the key store as docs/operations.md says, a case is
destroyed, and the documented procedure runs (``keys rotate --new-key --retire``). Then
everything that remains is tried together: the data backup taken before the destruction
(every ciphertext of the case and its candidate's identity), the key-store backup taken
with it (within its retention), the live key store and every master key that still
exists. Every subject key any of them opens, and every case key those open, is tried on
every ciphertext: none opens. Before the procedure, the same attack opens them all, so
the test would notice a procedure that does nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from backups import dump
from fairscreen.adapters.crypto import (
    DataKey,
    KeyKind,
    SecretKey,
    case_key_aad,
    field_aad,
    open_sealed,
    subject_key_aad,
)
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.engine import checkpoint_wal
from fairscreen.adapters.db.repository import identity_label
from fairscreen.adapters.keys_provider import FileKeyProvider
from fairscreen.domain.errors import CryptoError
from fairscreen.entrypoints.cli import app
from fairscreen.services.investigation import run_investigation
from fairscreen.services.retention import purge, request_deletion
from fairscreen.services.review import read_report
from integration.service_fixtures import World, make_world, order_and_sign

Ciphertext = tuple[str, str, bytes]  # (AAD label, field, blob)


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup (what an operator's backup of a live file must use)."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)


def _key_rows(database: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM wrapped_keys")]


def _ciphertexts(
    backup: dict[str, list[dict[str, Any]]], case_id: str, *, identity: bool
) -> list[Ciphertext]:
    """Every personal field of the case (and its candidate's identity), from the backup."""
    case = next(row for row in backup["cases"] if row["id"] == case_id)
    label = str(case["pseudonym"])
    subject = next(row for row in backup["subjects"] if row["id"] == case["subject_id"])
    found: list[Ciphertext] = [(label, "claims", bytes(case["claims_ct"]))]
    if identity:
        ident = (identity_label(subject["pseudonym"]), "identity", bytes(subject["identity_ct"]))
        found.append(ident)
    for row in backup["authorizations"]:
        if row["case_id"] == case_id:
            found.append((label, "authorization_text", bytes(row["text_ct"])))
    for row in backup["records"]:
        if row["case_id"] == case_id:
            found.append((label, f"record.{row['record_id']}", bytes(row["body_ct"])))
    for row in backup["reports"]:
        if row["case_id"] == case_id:
            found.append((label, "report", bytes(row["body_ct"])))
    for row in backup["notices"]:
        if row["case_id"] == case_id:
            found.append((label, f"notice.{row['id']}", bytes(row["body_ct"])))
    return found


def _opened(
    ciphertexts: list[Ciphertext], key_rows: list[dict[str, Any]], masters: list[SecretKey]
) -> int:
    """How many ciphertexts open with anything the key rows and master keys yield."""
    live = [row for row in key_rows if row["blob"]]
    subject_keys: list[SecretKey] = []
    for row in (r for r in live if r["kind"] == KeyKind.SUBJECT.value):
        for master in masters:
            try:
                aad = subject_key_aad(row["owner"], row["key_id"])
                material = open_sealed(master, bytes(row["blob"]), aad, what="attack")
            except CryptoError:
                continue
            subject_keys.append(SecretKey(row["key_id"], material))
    case_keys: list[DataKey] = []
    for row in (r for r in live if r["kind"] == KeyKind.CASE.value and r["subject"]):
        for subject_key in subject_keys:
            try:
                aad = case_key_aad(row["owner"], row["subject"], row["key_id"])
                material = open_sealed(subject_key, bytes(row["blob"]), aad, what="attack")
            except CryptoError:
                continue
            case_keys.append(DataKey(row["key_id"], material))
    opened = 0
    for label, field, blob in ciphertexts:
        for case_key in case_keys:
            try:
                open_sealed(case_key, blob, field_aad(label, field), what="attack")
            except CryptoError:
                continue
            opened += 1
            break
    return opened


def _masters(keys_dir: Path) -> list[SecretKey]:
    """Every master key that still exists on disk."""
    provider = FileKeyProvider(keys_dir)
    return [provider._key(key_id) for key_id in provider.key_ids()]


def _expire(world: World, case_id: str) -> None:
    """The case's retention runs out (its candidate and another case of theirs stay)."""
    with world.svc.engine.begin() as connection:
        connection.execute(
            sa.update(t.cases)
            .where(t.cases.c.id == case_id)
            .values(destruction_due=world.svc.now() - timedelta(days=1))
        )


@pytest.mark.parametrize("how", ["retention", "deletion_request"])
def test_a_destroyed_case_stays_shut_with_every_backup_and_key_that_remains(
    database_url: str, tmp_path: Path, how: str
) -> None:
    """``retention``: one case's retention runs out, its candidate and their other case
    stay (the issue's 'rewrapped subject keys still opened 3 destroyed cases');
    ``deletion_request``: the candidate asks for deletion, every case and the identity
    go."""
    world = make_world(database_url, tmp_path)
    data_dir = tmp_path / "var"
    doomed = order_and_sign(world)
    run_investigation(world.svc, world.agency, doomed)
    other = order_and_sign(world)  # the same candidate's other case
    run_investigation(world.svc, world.agency, other)
    destroyed = (doomed,) if how == "retention" else (doomed, other)

    # 1. Backups as docs/operations.md takes them: the data, and the key store apart.
    data_backup = dump(database_url)
    _sqlite_backup(data_dir / "keystore.db", tmp_path / "keystore-backup.db")
    assert data_backup["wrapped_keys"] == []  # the data's backups hold no key at all
    ciphertexts = [
        ciphertext
        for n, case_id in enumerate(destroyed)
        for ciphertext in _ciphertexts(data_backup, case_id, identity=how != "retention" and n == 0)
    ]
    assert len(ciphertexts) >= 6 * len(destroyed)
    old_masters = _masters(data_dir / "keys")

    # 2. Destroyed: at the end of its retention, or 15 days after the deletion request.
    if how == "retention":
        _expire(world, doomed)
    else:
        request_deletion(world.svc, world.candidate)
        world.clock.advance(days=16)
    assert sorted(purge(world.svc).destroyed) == sorted(destroyed)

    everything = _key_rows(tmp_path / "keystore-backup.db") + _key_rows(data_dir / "keystore.db")
    # Without the procedure, the key-store backup and the master key open every field.
    assert _opened(ciphertexts, everything, old_masters) == len(ciphertexts)

    # 3. The documented procedure: a new master key, every subject re-keyed, the old
    #    master key retired.
    env = {
        "FAIRSCREEN_DATABASE_URL": database_url,
        "FAIRSCREEN_DATA_DIR": str(data_dir),
        "FAIRSCREEN_KEY_PROVIDER": "file",
    }
    rotated = CliRunner().invoke(app, ["keys", "rotate", "--new-key", "--retire"], env=env)
    assert rotated.exit_code == 0, rotated.output
    assert f"retired master key {old_masters[0].key_id}" in rotated.output

    # 4. Everything that remains, together: 0 fields of the destroyed case open.
    remaining = (
        data_backup["wrapped_keys"]
        + _key_rows(tmp_path / "keystore-backup.db")
        + _key_rows(data_dir / "keystore.db")
    )
    masters = _masters(data_dir / "keys")
    assert [m.key_id for m in masters] != [m.key_id for m in old_masters]
    assert _opened(ciphertexts, remaining, masters) == 0
    if how == "retention":  # the candidate's live case still reads after the procedure
        assert read_report(world.svc, world.candidate, other)["report"]["findings"] is not None
    world.svc.engine.dispose()


def test_keys_kept_beside_the_data_move_to_the_key_store(database_url: str, tmp_path: Path) -> None:
    """A database from before the key store was apart: its wrapped keys (and tombstones)
    move out at start-up, and every case still reads."""
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    key_engine = world.svc.key_engine
    assert key_engine is not None
    with key_engine.begin() as keys:
        rows = [dict(row) for row in keys.execute(sa.select(t.wrapped_keys)).mappings()]
        keys.execute(sa.delete(t.wrapped_keys))
    with world.svc.engine.begin() as data:  # as an older release kept them
        data.execute(sa.insert(t.wrapped_keys), rows)
    world.svc.engine.dispose()

    again = make_world(database_url, tmp_path)  # a restart: build_services moves them
    with again.svc.engine.connect() as data:
        assert data.execute(sa.select(sa.func.count()).select_from(t.wrapped_keys)).scalar() == 0
    assert read_report(again.svc, world.candidate, case_id)["report"] is not None
    again.svc.engine.dispose()


def test_a_purge_leaves_the_sqlite_files_while_a_server_holds_them_open(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A copy of the main files alone (no WAL), taken right after a purge while the
    server keeps its connections: neither the case's ciphertexts nor its key are in it."""
    world = make_world(sqlite_url, tmp_path)
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    key_engine = world.svc.key_engine
    assert key_engine is not None
    with world.svc.engine.connect() as data, key_engine.connect() as keys:
        assert data.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        report = bytes(
            data.execute(
                sa.select(t.reports.c.body_ct).where(t.reports.c.case_id == case_id)
            ).scalar_one()
        )
        pseudonym = data.execute(
            sa.select(t.cases.c.pseudonym).where(t.cases.c.id == case_id)
        ).scalar_one()
        case_key = bytes(
            keys.execute(
                sa.select(t.wrapped_keys.c.blob).where(t.wrapped_keys.c.owner == pseudonym)
            ).scalar_one()
        )
    # Time passes: the case reached the files (a checkpoint), as it would in a day's use.
    assert checkpoint_wal(world.svc.engine) and checkpoint_wal(key_engine)
    database = Path(sa.make_url(sqlite_url).database or "")
    assert report[13:45] in database.read_bytes()
    assert case_key[13:45] in (tmp_path / "var" / "keystore.db").read_bytes()
    held = world.svc.engine.connect()  # the server's pooled connections stay open
    try:
        _expire(world, case_id)
        assert purge(world.svc).destroyed == (case_id,)
        data_copy, keys_copy = tmp_path / "data-copy.db", tmp_path / "keys-copy.db"
        shutil.copyfile(database, data_copy)
        shutil.copyfile(tmp_path / "var" / "keystore.db", keys_copy)
    finally:
        held.close()
    assert report[13:45] not in data_copy.read_bytes()
    assert case_key[13:45] not in keys_copy.read_bytes()
    world.svc.engine.dispose()

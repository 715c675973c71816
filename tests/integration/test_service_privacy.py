"""Personal data never lands in plaintext (PRODUCT.md P5, issue 4): after the live demo,
no name, ID number, statement text or case number of the example subjects appears in the
SQLite file, its WAL, the notifications log, or a ``pg_dump`` of the PostgreSQL run; and
after purging, the cases' ciphertexts cannot be decrypted with any key that remains."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from service_fixtures import make_world, order_and_sign

from fairscreen.adapters.crypto import EnvelopeCipher
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.key_store import SqlKeyStore
from fairscreen.domain.errors import KeyDestroyed
from fairscreen.services.investigation import run_investigation
from fairscreen.services.retention import purge, request_deletion

#: What the three worked examples must never leave readable.
SECRETS = [
    "罗某",
    "张某",
    "王某",
    "310101199001011234",
    "310228198803153312",
    "110106198507204418",
    "生活作风",
    "项目交付按时",
    "沟通协调能力强",
    # Case numbers in full: a short digit run like "8836" turns up by chance in the hex
    # that pg_dump writes for binary columns.
    "(2018)沪0112民初20417号",
    "(2022)沪0116民初8836号",
    "物业服务合同纠纷",
    "华东理工大学",
    "某乳业有限公司",
    "同济大学",
]


def run_demo(tmp_path: Path, database_url: str) -> str:
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": database_url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "fairscreen", "demo", "--lang", "en"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    out = result.stdout.decode()
    assert "compliance audit: clean" in out
    return out


def leaks(data: bytes) -> list[str]:
    return [secret for secret in SECRETS if secret.encode("utf-8") in data]


def test_demo_on_sqlite_leaves_no_plaintext(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    run_demo(tmp_path, f"sqlite:///{db}")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert db in files
    for path in files:
        assert leaks(path.read_bytes()) == [], path.name


@pytest.mark.postgres
def test_demo_on_postgresql_leaves_no_plaintext_in_pg_dump(
    tmp_path: Path, postgres_url: str
) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    run_demo(tmp_path, postgres_url)
    schema = postgres_url.rsplit("search_path%3D", 1)[1]
    url = sa.make_url(postgres_url)
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "-n",
            schema,
            url.database or "test",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    ).stdout
    assert b"CREATE TABLE" in dump and b"ledger_entries" in dump
    assert leaks(dump) == []


def test_purged_ciphertexts_cannot_be_decrypted(database_url: str, tmp_path: Path) -> None:
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    run_investigation(world.svc, world.agency, case_id)
    with world.svc.engine.connect() as connection:
        kept: list[tuple[str, str, bytes]] = []
        case = (
            connection.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).mappings().one()
        )
        for row in connection.execute(
            sa.select(t.records).where(t.records.c.case_id == case_id)
        ).mappings():
            kept.append((case["pseudonym"], f"record.{row['record_id']}", bytes(row["body_ct"])))
        report = (
            connection.execute(sa.select(t.reports).where(t.reports.c.case_id == case_id))
            .mappings()
            .one()
        )
        kept.append((case["pseudonym"], "report", bytes(report["body_ct"])))
    assert len(kept) > 5
    request_deletion(world.svc, world.candidate)
    world.clock.advance(days=15)
    assert purge(world.svc).destroyed == (case_id,)
    with world.svc.engine.connect() as connection:
        cipher = EnvelopeCipher(world.svc.key_provider, SqlKeyStore(connection))
        for label, field, blob in kept:
            with pytest.raises(KeyDestroyed):
                cipher.decrypt(label, field, blob)
        remaining = connection.execute(
            sa.select(t.records).where(t.records.c.case_id == case_id)
        ).all()
        assert remaining == []

"""Secrets stay with their owner (issue 12 item 13): a one-time code never reaches a log,
and the files under the data directory (the notifications file, the SQLite database and
its WAL) are readable by their owner only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.notify import ConsoleFileNotifier, Notification
from fairscreen.adapters.secret_files import private_directory
from fairscreen.bootstrap import build_services
from fairscreen.config import Settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_sign_in_code_goes_to_the_recipients_file_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "var" / "notifications.jsonl"
    notifier = ConsoleFileNotifier(path)
    notifier.send(Notification("subj_pseudo", "sign_in", {"code": "31415926", "expires_at": "x"}))
    logged = capsys.readouterr().err
    assert "31415926" not in logged
    assert "subj_pseudo" in logged and "sign_in" in logged  # the log still says what happened
    assert json.loads(path.read_text())["code"] == "31415926"
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700


def test_an_existing_notifications_file_open_to_others_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "notifications.jsonl"
    path.write_text("")
    path.chmod(0o644)
    ConsoleFileNotifier(path, echo=False).send(Notification("p", "sign_in", {"code": "1"}))
    assert _mode(path) == 0o600


def test_the_sqlite_database_and_its_wal_are_the_owners_alone(tmp_path: Path) -> None:
    database = tmp_path / "data" / "fairscreen.db"
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        wal = database.with_name("fairscreen.db-wal")
        assert wal.exists()
        assert _mode(database) == 0o600
        assert _mode(wal) == 0o600
        assert _mode(database.parent) == 0o700
    finally:
        engine.dispose()


def test_the_data_directory_is_narrowed_to_its_owner(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    assert _mode(private_directory(data)) == 0o700


def test_the_service_keeps_its_data_directory_and_keys_to_itself(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path}/var/f.db")
    build_services(settings).engine.dispose()
    assert _mode(settings.data_dir) == 0o700
    assert _mode(settings.keys_dir) == 0o700
    assert _mode(tmp_path / "var" / "f.db") == 0o600

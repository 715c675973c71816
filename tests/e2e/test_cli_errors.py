"""The CLI's bad settings and arguments: one line naming what is wrong, the right exit code,
never "internal error" or a traceback, and nothing written (found by a blind CLI pass)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def fairscreen(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
        "FAIRSCREEN_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'f.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (("serve", "--port", "99999"), {}, 2, "--port"),
        (("serve", "--port", "18997"), {"FAIRSCREEN_DATABASE_URL": "garbage"}, 2, "database-url"),
        (("ledger", "key"), {"FAIRSCREEN_KEY_PROVIDER": "bogus"}, 2, "FAIRSCREEN_KEY_PROVIDER"),
        (("db", "upgrade", "--revision", "nosuch"), {}, 2, "revision"),
        (("demo", "--examples", "/nonexistent/folder"), {}, 2, "--examples"),
        (("ledger", "audit", "--rulebook", "deadbeef"), {}, 2, "rulebook"),
        (
            ("ledger", "checkpoint"),
            {"FAIRSCREEN_DATABASE_URL": "sqlite:////nonexistent-root/dir/x.db"},
            2,
            "database-url",
        ),
        (
            ("serve", "--port", "18996"),
            {"FAIRSCREEN_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"},
            1,
            "the database cannot be reached at postgresql+psycopg://postgres@127.0.0.1:1/none",
        ),
    ],
)
def test_a_bad_setting_or_argument_is_one_line_with_its_exit_code(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], code: int, says: str
) -> None:
    done = fairscreen(tmp_path, *args, **env)
    assert done.returncode == code, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert not Path("/nonexistent-root").exists()  # a mistyped SQLite URL made no folders


def test_a_dry_run_purge_creates_no_schema(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    done = fairscreen(tmp_path, "purge", "--dry-run")
    assert done.returncode == 1 and "no such table" in done.stderr  # it read; it made nothing
    with sqlite3.connect(tmp_path / "var" / "f.db") as database:
        assert database.execute("SELECT name FROM sqlite_master").fetchall() == []

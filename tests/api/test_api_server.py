"""``fairscreen serve`` runs the app through ``entrypoints/api/server.py``: one worker on the
host and port asked for, with the start-up heap frozen out of the garbage collector's
reach before the first request (full collections used to pause the worker 30-55 ms), and
the topic lexicon compiled (it compiles on first use otherwise)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from fairscreen.domain.topics import LexiconTopicClassifier
from fairscreen.entrypoints.api import server


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    import uvicorn

    seen: dict[str, Any] = {}

    def fake_run(app: object, **options: Any) -> None:
        seen.update(options, app=app, frozen=gc.get_freeze_count())

    monkeypatch.setattr(uvicorn, "run", fake_run)
    gc.unfreeze()
    yield seen
    gc.unfreeze()  # give the test process its collector back


def test_the_start_up_heap_is_frozen_before_serving(captured: dict[str, Any]) -> None:
    app = FastAPI()
    server.run(app, host="127.0.0.1", port=8123)
    assert captured["app"] is app
    assert captured["host"] == "127.0.0.1" and captured["port"] == 8123
    assert captured["workers"] == 1 and captured["access_log"] is False
    # uvicorn believes X-Forwarded-For from loopback unless told not to (issue 12 item 11)
    assert captured["proxy_headers"] is False
    # everything alive at start-up, the app included, is out of the collector's reach
    assert captured["frozen"] > 10_000


def test_fairscreen_serve_goes_through_the_runner(
    captured: dict[str, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fairscreen.entrypoints.cli import app

    compiled: list[object] = []
    monkeypatch.setattr(LexiconTopicClassifier, "compile_all", lambda self: compiled.append(self))
    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(tmp_path))
    upgraded = CliRunner().invoke(app, ["db", "upgrade"], catch_exceptions=False)
    assert upgraded.exit_code == 0, upgraded.output
    result = CliRunner().invoke(
        app, ["serve", "--port", "8124", "--scheduler-interval", "0"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert captured["port"] == 8124 and captured["frozen"] > 10_000
    assert len(compiled) == 1  # the topic lexicon compiled before the first request
    assert "/docs" in result.output


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_serve_refuses_a_database_not_migrated_and_migrates_nothing(
    captured: dict[str, Any],
    database_url: str,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Production ``serve`` does not migrate (issue 16 item 3): on an empty or older
    database it says, in one line, to run ``fairscreen db upgrade``, and leaves it as it
    was; after the upgrade it starts."""
    import sqlalchemy as sa

    from fairscreen.adapters.db.engine import create_engine
    from fairscreen.adapters.db.migrations import upgrade
    from fairscreen.entrypoints.cli import build_app
    from fairscreen.entrypoints.cli.exits import run_guarded

    monkeypatch.setenv("FAIRSCREEN_DATABASE_URL", database_url)
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(tmp_path))
    engine = create_engine(database_url)

    def serve() -> tuple[int, str]:
        monkeypatch.setattr("sys.argv", ["fairscreen", "serve", "--scheduler-interval", "0"])
        capsys.readouterr()
        try:
            run_guarded(build_app(["serve"]))
        except SystemExit as exited:
            return int(exited.code or 0), capsys.readouterr().err
        return 0, capsys.readouterr().err

    try:
        code, said = serve()
        assert code == 1 and "port" not in captured  # never started
        assert said.count("\n") == 1 and "has no schema" in said
        assert "run `fairscreen db upgrade` first" in said
        assert sa.inspect(engine).get_table_names() == []  # nothing migrated
        upgrade(engine, "0009_keystore")
        code, said = serve()
        assert code == 1 and "is at revision 0009_keystore" in said and "port" not in captured
        upgrade(engine)
        code, said = serve()
        assert code == 1 and "the key store" in said  # db upgrade makes it, serve does not
        assert CliRunner().invoke(build_app(["db"]), ["db", "upgrade"]).exit_code == 0
        code, said = serve()
        assert code == 0 and captured["port"] == 8000, said
    finally:
        engine.dispose()


def test_serve_demo_refuses_a_named_database_that_holds_anything(tmp_path: Any) -> None:
    """A real process: one line naming the setting, exit 2, the database untouched."""
    import os
    import sqlite3
    import subprocess
    import sys

    existing = tmp_path / "production.db"
    with sqlite3.connect(existing) as connection:
        connection.execute("create table payroll (id integer)")
    before = existing.read_bytes()
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": f"sqlite:///{existing}",
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "fairscreen", "serve", "--demo", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "database-url" in result.stderr and "already holds tables" in result.stderr
    assert "Traceback" not in result.stderr
    assert existing.read_bytes() == before  # nothing was written into it


def test_serve_demo_seeds_the_named_empty_database_and_says_so(
    captured: dict[str, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fairscreen.entrypoints.cli import app

    named = tmp_path / "trial.db"
    monkeypatch.delenv("FAIRSCREEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(
        app,
        ["serve", "--demo", "--database-url", f"sqlite:///{named}", "--scheduler-interval", "0"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert str(named) in result.output.replace("\n", "")
    assert named.stat().st_size > 0
    assert not (tmp_path / "var" / "demo.db").exists()  # not silently somewhere else
    assert "app" in captured

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
    result = CliRunner().invoke(
        app, ["serve", "--port", "8124", "--scheduler-interval", "0"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert captured["port"] == 8124 and captured["frozen"] > 10_000
    assert len(compiled) == 1  # the topic lexicon compiled before the first request
    assert "/docs" in result.output


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

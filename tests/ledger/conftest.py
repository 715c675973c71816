"""Fixtures of the ledger tests: the published test vectors (``tests/data/vectors``, their
sources named there), a migrated database, a signer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.engine import create_engine
from fairscreen.adapters.db.migrations import upgrade
from fairscreen.ledger.note import NoteSigner


@pytest.fixture(scope="session")
def vectors() -> dict[str, Any]:
    path = Path(__file__).resolve().parent.parent / "data" / "vectors" / "tlog.json"
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database (SQLite file and PostgreSQL schema, via ``database_url``)."""
    upgrade(database_url)
    created = create_engine(database_url)
    yield created
    created.dispose()


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner("fairscreen.test/ledger", bytes(range(32)))

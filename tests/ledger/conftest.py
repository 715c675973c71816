"""Fixtures of the ledger tests: the shared test vectors, a migrated database, a signer."""

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
def vectors(shared_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_dir / "vectors" / "tlog.json").read_text())
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

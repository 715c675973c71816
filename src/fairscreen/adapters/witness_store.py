"""A witness's own state and key, in its own data directory (never the log's database):
the witness is run by someone else (a regulator), on another machine.

- ``witness.db``: a SQLite file with, per log origin, the latest checkpoint cosigned,
  and the refused but correctly signed requests (evidence of a fork). Each
  add-checkpoint check-and-store runs in one ``BEGIN IMMEDIATE`` transaction, so two
  racing requests are serialised (C2SP tlog-witness: "performed atomically").
- ``witness.skey``: the cosigner's Ed25519 key (type 0x04) in the ``PRIVATE+KEY+…`` form,
  mode 0600, made once; ``witness.vkey`` beside it is what the witness publishes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from fairscreen.adapters.secret_files import write_secret_once
from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.cosignature import generate_cosigner, parse_cosigner_skey
from fairscreen.ledger.note import NoteSigner
from fairscreen.ledger.witness import OriginRecord, WitnessedCheckpoint, WitnessState

STATE_FILE = "witness.db"
SKEY_FILE = "witness.skey"
VKEY_FILE = "witness.vkey"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    body BLOB NOT NULL,
    at TEXT NOT NULL
);
"""


def load_cosigner(data_dir: Path, name: str | None) -> NoteSigner:
    """The witness key in ``data_dir``; made (named ``name``) when there is none yet. A
    stored key with another name than ``name`` is refused, not silently reused."""
    path = data_dir / SKEY_FILE
    if not path.exists():
        if not name:
            raise LedgerError(f"no witness key at {path}: give the witness a --name to make one")
        cosigner = generate_cosigner(name)
        if write_secret_once(path, cosigner.skey + "\n"):
            (data_dir / VKEY_FILE).write_text(cosigner.verifier.vkey + "\n")
            return cosigner
    try:
        stored = parse_cosigner_skey(path.read_text())
    except OSError as exc:
        raise LedgerError(f"cannot read the witness key at {path}: {exc}") from exc
    if name and stored.name != name:
        raise LedgerError(f"the witness key at {path} is named {stored.name!r}, not {name!r}")
    return stored


class _Record(OriginRecord):
    def __init__(self, connection: sqlite3.Connection, origin: str) -> None:
        self._connection = connection
        self._origin = origin
        row = connection.execute(
            "SELECT size, root, note FROM latest WHERE origin = ?", (origin,)
        ).fetchone()
        self._latest = (
            None if row is None else WitnessedCheckpoint(origin, int(row[0]), bytes(row[1]), row[2])
        )

    @property
    def latest(self) -> WitnessedCheckpoint | None:
        return self._latest

    def save(self, checkpoint: WitnessedCheckpoint) -> None:
        self._connection.execute(
            "INSERT INTO latest (origin, size, root, note, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
            "note = excluded.note, updated_at = excluded.updated_at",
            (checkpoint.origin, checkpoint.size, checkpoint.root, checkpoint.note, _now()),
        )
        self._latest = checkpoint


def _now() -> str:
    return datetime.now(UTC).isoformat()


class SqliteWitnessState(WitnessState):
    """The witness's state in ``<data_dir>/witness.db``.

    One connection, opened once and shared by the server's threads under a lock (the
    lock serialises the check-and-store as ``BEGIN IMMEDIATE`` does across processes):
    opening a connection and setting its pragmas per request cost more than the
    request's cryptography (bench/witness.py)."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._path = data_dir / STATE_FILE
        # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE).
        self._connection = sqlite3.connect(
            self._path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")  # persisted before answering
        self._connection.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = self._connection
            try:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            except sqlite3.Error as exc:
                raise LedgerError(f"witness state {self._path}: {exc}") from exc

    @contextmanager
    def locked(self, origin: str) -> Iterator[OriginRecord]:
        with self._transaction() as connection:
            yield _Record(connection, origin)

    def record_refusal(self, origin: str, status: int, reason: str, body: bytes) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO refusals (origin, status, reason, body, at) VALUES (?, ?, ?, ?, ?)",
                (origin, status, reason, body, _now()),
            )

    def refusals(self) -> list[tuple[str, int, str]]:
        """Every kept refusal: origin, status, reason (oldest first)."""
        with self._transaction() as connection:
            rows = connection.execute(
                "SELECT origin, status, reason FROM refusals ORDER BY id"
            ).fetchall()
        return [(str(o), int(s), str(r)) for o, s, r in rows]

    def latest(self) -> Iterator[WitnessedCheckpoint]:
        with self._transaction() as connection:
            rows = connection.execute(
                "SELECT origin, size, root, note FROM latest ORDER BY origin"
            ).fetchall()
        for origin, size, root, note in rows:
            yield WitnessedCheckpoint(origin, int(size), bytes(root), note)

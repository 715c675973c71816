"""The ledger's store port over SQLAlchemy: SQLite or PostgreSQL, one schema.

A :class:`SqlLedgerStore` works inside a transaction its caller owns, so the service can
append its ledger event in the same transaction as the state change it records
(:func:`append_in_transaction`). One writer at a time: on PostgreSQL the append takes a
transaction-scoped advisory lock (``pg_advisory_xact_lock``); on SQLite it takes the
database write lock with its first write (or already holds it after
:func:`~fairscreen.adapters.db.engine.begin_write`'s ``BEGIN IMMEDIATE``). Readers take
no lock.

The hot paths (appending, reading tiles and entries) go to the DB-API cursor of the same
connection with plain SQL: SQLAlchemy's per-statement overhead is larger than a whole
proof's worth of work. Everything else uses SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from fairscreen.adapters.db.engine import begin_read, begin_write, storage_problem
from fairscreen.adapters.db.tables import ledger_checkpoints, ledger_cosignatures
from fairscreen.domain.errors import FairscreenError, LedgerError
from fairscreen.ledger.cosignature import Cosignature
from fairscreen.ledger.entries import LedgerEntry, decode_entry
from fairscreen.ledger.log import AppendResult, Log
from fairscreen.ledger.store import LedgerStore, StoredCheckpoint
from fairscreen.ledger.tiles import Tile, TileKey

#: The advisory lock of the ledger writer (PostgreSQL): "fsld" as a signed 32-bit
#: integer, paired with a hash of the schema the ledger lives in, so two ledgers in two
#: schemas of one database (tenants, or parallel test runs) never wait on each other.
ADVISORY_LOCK_CLASS = int.from_bytes(b"fsld", "big", signed=True)

_TILES_PER_PAGE = 64


class SqlLedgerStore(LedgerStore):
    """Ledger rows in the ``ledger_*`` tables, through one connection in a transaction."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._postgres = connection.dialect.name == "postgresql"
        self._mark = "%s" if self._postgres else "?"
        dbapi = connection.dialect.dbapi
        self._driver_error: type[Exception] = getattr(dbapi, "Error", Exception)
        self._reader: Any = None

    # --- plumbing ------------------------------------------------------------------------

    def _cursor(self) -> Any:
        if not self._connection.in_transaction():
            raise LedgerError(
                "the ledger store needs a connection inside a transaction "
                "(use begin_write/begin_read or the caller's own transaction)"
            )
        return self._connection.connection.cursor()

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._mark)

    def _run(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one statement on this store's reused cursor (a proof is a handful of µs
        of work; opening a cursor per read would double it)."""
        cursor = self._reader
        if cursor is None or not self._connection.in_transaction():
            cursor = self._reader = self._cursor()
        try:
            cursor.execute(self._sql(statement), params)
            return list(cursor.fetchall()) if cursor.description else []
        except self._driver_error as exc:
            raise _database_error(exc, self._connection.engine.url) from exc

    # --- the port -----------------------------------------------------------------------------

    def lock_for_append(self) -> None:
        cursor = self._cursor()
        try:
            if self._postgres:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))",
                    (ADVISORY_LOCK_CLASS,),
                )
            else:
                # The first write of a SQLite transaction takes the database write lock
                # (waiting up to busy_timeout); a stale snapshot fails here, not halfway.
                cursor.execute("UPDATE ledger_state SET size = size WHERE id = 1")
        except Exception as exc:
            problem = storage_problem(exc, self._connection.engine.url)
            if problem is not None:
                raise problem from exc
            raise LedgerError(
                f"could not take the ledger writer lock: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            cursor.close()

    def read_size(self) -> int:
        rows = self._run("SELECT size FROM ledger_state WHERE id = 1")
        if not rows:
            raise LedgerError("the ledger tables are not initialised; run `fairscreen db upgrade`")
        return int(rows[0][0])

    def read_tiles(self, keys: Collection[TileKey]) -> dict[TileKey, Tile]:
        if not keys:
            return {}
        keys = list(keys)
        # One OR term per tile: both SQLite (multi-index OR) and PostgreSQL (bitmap OR)
        # answer it from the primary key; a row-value IN list makes SQLite scan the table.
        terms = " OR ".join(["(level = ? AND idx = ?)"] * len(keys))
        params = [value for key in keys for value in key]
        # Only placeholders are interpolated; the values travel as parameters.
        query = "SELECT level, idx, hashes, interior FROM ledger_tiles WHERE "
        rows = self._run(query + terms, params)
        return {
            (int(level), int(index)): Tile(int(level), int(index), bytes(hashes), bytes(interior))
            for level, index, hashes, interior in rows
        }

    def iter_tiles(self, level: int, start: int = 0) -> Iterator[Tile]:
        next_index = start
        while True:
            rows = self._run(
                "SELECT idx, hashes, interior FROM ledger_tiles "
                "WHERE level = ? AND idx >= ? ORDER BY idx LIMIT ?",
                (level, next_index, _TILES_PER_PAGE),
            )
            for index, hashes, interior in rows:
                yield Tile(level, int(index), bytes(hashes), bytes(interior))
            if len(rows) < _TILES_PER_PAGE:
                return
            next_index = int(rows[-1][0]) + 1

    def read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        rows = self._run(
            "SELECT idx, data FROM ledger_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
            (start, stop),
        )
        if self._postgres:  # psycopg may hand back memoryviews; SQLite gives int, bytes
            return [(int(index), bytes(data)) for index, data in rows]
        return rows

    def max_entry_index(self) -> int | None:
        rows = self._run("SELECT MAX(idx) FROM ledger_entries")
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def write_append(
        self, old_size: int, entries: Sequence[bytes], tiles: Sequence[Tile], new_size: int
    ) -> None:
        cursor = self._cursor()
        try:
            cursor.execute(
                self._sql("UPDATE ledger_state SET size = ? WHERE id = 1 AND size = ?"),
                (new_size, old_size),
            )
            if cursor.rowcount != 1:
                raise LedgerError(
                    f"append: the log is no longer at size {old_size} (a concurrent writer "
                    "without the writer lock?)"
                )
            cursor.executemany(
                self._sql("INSERT INTO ledger_entries (idx, data) VALUES (?, ?)"),
                [(old_size + offset, entry) for offset, entry in enumerate(entries)],
            )
            cursor.executemany(
                self._sql(
                    "INSERT INTO ledger_tiles (level, idx, width, hashes, interior) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET "
                    "width = excluded.width, hashes = excluded.hashes, "
                    "interior = excluded.interior"
                ),
                [(t.level, t.index, t.width, t.hashes, t.interior) for t in tiles],
            )
        except LedgerError:
            raise
        except Exception as exc:
            raise LedgerError(
                f"append of {len(entries)} entries at {old_size} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        finally:
            cursor.close()

    def add_checkpoint(self, size: int, root: bytes, note: str, published_at: datetime) -> int:
        try:
            result = self._connection.execute(
                ledger_checkpoints.insert()
                .values(size=size, root=root, note=note, published_at=published_at)
                .returning(ledger_checkpoints.c.id)
            )
        except DBAPIError as exc:
            raise _database_error(exc.orig or exc, self._connection.engine.url) from exc
        return int(result.scalar_one())

    def add_cosignature(
        self, checkpoint_id: int, cosignature: Cosignature, received_at: datetime
    ) -> None:
        key = {
            "checkpoint_id": checkpoint_id,
            "cosigner": cosignature.name,
            "key_id": cosignature.key_id,
        }
        table = ledger_cosignatures
        try:
            self._connection.execute(
                table.delete().where(*(table.c[name] == value for name, value in key.items()))
            )
            self._connection.execute(
                table.insert().values(
                    **key,
                    timestamp=cosignature.timestamp,
                    line=cosignature.line,
                    received_at=received_at,
                )
            )
        except DBAPIError as exc:
            raise _database_error(exc.orig or exc) from exc

    def _checkpoints(self, query: sa.Select[Any]) -> list[StoredCheckpoint]:
        found = []
        try:
            rows = list(self._connection.execute(query))
            lines: dict[int, list[str]] = {}
            if rows:
                # One range query, not an IN list: verify reads every checkpoint.
                table = ledger_cosignatures
                ids = {row.id for row in rows}
                cosigned = self._connection.execute(
                    sa.select(table.c.checkpoint_id, table.c.line)
                    .where(table.c.checkpoint_id.between(min(ids), max(ids)))
                    .order_by(table.c.checkpoint_id, table.c.cosigner, table.c.key_id)
                )
                for checkpoint_id, line in cosigned:
                    if checkpoint_id in ids:
                        lines.setdefault(int(checkpoint_id), []).append(line)
        except DBAPIError as exc:
            raise _database_error(exc.orig or exc, self._connection.engine.url) from exc
        for row in rows:
            published = row.published_at  # aware UTC: the column type sees to it
            found.append(
                StoredCheckpoint(
                    row.id,
                    int(row.size),
                    bytes(row.root),
                    row.note,
                    published,
                    tuple(lines.get(row.id, ())),
                )
            )
        return found

    def read_checkpoints(self) -> list[StoredCheckpoint]:
        return self._checkpoints(sa.select(ledger_checkpoints).order_by(ledger_checkpoints.c.id))

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        found = self._checkpoints(
            sa.select(ledger_checkpoints).order_by(ledger_checkpoints.c.id.desc()).limit(1)
        )
        return found[0] if found else None


def _database_error(cause: BaseException, url: sa.URL | None = None) -> FairscreenError:
    """The ledger's error for a driver error: the storage's own (disk full, read-only)
    when that is the cause, so it reaches the log and the caller with its reason."""
    problem = storage_problem(cause, url)
    if problem is not None:
        return problem
    text = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
    hint = ""
    if "no such table" in text or "does not exist" in text:
        hint = " (is the schema migrated? run `fairscreen db upgrade`)"
    return LedgerError(f"ledger database error: {text}{hint}")


# --- conveniences for callers that do not own a transaction ----------------------------------


def guarded(entries: Sequence[bytes | LedgerEntry]) -> list[bytes]:
    """Every entry through the ledger guard: a :class:`LedgerEntry`, or bytes that decode
    to one in canonical form (anything else raises :class:`LedgerEntryRefused`)."""
    checked = []
    for entry in entries:
        if isinstance(entry, LedgerEntry):
            checked.append(entry.to_bytes())
        else:
            decode_entry(entry)
            checked.append(entry)
    return checked


def append_in_transaction(
    connection: Connection, entries: Sequence[bytes | LedgerEntry], *, guard: bool = True
) -> AppendResult:
    """Append inside the caller's transaction: committed or rolled back with it.

    Entries pass the ledger guard unless ``guard=False`` (raw bytes: tests, benchmarks,
    or callers that already hold guarded bytes).
    """
    if guard:
        data = guarded(entries)
    else:
        data = [e.to_bytes() if isinstance(e, LedgerEntry) else e for e in entries]
    return Log(SqlLedgerStore(connection)).append(data)


def append_batch(
    engine: Engine, entries: Sequence[bytes | LedgerEntry], *, guard: bool = True
) -> AppendResult:
    """Append one atomic batch in its own writer transaction (committed on return)."""
    with begin_write(engine) as connection:
        return append_in_transaction(connection, entries, guard=guard)


@contextmanager
def reading(engine: Engine) -> Iterator[Log]:
    """A log over one read snapshot."""
    with begin_read(engine) as connection:
        yield Log(SqlLedgerStore(connection))


@contextmanager
def writing(engine: Engine) -> Iterator[Log]:
    """A log in one writer transaction, committed when the block ends without error."""
    with begin_write(engine) as connection:
        yield Log(SqlLedgerStore(connection))

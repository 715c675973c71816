"""The ledger's store port over SQLAlchemy: SQLite or PostgreSQL, one schema.

A :class:`SqlLedgerStore` works inside a transaction its caller owns. The service does
not sequence in its requests (issue 16): it queues its entries in ``ledger_pending`` in
the same transaction as the state change they record (:func:`queue_pending`, no lock),
and the sequencer moves them into the tree in batches (:func:`integrate_pending`), in
pending-id order, deleting them from ``ledger_pending`` in the same transaction; the
entry keeps its pending id (unique), so an entry is integrated once or not at all.

One sequencer at a time: on PostgreSQL integrating (and publishing) takes a
transaction-scoped advisory lock (``pg_advisory_xact_lock``); on SQLite the database
write lock with its first write (or already held after
:func:`~fairscreen.adapters.db.engine.begin_write`'s ``BEGIN IMMEDIATE``). Readers and
requests take no ledger lock.

The hot paths (appending, reading tiles and entries) go to the DB-API cursor of the same
connection with plain SQL: SQLAlchemy's per-statement overhead is larger than a whole
proof's worth of work. Everything else uses SQLAlchemy Core.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from fairscreen.adapters.db.engine import (
    IDLE_LIMIT_SQL,
    begin_read,
    begin_write,
    idle_limit_ms,
    storage_problem,
)
from fairscreen.adapters.db.tables import ledger_checkpoints, ledger_cosignatures, ledger_pending
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
#: Seconds a frozen sequencer can stall the log at most: its transaction holding the
#: writer lock may sit idle no longer, nor its lease go longer unrenewed
#: (services/sequencer.py, which renews it between batches). A live sequencer is never
#: idle that long; if it were, losing the lease would be safe, since every write still
#: takes the writer lock.
FROZEN_WRITER_LIMIT = 5.0

_TILES_PER_PAGE = 64


class SqlLedgerStore(LedgerStore):
    """Ledger rows in the ``ledger_*`` tables, through one connection in a transaction."""

    def __init__(self, connection: Connection, *, idle_limit: float | None = None) -> None:
        """``idle_limit`` (seconds, PostgreSQL): once this store takes the writer lock,
        its transaction may sit idle no longer (:data:`FROZEN_WRITER_LIMIT`, for the
        sequencer's own transactions); None keeps the session's limit."""
        self._connection = connection
        self._idle_limit = idle_limit
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
                # The sequencer's transaction holding the log's lock may sit idle no
                # longer than its limit (set in the same message: no round trip more):
                # the server ends a frozen holder's (SIGSTOP, a stalled machine) where the
                # session-wide limit would stall every sequencer for a minute. None for
                # the operator's ``ledger append``, whose Python work may run longer.
                lock = "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))"
                if self._idle_limit is None:
                    cursor.execute(lock, (ADVISORY_LOCK_CLASS,))
                else:
                    limit = idle_limit_ms(self._idle_limit)
                    cursor.execute(f"{lock}, {IDLE_LIMIT_SQL}", (ADVISORY_LOCK_CLASS, limit))
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
        self,
        old_size: int,
        entries: Sequence[bytes],
        tiles: Sequence[Tile],
        new_size: int,
        pending_ids: Sequence[int] | None = None,
    ) -> None:
        ids: Sequence[int | None] = (
            pending_ids if pending_ids is not None else [None] * len(entries)
        )
        if len(ids) != len(entries):
            raise LedgerError(f"append: {len(entries)} entries but {len(ids)} pending ids")
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
                self._sql("INSERT INTO ledger_entries (idx, data, pending_id) VALUES (?, ?, ?)"),
                [
                    (old_size + offset, entry, pending)
                    for offset, (entry, pending) in enumerate(zip(entries, ids, strict=True))
                ],
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

    def delete_pending(self, ids: Sequence[int]) -> None:
        """Delete the pending rows ``ids`` (just integrated, in this transaction)."""
        cursor = self._cursor()
        try:
            cursor.executemany(
                self._sql("DELETE FROM ledger_pending WHERE id = ?"), [(i,) for i in ids]
            )
        except self._driver_error as exc:
            raise _database_error(exc, self._connection.engine.url) from exc
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


# --- pending entries and the sequencer (issue 16) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Integration:
    """One pass of the sequencer: where the batch landed, which pending entries it held
    (in order: ``pending_ids[i]`` is at index ``appended.first_index + i``) and how long
    each waited from being queued to being integrated (seconds)."""

    appended: AppendResult
    pending_ids: tuple[int, ...]
    delays: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.pending_ids)


#: Built once: every unit of work that logs queues its entries with it.
_QUEUE_PENDING = ledger_pending.insert().returning(
    ledger_pending.c.id, sort_by_parameter_order=True
)


#: PostgreSQL: the event payloads the entries commit to (``event_payloads``, a payload
#: stored already kept as it is) and the entries themselves, in one statement: a
#: data-modifying ``WITH`` runs whether or not the rest reads it. The payloads and the
#: entries (hex) go as two JSON texts: one parameter each, written by orjson, where
#: psycopg's adaptation of Python lists to arrays cost more than the statement saved;
#: and the text is the same for any count (psycopg prepares it once). The ids ascend
#: in the order of ``ORDER BY``, which is how they are given back (as SQLAlchemy's own
#: multi-row insert sorts them).
_QUEUE_PENDING_WITH_PAYLOADS = sa.text(
    "WITH payloads AS ("
    " INSERT INTO event_payloads (digest, case_pseudonym, body)"
    " SELECT p.digest, p.case_pseudonym, p.body FROM json_to_recordset(CAST(:payloads AS JSON))"
    " AS p (digest VARCHAR, case_pseudonym VARCHAR, body TEXT)"
    " ON CONFLICT (digest) DO NOTHING)"
    " INSERT INTO ledger_pending (data, queued_at)"
    " SELECT decode(entry.hex, 'hex'), CAST(:queued_at AS DOUBLE PRECISION)"
    " FROM json_array_elements_text(CAST(:entries AS JSON)) WITH ORDINALITY"
    " AS entry (hex, position)"
    " ORDER BY entry.position RETURNING id"
)

#: An event payload to store: its commitment (``digest``), its case's pseudonym, its JSON.
Payload = tuple[str, str | None, str]


def queue_pending(
    connection: Connection, entries: Sequence[bytes], payloads: Sequence[Payload] = ()
) -> list[int]:
    """Queue guarded entry bytes in the caller's transaction; their pending ids, in order.

    ``payloads`` (PostgreSQL only): the event payloads the entries commit to, stored in
    the same statement (one round trip and one statement's client-side work fewer for
    every unit of work that logs); the unit of work stores them itself elsewhere.

    Takes no ledger lock: concurrent requests queue side by side. Call it last in the
    transaction (at commit), after every row lock the transaction takes, so an entry
    that depends on another transaction's (it waited for that one's lock) gets a larger
    id, and the sequencer's id order keeps the order of cause and effect."""
    if payloads and (not entries or connection.dialect.name != "postgresql"):
        raise ValueError("payloads are queued with their entries, on PostgreSQL")
    if not entries:
        return []
    now = time.time()
    try:
        if payloads:
            rows = [{"digest": d, "case_pseudonym": c, "body": b} for d, c, b in payloads]
            parameters = {
                "payloads": orjson.dumps(rows).decode("utf-8"),
                "entries": orjson.dumps([entry.hex() for entry in entries]).decode("ascii"),
                "queued_at": now,
            }
            queued = connection.execute(_QUEUE_PENDING_WITH_PAYLOADS, parameters)
            return sorted(int(row[0]) for row in queued)
        result = connection.execute(
            _QUEUE_PENDING, [{"data": entry, "queued_at": now} for entry in entries]
        )
        return [int(row[0]) for row in result]
    except DBAPIError as exc:
        raise _database_error(exc.orig or exc, connection.engine.url) from exc


def pending_count(connection: Connection) -> int:
    """How many entries wait for the sequencer."""
    return int(
        connection.execute(sa.select(sa.func.count()).select_from(ledger_pending)).scalar_one()
    )


def integrate_pending(
    connection: Connection, limit: int | None = None, *, idle_limit: float | None = None
) -> Integration:
    """Move up to ``limit`` pending entries (all when None), oldest id first, into the
    tree, inside the caller's transaction: appended with their pending ids and deleted
    from ``ledger_pending`` together, so a crash anywhere leaves them either pending or
    integrated, never both, never lost. Takes the sequencer's lock first, so a second
    sequencer waits and then finds the rows gone. ``idle_limit``: see
    :class:`SqlLedgerStore`."""
    store = SqlLedgerStore(connection, idle_limit=idle_limit)
    store.lock_for_append()
    query = "SELECT id, data, queued_at FROM ledger_pending ORDER BY id"
    rows = store._run(query + (f" LIMIT {int(limit)}" if limit is not None else ""))
    if not rows:
        size = store.read_size()
        return Integration(AppendResult(size, size), (), ())
    ids = tuple(int(row[0]) for row in rows)
    appended = Log(store).append([bytes(row[1]) for row in rows], pending_ids=ids)
    # By id, never by range: an entry with a smaller id committed since the SELECT
    # (READ COMMITTED) is still pending and must stay so.
    store.delete_pending(ids)
    now = time.time()
    return Integration(appended, ids, tuple(max(0.0, now - float(row[2])) for row in rows))


def pending_status(connection: Connection, pending_id: int) -> int | None:
    """The log index of the entry queued as ``pending_id`` once integrated; None while it
    waits. ``LedgerError`` when no such entry was ever queued (or it was rolled back)."""
    store = SqlLedgerStore(connection)
    # Pending first: integration deletes the row and adds the entry in one commit, so
    # in this order a read between two statements cannot miss it in both places.
    if store._run("SELECT 1 FROM ledger_pending WHERE id = ?", (pending_id,)):
        return None
    found = store._run("SELECT idx FROM ledger_entries WHERE pending_id = ?", (pending_id,))
    if found:
        return int(found[0][0])
    raise LedgerError(f"no pending entry {pending_id}")


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
def writing(engine: Engine, *, idle_limit: float | None = None) -> Iterator[Log]:
    """A log in one writer transaction, committed when the block ends without error
    (``idle_limit``: see :class:`SqlLedgerStore`)."""
    with begin_write(engine) as connection:
        yield Log(SqlLedgerStore(connection, idle_limit=idle_limit))

"""The unit of work of the screening service: one writer transaction on the database in
which state changes, their ciphertexts and their ledger entries commit together or not at
all (PRODUCT.md §6: "in the same transaction as the change"), and one on the key store
(adapters/db/key_store.py), committed just before it.

It rolls back unless told to commit (cosmicpython's rule). Its ledger entries are queued
as pending entries at commit (``ledger_store.queue_pending``), with no ledger lock: the
sequencer integrates them into the tree apart (issue 16). On PostgreSQL concurrent
writers on one case queue on the case's row (``ServiceRepository(lock_rows=True)``); on
SQLite a writer holds the database write lock (``BEGIN IMMEDIATE``) anyway, so there it
integrates its own entries in the same transaction (``sequence_inline``), and an index is
known at commit.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import weakref
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from fairscreen.adapters.crypto import EnvelopeCipher, KeyProvider
from fairscreen.adapters.db.case_tables import event_payloads
from fairscreen.adapters.db.engine import as_writer, is_sqlite, storage_errors, storage_problem
from fairscreen.adapters.db.key_store import SqlKeyStore
from fairscreen.adapters.db.ledger_store import (
    Integration,
    SqlLedgerStore,
    integrate_pending,
    queue_pending,
)
from fairscreen.adapters.db.repository import ServiceRepository
from fairscreen.adapters.jobs import Job, JobQueue
from fairscreen.ledger.entries import LedgerEntry
from fairscreen.ledger.log import Log

_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_SQLITE_WRITERS_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.Lock | None:
    """Writers of one SQLite database in one process queue on a lock of their own.

    SQLite allows one writer; a second one would wait in its busy handler, which sleeps
    and polls with growing delays — the long tail of request latency. Queuing in-process
    first hands the write lock over at once. Other processes still meet SQLite's lock.
    """
    if not is_sqlite(engine):
        return None
    with _SQLITE_WRITERS_GUARD:
        lock = _SQLITE_WRITERS.get(engine)
        if lock is None:
            lock = _SQLITE_WRITERS[engine] = threading.Lock()
        return lock


#: The payloads' ``INSERT … ON CONFLICT DO NOTHING`` of each dialect, built once (every
#: unit of work that logs writes one: built per call, it cost its construction and its
#: cache key each time).
_NEW_PAYLOADS = {
    "postgresql": postgresql.insert(event_payloads).on_conflict_do_nothing(
        index_elements=["digest"]
    ),
    "sqlite": sqlite.insert(event_payloads).on_conflict_do_nothing(index_elements=["digest"]),
}


def payload_body(payload: Mapping[str, Any]) -> bytes:
    """A payload's JSON with sorted keys: the bytes a ledger entry commits to.

    The payload stays in the database beside the entry; what matters is that the stored
    bytes open the entry's commitment. orjson rather than RFC 8785 here: the entries
    themselves are RFC 8785, and canonicalising every payload too cost more than a
    purge's database work (bench/service.py)."""
    return orjson.dumps(dict(payload), option=orjson.OPT_SORT_KEYS)


def payload_commitment(key: bytes, body: bytes) -> str:
    """The keyed commitment to ``body`` a version-2 entry carries (PRODUCT.md §6):
    HMAC-SHA-256 under the case's commitment key, hex. Without the key it cannot be
    recomputed from a guessed payload, and the key is shredded with the case."""
    return hmac.new(key, body, hashlib.sha256).hexdigest()


class SqlUnitOfWork:
    def __init__(
        self,
        engine: Engine,
        key_provider: KeyProvider,
        *,
        write: bool = True,
        key_engine: Engine | None = None,
        sequence_inline: bool | None = None,
        jobs: JobQueue | None = None,
    ) -> None:
        """``write=False``: a reader — one snapshot, no writer lock, nothing to commit
        (decrypting needs only reads; the evidence of a read goes to the ledger apart).
        ``key_engine``: the key store's database (None: the keys live beside the data).
        ``sequence_inline``: integrate the pending entries into the tree in this
        transaction at commit (None: on SQLite, where a writer holds the write lock
        anyway; on PostgreSQL the sequencer does it apart).
        ``jobs``: the queue :meth:`enqueue` hands its jobs to (adapters/jobs.py)."""
        self._job_queue = jobs
        self._jobs: list[Job] = []
        self._write = write
        self._engine = engine
        self._key_engine = key_engine
        self._key_provider = key_provider
        self._entries: list[bytes] = []
        self._payloads: dict[str, tuple[str, str]] = {}
        self._commitment_keys: dict[str, bytes] = {}
        self._after_queue: list[Callable[[list[int]], None]] = []
        self._committed = False
        self._local_lock: threading.Lock | None = None
        self._inline = is_sqlite(engine) if sequence_inline is None else sequence_inline
        #: after commit: the pending id of each entry, in the order logged
        self.pending_ids: list[int] = []
        #: after commit: the integration done in it (inline sequencing), else None
        self.integrated: Integration | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self._local_lock = _sqlite_writer_lock(self._engine) if self._write else None
        if self._local_lock is not None:
            self._local_lock.acquire()
        try:
            return self._begin()
        except BaseException:
            self._release_local_lock()
            raise

    def _release_local_lock(self) -> None:
        if self._local_lock is not None:
            self._local_lock.release()
            self._local_lock = None

    def _begin(self) -> SqlUnitOfWork:
        with storage_errors(self._engine.url):
            return self._open()

    def _open(self) -> SqlUnitOfWork:
        connection = self._engine.connect()
        self.connection: Connection = as_writer(connection) if self._write else connection
        self._transaction = self.connection.begin()
        self.ledger_store = SqlLedgerStore(self.connection)
        self._key_connection: Connection | None = None
        self._key_transaction: sa.RootTransaction | None = None
        if self._key_engine is None:
            self.keys = SqlKeyStore(self.connection)
        else:
            self.keys = SqlKeyStore(self._open_key_store)
        self.cipher = EnvelopeCipher(self._key_provider, self.keys)
        self.repo = ServiceRepository(
            self.connection, self.cipher, lock_rows=self._write and not is_sqlite(self._engine)
        )
        return self

    def _open_key_store(self) -> Connection:
        """The key store's connection and transaction, begun when a key is first asked
        for (or written): a unit of work that touches no key costs no checkout, ``BEGIN``
        and ``ROLLBACK`` on a second database. Always after the data's transaction began,
        so after its writer lock too: the same order everywhere, no deadlock."""
        assert self._key_engine is not None
        with storage_errors(self._key_engine.url):
            key_connection = self._key_engine.connect()
            try:
                self._key_transaction = (
                    as_writer(key_connection) if self._write else key_connection
                ).begin()
            except BaseException:
                key_connection.close()
                raise
        self._key_connection = key_connection
        return key_connection

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if self._key_transaction is not None and self._key_transaction.is_active:
                self._key_transaction.rollback()
            if not self._committed and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            if self._key_connection is not None:
                self._key_connection.close()
            self.connection.close()
            self._release_local_lock()
        if isinstance(error, sa.exc.DBAPIError):
            # A statement of the use case hit a full disk or a read-only file: say so.
            problem = storage_problem(error, self._engine.url)
            if problem is not None:
                raise problem from error

    def enqueue(self, job: Job) -> None:
        """Ask for background work that exists only if this transaction commits: handed
        to the job queue in this transaction, at commit (adapters/jobs.py)."""
        if self._job_queue is None:
            raise RuntimeError("this unit of work has no job queue")
        self._jobs.append(job)

    def log(self, entry: LedgerEntry) -> int:
        """Queue a guarded ledger entry; it is queued as pending in this transaction at
        commit. Returns its position among this unit's entries (see :meth:`after_queue`)."""
        self._entries.append(entry.to_bytes())
        return len(self._entries) - 1

    def after_queue(self, write: Callable[[list[int]], None]) -> None:
        """Call ``write(pending_ids)`` at commit, once the entries are queued, in this
        transaction: rows that name an entry (a destruction certificate) keep its pending
        id. The ids are taken last, after every row lock (``queue_pending``)."""
        self._after_queue.append(write)

    def commitment_key(self, case: str) -> bytes:
        """The case's commitment key (``EnvelopeCipher.commitment_key``), unwrapped once per
        unit of work: an investigation logs a query per category, and each unwrap reads
        the case and subject keys again. Nothing outlives the transaction."""
        key = self._commitment_keys.get(case)
        if key is None:
            key = self._commitment_keys[case] = self.cipher.commitment_key(case)
        return key

    def keep_payload_body(self, commitment: str, body: bytes, case: str) -> None:
        """Queue an event payload (ids and codes only) under the commitment its entry
        carries, for the case (pseudonym) it is about; written in bulk at commit, like
        the entries, and deleted with the case's data (PRODUCT.md §6)."""
        self._payloads.setdefault(commitment, (case, body.decode("utf-8")))

    def _flush_payloads(self) -> None:
        """One ``INSERT … ON CONFLICT DO NOTHING`` per 500 payloads: a payload already
        stored (the same commitment) stays as it is, without a look-up first."""
        commitments = list(self._payloads)
        insert = _NEW_PAYLOADS[self.connection.dialect.name]
        for start in range(0, len(commitments), 500):
            rows = [
                {"digest": c, "case_pseudonym": self._payloads[c][0], "body": self._payloads[c][1]}
                for c in commitments[start : start + 500]
            ]
            self.connection.execute(insert, rows)

    def _queue(self) -> list[int]:
        """The payloads and the entries, queued: on PostgreSQL in one statement
        (``queue_pending``), elsewhere the payloads first."""
        if self._entries and self._payloads and self.connection.dialect.name == "postgresql":
            payloads = [(c, case, body) for c, (case, body) in self._payloads.items()]
            return queue_pending(self.connection, self._entries, payloads)
        self._flush_payloads()
        return queue_pending(self.connection, self._entries)

    def ledger(self) -> Log:
        """The log as this transaction sees it (for proofs and sizes)."""
        return Log(self.ledger_store)

    def commit(self) -> list[int]:
        """Queue the entries as pending and commit everything, or raise and keep nothing;
        the entries' pending ids (:attr:`pending_ids`)."""
        if not self._write:
            raise RuntimeError("a reader has nothing to commit")
        with storage_errors(self._engine.url):
            self.pending_ids = self._queue()
            for write in self._after_queue:
                write(self.pending_ids)
            if self._inline and self._entries:
                self.integrated = integrate_pending(self.connection)
            if self._jobs and self._job_queue is not None:
                self._job_queue.enqueue(self.connection, self._jobs)
        if self._key_transaction is not None and self._key_engine is not None:
            with storage_errors(self._key_engine.url):
                self._key_transaction.commit()  # keys first: a case is never stored keyless
        with storage_errors(self._engine.url):
            self._transaction.commit()
        self._committed = True
        if self._jobs and self._job_queue is not None:
            self._job_queue.committed(self._jobs)
        return self.pending_ids

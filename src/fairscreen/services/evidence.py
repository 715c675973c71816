"""Group commit for evidence that changes no state: the ``report.read`` entries.

Every decryption of a report is logged before the data leaves (PRODUCT.md P5). Logging
each read in its own transaction costs one ``fsync`` per read, one writer at a time; under
load the reads queue behind each other's disk flushes. So a read is decrypted from a read
snapshot, and its entry goes to this committer: one background thread takes whatever
entries are waiting, appends them (with their payloads) in one transaction, and wakes
each reader once its entry is durable (queued as pending; the sequencer integrates it
like any other, issue 16). A reader that cannot get its entry committed gets an error,
never the data: the storage's own when the storage is out of reach or full (a restart of
PostgreSQL: 503, try again), ``LedgerError`` for anything else.

A read decrypted from a snapshot can meet a purge that destroys the case before its
entry is committed. The committer holds the cases' rows (shared, on PostgreSQL; SQLite's
write lock) until it commits, so it looks: a reader whose case was destroyed meanwhile
gets ``CaseDestroyed`` and no entry is written. The data never
leaves, and the ledger never shows a read after the case's ``data.destroyed`` (which the
compliance audit would rightly flag).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork
from fairscreen.domain.errors import CaseDestroyed, LedgerError, StorageUnavailable
from fairscreen.ledger.entries import LedgerEntry

MAX_BATCH = 512
IDLE_SECONDS = 5.0
WAIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class _Evidence:
    entry: LedgerEntry
    digest: str
    body: bytes
    done: Future[int]


class EvidenceLog:
    def __init__(self, open_unit_of_work: Callable[[], SqlUnitOfWork]) -> None:
        self._open = open_unit_of_work
        self._queue: queue.Queue[_Evidence] = queue.Queue()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def record(self, entry: LedgerEntry, digest: str, body: bytes) -> int:
        """Log ``entry`` (its payload ``body`` hashes to ``digest``); return its pending id
        once committed. Raises ``LedgerError`` when it could not be committed."""
        done: Future[int] = Future()
        self._queue.put(_Evidence(entry, digest, body, done))
        self._ensure_thread()
        try:
            return done.result(timeout=WAIT_SECONDS)
        except TimeoutError as exc:
            raise LedgerError("the read could not be logged in time; nothing was shown") from exc

    def _ensure_thread(self) -> None:
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="fairscreen-evidence", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._guard:
                    if self._queue.empty():  # idle: end; the next record starts a thread
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Evidence]) -> None:
        try:
            with self._open() as uow:
                gone = uow.repo.destroyed_pseudonyms({item.entry.case for item in batch})
                for item in [item for item in batch if item.entry.case in gone]:
                    item.done.set_exception(
                        CaseDestroyed("the case's data was destroyed", key="case.destroyed")
                    )
                batch = [item for item in batch if item.entry.case not in gone]
                if not batch:
                    return
                for item in batch:
                    uow.keep_payload_body(item.digest, item.body, item.entry.case)
                    uow.log(item.entry)
                pending_ids = uow.commit()
        except Exception as exc:  # noqa: BLE001 - every waiting reader must hear of it
            error: Exception = exc
            if not isinstance(exc, StorageUnavailable):  # passed on: the reader may retry
                error = LedgerError(
                    f"the read evidence could not be committed: {type(exc).__name__}"
                )
                error.__cause__ = exc
            for item in batch:
                item.done.set_exception(error)
            return
        for item, pending_id in zip(batch, pending_ids, strict=True):
            item.done.set_result(pending_id)

"""The log's high-water mark: the largest checkpoint it ever signed, kept outside the
log's own database, so that a log that went backwards is noticed.

A Merkle log promises that every tree it signs is a prefix of every later one (RFC 9162
§2.1.4, consistency). A database restored from an older backup breaks that promise
silently: the log is smaller, or holds other entries at indices it already signed, and a
receipt handed out for one of those indices still verifies offline. The database cannot
tell, since it went back with the log; a copy of the latest signed checkpoint kept
elsewhere can. This is what a certificate-transparency log operator checks on the day they
restore: the restored tree must contain the last tree head they signed.

:class:`HighWater` over a :class:`MarkStore` (a file in the data directory today;
witnesses' cosigned checkpoints can feed :meth:`HighWater.raise_to` later):

1. :meth:`HighWater.check` raises :class:`LogRolledBack` when the log holds fewer entries
   than the mark, or a different tree at the mark's size;
2. :meth:`HighWater.raise_to` moves the mark up to a checkpoint the log signed, after
   step 1 and only when the log holds that checkpoint's tree; the mark never goes down.

Several processes raise one mark (every ``serve``, ``fairscreen worker``, ``ledger
publish``), so step 2's read-compare-write runs under the store's lock
(:meth:`MarkStore.locked`, a lock across processes): without it, two raisers that both
read 50 could write 120 and then 100, and the mark would go down to 100. Under the lock
the mark is read again and written only when the new checkpoint is strictly larger.

A process frozen while it holds that lock (a raise takes milliseconds, so the window is
small, but SIGSTOP or a stalled disk can land in it) must not stall the log: the
sequencer raises the mark with ``wait=False`` (:meth:`HighWater.follow`), so a lock
another holds leaves the mark where it is for this round, and the round integrates and
publishes all the same. Only the raise waits; the check against the mark takes no lock.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Protocol

from fairscreen.domain.errors import LedgerError, LogRolledBack, MarkBusy, SignatureInvalid
from fairscreen.ledger.checkpoint import Checkpoint, open_checkpoint
from fairscreen.ledger.log import Log
from fairscreen.ledger.note import NoteVerifier

#: What the operator reads after every refusal: the one way back that keeps the promise.
RECOVERY = (
    "restore a backup of the database that holds at least {size} entries (or the newer "
    "database itself); never serve the older one (docs/operations.md, 'Restoring')"
)


class MarkStore(Protocol):
    """Where the mark lives: anywhere but the log's own database."""

    @property
    def location(self) -> str:
        """Names the place for the operator (a path, a URL); never secret."""
        ...

    def read(self) -> str | None:
        """The stored signed checkpoint note, or None when no mark was ever set."""
        ...

    def write(self, note: str) -> None:
        """Replace the stored note durably and atomically (all or nothing)."""
        ...

    def locked(self, *, wait: bool = True) -> AbstractContextManager[object]:
        """Hold the mark for one read-compare-write: every other process and thread that
        enters it waits until this one leaves (``wait=False``: tries once). Raises
        :class:`MarkBusy` when another holder keeps it. Not reentrant; :meth:`read` and
        :meth:`write` do not take it themselves."""
        ...


@dataclass(frozen=True)
class HighWater:
    store: MarkStore
    verifier: NoteVerifier

    def mark(self) -> Checkpoint | None:
        """The checkpoint of the mark, its signature checked with the log's key."""
        note = self.store.read()
        if note is None:
            return None
        try:
            return open_checkpoint(note, self.verifier)
        except (SignatureInvalid, LedgerError) as exc:
            raise LogRolledBack(
                f"the high-water mark in {self.store.location} is not a checkpoint signed by "
                f"this log's key ({exc}); the key or the origin changed, or the file was "
                "altered (docs/operations.md, 'Restoring')"
            ) from exc

    def check(self, log: Log) -> Checkpoint | None:
        """Refuse a log that is smaller than, or inconsistent with, the mark; return it.

        The mark is read before the log's first statement, so call it before reading
        anything through ``log``: a read snapshot (``begin_read``) is taken at its first
        statement, and a mark another process raised after that names a tree the snapshot
        cannot hold (a false "the log went back"; the failure drill saw one in a sequencer
        woken from a SIGSTOP)."""
        return self._against(log, self.mark())

    def _against(self, log: Log, mark: Checkpoint | None) -> Checkpoint | None:
        if mark is None:
            return None
        size = log.size()
        if size < mark.size:
            raise LogRolledBack(
                f"the log holds {size} entries, but it signed a checkpoint of size "
                f"{mark.size} (kept in {self.store.location}): the database is older than "
                f"the log it replaced; " + RECOVERY.format(size=mark.size)
            )
        if log.root(mark.size) != mark.root:
            raise LogRolledBack(
                f"the log's first {mark.size} entries are not the tree it signed at that size "
                f"(kept in {self.store.location}): the database was replaced by another "
                f"log's, or restored and then written to; " + RECOVERY.format(size=mark.size)
            )
        return mark

    def raise_to(self, log: Log, note: str) -> Checkpoint | None:
        """Check the log against the mark (:meth:`check`, whose order applies), then make
        ``note`` the mark when it signs a larger tree that this log holds. Returns the mark
        in force afterwards."""
        return self._raise(log, note, self.check(log))

    def _raise(
        self, log: Log, note: str, mark: Checkpoint | None, *, wait: bool = True
    ) -> Checkpoint | None:
        """Make ``note`` the mark, ``mark`` being the one ``log`` was checked against.

        1. Without the lock: nothing to do when ``note`` is no larger than ``mark`` (a mark
           is only ever raised); refuse a tree the log does not hold. These database reads
           stay outside the lock, which other processes wait for.
        2. Under the lock: read the mark again (another process may have raised it since)
           and write ``note`` only when it is strictly larger. ``wait=False``: when
           another holder keeps the lock, leave the mark as it is and return it."""
        checkpoint = open_checkpoint(note, self.verifier)
        if mark is not None and checkpoint.size <= mark.size:
            return mark
        if checkpoint.size > log.size() or log.root(checkpoint.size) != checkpoint.root:
            raise LogRolledBack(
                f"a checkpoint of size {checkpoint.size} is not a tree this log holds; the "
                f"high-water mark in {self.store.location} stays at "
                f"{mark.size if mark is not None else 0}"
            )
        with ExitStack() as held:
            try:
                held.enter_context(self.store.locked(wait=wait))
            except MarkBusy:
                if wait:
                    raise
                return mark  # raised by a later round (module docstring)
            current = self.mark()
            if current is not None and checkpoint.size <= current.size:
                return current
            if current is not None and current != mark:
                # Raised meanwhile to a tree smaller than ``note``'s, which ``log`` was not
                # checked against: check it here, under the lock, or ``note`` could replace
                # a mark from another tree (a database restored and written to while this
                # process ran) and erase the evidence. One read of ``log``, and only after a
                # race; ``log`` holds that size, since it holds ``note``'s larger tree.
                self._against(log, current)
            self.store.write(note)
        return checkpoint

    def follow(self, log: Log, *, wait: bool = True) -> Checkpoint | None:
        """Check the log, then raise the mark to the latest checkpoint stored in it (every
        checkpoint the log published, whichever process published it). The mark is read
        first, before the log's snapshot (:meth:`check`). ``wait=False``: when another
        process holds the mark's lock, the log is checked but the mark not raised."""
        mark = self.mark()
        latest = log.latest_checkpoint()
        mark = self._against(log, mark)
        if latest is None:
            return mark
        return self._raise(log, latest.note, mark, wait=wait)

"""The high-water mark as a file in the data directory (:class:`FileMarkStore`, the
:class:`~fairscreen.ledger.high_water.MarkStore` of :mod:`fairscreen.ledger.high_water`).

One file per log, ``<data dir>/ledger/high-water-<16 hex>.checkpoint``: the hex digits are
a SHA-256 of the log's origin and its database (URL without password; a SQLite file by
its absolute path), so a demo database and the real one beside it in the same data
directory each keep their own mark, and a database restored to the same place meets its
old one. The file holds a signed checkpoint, public by design: it is not a secret, but it
must not live in (or be backed up and restored with) the database it guards.

Beside it, ``high-water-<16 hex>.checkpoint.lock`` is what :meth:`FileMarkStore.locked`
takes an exclusive ``flock`` on: a file of its own, created when missing and never removed,
because the mark file itself is replaced by a rename on every write, and a lock on the
replaced file would keep out no one who opens the new one. The kernel drops the lock when
its holder dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from fairscreen.domain.errors import MarkBusy, StorageUnavailable
from fairscreen.ledger.high_water import HighWater
from fairscreen.ledger.note import NoteVerifier


def database_identity(database_url: str) -> str:
    """The database as a stable string: the URL without password, a SQLite file resolved."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        url = url.set(database=str(Path(url.database).resolve()))
    return url.render_as_string(hide_password=True)


def mark_path(data_dir: Path, origin: str, database_url: str) -> Path:
    digest = hashlib.sha256(
        b"fairscreen high-water\x00"
        + origin.encode()
        + b"\x00"
        + database_identity(database_url).encode()
    ).hexdigest()[:16]
    return data_dir / "ledger" / f"high-water-{digest}.checkpoint"


#: How long :meth:`FileMarkStore.locked` waits for another holder. A read-compare-write
#: takes milliseconds (a read, a write, two fsyncs, at most one read of the log), so only
#: a frozen holder (SIGSTOP, a stalled disk) keeps the lock this long; the waiter then
#: fails as a mark that cannot be written does, rather than hang behind it (the
#: sequencer's lease ends after 5 s without renewal anyway).
LOCK_WAIT = 5.0

#: Between two tries at a taken lock: short at first (holders leave within milliseconds),
#: then at most this, so a long wait costs a few wake-ups a second, not a busy loop.
_LONGEST_PAUSE = 0.05


class FileMarkStore:
    def __init__(self, path: Path, *, lock_wait: float = LOCK_WAIT) -> None:
        self.path = path
        self.lock_path = path.with_name(f"{path.name}.lock")
        self.lock_wait = lock_wait

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    def write(self, note: str) -> None:
        """Temporary file, fsync, rename, fsync the folder: a crash leaves the old mark
        or the new one, never a torn one."""
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(note)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise StorageUnavailable(
                f"cannot write the high-water mark {self.path}: {exc.strerror or exc}"
            ) from exc

    @contextmanager
    def locked(self, *, wait: bool = True) -> Iterator[None]:
        """An exclusive ``flock`` on :attr:`lock_path` for the body, across processes
        (and threads: each call opens its own descriptor). Raises StorageUnavailable
        when the lock file cannot be opened, MarkBusy when another holder keeps it past
        :attr:`lock_wait` seconds (``wait=False``: at once)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise self._unlockable(exc) from exc
        try:
            self._take(descriptor, self.lock_wait if wait else 0.0)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)

    def _take(self, descriptor: int, wait: float) -> None:
        # flock has no timeout of its own: try without blocking, pausing in between.
        deadline = time.monotonic() + wait
        pause = 0.001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            except OSError as exc:
                raise self._unlockable(exc) from exc
            if time.monotonic() >= deadline:
                raise MarkBusy(
                    f"cannot lock the high-water mark {self.path}: another process kept "
                    f"{self.lock_path} locked for more than {wait:g} s"
                )
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)

    def _unlockable(self, exc: OSError) -> StorageUnavailable:
        return StorageUnavailable(
            f"cannot lock the high-water mark {self.path}: {exc.strerror or exc}"
        )

    def forget(self) -> None:
        """Remove the mark: only for a database deliberately replaced by an empty one
        (the demo's fresh database), never after a restore."""
        self.path.unlink(missing_ok=True)


def high_water(data_dir: Path, origin: str, database_url: str, verifier: NoteVerifier) -> HighWater:
    return HighWater(FileMarkStore(mark_path(data_dir, origin, database_url)), verifier)

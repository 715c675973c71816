"""The high-water mark as a file in the data directory (:class:`FileMarkStore`, the
:class:`~fairscreen.ledger.high_water.MarkStore` of :mod:`fairscreen.ledger.high_water`).

One file per log, ``<data dir>/ledger/high-water-<16 hex>.checkpoint``: the hex digits are
a SHA-256 of the log's origin and its database (URL without password; a SQLite file by
its absolute path), so a demo database and the real one beside it in the same data
directory each keep their own mark, and a database restored to the same place meets its
old one. The file holds a signed checkpoint, public by design: it is not a secret, but it
must not live in (or be backed up and restored with) the database it guards.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import sqlalchemy as sa

from fairscreen.domain.errors import StorageUnavailable
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


class FileMarkStore:
    def __init__(self, path: Path) -> None:
        self.path = path

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

    def forget(self) -> None:
        """Remove the mark: only for a database deliberately replaced by an empty one
        (the demo's fresh database), never after a restore."""
        self.path.unlink(missing_ok=True)


def high_water(data_dir: Path, origin: str, database_url: str, verifier: NoteVerifier) -> HighWater:
    return HighWater(FileMarkStore(mark_path(data_dir, origin, database_url)), verifier)

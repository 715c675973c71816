"""Key files written once, whole, by exactly one process.

Several processes may start at once on one data directory (``fairscreen serve`` twice,
a CLI command beside the server). Creating a key file with ``O_EXCL`` and then writing
it left a moment in which another process saw the file but not its key: it read an empty
or partial key, and every pseudonym, signature or wrap it made was wrong. So the text is
written to a private temporary file first and linked into place: ``link`` fails if the
name exists, and a reader sees either no file or the whole key.

The other files under the data directory (the SQLite database, the notifications file)
hold personal data or secrets too: :func:`private_directory` and :func:`private_file`
make them their owner's alone.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_secret_once(path: Path, text: str) -> bool:
    """Create ``path`` (mode 0600) holding ``text``; False, writing nothing, if it exists
    already (another process's key stands)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)


def private_directory(path: Path) -> Path:
    """Make ``path`` (and missing parents) a folder only its owner may enter (0700): the
    data directory holds keys, the SQLite database and the notifications file."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; an existing file open to
    others is narrowed to 0600 (a file from before this rule, or from a loose umask)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _owner_only(path, 0o600)
    return path


def _owner_only(path: Path, mode: int) -> None:
    current = path.stat()
    # Only what this process owns is narrowed: a shared folder named by the operator is
    # theirs to set, and chmod on it would fail anyway.
    if current.st_mode & 0o077 and current.st_uid == os.geteuid():
        os.chmod(path, mode)

"""Key files written once, whole, by exactly one process.

Several processes may start at once on one data directory (``fairscreen serve`` twice,
a CLI command beside the server). Creating a key file with ``O_EXCL`` and then writing
it left a moment in which another process saw the file but not its key: it read an empty
or partial key, and every pseudonym, signature or wrap it made was wrong. So the text is
written to a private temporary file first and linked into place: ``link`` fails if the
name exists, and a reader sees either no file or the whole key.
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

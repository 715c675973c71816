"""The ledger's Ed25519 signing key, from the configured key provider.

- ``file`` (development): ``<data_dir>/keys/ledger.skey`` in Go's note private-key form
  (``PRIVATE+KEY+<name>+<hex8>+<base64>``), created with mode 0600 on first use; the
  matching ``ledger.vkey`` is written beside it for convenience.
- ``env``: ``FAIRSCREEN_LEDGER_SIGNING_KEY`` holds the base64 32-byte Ed25519 seed (or the
  same ``PRIVATE+KEY+…`` form). Nothing is generated: an unset key is an error.

The key's name is the ledger origin (C2SP tlog-checkpoint: the origin line names the log
and its key); a stored key with another name is refused rather than silently reused.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Literal

from fairscreen.adapters.secret_files import write_secret_once
from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.note import NoteSigner, parse_skey

SKEY_FILE = "ledger.skey"
VKEY_FILE = "ledger.vkey"


def _checked_name(signer: NoteSigner, origin: str, where: str) -> NoteSigner:
    if signer.name != origin:
        raise LedgerError(
            f"ledger signing key in {where} is named {signer.name!r}, "
            f"but the ledger origin is {origin!r}"
        )
    return signer


def load_file_signer(keys_dir: Path, origin: str, *, create: bool = True) -> NoteSigner:
    """The key in ``keys_dir``, generated (0600, created exclusively) if absent."""
    path = keys_dir / SKEY_FILE
    if not path.exists():
        if not create:
            raise LedgerError(f"no ledger signing key at {path}")
        signer = NoteSigner.generate(origin)
        if not write_secret_once(path, signer.skey + "\n"):
            # Another process created it first: use theirs (whole, never half-written).
            return load_file_signer(keys_dir, origin, create=False)
        (keys_dir / VKEY_FILE).write_text(signer.verifier.vkey + "\n")
        return signer
    try:
        text = path.read_text()
    except OSError as exc:
        raise LedgerError(f"cannot read the ledger signing key at {path}: {exc}") from exc
    return _checked_name(parse_skey(text), origin, str(path))


def load_env_signer(value: str | None, origin: str) -> NoteSigner:
    """The key from ``FAIRSCREEN_LEDGER_SIGNING_KEY`` (base64 seed or PRIVATE+KEY form)."""
    if not value:
        raise LedgerError("FAIRSCREEN_LEDGER_SIGNING_KEY is not set (key_provider=env)")
    text = value.strip()
    if text.startswith("PRIVATE+KEY+"):
        return _checked_name(parse_skey(text), origin, "FAIRSCREEN_LEDGER_SIGNING_KEY")
    try:
        seed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LedgerError("FAIRSCREEN_LEDGER_SIGNING_KEY is not valid base64") from exc
    if len(seed) != 32:
        raise LedgerError("FAIRSCREEN_LEDGER_SIGNING_KEY must be a 32-byte Ed25519 seed")
    return NoteSigner(origin, seed)


def load_ledger_signer(
    provider: Literal["file", "env"],
    *,
    origin: str,
    keys_dir: Path,
    env_value: str | None,
) -> NoteSigner:
    """The ledger's signer as the settings say (values passed in, not read here)."""
    if provider == "file":
        return load_file_signer(keys_dir, origin)
    return load_env_signer(env_value, origin)

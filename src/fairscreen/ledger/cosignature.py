"""Witness cosignatures (C2SP ``tlog-cosignature``, https://c2sp.org/tlog-cosignature),
the Ed25519 ``cosignature/v1`` type.

A cosignature is a note signature line ``— <witness name> base64(key id ‖ timestamp ‖
signature)`` added to a checkpoint:

- key id = ``SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]`` (signature type 0x04, so a
  witness key is never mistaken for a log key of the same name);
- timestamp = the POSIX time of cosigning, a big-endian uint64 (at most 2^63 - 1);
- signature = Ed25519 over ``cosignature/v1\\n`` ‖ ``time <timestamp>\\n`` ‖ the
  checkpoint's note text (with its final newline, without any signature line).

It states: "as of that time, the largest consistent tree I have seen for this origin has
this root". Verifiers are configured with witness vkeys (``name+hex8+base64(0x04 ‖
key)``) and ignore every signature line that is not one of theirs (§Format).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from fairscreen.domain.errors import LedgerError, SignatureInvalid
from fairscreen.ledger.note import (
    ALGORITHM_COSIGNATURE_V1,
    SIGNATURE_PREFIX,
    NoteSigner,
    NoteVerifier,
    parse_note,
    parse_skey,
    parse_vkey,
)

COSIGNATURE_HEADER = "cosignature/v1\n"
_MAX_TIMESTAMP = 2**63 - 1
_BLOB_SIZE = 4 + 8 + 64


def generate_cosigner(name: str) -> NoteSigner:
    """A fresh witness key named ``name`` (type 0x04)."""
    return NoteSigner.generate(name, ALGORITHM_COSIGNATURE_V1)


def parse_cosigner_vkey(vkey: str) -> NoteVerifier:
    """A witness verifier key ``name+hex8+base64(0x04 ‖ Ed25519 public key)``."""
    return parse_vkey(vkey, ALGORITHM_COSIGNATURE_V1)


def parse_cosigner_skey(skey: str) -> NoteSigner:
    """A witness private key ``PRIVATE+KEY+name+hex8+base64(0x04 ‖ seed)``."""
    return parse_skey(skey, ALGORITHM_COSIGNATURE_V1)


def _check_cosigner(key: NoteVerifier) -> None:
    if key.algorithm != ALGORITHM_COSIGNATURE_V1:
        raise LedgerError(f"key {key.name} is not a cosigner key (signature type 0x04)")


def _check_timestamp(timestamp: int) -> None:
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise LedgerError(f"cosignature timestamp {timestamp} is outside 0 .. 2^63-1")


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a cosignature signs (tlog-cosignature §Ed25519 signed message)."""
    _check_timestamp(timestamp)
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True, slots=True)
class Cosignature:
    """One verified cosignature: who, when, and its note signature line."""

    name: str
    key_id: int
    timestamp: int
    line: str


def cosign(checkpoint_text: str, cosigner: NoteSigner, timestamp: int) -> Cosignature:
    """The cosignature line of ``cosigner`` on a checkpoint body, at ``timestamp``."""
    _check_cosigner(cosigner.verifier)
    signature = cosigner.sign(cosigned_message(checkpoint_text, timestamp))
    key_id = cosigner.verifier.key_id
    blob = key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
    line = f"{SIGNATURE_PREFIX}{cosigner.name} {base64.b64encode(blob).decode()}\n"
    return Cosignature(cosigner.name, key_id, timestamp, line)


def verify_cosignatures(note: str, witnesses: Sequence[NoteVerifier]) -> list[Cosignature]:
    """The cosignatures on ``note`` by ``witnesses``, each checked.

    Signature lines by other keys (the log's own, unknown witnesses) are ignored, as the
    spec requires; a line by a known witness that does not verify raises
    :class:`SignatureInvalid`, naming the witness.
    """
    for key in witnesses:
        _check_cosigner(key)
    text, signatures = parse_note(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[tuple[str, int], Cosignature] = {}
    for signature in signatures:
        witness = known.get((signature.name, signature.key_id))
        if witness is None:
            continue
        label = f"cosignature by {witness.name}+{witness.key_id:08x}"
        if len(signature.signature) != _BLOB_SIZE - 4:
            raise SignatureInvalid(f"{label} is not a timestamp and an Ed25519 signature")
        timestamp = int.from_bytes(signature.signature[:8], "big")
        if timestamp > _MAX_TIMESTAMP:
            raise SignatureInvalid(f"{label} has a timestamp beyond 2^63-1")
        if not witness.verify(cosigned_message(text, timestamp), signature.signature[8:]):
            raise SignatureInvalid(f"{label} does not verify")
        blob = signature.key_id.to_bytes(4, "big") + signature.signature
        line = f"{SIGNATURE_PREFIX}{signature.name} {base64.b64encode(blob).decode()}\n"
        found[(witness.name, witness.key_id)] = Cosignature(
            witness.name, witness.key_id, timestamp, line
        )
    return list(found.values())


def add_signature_lines(note: str, lines: Sequence[str]) -> str:
    """``note`` with more signature lines after its own (each ending in a newline)."""
    if not note.endswith("\n"):
        raise LedgerError("a signed note ends with a newline")
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX) or not line.endswith("\n") or "\n" in line[:-1]:
            raise LedgerError("a signature line starts with '— ' and is one line")
    return note + "".join(lines)

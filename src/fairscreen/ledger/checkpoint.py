"""Checkpoints (C2SP ``tlog-checkpoint``) and offline proofs (C2SP ``tlog-proof``).

A checkpoint body is the note text

    <origin>
    <tree size, decimal, no leading zeros>
    <base64 root hash>
    [extension lines]

signed as a C2SP signed note (:mod:`fairscreen.ledger.note`) by a key whose name is the
origin. A ``tlog-proof`` (https://c2sp.org/tlog-proof) bundles ``index N``, the inclusion
proof hashes and the signed checkpoint, so anyone holding the log's vkey can check an
entry offline.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from fairscreen.domain.errors import LedgerError, LedgerTampered, SignatureInvalid
from fairscreen.ledger.merkle import verify_inclusion
from fairscreen.ledger.note import NoteSigner, NoteVerifier, open_note, sign_note

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def parse_checkpoint_text(text: str) -> Checkpoint:
    """Read a checkpoint body (the note text, without signatures)."""
    if not text.endswith("\n"):
        raise LedgerError("checkpoint body must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise LedgerError("checkpoint body needs origin, size and root lines")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise LedgerError("checkpoint origin line is empty")
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise LedgerError("checkpoint size must be a decimal without leading zeros")
    try:
        root = base64.b64decode(root_text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LedgerError("checkpoint root hash is not valid base64") from exc
    if len(root) != 32:
        raise LedgerError("checkpoint root hash is not 32 bytes")
    if any(not line for line in extensions):
        raise LedgerError("checkpoint extension lines must be non-empty")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The checkpoint as a signed note; the key's name must be the origin."""
    if signer.name != checkpoint.origin:
        raise LedgerError(
            f"checkpoint origin {checkpoint.origin!r} differs from the key name {signer.name!r}"
        )
    return sign_note(checkpoint.text(), signer)


def open_checkpoint(note: str, verifier: NoteVerifier) -> Checkpoint:
    """Verify a signed checkpoint with the log's key and return its body."""
    text, _ = open_note(note, [verifier])
    checkpoint = parse_checkpoint_text(text)
    if checkpoint.origin != verifier.name:
        raise SignatureInvalid(
            f"checkpoint origin {checkpoint.origin!r} is not the key's name {verifier.name!r}"
        )
    return checkpoint


def check_same_tree(first: Checkpoint, second: Checkpoint) -> None:
    """Two checkpoints of the same size must commit to the same root, else the log forked."""
    if first.origin == second.origin and first.size == second.size and first.root != second.root:
        raise LedgerTampered(
            f"fork: two checkpoints of size {first.size} with different roots "
            f"({base64.b64encode(first.root).decode()} and "
            f"{base64.b64encode(second.root).decode()})"
        )


# --- tlog-proof ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TlogProof:
    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None

    def text(self) -> str:
        lines = [TLOG_PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {base64.b64encode(self.extra).decode()}")
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint_note


def parse_tlog_proof(text: str) -> TlogProof:
    head, separator, checkpoint_note = text.partition("\n\n")
    if not separator:
        raise LedgerError("tlog-proof: no blank line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != TLOG_PROOF_HEADER:
        raise LedgerError(f"tlog-proof: first line must be {TLOG_PROOF_HEADER}")
    position = 1
    extra = None
    try:
        if position < len(lines) and lines[position].startswith("extra "):
            extra = base64.b64decode(lines[position][6:], validate=True)
            position += 1
        if position >= len(lines) or not lines[position].startswith("index "):
            raise LedgerError("tlog-proof: missing the index line")
        index_text = lines[position][6:]
        if not index_text.isdigit() or (index_text != "0" and index_text.startswith("0")):
            raise LedgerError("tlog-proof: index must be a decimal without leading zeros")
        hashes = tuple(base64.b64decode(line, validate=True) for line in lines[position + 1 :])
    except (binascii.Error, ValueError) as exc:
        raise LedgerError("tlog-proof: a line is not valid base64") from exc
    return TlogProof(int(index_text), hashes, checkpoint_note, extra)


def verify_tlog_proof(text: str, leaf: bytes, verifier: NoteVerifier) -> Checkpoint:
    """Check an offline proof for the entry whose leaf hash is ``leaf``."""
    proof = parse_tlog_proof(text)
    checkpoint = open_checkpoint(proof.checkpoint_note, verifier)
    verify_inclusion(leaf, proof.index, checkpoint.size, proof.proof, checkpoint.root)
    return checkpoint


def make_tlog_proof(index: int, proof: Sequence[bytes], checkpoint_note: str) -> str:
    return TlogProof(index, tuple(proof), checkpoint_note).text()

"""Signed notes (C2SP ``signed-note``, https://c2sp.org/signed-note) with Ed25519 keys.

A note is UTF-8 text of complete lines, a blank line, then signature lines
``— <key name> <base64(key id ‖ signature)>``. For Ed25519 (signature type 0x01):

- key id = the first 4 bytes of ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)``;
- verifier key (vkey) = ``<name>+<hex8(key id)>+<base64(0x01 ‖ public key)>``;
- the signature covers the text, including its final newline, and nothing else.

The same key shapes serve C2SP ``tlog-cosignature`` witness keys, whose signature type is
0x04 (:mod:`fairscreen.ledger.cosignature`): a key carries its ``algorithm`` byte, which
enters its key id and its vkey, so a witness key can never pass for the log's key.

Go's ``golang.org/x/mod/sumdb/note`` private key form (``PRIVATE+KEY+<name>+<hex8>+
<base64(0x01 ‖ seed)>``) is read and written too, so keys interoperate with standard
tooling. Errors raise :class:`SignatureInvalid` (or :class:`LedgerError` for malformed
keys) naming what failed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fairscreen.domain.errors import LedgerError, SignatureInvalid

ALGORITHM_ED25519 = 0x01
#: C2SP tlog-cosignature/v1: an Ed25519 key whose signatures are timestamped cosignatures.
ALGORITHM_COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "\u2014 "
_SKEY_PREFIX = "PRIVATE+KEY+"


def _check_name(name: str) -> None:
    """A key name is non-empty, has no whitespace and no ``+`` (signed-note §Signatures)."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise LedgerError(f"note key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: bytes, algorithm: int = ALGORITHM_ED25519) -> int:
    """The 32-bit key id of a key named ``name``: ``SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]``
    (signed-note §Ed25519; tlog-cosignature with type 0x04)."""
    _check_name(name)
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LedgerError(f"{what} is not valid base64") from exc


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class NoteVerifier:
    """A named Ed25519 public key that checks note signatures (``algorithm`` 0x01) or
    witness cosignatures (0x04)."""

    name: str
    public_key: bytes
    algorithm: int = ALGORITHM_ED25519

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise LedgerError(f"verifier {self.name}: Ed25519 public keys are 32 bytes")
        _check_algorithm(self.algorithm, f"verifier {self.name}")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key, self.algorithm)

    @property
    def vkey(self) -> str:
        """``name+hex8(keyID)+base64(type ‖ public key)``."""
        encoded = base64.b64encode(bytes([self.algorithm]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _check_algorithm(algorithm: int, what: str) -> None:
    if algorithm not in (ALGORITHM_ED25519, ALGORITHM_COSIGNATURE_V1):
        raise LedgerError(f"{what}: only Ed25519 keys of type 0x01 or 0x04 are supported")


def _split_key(text: str, what: str, algorithm: int) -> tuple[str, str, bytes]:
    """``name+hex8+base64(type ‖ 32 bytes)`` → name, hex key id, the 32 key bytes."""
    parts = text.split("+", 2)  # base64 may itself hold '+'
    if len(parts) != 3:
        raise LedgerError(f"{what} must look like name+hex8(keyid)+base64(type‖key)")
    name, hex_id, encoded = parts
    raw = _b64decode(encoded, what)
    if len(raw) != 33 or raw[0] != algorithm:
        raise LedgerError(
            f"{what} {name}: expected an Ed25519 key of type 0x{algorithm:02x} (32 bytes)"
        )
    return name, hex_id, raw[1:]


def _check_key_id(what: str, name: str, hex_id: str, verifier: NoteVerifier) -> None:
    if len(hex_id) != 8 or f"{verifier.key_id:08x}" != hex_id.lower():
        raise LedgerError(f"{what} {name}: key id {hex_id} does not match the key")


def parse_vkey(vkey: str, algorithm: int = ALGORITHM_ED25519) -> NoteVerifier:
    """Read a verifier key ``name+hex8+base64`` of signature type ``algorithm``; the key
    id must match the key."""
    name, hex_id, public = _split_key(vkey.strip(), "vkey", algorithm)
    verifier = NoteVerifier(name, public, algorithm)
    _check_key_id("vkey", name, hex_id, verifier)
    return verifier


@dataclass(frozen=True)
class NoteSigner:
    """A named Ed25519 private key. Its ``repr`` never shows the key."""

    name: str
    seed: bytes = field(repr=False)
    algorithm: int = ALGORITHM_ED25519

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise LedgerError(f"signer {self.name}: Ed25519 private keys are 32-byte seeds")
        _check_algorithm(self.algorithm, f"signer {self.name}")

    @classmethod
    def generate(cls, name: str, algorithm: int = ALGORITHM_ED25519) -> NoteSigner:
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes_raw()
        return cls(name, seed, algorithm)

    @property
    def verifier(self) -> NoteVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return NoteVerifier(self.name, _public_bytes(public), self.algorithm)

    @property
    def skey(self) -> str:
        """Go's ``PRIVATE+KEY+name+hex8+base64(type ‖ seed)`` form (keep it secret)."""
        encoded = base64.b64encode(bytes([self.algorithm]) + self.seed).decode()
        return f"{_SKEY_PREFIX}{self.name}+{self.verifier.key_id:08x}+{encoded}"

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def parse_skey(skey: str, algorithm: int = ALGORITHM_ED25519) -> NoteSigner:
    """Read a Go-style private key; the key id must match the derived public key."""
    text = skey.strip()
    if not text.startswith(_SKEY_PREFIX):
        raise LedgerError("private key must start with PRIVATE+KEY+")
    name, hex_id, seed = _split_key(text[len(_SKEY_PREFIX) :], "private key", algorithm)
    signer = NoteSigner(name, seed, algorithm)
    _check_key_id("private key", name, hex_id, signer.verifier)
    return signer


def _check_plain(key: NoteVerifier) -> None:
    """A cosigner key signs timestamped messages, never a bare note text."""
    if key.algorithm != ALGORITHM_ED25519:
        raise LedgerError(f"key {key.name} is a cosigner key (type 0x04), not a note key")


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes


def _check_text(text: str) -> None:
    if not text or not text.endswith("\n"):
        raise LedgerError("note text must be non-empty and end with a newline")
    if "\n\n" in text or text.startswith("\n"):
        raise LedgerError("note text must not contain an empty line")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise LedgerError("note text must not contain control characters")


def sign_note(text: str, signer: NoteSigner) -> str:
    """``text``, a blank line, and one Ed25519 signature line by ``signer``."""
    _check_plain(signer.verifier)
    _check_text(text)
    signature = signer.sign(text.encode())
    blob = signer.verifier.key_id.to_bytes(4, "big") + signature
    return f"{text}\n{SIGNATURE_PREFIX}{signer.name} {base64.b64encode(blob).decode()}\n"


def parse_note(note: str) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and its signature lines (unverified)."""
    split = note.rfind("\n\n")
    if split < 0:
        raise SignatureInvalid("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    _check_text(text)
    if not block.endswith("\n"):
        raise SignatureInvalid("note signature block must end with a newline")
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise SignatureInvalid("note signature line does not start with '— '")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            _check_name(name)
            blob = _b64decode(encoded, f"signature by {name}")
        except LedgerError as exc:
            raise SignatureInvalid(f"malformed note signature line: {exc}") from exc
        if len(blob) < 5:
            raise SignatureInvalid(f"signature by {name} is too short")
        signatures.append(NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return text, signatures


def open_note(note: str, verifiers: list[NoteVerifier]) -> tuple[str, list[NoteVerifier]]:
    """Verify a note: every signature by a known key must verify, and at least one must.

    Returns the text and the verifiers whose signatures were checked.
    """
    text, signatures = parse_note(note)
    for key in verifiers:
        _check_plain(key)
    known = {(v.name, v.key_id): v for v in verifiers}
    checked = []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        if not verifier.verify(text.encode(), signature.signature):
            raise SignatureInvalid(
                f"signature by {signature.name}+{signature.key_id:08x} does not verify"
            )
        checked.append(verifier)
    if not checked:
        names = ", ".join(f"{v.name}+{v.key_id:08x}" for v in verifiers) or "none given"
        raise SignatureInvalid(f"note has no signature by a known key ({names})")
    return text, checked

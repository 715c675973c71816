"""Signed notes (C2SP ``signed-note``, https://c2sp.org/signed-note) with Ed25519 keys.

A note is UTF-8 text of complete lines, a blank line, then signature lines
``— <key name> <base64(key id ‖ signature)>``. For Ed25519 (signature type 0x01):

- key id = the first 4 bytes of ``SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)``;
- verifier key (vkey) = ``<name>+<hex8(key id)>+<base64(0x01 ‖ public key)>``;
- the signature covers the text, including its final newline, and nothing else.

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
SIGNATURE_PREFIX = "\u2014 "
_SKEY_PREFIX = "PRIVATE+KEY+"


def _check_name(name: str) -> None:
    """A key name is non-empty, has no whitespace and no ``+`` (signed-note §Signatures)."""
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise LedgerError(f"note key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: bytes) -> int:
    """The 32-bit key id of an Ed25519 key named ``name`` (signed-note §Ed25519)."""
    _check_name(name)
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALGORITHM_ED25519]) + public_key)
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
    """A named Ed25519 public key that checks note signatures."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise LedgerError(f"verifier {self.name}: Ed25519 public keys are 32 bytes")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """``name+hex8(keyID)+base64(0x01 ‖ public key)``."""
        encoded = base64.b64encode(bytes([ALGORITHM_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _split_key(text: str, what: str) -> tuple[str, str, bytes]:
    """``name+hex8+base64(0x01 ‖ 32 bytes)`` → name, hex key id, the 32 key bytes."""
    parts = text.split("+", 2)  # base64 may itself hold '+'
    if len(parts) != 3:
        raise LedgerError(f"{what} must look like name+hex8(keyid)+base64(0x01‖key)")
    name, hex_id, encoded = parts
    raw = _b64decode(encoded, what)
    if len(raw) != 33 or raw[0] != ALGORITHM_ED25519:
        raise LedgerError(f"{what} {name}: only Ed25519 keys (type 0x01, 32 bytes) are supported")
    return name, hex_id, raw[1:]


def _check_key_id(what: str, name: str, hex_id: str, verifier: NoteVerifier) -> None:
    if len(hex_id) != 8 or f"{verifier.key_id:08x}" != hex_id.lower():
        raise LedgerError(f"{what} {name}: key id {hex_id} does not match the key")


def parse_vkey(vkey: str) -> NoteVerifier:
    """Read a verifier key ``name+hex8+base64``; the key id must match the key."""
    name, hex_id, public = _split_key(vkey.strip(), "vkey")
    verifier = NoteVerifier(name, public)
    _check_key_id("vkey", name, hex_id, verifier)
    return verifier


@dataclass(frozen=True)
class NoteSigner:
    """A named Ed25519 private key. Its ``repr`` never shows the key."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise LedgerError(f"signer {self.name}: Ed25519 private keys are 32-byte seeds")

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes_raw()
        return cls(name, seed)

    @property
    def verifier(self) -> NoteVerifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return NoteVerifier(self.name, _public_bytes(public))

    @property
    def skey(self) -> str:
        """Go's ``PRIVATE+KEY+name+hex8+base64(0x01 ‖ seed)`` form (keep it secret)."""
        encoded = base64.b64encode(bytes([ALGORITHM_ED25519]) + self.seed).decode()
        return f"{_SKEY_PREFIX}{self.name}+{self.verifier.key_id:08x}+{encoded}"

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def parse_skey(skey: str) -> NoteSigner:
    """Read a Go-style private key; the key id must match the derived public key."""
    text = skey.strip()
    if not text.startswith(_SKEY_PREFIX):
        raise LedgerError("private key must start with PRIVATE+KEY+")
    name, hex_id, seed = _split_key(text[len(_SKEY_PREFIX) :], "private key")
    signer = NoteSigner(name, seed)
    _check_key_id("private key", name, hex_id, signer.verifier)
    return signer


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

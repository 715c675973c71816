"""Encryption at rest: AES-256-GCM envelope encryption (PRODUCT.md P5, P6; PIPL art. 51).

Three layers of keys, each wrapped by the one above it::

    master key   (held by a KeyProvider: a file, an environment variable, or a KMS)
      └─ subject key   one per data subject, wrapped by a master key
           └─ case key   one per case (the data key), wrapped by the subject key
                └─ field ciphertexts   every personal field and report of the case

Sources and rules:

- AES-256-GCM from ``cryptography`` (AESGCM), 96-bit nonces drawn at random for every
  encryption (NIST SP 800-38D §8.2.2). With random nonces a key must not seal more than
  2**32 messages (§8.3); one data key per case keeps every key far below that.
- Associated data (NIST SP 800-38D §5.2.1.1) binds a field ciphertext to its case and
  field: ``fairscreen/v1|case=<case pseudonym>|field=<field name>``. A ciphertext copied
  into another case or another column fails to authenticate. Wrapped keys are bound the
  same way to their owner (``…|subject=<pseudonym>|key=<key id>|wrap=master``).
- Every blob starts with a format version byte (:data:`FORMAT_V1`), so the algorithm or
  layout can change later while old blobs stay readable.
- Crypto-shredding (PRODUCT.md P6): destroying a subject's or a case's wrapped key leaves
  its ciphertexts undecryptable by any key that remains; decryption then raises
  :class:`~fairscreen.domain.errors.KeyDestroyed`.
- Master-key rotation (:func:`rotate_master_key`) *re-keys* every subject: a new subject
  key (new material, new id) wrapped by the new master key, and the subject's case keys
  rewrapped under it. Data ciphertexts are not touched. Rewrapping the old material was
  not enough: a backup's case-key rows, wrapped by a subject key whose material lived on
  under the new master key, opened destroyed cases (issue 18).
- The master key every process must wrap new subject keys with is recorded in the key
  store (:data:`KeyKind.MASTER`, owner :data:`CURRENT_MASTER`): a process whose provider
  names another one refreshes it, and refuses to wrap when it still does.

Unwrapped keys are never cached across calls: a cache would let a shredded key keep
decrypting until it expired. Library errors are translated into the project's error family
(``raise … from exc``) and messages name key ids and field names, never key material or
plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fairscreen.domain.errors import CryptoError, DecryptionFailed, InvalidInput, KeyDestroyed

#: Format version 1: ``0x01 || nonce (12 bytes) || AES-256-GCM ciphertext || tag (16)``.
FORMAT_V1 = 0x01
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, NIST SP 800-38D §8.2.2
TAG_BYTES = 16
AAD_PREFIX = b"fairscreen/v1"
#: What a case's commitment key is derived for (:meth:`EnvelopeCipher.commitment_key`).
COMMITMENT_KEY_LABEL = b"fairscreen/v1|ledger-commitment"
#: Labels (pseudonyms, field names, key ids) that go into associated data. A closed
#: alphabet without ``|`` or ``=`` keeps the layout unambiguous: no label can forge
#: another label's boundary.
_LABEL = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")


# --- secrets with masked repr -------------------------------------------------------------


class SecretKey:
    """A 256-bit key whose ``repr`` and ``str`` show only its id, never its bytes.

    Equality is identity: keys are not compared, so no timing side channel either.
    """

    __slots__ = ("_aead", "_material", "key_id")

    def __init__(self, key_id: str, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise CryptoError(f"key {key_id!r} must be {KEY_BYTES} bytes (AES-256)")
        self.key_id = key_id
        self._material = bytes(material)
        self._aead: AESGCM | None = None

    @classmethod
    def generate(cls, key_id: str) -> SecretKey:
        return cls(key_id, AESGCM.generate_key(bit_length=256))

    @property
    def material(self) -> bytes:
        """The raw key: only for AESGCM and for a provider storing it. Never log it."""
        return self._material

    def aead(self) -> AESGCM:
        """AES-256-GCM under this key, made once and kept with it (and gone with it): a
        case key seals or opens some 60 blobs a lifecycle, and making the cipher each
        time cost more than the decryption it then did (17k against 8k instructions)."""
        if self._aead is None:
            self._aead = AESGCM(self._material)
        return self._aead

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_id={self.key_id!r}, material=<redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would copy key material into caches, queues or crash dumps.
        raise TypeError(f"{type(self).__name__} cannot be pickled")


class DataKey(SecretKey):
    """A case's data key (the lowest layer of the envelope)."""


def new_key_id(prefix: str) -> str:
    """A random key id: ``<prefix>-<16 hex>`` (ids carry no meaning and no personal data)."""
    return f"{prefix}-{secrets.token_hex(8)}"


# --- the AEAD primitive -------------------------------------------------------------------


def check_label(value: str, what: str) -> str:
    """Refuse a label that could make associated data ambiguous."""
    if not _LABEL.fullmatch(value):
        raise InvalidInput(
            "must be 1-128 characters of A-Z a-z 0-9 _ . : - (it goes into associated data)",
            field=what,
        )
    return value


def field_aad(case: str, field: str) -> bytes:
    """Associated data of a field ciphertext: ``fairscreen/v1|case=<case>|field=<field>``."""
    check_label(case, "case")
    check_label(field, "field")
    return b"|".join((AAD_PREFIX, f"case={case}".encode(), f"field={field}".encode()))


def subject_key_aad(subject: str, key_id: str) -> bytes:
    """Associated data of a subject key wrapped by a master key."""
    check_label(subject, "subject")
    check_label(key_id, "key_id")
    return b"|".join(
        (AAD_PREFIX, f"subject={subject}".encode(), f"key={key_id}".encode(), b"wrap=master")
    )


def case_key_aad(case: str, subject: str, key_id: str) -> bytes:
    """Associated data of a case key wrapped by its subject's key."""
    check_label(case, "case")
    check_label(subject, "subject")
    check_label(key_id, "key_id")
    return b"|".join(
        (
            AAD_PREFIX,
            f"case={case}".encode(),
            f"subject={subject}".encode(),
            f"key={key_id}".encode(),
            b"wrap=subject",
        )
    )


def seal(key: SecretKey, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM with a fresh random 96-bit nonce; returns ``0x01 || nonce || ct || tag``."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return bytes((FORMAT_V1,)) + nonce + key.aead().encrypt(nonce, plaintext, aad)


def open_sealed(key: SecretKey, blob: bytes, aad: bytes, *, what: str) -> bytes:
    """Authenticate and decrypt a :func:`seal` blob, or raise ``DECRYPTION_FAILED``.

    ``what`` names the blob in the error (a field name or key id, never its content).
    """
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed(f"{what}: ciphertext too short")
    if blob[0] != FORMAT_V1:
        raise DecryptionFailed(f"{what}: unsupported ciphertext format version {blob[0]}")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return key.aead().decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise DecryptionFailed(
            f"{what}: does not authenticate (wrong key, wrong case or field, or tampered)"
        ) from exc


# --- ports: master keys and the wrapped-key store ------------------------------------------


class KeyProvider(Protocol):
    """Holds master keys and wraps/unwraps subject keys with them.

    The master key never leaves the provider: callers hand it a key to wrap and get an
    opaque blob back, which is exactly the shape of a KMS ``Encrypt``/``Decrypt`` call with
    an encryption context. Implementations: ``FileKeyProvider``, ``EnvKeyProvider`` and the
    ``KmsKeyProvider`` port in :mod:`fairscreen.adapters.keys_provider`.
    """

    def current_key_id(self) -> str:
        """The master key new subject keys are wrapped with."""
        ...

    def key_ids(self) -> frozenset[str]:
        """Every master key this provider can unwrap with (current and retiring ones)."""
        ...

    def wrap(self, key_id: str, key: bytes, *, context: bytes) -> bytes:
        """Encrypt ``key`` under master key ``key_id``, bound to ``context``."""
        ...

    def unwrap(self, key_id: str, blob: bytes, *, context: bytes) -> bytes:
        """Decrypt a blob from :meth:`wrap`; raise ``DecryptionFailed`` if it fails."""
        ...

    def refresh(self) -> None:
        """Learn of master keys made or retired by another process since start-up (a
        key file written by ``keys rotate``); nothing for providers that cannot change."""
        ...

    def retire(self, key_id: str) -> None:
        """Forget (and where it can, delete) a master key. Callers go through
        :func:`retire_master_key`, which refuses while anything is wrapped under it."""
        ...


class KeyKind(StrEnum):
    SUBJECT = "subject"
    CASE = "case"
    #: one row, owner :data:`CURRENT_MASTER`: the master key id new subject keys must be
    #: wrapped with (its ``key_id``); written by a rotation
    MASTER = "master"


CURRENT_MASTER = "current"


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A key as stored: encrypted, so its bytes are safe to keep in a database row.

    ``wrapped_by`` is the id of the key that wraps it (a master key id for subject keys, a
    subject key id for case keys). ``subject`` is the owning subject's pseudonym for case
    keys (``None`` for subject keys).
    """

    key_id: str
    wrapped_by: str
    blob: bytes
    subject: str | None = None

    def __repr__(self) -> str:
        return (
            f"WrappedKey(key_id={self.key_id!r}, wrapped_by={self.wrapped_by!r}, "
            f"subject={self.subject!r}, blob=<{len(self.blob)} bytes>)"
        )


class KeyStore(Protocol):
    """Where wrapped subject and case keys live (a DB table in production).

    ``owner`` is the subject pseudonym for :attr:`KeyKind.SUBJECT` and the case pseudonym
    for :attr:`KeyKind.CASE`. Destroying a key removes its wrapped bytes for good and
    leaves a tombstone, so later reads say ``KEY_DESTROYED`` rather than "never existed" and
    no new key can be issued for a destroyed owner.
    """

    def get(self, kind: KeyKind, owner: str) -> WrappedKey | None: ...

    def is_destroyed(self, kind: KeyKind, owner: str) -> bool: ...

    def read_ahead(self, cases: Sequence[str], subject: str | None = None) -> None:
        """A hint that the keys of ``cases``, of the subjects that wrap them and of
        ``subject`` are about to be asked for: a store that reads them from a database
        may read them together. Changes nothing; a store may ignore it."""
        ...

    def add(self, kind: KeyKind, owner: str, key: WrappedKey) -> WrappedKey:
        """Store ``key`` unless the owner already has one; return the one stored (so two
        racing writers end up using the same key). Refuse a destroyed owner."""
        ...

    def replace(self, kind: KeyKind, owner: str, old: WrappedKey, new: WrappedKey) -> bool:
        """Compare-and-swap: store ``new`` only if ``old`` is still the stored key. False
        when the key changed or was destroyed meanwhile (rotation must not resurrect a
        shredded key)."""
        ...

    def destroy(self, kind: KeyKind, owner: str) -> bool:
        """Crypto-shred: drop the wrapped key, keep a tombstone. False if there was none."""
        ...

    def items(self, kind: KeyKind) -> Iterator[tuple[str, WrappedKey]]:
        """Every live (not destroyed) key of ``kind``: a snapshot, safe to iterate while
        the store changes."""
        ...

    def case_keys_of(self, subject: str) -> list[tuple[str, WrappedKey]]:
        """The live case keys of ``subject`` (by case owner)."""
        ...

    def rekey(
        self,
        subject: str,
        old: WrappedKey,
        new: WrappedKey,
        case_keys: list[tuple[str, WrappedKey, WrappedKey]],
    ) -> bool:
        """Swap the subject's key ``old`` for ``new`` and each ``(case, old, new)`` case
        key, all or nothing; False (nothing changed) when any of them changed meanwhile."""
        ...

    def count_wrapped_by(self, kind: KeyKind, key_id: str) -> int:
        """How many live keys of ``kind`` are wrapped by ``key_id``."""
        ...

    def set_current_master(self, key_id: str) -> None:
        """Record the master key every process must wrap new subject keys with."""
        ...


class InMemoryKeyStore:
    """A :class:`KeyStore` in a dict: for tests and the offline demo."""

    def __init__(self) -> None:
        self._keys: dict[tuple[KeyKind, str], WrappedKey] = {}
        self._destroyed: set[tuple[KeyKind, str]] = set()
        self._lock = threading.Lock()

    def get(self, kind: KeyKind, owner: str) -> WrappedKey | None:
        with self._lock:
            return self._keys.get((kind, owner))

    def is_destroyed(self, kind: KeyKind, owner: str) -> bool:
        with self._lock:
            return (kind, owner) in self._destroyed

    def read_ahead(self, cases: Sequence[str], subject: str | None = None) -> None:
        """Nothing to read ahead in a dict."""

    def add(self, kind: KeyKind, owner: str, key: WrappedKey) -> WrappedKey:
        with self._lock:
            if (kind, owner) in self._destroyed:
                raise KeyDestroyed(f"the {kind} key of {owner!r} was destroyed")
            return self._keys.setdefault((kind, owner), key)

    def replace(self, kind: KeyKind, owner: str, old: WrappedKey, new: WrappedKey) -> bool:
        with self._lock:
            if self._keys.get((kind, owner)) != old:
                return False
            self._keys[(kind, owner)] = new
            return True

    def destroy(self, kind: KeyKind, owner: str) -> bool:
        with self._lock:
            self._destroyed.add((kind, owner))
            return self._keys.pop((kind, owner), None) is not None

    def items(self, kind: KeyKind) -> Iterator[tuple[str, WrappedKey]]:
        with self._lock:
            snapshot = [(owner, key) for (k, owner), key in self._keys.items() if k == kind]
        return iter(snapshot)

    def case_keys_of(self, subject: str) -> list[tuple[str, WrappedKey]]:
        return [(owner, key) for owner, key in self.items(KeyKind.CASE) if key.subject == subject]

    def rekey(
        self,
        subject: str,
        old: WrappedKey,
        new: WrappedKey,
        case_keys: list[tuple[str, WrappedKey, WrappedKey]],
    ) -> bool:
        with self._lock:
            if self._keys.get((KeyKind.SUBJECT, subject)) != old or any(
                self._keys.get((KeyKind.CASE, case)) != before for case, before, _ in case_keys
            ):
                return False
            self._keys[(KeyKind.SUBJECT, subject)] = new
            for case, _, after in case_keys:
                self._keys[(KeyKind.CASE, case)] = after
            return True

    def count_wrapped_by(self, kind: KeyKind, key_id: str) -> int:
        return sum(1 for _, key in self.items(kind) if key.wrapped_by == key_id)

    def set_current_master(self, key_id: str) -> None:
        with self._lock:
            self._keys[(KeyKind.MASTER, CURRENT_MASTER)] = WrappedKey(key_id, "-", b"")


# --- the envelope ---------------------------------------------------------------------------


class EnvelopeCipher:
    """Encrypts and decrypts the fields of a case under its envelope keys.

    Steps of :meth:`encrypt` (and, in reverse, :meth:`decrypt`):

    1. load the case key (issued by :meth:`open_case`; absent or shredded → refuse);
    2. load the subject key it names and unwrap it with the master key it names;
    3. unwrap the case key with the subject key (associated data binds it to the case);
    4. seal the plaintext with the case key, associated data binding case and field.
    """

    def __init__(self, provider: KeyProvider, store: KeyStore) -> None:
        self._provider = provider
        self._store = store
        #: keys unwrapped, by owner and the wrapped key they were opened from. A cipher
        #: lives as long as its unit of work, and each field's encryption or decryption
        #: unwrapped the same subject key (the master key's provider) and opened the same
        #: case key again (some 30 times a lifecycle). The store is still asked for the
        #: wrapped keys every time, so a key shredded meanwhile is refused as before;
        #: only opening the very same bytes again is spared.
        self._subject_keys: dict[tuple[str, WrappedKey], SecretKey] = {}
        self._case_keys: dict[tuple[str, WrappedKey], DataKey] = {}

    # 1. keys --------------------------------------------------------------------------

    def open_case(self, case: str, subject: str) -> str:
        """Issue the case's data key (and the subject's key if it has none); return the
        case key id. Idempotent: a case that has a key keeps it. Refuses with
        ``KEY_DESTROYED`` a case or subject whose key was shredded."""
        check_label(case, "case")
        check_label(subject, "subject")
        # the subject's key with the case's: a case not issued yet names no subject
        self._store.read_ahead((case,), subject)
        existing = self._store.get(KeyKind.CASE, case)
        if existing is not None:
            if existing.subject != subject:
                raise CryptoError(f"case {case!r} belongs to another subject")
            return existing.key_id
        if self._store.is_destroyed(KeyKind.CASE, case):
            raise KeyDestroyed(f"the key of case {case!r} was destroyed")
        subject_key = self._subject_key(subject, create=True)
        data_key = DataKey.generate(new_key_id("ck"))
        wrapped = WrappedKey(
            key_id=data_key.key_id,
            wrapped_by=subject_key.key_id,
            blob=seal(subject_key, data_key.material, case_key_aad(case, subject, data_key.key_id)),
            subject=subject,
        )
        return self._store.add(KeyKind.CASE, case, wrapped).key_id

    def read_ahead(self, *cases: str) -> None:
        """The keys of ``cases`` (and of their subjects) are about to be used: let the
        store look them up together (:meth:`KeyStore.read_ahead`). Opens nothing: each
        use still asks the store, and a key shredded is refused as before."""
        self._store.read_ahead([check_label(case, "case") for case in cases])

    def _subject_key(self, subject: str, *, create: bool) -> SecretKey:
        wrapped = self._store.get(KeyKind.SUBJECT, subject)
        if wrapped is None:
            if self._store.is_destroyed(KeyKind.SUBJECT, subject) or not create:
                raise KeyDestroyed(f"the key of subject {subject!r} was destroyed or never issued")
            key = SecretKey.generate(new_key_id("sk"))
            master_id = self._current_master()
            candidate = WrappedKey(
                key_id=key.key_id,
                wrapped_by=master_id,
                blob=self._provider.wrap(
                    master_id, key.material, context=subject_key_aad(subject, key.key_id)
                ),
            )
            wrapped = self._store.add(KeyKind.SUBJECT, subject, candidate)
            if wrapped is candidate:
                return key
        opened = self._subject_keys.get((subject, wrapped))
        if opened is None:
            material = self._provider.unwrap(
                wrapped.wrapped_by, wrapped.blob, context=subject_key_aad(subject, wrapped.key_id)
            )
            opened = self._subject_keys[(subject, wrapped)] = SecretKey(wrapped.key_id, material)
        return opened

    def _current_master(self) -> str:
        """The master key to wrap a new subject key with: the provider's current one, as
        long as it is the one the key store records (a rotation by another process moves
        it on). A provider that lags is refreshed; one that still lags is refused, so
        nothing new is ever wrapped under a key that is being retired."""
        held = self._provider.current_key_id()
        recorded = self._store.get(KeyKind.MASTER, CURRENT_MASTER)
        if recorded is None or recorded.key_id == held:
            return held
        self._provider.refresh()
        held = self._provider.current_key_id()
        if recorded.key_id != held:
            raise CryptoError(
                f"master key {recorded.key_id!r} is current (a rotation moved to it), but "
                f"this process would wrap with {held!r}: give it the new master key "
                "(FAIRSCREEN_MASTER_KEY, first entry, or the KMS key list) and restart it"
            )
        return held

    def _case_key(self, case: str) -> DataKey:
        check_label(case, "case")
        wrapped = self._store.get(KeyKind.CASE, case)
        if wrapped is None or wrapped.subject is None:
            if self._store.is_destroyed(KeyKind.CASE, case):
                raise KeyDestroyed(f"the key of case {case!r} was destroyed")
            raise KeyDestroyed(f"case {case!r} has no key (never issued or destroyed)")
        # the subject's key is looked at every time: shredding it shreds every case key
        subject_key = self._subject_key(wrapped.subject, create=False)
        if subject_key.key_id != wrapped.wrapped_by:
            raise DecryptionFailed(
                f"case key {wrapped.key_id!r} names subject key {wrapped.wrapped_by!r}, "
                f"but the subject's key is {subject_key.key_id!r}"
            )
        opened = self._case_keys.get((case, wrapped))
        if opened is None:
            material = open_sealed(
                subject_key,
                wrapped.blob,
                case_key_aad(case, wrapped.subject, wrapped.key_id),
                what=f"case key {wrapped.key_id}",
            )
            opened = self._case_keys[(case, wrapped)] = DataKey(wrapped.key_id, material)
        return opened

    # 2. fields --------------------------------------------------------------------------

    def encrypt(self, case: str, field: str, plaintext: bytes) -> bytes:
        """Seal one field of a case (the case key must have been issued by
        :meth:`open_case`)."""
        return seal(self._case_key(case), plaintext, field_aad(case, field))

    def decrypt(self, case: str, field: str, blob: bytes) -> bytes:
        """Open one field of a case; ``DECRYPTION_FAILED`` if it belongs to another case or
        field or was altered, ``KEY_DESTROYED`` once its keys are shredded."""
        aad = field_aad(case, field)
        return open_sealed(self._case_key(case), blob, aad, what=f"field {field}")

    def encrypt_text(self, case: str, field: str, text: str) -> bytes:
        return self.encrypt(case, field, text.encode("utf-8"))

    def decrypt_text(self, case: str, field: str, blob: bytes) -> str:
        return self.decrypt(case, field, blob).decode("utf-8")

    def commitment_key(self, case: str) -> bytes:
        """The key of the case's ledger commitments (PRODUCT.md §6): HMAC-SHA-256 of a
        fixed label under the case's data key (HKDF-Expand with one block, RFC 5869 §2.3),
        so it is shredded with the case key and a destroyed case's commitments can never
        be opened, and rotating the master key (which rewraps, never changes, case keys)
        leaves it as it was."""
        material = self._case_key(case).material
        return hmac.new(material, COMMITMENT_KEY_LABEL, hashlib.sha256).digest()

    # 3. crypto-shredding (PRODUCT.md P6) ------------------------------------------------

    def shred_case(self, case: str) -> bool:
        """Destroy the case's data key: every field of the case becomes undecryptable."""
        return self._store.destroy(KeyKind.CASE, check_label(case, "case"))

    def shred_subject(self, subject: str) -> bool:
        """Destroy the subject's key: every case of the subject becomes undecryptable
        (their case keys were wrapped by it and can no longer be unwrapped)."""
        return self._store.destroy(KeyKind.SUBJECT, check_label(subject, "subject"))


# --- master-key rotation ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RotationReport:
    """What :func:`rotate_master_key` did: counts and key ids only."""

    to_key_id: str
    #: subjects re-keyed: a new subject key under ``to_key_id``, their case keys rewrapped
    rewrapped: int
    already_current: int
    skipped: int  # changed or shredded while the rotation ran
    #: Pseudonyms of subjects whose key could not be unwrapped (corrupt row, master key
    #: missing): the old master key must not be retired while this is non-empty.
    failed: tuple[str, ...] = ()
    #: case keys rewrapped under their subject's new key
    case_keys: int = 0
    #: master keys retired after the rotation (``retire=True``)
    retired: tuple[str, ...] = ()
    #: master keys kept because something is still wrapped under them, with the count
    kept: tuple[tuple[str, int], ...] = ()

    @property
    def complete(self) -> bool:
        """True when every live subject key is under ``to_key_id`` (or was shredded)."""
        return not self.failed


def rotate_master_key(
    provider: KeyProvider, store: KeyStore, *, to_key_id: str | None = None
) -> RotationReport:
    """Re-key every subject under master key ``to_key_id`` (default: the provider's
    current key), without touching data ciphertexts.

    1. record the target as the current master key in the store, so every process wraps
       new subject keys under it (or refuses) from the moment this commits;
    2. for each live subject key not yet under the target: unwrap it with its old master
       key, make a *new* subject key wrapped by the target, and rewrap each of the
       subject's case keys (material unchanged, so data stays readable) under it;
    3. swap the subject key and its case keys in together, compare-and-swap, so a key
       shredded or issued meanwhile is never overwritten (the subject counts as skipped
       and the next run takes it);
    4. a key that cannot be unwrapped is listed in ``failed`` and the rotation goes on:
       one corrupt row must not block every other subject's rotation;
    5. once the report is ``complete``, :func:`retire_master_key` can retire the old keys.

    Re-running is safe: subjects already under the target are counted, not re-keyed.
    """
    provider.refresh()
    target = to_key_id or provider.current_key_id()
    if target not in provider.key_ids():
        raise CryptoError(f"master key {target!r} is not held by the key provider")
    store.set_current_master(target)
    rekeyed = current = skipped = case_keys = 0
    failed: list[str] = []
    for subject, wrapped in store.items(KeyKind.SUBJECT):
        if wrapped.wrapped_by == target:
            current += 1
            continue
        try:
            old_key = SecretKey(
                wrapped.key_id,
                provider.unwrap(
                    wrapped.wrapped_by,
                    wrapped.blob,
                    context=subject_key_aad(subject, wrapped.key_id),
                ),
            )
            rewrapped_cases = _open_case_keys(store, subject, old_key)
        except CryptoError:
            failed.append(subject)
            continue
        new_key = SecretKey.generate(new_key_id("sk"))
        new = WrappedKey(
            key_id=new_key.key_id,
            wrapped_by=target,
            blob=provider.wrap(
                target, new_key.material, context=subject_key_aad(subject, new_key.key_id)
            ),
        )
        moved = [
            (
                case,
                before,
                WrappedKey(
                    key_id=before.key_id,
                    wrapped_by=new_key.key_id,
                    blob=seal(new_key, material, case_key_aad(case, subject, before.key_id)),
                    subject=subject,
                ),
            )
            for case, before, material in rewrapped_cases
        ]
        if store.rekey(subject, wrapped, new, moved):
            rekeyed += 1
            case_keys += len(moved)
        else:
            skipped += 1
    return RotationReport(
        to_key_id=target,
        rewrapped=rekeyed,
        already_current=current,
        skipped=skipped,
        failed=tuple(failed),
        case_keys=case_keys,
    )


def _open_case_keys(
    store: KeyStore, subject: str, subject_key: SecretKey
) -> list[tuple[str, WrappedKey, bytes]]:
    """The subject's live case keys with their material, opened with its (old) key."""
    opened = []
    for case, wrapped in store.case_keys_of(subject):
        if wrapped.wrapped_by != subject_key.key_id:
            raise DecryptionFailed(f"case key {wrapped.key_id} names another subject key")
        material = open_sealed(
            subject_key,
            wrapped.blob,
            case_key_aad(case, subject, wrapped.key_id),
            what=f"case key {wrapped.key_id}",
        )
        opened.append((case, wrapped, material))
    return opened


def retire_master_key(provider: KeyProvider, store: KeyStore, key_id: str) -> None:
    """Retire a master key, only when nothing is wrapped under it any more: retiring a key
    that still wraps subject keys would shred those subjects (issue 18). The current key
    (the provider's, or the one the store records) is never retired."""
    recorded = store.get(KeyKind.MASTER, CURRENT_MASTER)
    if key_id == provider.current_key_id() or (recorded is not None and recorded.key_id == key_id):
        raise CryptoError(f"master key {key_id!r} is current and cannot be retired")
    if key_id not in provider.key_ids():
        raise CryptoError(f"master key {key_id!r} is not held by the key provider")
    still = store.count_wrapped_by(KeyKind.SUBJECT, key_id)
    if still:
        raise CryptoError(
            f"master key {key_id!r} still wraps {still} subject key(s): run 'fairscreen keys "
            "rotate' until it reports none failed, then retire it"
        )
    provider.retire(key_id)

"""Master-key providers for the envelope encryption (PRODUCT.md P5; PIPL art. 51).

Each implements :class:`fairscreen.adapters.crypto.KeyProvider`: it holds one or more
master keys by id, names the current one, and wraps/unwraps subject keys with AES-256-GCM
(96-bit random nonces, NIST SP 800-38D §8.2.2) bound to a context (associated data).

- :class:`FileKeyProvider` (development): keys in ``<directory>/master/<key id>.key``
  (base64, mode 0600, created exclusively; the folder 0700), the current id in
  ``<directory>/master/CURRENT``. A key is generated on first use. Keep the folder outside
  the repository (the default ``var/keys`` is git-ignored).
- :class:`EnvKeyProvider` (development, CI, containers): ``FAIRSCREEN_MASTER_KEY`` holds a
  base64 32-byte key, or a comma-separated list of ``<id>:<base64>`` entries (the first is
  current, the rest are kept for unwrapping during a rotation).
- :class:`KmsKeyProvider` (production): the port a KMS plug-in implements; the master key
  never leaves the KMS, only wrapped blobs cross the wire.

Master key ids are ``mk-`` and 16 hex digits of SHA-256 over a domain label and the key: a
fingerprint that names the key without revealing it, so several keys can coexist while
subject keys are rotated from one to another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path

from fairscreen.adapters.crypto import KEY_BYTES, SecretKey, check_label, open_sealed, seal
from fairscreen.adapters.secret_files import write_secret_once
from fairscreen.domain.errors import CryptoError, DecryptionFailed

MASTER_ENV = "FAIRSCREEN_MASTER_KEY"
_MASTER_DIR = "master"
_CURRENT = "CURRENT"


def master_key_id(material: bytes) -> str:
    """The id of a master key: ``mk-`` + 16 hex of SHA-256("fairscreen master key id" || key)."""
    return "mk-" + hashlib.sha256(b"fairscreen master key id\x00" + material).hexdigest()[:16]


class LocalKeyProvider:
    """Master keys held in this process (the base of the file and environment providers).

    ``keys`` maps ids to keys; ``current`` names the one new subject keys are wrapped with.
    """

    def __init__(self, keys: Iterable[SecretKey], current: str) -> None:
        self._keys = {key.key_id: key for key in keys}
        if current not in self._keys:
            raise CryptoError(f"current master key {current!r} is not among the keys held")
        self._current = current

    def __repr__(self) -> str:
        return f"{type(self).__name__}(current={self._current!r}, keys={sorted(self._keys)!r})"

    def current_key_id(self) -> str:
        return self._current

    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def _key(self, key_id: str) -> SecretKey:
        try:
            return self._keys[key_id]
        except KeyError:
            raise DecryptionFailed(f"master key {key_id!r} is not held by this provider") from None

    def wrap(self, key_id: str, key: bytes, *, context: bytes) -> bytes:
        return seal(self._key(key_id), key, context)

    def unwrap(self, key_id: str, blob: bytes, *, context: bytes) -> bytes:
        return open_sealed(self._key(key_id), blob, context, what=f"key under {key_id}")

    def refresh(self) -> None:
        """Keys held in memory cannot change under this process."""

    def retire(self, key_id: str) -> None:
        """Forget the key in this process (whoever gave it, e.g. the environment, must
        drop it too). Only through ``crypto.retire_master_key``, which checks first."""
        if key_id == self._current:
            raise CryptoError("the current master key cannot be retired")
        self._key(key_id)
        del self._keys[key_id]


# --- file -------------------------------------------------------------------------------------


class FileKeyProvider(LocalKeyProvider):
    """Master keys as files under ``directory/master`` (development only: Settings refuses
    ``key_provider=file`` in production)."""

    def __init__(self, directory: Path) -> None:
        self._dir = Path(directory) / _MASTER_DIR
        if not (self._dir / _CURRENT).exists():
            self._create_first_key()
        keys = self._load_all()
        self._seen = self._version()
        super().__init__(keys, self._read_current())

    def _create_first_key(self) -> None:
        """Make the first master key, once, however many processes start at once on an
        empty folder. Each writes a key file of its own, then links ``CURRENT`` into place
        naming it (``write_secret_once``: ``link`` fails if the name exists, and a reader
        sees no ``CURRENT`` or a whole one). The one whose link wins names the master key
        of everyone; the others delete their own key file, which wraps nothing. Before,
        30 simultaneous first starts made three master keys (issue 16 item 3), and
        subjects wrapped under a losing key were unreadable by the other processes."""
        key = self._write_new_key()
        path = self._dir / f"{key.key_id}.key"
        if not write_secret_once(self._dir / _CURRENT, key.key_id + "\n"):
            path.unlink(missing_ok=True)  # another process's key is the first

    def _read_current(self) -> str:
        current_file = self._dir / _CURRENT
        try:
            return current_file.read_text().strip()
        except OSError as exc:
            raise CryptoError(f"cannot read {current_file}: {exc.strerror}") from exc

    def _version(self) -> tuple[int, ...]:
        """What changes when another process makes or retires a key: the folder's and
        CURRENT's modification times (a stat each, no read)."""
        try:
            folder, current = self._dir.stat(), (self._dir / _CURRENT).stat()
        except OSError:
            return ()
        return (folder.st_mtime_ns, current.st_mtime_ns, current.st_ino)

    def refresh(self) -> None:
        """Reload the keys when another process (``keys rotate``) changed the folder, so a
        running server learns of a new master key without a restart."""
        version = self._version()
        if version == self._seen:
            return
        keys = self._load_all()
        current = self._read_current()
        if current not in {key.key_id for key in keys}:
            raise CryptoError(f"current master key {current!r} has no key file in {self._dir}")
        self._keys = {key.key_id: key for key in keys}
        self._current = current
        self._seen = version

    def current_key_id(self) -> str:
        self.refresh()
        return self._current

    def _key(self, key_id: str) -> SecretKey:
        if key_id not in self._keys:
            self.refresh()
        return super()._key(key_id)

    def _load_all(self) -> list[SecretKey]:
        if not self._dir.is_dir():
            return []
        keys = []
        for path in sorted(self._dir.glob("*.key")):
            try:
                mode = path.stat().st_mode
            except FileNotFoundError:
                continue  # a key that lost the first start's race, deleted meanwhile
            # Like ssh with private keys: a key others can read is refused, not used.
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise CryptoError(
                    f"{path} is readable by others (mode {mode & 0o777:o}); chmod 600"
                )
            try:
                material = base64.b64decode(path.read_text().strip(), validate=True)
            except FileNotFoundError:
                continue
            except (binascii.Error, ValueError, OSError) as exc:
                raise CryptoError(f"{path} is not a base64 master key") from exc
            key_id = path.name.removesuffix(".key")
            keys.append(SecretKey(check_label(key_id, "key_id"), material))
        return keys

    def _write_new_key(self) -> SecretKey:
        material = os.urandom(KEY_BYTES)
        key = SecretKey(master_key_id(material), material)
        path = self._dir / f"{key.key_id}.key"
        # Never overwrite a key file (that would shred every subject key under it).
        if not write_secret_once(path, base64.b64encode(material).decode() + "\n"):
            raise CryptoError(f"{path} exists already")
        return key

    def generate_key(self) -> str:
        """Create a new master key and make it current (step 1 of a rotation); the old
        keys stay until :meth:`retire` so existing subject keys can still be unwrapped."""
        key = self._write_new_key()
        self._keys[key.key_id] = key
        _write_atomic(self._dir / _CURRENT, key.key_id + "\n")
        self._current = key.key_id
        self._seen = self._version()
        return key.key_id

    def retire(self, key_id: str) -> None:
        """Delete a master key file. Deleting a key that still wraps subject keys shreds
        those subjects: only ``crypto.retire_master_key`` calls this, after counting."""
        super().retire(key_id)
        (self._dir / f"{key_id}.key").unlink(missing_ok=True)
        self._seen = self._version()


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temporary, path)


# --- environment ------------------------------------------------------------------------------


class EnvKeyProvider(LocalKeyProvider):
    """Master keys from one environment variable (value passed in, as Settings reads it).

    Forms: ``<base64 key>`` (id derived by :func:`master_key_id`) or
    ``<id>:<base64>,<id>:<base64>,…`` (first is current). Nothing is generated: an unset
    variable is an error, because a key made up at start-up would be lost at exit.
    """

    def __init__(self, value: str | None, *, variable: str = MASTER_ENV) -> None:
        if not value or not value.strip():
            raise CryptoError(f"{variable} is not set (key_provider=env)")
        keys = [_parse_env_entry(entry.strip(), variable) for entry in value.split(",")]
        super().__init__(keys, keys[0].key_id)


def _parse_env_entry(entry: str, variable: str) -> SecretKey:
    key_id, _, encoded = entry.rpartition(":")
    try:
        material = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError(f"{variable}: an entry is not valid base64") from exc
    if len(material) != KEY_BYTES:
        raise CryptoError(f"{variable}: a master key must be {KEY_BYTES} bytes (AES-256)")
    return SecretKey(check_label(key_id, "key_id") if key_id else master_key_id(material), material)


# --- KMS port -----------------------------------------------------------------------------------


class KmsKeyProvider(ABC):
    """The port a KMS plug-in implements (AWS KMS, Google Cloud KMS, HashiCorp Vault
    Transit, an HSM through PKCS#11, …).

    A plug-in subclasses this and implements three calls to its KMS:

    - :meth:`kms_key_ids` – the key ids (ARNs, resource names, …) it may use, current first;
    - :meth:`kms_encrypt` – ``Encrypt(key_id, plaintext, context)`` → ciphertext blob;
    - :meth:`kms_decrypt` – ``Decrypt(key_id, blob, context)`` → plaintext.

    ``context`` is the associated data (``fairscreen/v1|subject=…|key=…|wrap=master``):
    pass it as the KMS's additional authenticated data or encryption context, so a wrapped
    key moved to another subject fails to unwrap. Any exception a plug-in raises is
    translated here into ``DECRYPTION_FAILED`` / ``CRYPTO_ERROR`` with the cause kept, so no
    SDK error (which may echo request data) reaches a caller unwrapped.
    """

    @abstractmethod
    def kms_key_ids(self) -> list[str]: ...

    @abstractmethod
    def kms_encrypt(self, key_id: str, plaintext: bytes, context: bytes) -> bytes: ...

    @abstractmethod
    def kms_decrypt(self, key_id: str, blob: bytes, context: bytes) -> bytes: ...

    def refresh(self) -> None:  # noqa: B027 - deliberately nothing, not abstract
        """The KMS is asked for its key list on every call: nothing to reload."""

    def retire(self, key_id: str) -> None:
        """Schedule the key's deletion in the KMS (``kms_schedule_deletion``)."""
        try:
            self.kms_schedule_deletion(key_id)
        except CryptoError:
            raise
        except Exception as exc:  # any SDK failure becomes our error, cause kept
            raise CryptoError(f"KMS deletion of {key_id!r} failed: {type(exc).__name__}") from exc

    def kms_schedule_deletion(self, key_id: str) -> None:
        """Override to schedule the deletion (AWS ``ScheduleKeyDeletion``, Vault
        ``delete``); by default the operator does it in the KMS and is told so."""
        raise CryptoError(
            f"schedule the deletion of master key {key_id!r} in the KMS, and drop it from "
            "the plug-in's key list"
        )

    def current_key_id(self) -> str:
        ids = self.kms_key_ids()
        if not ids:
            raise CryptoError("the KMS provider names no master key")
        return ids[0]

    def key_ids(self) -> frozenset[str]:
        return frozenset(self.kms_key_ids())

    def wrap(self, key_id: str, key: bytes, *, context: bytes) -> bytes:
        try:
            return self.kms_encrypt(key_id, key, context)
        except CryptoError:
            raise
        except Exception as exc:  # any SDK failure becomes our error, cause kept
            raise CryptoError(f"KMS encrypt under {key_id!r} failed: {type(exc).__name__}") from exc

    def unwrap(self, key_id: str, blob: bytes, *, context: bytes) -> bytes:
        try:
            material = self.kms_decrypt(key_id, blob, context)
        except CryptoError:
            raise
        except Exception as exc:  # any SDK failure becomes our error, cause kept
            raise DecryptionFailed(
                f"KMS decrypt under {key_id!r} failed: {type(exc).__name__}"
            ) from exc
        if len(material) != KEY_BYTES:
            raise DecryptionFailed(f"KMS decrypt under {key_id!r} returned a malformed key")
        return material

"""Encryption at rest (PRODUCT.md P5, P6): the AES-256-GCM envelope, its associated data,
key providers, master-key rotation and crypto-shredding."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from fairscreen.adapters.crypto import (
    FORMAT_V1,
    NONCE_BYTES,
    DataKey,
    EnvelopeCipher,
    InMemoryKeyStore,
    KeyKind,
    SecretKey,
    WrappedKey,
    field_aad,
    open_sealed,
    retire_master_key,
    rotate_master_key,
    seal,
)
from fairscreen.adapters.keys_provider import (
    EnvKeyProvider,
    FileKeyProvider,
    KmsKeyProvider,
    LocalKeyProvider,
    master_key_id,
)
from fairscreen.domain.errors import (
    CryptoError,
    DecryptionFailed,
    FairscreenError,
    InvalidInput,
    KeyDestroyed,
)

# Synthetic personal data only (area code 999999 is no real region).
PLAINTEXT = "测试甲 999999199001010013".encode()


class FakeKms(KmsKeyProvider):
    """A KMS stand-in that subclasses the port (no mocking): AES-GCM keys in a dict."""

    def __init__(self, *key_ids: str) -> None:
        self.keys = {key_id: AESGCM.generate_key(bit_length=256) for key_id in key_ids}
        self.order = list(key_ids)
        self.calls: list[str] = []

    def kms_key_ids(self) -> list[str]:
        return list(self.order)

    def kms_encrypt(self, key_id: str, plaintext: bytes, context: bytes) -> bytes:
        self.calls.append(f"encrypt:{key_id}")
        nonce = os.urandom(12)
        return nonce + AESGCM(self.keys[key_id]).encrypt(nonce, plaintext, context)

    def kms_decrypt(self, key_id: str, blob: bytes, context: bytes) -> bytes:
        self.calls.append(f"decrypt:{key_id}")
        return AESGCM(self.keys[key_id]).decrypt(blob[:12], blob[12:], context)


def local_provider() -> LocalKeyProvider:
    key = SecretKey.generate("mk-test")
    return LocalKeyProvider([key], key.key_id)


@pytest.fixture
def store() -> InMemoryKeyStore:
    return InMemoryKeyStore()


@pytest.fixture
def cipher(store: InMemoryKeyStore) -> EnvelopeCipher:
    envelope = EnvelopeCipher(local_provider(), store)
    envelope.open_case("case-1", "subj-1")
    envelope.open_case("case-2", "subj-1")
    envelope.open_case("case-3", "subj-2")
    return envelope


# --- round trip and format --------------------------------------------------------------------


def test_round_trip_and_format(cipher: EnvelopeCipher) -> None:
    blob = cipher.encrypt("case-1", "subject.name", PLAINTEXT)
    assert blob[0] == FORMAT_V1
    assert len(blob) == 1 + NONCE_BYTES + len(PLAINTEXT) + 16
    assert cipher.decrypt("case-1", "subject.name", blob) == PLAINTEXT
    assert cipher.decrypt_text("case-1", "f", cipher.encrypt_text("case-1", "f", "罗示例")) == (
        "罗示例"
    )


def test_every_encryption_draws_a_fresh_nonce(cipher: EnvelopeCipher) -> None:
    blobs = {cipher.encrypt("case-1", "f", PLAINTEXT) for _ in range(50)}
    assert len({blob[1 : 1 + NONCE_BYTES] for blob in blobs}) == 50


def test_open_case_is_idempotent_and_keys_are_per_case(store: InMemoryKeyStore) -> None:
    envelope = EnvelopeCipher(local_provider(), store)
    first = envelope.open_case("case-1", "subj-1")
    assert envelope.open_case("case-1", "subj-1") == first
    assert envelope.open_case("case-2", "subj-1") != first
    with pytest.raises(CryptoError):
        envelope.open_case("case-1", "subj-2")
    # one subject key for both cases of subj-1, wrapping two different case keys
    subject = store.get(KeyKind.SUBJECT, "subj-1")
    assert subject is not None
    for case in ("case-1", "case-2"):
        wrapped = store.get(KeyKind.CASE, case)
        assert wrapped is not None and wrapped.wrapped_by == subject.key_id


def test_ciphertext_never_contains_the_plaintext(cipher: EnvelopeCipher) -> None:
    blob = cipher.encrypt("case-1", "subject.national_id", PLAINTEXT)
    assert PLAINTEXT not in blob
    assert b"999999199001010013" not in blob


def test_unknown_case_has_no_key(cipher: EnvelopeCipher) -> None:
    with pytest.raises(KeyDestroyed):
        cipher.encrypt("case-unknown", "f", PLAINTEXT)


def test_labels_that_would_make_associated_data_ambiguous_are_refused(
    cipher: EnvelopeCipher,
) -> None:
    for case, field in (("case-1|field=x", "f"), ("case-1", "a=b"), ("", "f"), ("case-1", "字")):
        with pytest.raises(InvalidInput):
            cipher.encrypt(case, field, PLAINTEXT)


# --- associated data and tampering -----------------------------------------------------------


def test_ciphertext_moved_to_another_case_fails(cipher: EnvelopeCipher) -> None:
    blob = cipher.encrypt("case-1", "subject.name", PLAINTEXT)
    for other in ("case-2", "case-3"):  # same subject, and another subject
        with pytest.raises(DecryptionFailed):
            cipher.decrypt(other, "subject.name", blob)


def test_ciphertext_moved_to_another_field_fails(cipher: EnvelopeCipher) -> None:
    blob = cipher.encrypt("case-1", "subject.name", PLAINTEXT)
    with pytest.raises(DecryptionFailed):
        cipher.decrypt("case-1", "subject.national_id", blob)


@pytest.mark.parametrize(
    "position",
    [0, 1, NONCE_BYTES, NONCE_BYTES + 1, -1],
    ids=["version", "nonce", "nonce-end", "body", "tag"],
)
def test_tampered_blob_fails(cipher: EnvelopeCipher, position: int) -> None:
    blob = bytearray(cipher.encrypt("case-1", "f", PLAINTEXT))
    blob[position] ^= 0x01
    with pytest.raises(DecryptionFailed):
        cipher.decrypt("case-1", "f", bytes(blob))


def test_truncated_blob_fails(cipher: EnvelopeCipher) -> None:
    blob = cipher.encrypt("case-1", "f", PLAINTEXT)
    for cut in (0, 5, NONCE_BYTES + 16):
        with pytest.raises(DecryptionFailed):
            cipher.decrypt("case-1", "f", blob[:cut])


def test_wrapped_case_key_moved_to_another_case_fails(store: InMemoryKeyStore) -> None:
    envelope = EnvelopeCipher(local_provider(), store)
    envelope.open_case("case-1", "subj-1")
    envelope.open_case("case-2", "subj-1")
    stolen = store.get(KeyKind.CASE, "case-1")
    assert stolen is not None
    store.destroy(KeyKind.CASE, "case-2")
    store._destroyed.clear()  # simulate a row copied over by someone with database access
    store.add(KeyKind.CASE, "case-2", stolen)
    with pytest.raises(DecryptionFailed):
        envelope.encrypt("case-2", "f", PLAINTEXT)


def test_errors_leak_neither_plaintext_nor_keys(cipher: EnvelopeCipher) -> None:
    blob = cipher.encrypt("case-1", "subject.name", PLAINTEXT)
    with pytest.raises(DecryptionFailed) as caught:
        cipher.decrypt("case-1", "subject.national_id", blob)
    message = str(caught.value)
    assert "测试甲" not in message and "999999" not in message
    assert caught.value.code == "DECRYPTION_FAILED"
    assert isinstance(caught.value, FairscreenError)
    assert caught.value.__cause__ is not None  # the library error is kept as the cause


# --- master keys ---------------------------------------------------------------------------


def test_wrong_master_key_fails(store: InMemoryKeyStore) -> None:
    right = SecretKey.generate("mk-a")
    envelope = EnvelopeCipher(LocalKeyProvider([right], "mk-a"), store)
    envelope.open_case("case-1", "subj-1")
    blob = envelope.encrypt("case-1", "f", PLAINTEXT)
    wrong = SecretKey.generate("mk-a")  # same id, other bytes
    with pytest.raises(DecryptionFailed):
        EnvelopeCipher(LocalKeyProvider([wrong], "mk-a"), store).decrypt("case-1", "f", blob)
    other = SecretKey.generate("mk-b")  # a provider that lacks the key altogether
    with pytest.raises(DecryptionFailed):
        EnvelopeCipher(LocalKeyProvider([other], "mk-b"), store).decrypt("case-1", "f", blob)


def test_secrets_have_masked_repr() -> None:
    key = DataKey.generate("ck-1")
    for text in (repr(key), str(key), f"{key}"):
        assert "ck-1" in text and "redacted" in text
        assert key.material.hex() not in text and repr(key.material) not in text
    provider = local_provider()
    assert "mk-test" in repr(provider)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(key)


def test_file_provider_generates_a_private_key_once(tmp_path: Path) -> None:
    first = FileKeyProvider(tmp_path / "keys")
    key_files = list((tmp_path / "keys" / "master").glob("*.key"))
    assert len(key_files) == 1
    assert stat.S_IMODE(key_files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys" / "master").stat().st_mode) == 0o700
    again = FileKeyProvider(tmp_path / "keys")
    assert again.current_key_id() == first.current_key_id()
    assert key_files[0].name == f"{first.current_key_id()}.key"
    # both instances hold the same key: one wraps, the other unwraps
    blob = first.wrap(first.current_key_id(), b"k" * 32, context=b"ctx")
    assert again.unwrap(again.current_key_id(), blob, context=b"ctx") == b"k" * 32


def test_file_provider_refuses_a_key_others_can_read(tmp_path: Path) -> None:
    provider = FileKeyProvider(tmp_path)
    (tmp_path / "master" / f"{provider.current_key_id()}.key").chmod(0o644)
    with pytest.raises(CryptoError, match="chmod 600"):
        FileKeyProvider(tmp_path)


def test_env_provider_forms() -> None:
    material = os.urandom(32)
    encoded = base64.b64encode(material).decode()
    single = EnvKeyProvider(encoded)
    assert single.current_key_id() == master_key_id(material)
    older = base64.b64encode(os.urandom(32)).decode()
    several = EnvKeyProvider(f"mk-new:{encoded}, mk-old:{older}")
    assert several.current_key_id() == "mk-new"
    assert several.key_ids() == {"mk-new", "mk-old"}
    for bad in (None, "", "not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(CryptoError):
            EnvKeyProvider(bad)


def test_env_provider_error_does_not_echo_the_value() -> None:
    with pytest.raises(CryptoError) as caught:
        EnvKeyProvider(base64.b64encode(b"0123456789").decode())
    assert "MDEyMzQ1Njc4OQ" not in str(caught.value)


def test_kms_port_with_a_fake_kms(store: InMemoryKeyStore) -> None:
    kms = FakeKms("arn:kms:key-1")
    envelope = EnvelopeCipher(kms, store)
    envelope.open_case("case-1", "subj-1")
    blob = envelope.encrypt("case-1", "report", PLAINTEXT)
    assert envelope.decrypt("case-1", "report", blob) == PLAINTEXT
    assert "encrypt:arn:kms:key-1" in kms.calls and "decrypt:arn:kms:key-1" in kms.calls
    # an SDK error (here InvalidTag or KeyError) is translated, its cause kept; in the
    # next unit of work's cipher (one cipher unwraps a subject key once)
    kms.keys["arn:kms:key-1"] = AESGCM.generate_key(bit_length=256)
    with pytest.raises(DecryptionFailed) as caught:
        EnvelopeCipher(kms, store).decrypt("case-1", "report", blob)
    assert caught.value.__cause__ is not None
    with pytest.raises(CryptoError):
        kms.wrap("arn:kms:unknown", b"k" * 32, context=b"ctx")


# --- rotation ----------------------------------------------------------------------------------


def test_rotation_re_keys_subjects_and_retires_the_old_master_only_when_unused(
    tmp_path: Path, store: InMemoryKeyStore
) -> None:
    provider = FileKeyProvider(tmp_path)
    old = provider.current_key_id()
    envelope = EnvelopeCipher(provider, store)
    blobs = {}
    for n in range(3):
        envelope.open_case(f"case-{n}", f"subj-{n % 2}")
        blobs[f"case-{n}"] = envelope.encrypt(f"case-{n}", "report", PLAINTEXT + bytes([n]))
    subjects_before = dict(store.items(KeyKind.SUBJECT))
    case_keys_before = dict(store.items(KeyKind.CASE))

    new = provider.generate_key()
    assert new != old and provider.current_key_id() == new
    with pytest.raises(CryptoError, match="still wraps 2 subject key"):
        retire_master_key(provider, store, old)  # nothing is retired while in use
    assert old in provider.key_ids()
    report = rotate_master_key(provider, store)
    assert (report.to_key_id, report.rewrapped, report.already_current, report.skipped) == (
        new,
        2,
        0,
        0,
    )
    assert report.complete and report.case_keys == 3
    after = dict(store.items(KeyKind.SUBJECT))
    # Re-keyed, not rewrapped: new subject keys (new ids, new material) under the new
    # master key; the case keys keep their ids (the data is untouched) under them.
    assert all(after[s].wrapped_by == new for s in after)
    assert not {k.key_id for k in after.values()} & {k.key_id for k in subjects_before.values()}
    for case, wrapped in store.items(KeyKind.CASE):
        assert wrapped.key_id == case_keys_before[case].key_id
        assert wrapped.wrapped_by == after[wrapped.subject or ""].key_id
    assert rotate_master_key(provider, store).already_current == 2  # re-running is safe

    retire_master_key(provider, store, old)
    assert old not in FileKeyProvider(tmp_path).key_ids()
    fresh = EnvelopeCipher(FileKeyProvider(tmp_path), store)
    for n in range(3):
        assert fresh.decrypt(f"case-{n}", "report", blobs[f"case-{n}"]) == PLAINTEXT + bytes([n])
    with pytest.raises(CryptoError, match="is current"):
        retire_master_key(provider, store, new)


def test_a_process_learns_of_a_new_master_key_or_refuses_to_wrap(
    tmp_path: Path, store: InMemoryKeyStore
) -> None:
    """Issue 18 item 2: a server kept its old key set after ``keys rotate`` in another
    process, read 500s and wrapped a new candidate under the old key."""
    server = FileKeyProvider(tmp_path)
    serving = EnvelopeCipher(server, store)
    serving.open_case("case-1", "subj-1")
    blob = serving.encrypt("case-1", "report", PLAINTEXT)

    operator = FileKeyProvider(tmp_path)  # the CLI, another process
    new = operator.generate_key()
    rotate_master_key(operator, store)
    assert serving.decrypt("case-1", "report", blob) == PLAINTEXT  # no restart needed
    serving.open_case("case-2", "subj-2")
    assert store.get(KeyKind.SUBJECT, "subj-2").wrapped_by == new  # type: ignore[union-attr]

    # A provider that cannot learn (the environment's) refuses to wrap under its old key.
    old_key, new_key = SecretKey.generate("mk-old"), SecretKey.generate("mk-new")
    memory = InMemoryKeyStore()
    stale = EnvelopeCipher(LocalKeyProvider([old_key], "mk-old"), memory)
    stale.open_case("case-1", "subj-1")
    rotate_master_key(LocalKeyProvider([old_key, new_key], "mk-new"), memory)
    with pytest.raises(CryptoError, match="'mk-new' is current"):
        stale.open_case("case-2", "subj-2")
    assert memory.get(KeyKind.SUBJECT, "subj-2") is None


def test_rotation_goes_on_past_a_key_it_cannot_unwrap(store: InMemoryKeyStore) -> None:
    old, new = SecretKey.generate("mk-old"), SecretKey.generate("mk-new")
    envelope = EnvelopeCipher(LocalKeyProvider([old], "mk-old"), store)
    for n in range(3):
        envelope.open_case(f"case-{n}", f"subj-{n}")
    corrupt = store.get(KeyKind.SUBJECT, "subj-1")
    assert corrupt is not None
    # one tag bit flipped (writing 0x00 over the last byte left it intact 1 time in 256)
    broken = WrappedKey(
        corrupt.key_id, corrupt.wrapped_by, corrupt.blob[:-1] + bytes([corrupt.blob[-1] ^ 1])
    )
    assert store.replace(KeyKind.SUBJECT, "subj-1", corrupt, broken)
    report = rotate_master_key(LocalKeyProvider([old, new], "mk-new"), store)
    assert (report.rewrapped, report.failed, report.complete) == (2, ("subj-1",), False)


def test_rotation_to_an_unknown_key_is_refused(store: InMemoryKeyStore) -> None:
    with pytest.raises(CryptoError):
        rotate_master_key(local_provider(), store, to_key_id="mk-nowhere")


def test_rotation_does_not_resurrect_a_key_shredded_meanwhile(store: InMemoryKeyStore) -> None:
    old, new = SecretKey.generate("mk-old"), SecretKey.generate("mk-new")
    EnvelopeCipher(LocalKeyProvider([old], "mk-old"), store).open_case("case-1", "subj-1")
    stale = store.get(KeyKind.SUBJECT, "subj-1")
    assert stale is not None
    store.destroy(KeyKind.SUBJECT, "subj-1")
    assert not store.replace(KeyKind.SUBJECT, "subj-1", stale, stale)
    report = rotate_master_key(LocalKeyProvider([old, new], "mk-new"), store)
    assert report.rewrapped == 0 and store.get(KeyKind.SUBJECT, "subj-1") is None


# --- crypto-shredding (P6) -------------------------------------------------------------------


def test_shredding_a_case_key(cipher: EnvelopeCipher, store: InMemoryKeyStore) -> None:
    gone = cipher.encrypt("case-1", "report", PLAINTEXT)
    kept = cipher.encrypt("case-2", "report", PLAINTEXT)
    assert cipher.shred_case("case-1")
    with pytest.raises(KeyDestroyed) as caught:
        cipher.decrypt("case-1", "report", gone)
    assert caught.value.code == "KEY_DESTROYED"
    assert cipher.decrypt("case-2", "report", kept) == PLAINTEXT  # same subject, other case
    with pytest.raises(KeyDestroyed):
        cipher.open_case("case-1", "subj-1")  # no new key for a destroyed case
    assert store.is_destroyed(KeyKind.CASE, "case-1")


def test_shredding_a_subject_key(cipher: EnvelopeCipher, store: InMemoryKeyStore) -> None:
    blobs = {
        case: cipher.encrypt(case, "report", PLAINTEXT) for case in ("case-1", "case-2", "case-3")
    }
    assert cipher.shred_subject("subj-1")
    assert not cipher.shred_subject("subj-1")  # nothing left to destroy
    for case in ("case-1", "case-2"):
        with pytest.raises(KeyDestroyed):
            cipher.decrypt(case, "report", blobs[case])
    assert cipher.decrypt("case-3", "report", blobs["case-3"]) == PLAINTEXT
    with pytest.raises(KeyDestroyed):
        cipher.open_case("case-9", "subj-1")


class CountingProvider(LocalKeyProvider):
    """The local provider, counting the subject keys it unwraps."""

    unwrapped = 0

    def unwrap(self, key_id: str, blob: bytes, *, context: bytes) -> bytes:
        self.unwrapped += 1
        return super().unwrap(key_id, blob, context=context)


def test_a_cipher_unwraps_a_key_once_and_still_refuses_it_once_shredded(
    store: InMemoryKeyStore,
) -> None:
    """A cipher (one unit of work's) opens each subject and case key once for all the
    fields it seals and opens; a key shredded in the store behind its back, the subject's
    or the case's, is refused at the next use all the same."""
    master = SecretKey.generate("mk-test")
    provider = CountingProvider([master], master.key_id)
    EnvelopeCipher(provider, store).open_case("case-1", "subj-1")
    EnvelopeCipher(provider, store).open_case("case-2", "subj-1")
    cipher = EnvelopeCipher(provider, store)  # the next unit of work's
    before = provider.unwrapped
    blobs = {case: cipher.encrypt(case, "report", PLAINTEXT) for case in ("case-1", "case-2")}
    for _ in range(3):
        assert all(cipher.decrypt(case, "report", blobs[case]) for case in blobs)
    assert provider.unwrapped == before + 1  # the subject key, for both cases
    assert store.destroy(KeyKind.CASE, "case-1")
    with pytest.raises(KeyDestroyed):
        cipher.decrypt("case-1", "report", blobs["case-1"])
    assert cipher.decrypt("case-2", "report", blobs["case-2"]) == PLAINTEXT
    assert store.destroy(KeyKind.SUBJECT, "subj-1")
    with pytest.raises(KeyDestroyed):
        cipher.decrypt("case-2", "report", blobs["case-2"])


def test_shredded_data_cannot_be_read_with_any_remaining_key(
    cipher: EnvelopeCipher, store: InMemoryKeyStore
) -> None:
    blob = cipher.encrypt("case-1", "report", PLAINTEXT)
    cipher.shred_case("case-1")
    cipher.shred_subject("subj-1")
    aad = field_aad("case-1", "report")
    # every key that remains, unwrapped the proper way: the master key(s), subj-2's key
    # and case-3's data key (case-2's key is still stored but its subject key is gone)
    remaining: list[SecretKey] = [cipher._case_key("case-3")]
    subject_2 = store.get(KeyKind.SUBJECT, "subj-2")
    assert subject_2 is not None
    remaining.append(cipher._subject_key("subj-2", create=False))
    remaining += list(cipher._provider._keys.values())  # type: ignore[attr-defined]
    for key in remaining:
        with pytest.raises(DecryptionFailed):
            open_sealed(key, blob, aad, what="report")
    with pytest.raises(KeyDestroyed):
        cipher.decrypt("case-2", "report", blob)


# --- properties -------------------------------------------------------------------------------

_LABELS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.:", min_size=1, max_size=20)
_PROPERTY_CIPHER = EnvelopeCipher(local_provider(), InMemoryKeyStore())


@settings(max_examples=60, deadline=None)
@given(case=_LABELS, field=_LABELS, plaintext=st.binary(max_size=512))
def test_property_round_trip(case: str, field: str, plaintext: bytes) -> None:
    _PROPERTY_CIPHER.open_case(case, "subj-p")
    blob = _PROPERTY_CIPHER.encrypt(case, field, plaintext)
    assert _PROPERTY_CIPHER.decrypt(case, field, blob) == plaintext
    assert len(blob) == 1 + NONCE_BYTES + len(plaintext) + 16
    if len(plaintext) >= 8:  # shorter strings can occur in random bytes by chance
        assert plaintext not in blob
    with pytest.raises(DecryptionFailed):
        _PROPERTY_CIPHER.decrypt(case, field + "x", blob)


def test_a_key_makes_its_cipher_once_and_seals_what_a_fresh_cipher_opens() -> None:
    """SecretKey.aead keeps its AES-GCM cipher; the blobs are AES-GCM under the key's
    material as before, so a cipher made afresh (an older release) opens them."""
    key = DataKey.generate("ck-aead")
    assert key.aead() is key.aead()
    blob = seal(key, b"claims", b"aad")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    assert AESGCM(key.material).decrypt(nonce, body, b"aad") == b"claims"
    fresh_nonce = os.urandom(NONCE_BYTES)
    earlier = (
        bytes((FORMAT_V1,)) + fresh_nonce + AESGCM(key.material).encrypt(fresh_nonce, b"x", b"a")
    )
    assert open_sealed(key, earlier, b"a", what="test") == b"x"

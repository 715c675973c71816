"""The database key store within one unit of work: it looks each key up once, never
answers from a row it has changed (shredded or replaced) since, and remembers a key it
added as the insert returned it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from service_fixtures import make_world, order_and_sign
from sqlalchemy import event

from fairscreen.adapters.crypto import EnvelopeCipher, KeyKind, SecretKey, WrappedKey
from fairscreen.adapters.db.case_tables import wrapped_keys
from fairscreen.adapters.db.engine import begin_write, create_engine
from fairscreen.adapters.db.key_store import SqlKeyStore
from fairscreen.adapters.db.migrations import upgrade
from fairscreen.adapters.keys_provider import LocalKeyProvider
from fairscreen.domain.errors import KeyDestroyed
from fairscreen.services.investigation import run_investigation
from fairscreen.services.review import read_report


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def provider() -> LocalKeyProvider:
    key = SecretKey.generate("mk-test")
    return LocalKeyProvider([key], key.key_id)


def _key_lookups(engine: sa.Engine) -> list[str]:
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def count(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "wrapped_keys" in statement:
            seen.append(statement)

    return seen


def test_one_lookup_per_key_per_unit_of_work(engine: sa.Engine, provider: LocalKeyProvider) -> None:
    with begin_write(engine) as connection:
        cipher = EnvelopeCipher(provider, SqlKeyStore(connection))
        cipher.open_case("cs_one", "sj_one")
    lookups = _key_lookups(engine)
    with begin_write(engine) as connection:
        cipher = EnvelopeCipher(provider, SqlKeyStore(connection))
        blobs = [cipher.encrypt_text("cs_one", f"record.{i}", f"text {i}") for i in range(10)]
        assert [cipher.decrypt_text("cs_one", f"record.{i}", b) for i, b in enumerate(blobs)] == [
            f"text {i}" for i in range(10)
        ]
    assert len(lookups) == 1  # the case key and its subject key, together, once


def test_a_key_added_is_not_read_back(engine: sa.Engine, provider: LocalKeyProvider) -> None:
    """Ordering a check issues the case key and seals the case's fields under it in one
    unit of work: the insert returns the row, so sealing reads no key back."""
    with begin_write(engine) as connection:
        cipher = EnvelopeCipher(provider, SqlKeyStore(connection))
        cipher.open_case("cs_old", "sj_new")  # the subject's key exists before the order
    lookups = _key_lookups(engine)
    with begin_write(engine) as connection:
        store = SqlKeyStore(connection)
        cipher = EnvelopeCipher(provider, store)
        cipher.open_case("cs_new", "sj_new")
        assert len(lookups) == 1  # the case's key (none yet) with its subject's, named
        blob = cipher.encrypt_text("cs_new", "purpose", "text")
        assert cipher.decrypt_text("cs_new", "purpose", blob) == "text"
        added = store.get(KeyKind.CASE, "cs_new")
        assert added is not None and added.subject == "sj_new"
    assert len(lookups) == 1
    with begin_write(engine) as connection:  # what was remembered is what was stored
        assert SqlKeyStore(connection).get(KeyKind.CASE, "cs_new") == added


def test_a_case_and_another_are_read_ahead_with_their_subject_in_one_lookup(
    engine: sa.Engine, provider: LocalKeyProvider
) -> None:
    """``read_ahead``: a case's key, a second one's (a subject's identity, opened in the
    same unit of work by an investigation) and the subject key wrapping both come in one
    statement; what was read ahead is what each use then finds, a key shredded after it
    is refused at once, and a case never issued is known absent without a second look."""
    with begin_write(engine) as connection:
        cipher = EnvelopeCipher(provider, SqlKeyStore(connection))
        cipher.open_case("cs_ahead", "sj_ahead")
        cipher.open_case("identity.sj_ahead", "sj_ahead")
        blob = cipher.encrypt_text("cs_ahead", "purpose", "p")
        identity = cipher.encrypt_text("identity.sj_ahead", "identity", "i")
    lookups = _key_lookups(engine)
    with begin_write(engine) as connection:
        store = SqlKeyStore(connection)
        cipher = EnvelopeCipher(provider, store)
        cipher.read_ahead("cs_ahead", "identity.sj_ahead")
        assert len(lookups) == 1
        cipher.read_ahead("cs_ahead")  # already read: no statement
        store.read_ahead(["cs_ahead"], "sj_elsewhere")  # nor for a subject alone
        assert cipher.open_case("cs_ahead", "sj_ahead")  # the key it has: no statement
        assert cipher.decrypt_text("cs_ahead", "purpose", blob) == "p"
        assert cipher.decrypt_text("identity.sj_ahead", "identity", identity) == "i"
        assert len(lookups) == 1
        cipher.read_ahead("cs_ahead", "cs_never")
        assert len(lookups) == 2 and store.get(KeyKind.CASE, "cs_never") is None
        assert not store.is_destroyed(KeyKind.CASE, "cs_never")
        assert len(lookups) == 2
        assert cipher.shred_case("identity.sj_ahead")
        with pytest.raises(KeyDestroyed):
            cipher.decrypt_text("identity.sj_ahead", "identity", identity)
    with begin_write(engine) as connection:  # the store's own reads agree with it
        store = SqlKeyStore(connection)
        store.read_ahead(["cs_ahead", "identity.sj_ahead"], "sj_ahead")
        ahead = (store.get(KeyKind.CASE, "cs_ahead"), store.get(KeyKind.SUBJECT, "sj_ahead"))
        assert store.is_destroyed(KeyKind.CASE, "identity.sj_ahead")
        alone = SqlKeyStore(connection)
        assert ahead == (
            alone.get(KeyKind.CASE, "cs_ahead"),
            alone.get(KeyKind.SUBJECT, "sj_ahead"),
        )
        assert alone.is_destroyed(KeyKind.CASE, "identity.sj_ahead")


def test_a_key_shredded_in_the_same_unit_of_work_is_gone_at_once(
    engine: sa.Engine, provider: LocalKeyProvider
) -> None:
    with begin_write(engine) as connection:
        store = SqlKeyStore(connection)
        cipher = EnvelopeCipher(provider, store)
        cipher.open_case("cs_a", "sj_a")
        cipher.open_case("cs_b", "sj_a")
        blob_a = cipher.encrypt_text("cs_a", "report", "a")
        blob_b = cipher.encrypt_text("cs_b", "report", "b")
        assert cipher.shred_case("cs_a")
        with pytest.raises(KeyDestroyed):
            cipher.decrypt_text("cs_a", "report", blob_a)
        store.destroy_many(KeyKind.CASE, ["cs_b", "cs_never"])
        with pytest.raises(KeyDestroyed):
            cipher.decrypt_text("cs_b", "report", blob_b)
        assert store.is_destroyed(KeyKind.CASE, "cs_never")
        with pytest.raises(KeyDestroyed):
            cipher.open_case("cs_never", "sj_a")


def test_a_replaced_key_is_read_back_new(engine: sa.Engine, provider: LocalKeyProvider) -> None:
    with begin_write(engine) as connection:
        store = SqlKeyStore(connection)
        EnvelopeCipher(provider, store).open_case("cs_r", "sj_r")
        old = store.get(KeyKind.SUBJECT, "sj_r")
        assert old is not None
        new = WrappedKey(old.key_id, "mk_next", b"rewrapped", None)
        assert store.replace(KeyKind.SUBJECT, "sj_r", old, new)
        assert store.get(KeyKind.SUBJECT, "sj_r") == new
        assert not store.replace(KeyKind.SUBJECT, "sj_r", old, new)  # no longer the old one


def test_a_shredded_key_leaves_no_wrapped_bytes_and_stays_shredded(
    engine: sa.Engine, provider: LocalKeyProvider
) -> None:
    """PRODUCT.md P6: crypto-shredding drops the wrapped key itself (not a flag beside
    it), a rotation cannot swap it back, and a never-issued owner is tombstoned too."""
    with begin_write(engine) as connection:
        store = SqlKeyStore(connection)
        cipher = EnvelopeCipher(provider, store)
        cipher.open_case("cs_s", "sj_s")
        old = store.get(KeyKind.SUBJECT, "sj_s")
        assert old is not None
        assert store.destroy(KeyKind.SUBJECT, "sj_s")
        rewrapped = WrappedKey(old.key_id, "mk_next", b"rewrapped", None)
        assert not store.replace(KeyKind.SUBJECT, "sj_s", old, rewrapped)
        assert not store.destroy(KeyKind.SUBJECT, "sj_never")
        with pytest.raises(KeyDestroyed):
            cipher.open_case("cs_t", "sj_never")
    with begin_write(engine) as connection:
        store = SqlKeyStore(connection)
        assert store.get(KeyKind.SUBJECT, "sj_s") is None
        assert store.is_destroyed(KeyKind.SUBJECT, "sj_s")
        assert store.is_destroyed(KeyKind.SUBJECT, "sj_never")
        assert "sj_s" not in {owner for owner, _ in store.items(KeyKind.SUBJECT)}
        blobs = connection.execute(
            sa.select(wrapped_keys.c.blob).where(
                wrapped_keys.c.kind == KeyKind.SUBJECT.value,
                wrapped_keys.c.owner.in_(["sj_s", "sj_never"]),
            )
        ).scalars()
        assert list(blobs) == [None, None]


def test_a_unit_of_work_begins_on_the_key_store_only_when_it_uses_a_key(
    database_url: str, tmp_path: Path
) -> None:
    """The key store apart (the default): a unit of work that reads and writes no key
    opens no connection on it; one that does still reads and commits its keys there,
    and a rollback keeps none of them."""
    world = make_world(database_url, tmp_path)
    key_engine = world.svc.key_engine
    assert key_engine is not None
    begun: list[object] = []

    def record(connection: object) -> None:
        begun.append(connection)

    event.listen(key_engine, "begin", record)
    try:
        with world.svc.uow() as uow:
            assert uow.repo.tenant(world.employer.id) is not None
            uow.commit()
        with world.svc.reader() as uow:
            assert uow.repo.tenant(world.employer.id) is not None
        assert begun == []
        with world.svc.uow() as uow:
            uow.cipher.open_case("cs_rolled_back", "sj_lazy")
        with world.svc.uow() as uow:
            uow.cipher.open_case("cs_kept", "sj_lazy")
            sealed = uow.cipher.encrypt_text("cs_kept", "report", "kept")
            uow.commit()
        with world.svc.reader() as uow:
            assert uow.cipher.decrypt_text("cs_kept", "report", sealed) == "kept"
            assert uow.keys.get(KeyKind.CASE, "cs_rolled_back") is None
        assert len(begun) == 3  # the three that used a key
    finally:
        event.remove(key_engine, "begin", record)


def test_an_investigation_looks_its_keys_up_once_per_unit_of_work(
    database_url: str, tmp_path: Path
) -> None:
    """Each of an investigation's three units of work (the permit and ``investigating``;
    the sources' query, which opens the subject's identity; the rating, which opens it
    again) looks the key store up once: the reader and the rater read the case's key,
    the identity's and the subject's together (``ServiceRepository.case_subject``)."""
    world = make_world(database_url, tmp_path)
    case_id = order_and_sign(world)
    key_engine = world.svc.key_engine
    assert key_engine is not None
    lookups = _key_lookups(key_engine)
    run_investigation(world.svc, world.agency, case_id)
    assert len(lookups) == 3
    assert read_report(world.svc, world.candidate, case_id)["report"]["rating"]["light"]

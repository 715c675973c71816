"""The wrapped-key store on the database (``wrapped_keys``), the ``KeyStore`` of
``adapters/crypto.py``. It works inside the caller's transaction, so a key issued for a
case commits or rolls back with the case itself.

A store lives as long as one unit of work, and remembers the rows it has read: every
field sealed or opened asks for the case key and the subject key, so writing one case
used to cost some sixteen identical lookups. Every write through the store forgets what
it changes, so the store never answers from a row it has altered; like any read in the
transaction, a remembered row is as fresh as the transaction's first look at it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from fairscreen.adapters.crypto import CURRENT_MASTER, KeyKind, SubjectKeyChanged, WrappedKey
from fairscreen.adapters.db.case_tables import wrapped_keys as t
from fairscreen.adapters.db.engine import is_sqlite, one_of
from fairscreen.domain.errors import KeyDestroyed

#: Built once: the lookup runs for every field sealed or opened.
_ROW = sa.select(t).where(t.c.owner == sa.bindparam("owner"), t.c.kind == sa.bindparam("kind"))

Row = sa.Row[tuple[object, ...]]


def _wrapped(row: Row) -> WrappedKey:
    return WrappedKey(row.key_id, row.wrapped_by, bytes(row.blob), row.subject)


class SqlKeyStore:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._seen: dict[tuple[KeyKind, str], Row | None] = {}

    def _row(self, kind: KeyKind, owner: str) -> Row | None:
        if (kind, owner) not in self._seen:
            found = self._connection.execute(_ROW, {"owner": owner, "kind": kind.value}).first()
            self._seen[(kind, owner)] = found
        return self._seen[(kind, owner)]

    def _forget(self, kind: KeyKind, owners: Sequence[str]) -> None:
        for owner in owners:
            self._seen.pop((kind, owner), None)

    def get(self, kind: KeyKind, owner: str) -> WrappedKey | None:
        row = self._row(kind, owner)
        if row is None or row.blob is None:
            return None
        return _wrapped(row)

    def is_destroyed(self, kind: KeyKind, owner: str) -> bool:
        row = self._row(kind, owner)
        return row is not None and row.destroyed_at is not None

    def add(self, kind: KeyKind, owner: str, key: WrappedKey) -> WrappedKey:
        row = self._row(kind, owner)
        if row is not None:
            if row.destroyed_at is not None:
                raise KeyDestroyed(f"the {kind.value} key of {owner!r} was destroyed")
            return _wrapped(row)
        self._forget(kind, [owner])
        if kind is KeyKind.CASE and key.subject is not None:
            self._hold_subject_key(key.subject, key.wrapped_by)
        self._connection.execute(
            sa.insert(t).values(
                kind=kind.value,
                owner=owner,
                key_id=key.key_id,
                wrapped_by=key.wrapped_by,
                blob=key.blob,
                subject=key.subject,
            )
        )
        return key

    def _hold_subject_key(self, subject: str, key_id: str) -> None:
        """A case key goes in only while its subject key is still the one that wrapped it.
        On PostgreSQL the row is held (``FOR SHARE``) until commit, so a rotation re-keying
        the subject waits for this case key and then re-keys it too; a rotation that got
        there first leaves no such row, and the caller wraps again under the new key.
        SQLite's writers hold the whole database, so nothing can change in between."""
        if is_sqlite(self._connection):
            return
        self._forget(KeyKind.SUBJECT, [subject])
        held = self._connection.execute(
            sa.select(t.c.key_id)
            .where(t.c.owner == subject, t.c.kind == KeyKind.SUBJECT.value, t.c.key_id == key_id)
            .with_for_update(read=True)
        ).first()
        if held is None:
            raise SubjectKeyChanged(f"subject key {key_id} was re-keyed meanwhile")

    def replace(self, kind: KeyKind, owner: str, old: WrappedKey, new: WrappedKey) -> bool:
        self._forget(kind, [owner])
        result = self._connection.execute(
            sa.update(t)
            .where(
                t.c.kind == kind.value,
                t.c.owner == owner,
                t.c.key_id == old.key_id,
                t.c.wrapped_by == old.wrapped_by,
                t.c.destroyed_at.is_(None),
            )
            .values(key_id=new.key_id, wrapped_by=new.wrapped_by, blob=new.blob)
        )
        return bool(result.rowcount)

    def destroy(self, kind: KeyKind, owner: str) -> bool:
        existed = self.get(kind, owner) is not None
        self.destroy_many(kind, [owner])
        return existed

    def destroy_many(self, kind: KeyKind, owners: Sequence[str]) -> None:
        """Crypto-shred many keys in one statement (the purge); owners without a row get
        a tombstone too, so no key can ever be issued for them afterwards."""
        if not owners:
            return
        self._forget(kind, owners)
        now = datetime.now(UTC)
        present = {
            row.owner
            for row in self._connection.execute(
                sa.update(t)
                .where(one_of(self._connection, t.c.owner, owners), t.c.kind == kind.value)
                .values(blob=None, destroyed_at=now)
                .returning(t.c.owner)
            )
        }
        missing = [o for o in owners if o not in present]
        if missing:
            self._connection.execute(
                sa.insert(t),
                [
                    {
                        "kind": kind.value,
                        "owner": o,
                        "key_id": "-",
                        "wrapped_by": "-",
                        "destroyed_at": now,
                    }
                    for o in missing
                ],
            )

    def items(self, kind: KeyKind) -> Iterator[tuple[str, WrappedKey]]:
        rows = self._connection.execute(
            sa.select(t).where(t.c.kind == kind.value, t.c.blob.is_not(None)).order_by(t.c.owner)
        ).all()
        return iter([(row.owner, _wrapped(row)) for row in rows])

    def case_keys_of(self, subject: str) -> list[tuple[str, WrappedKey]]:
        rows = self._connection.execute(
            sa.select(t).where(
                t.c.subject == subject, t.c.kind == KeyKind.CASE.value, t.c.blob.is_not(None)
            )
        ).all()
        return [(row.owner, _wrapped(row)) for row in rows]

    def rekey(
        self,
        subject: str,
        old: WrappedKey,
        new: WrappedKey,
        case_keys: list[tuple[str, WrappedKey, WrappedKey]],
    ) -> bool:
        """All or nothing, in a savepoint: the subject key first (its row lock makes a
        concurrent case key wait, see :meth:`_hold_subject_key`), then each case key by
        compare-and-swap, then a check that no case key of the subject is left under the
        old subject key (one issued meanwhile): then everything is undone."""
        self._forget(KeyKind.SUBJECT, [subject])
        self._forget(KeyKind.CASE, [case for case, _, _ in case_keys])
        savepoint = self._connection.begin_nested()
        try:
            swapped = self.replace(KeyKind.SUBJECT, subject, old, new) and all(
                self.replace(KeyKind.CASE, case, before, after) for case, before, after in case_keys
            )
            if swapped:
                left = self._connection.execute(
                    sa.select(sa.func.count())
                    .select_from(t)
                    .where(
                        t.c.subject == subject,
                        t.c.kind == KeyKind.CASE.value,
                        t.c.wrapped_by == old.key_id,
                        t.c.blob.is_not(None),
                    )
                ).scalar_one()
                swapped = left == 0
        except BaseException:
            savepoint.rollback()
            raise
        if swapped:
            savepoint.commit()
        else:
            savepoint.rollback()
        return swapped

    def count_wrapped_by(self, kind: KeyKind, key_id: str) -> int:
        return int(
            self._connection.execute(
                sa.select(sa.func.count())
                .select_from(t)
                .where(t.c.kind == kind.value, t.c.wrapped_by == key_id, t.c.blob.is_not(None))
            ).scalar_one()
        )

    def set_current_master(self, key_id: str) -> None:
        owner, kind = CURRENT_MASTER, KeyKind.MASTER
        self._forget(kind, [owner])
        updated = self._connection.execute(
            sa.update(t).where(t.c.owner == owner, t.c.kind == kind.value).values(key_id=key_id)
        )
        if not updated.rowcount:
            self._connection.execute(
                sa.insert(t).values(
                    kind=kind.value, owner=owner, key_id=key_id, wrapped_by="-", blob=b""
                )
            )

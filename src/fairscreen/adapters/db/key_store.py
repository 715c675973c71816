"""The wrapped-key store (``wrapped_keys``), the ``KeyStore`` of ``adapters/crypto.py``,
in a database of its own: the key store (``FAIRSCREEN_KEY_STORE_URL``, by default the
SQLite file ``<data dir>/keystore.db``).

Why apart (issue 18): a backup of the data holds ciphertexts for as long as the backup is
kept; if it held the wrapped keys too, a destroyed case would open again from the backup
with any master key that still exists. Kept apart, the data's backups hold no key at all,
and the key store's own backups are kept only for a short, documented time
(docs/operations.md, 'Backups'), which bounds how long a destroyed case stays recoverable.
The unit of work commits the key store's transaction just before the data's, so a key
issued for a case is stored before the case is (an orphan key is harmless; a case
without its key would not be), and a key shredded by the purge is gone even if the
data's commit then fails (the purge destroys the case again on its next run).

A store lives as long as one unit of work, and remembers the rows it has read: every
field sealed or opened asks for the case key and the subject key, so writing one case
used to cost some sixteen identical lookups. Every write through the store forgets what
it changes, so the store never answers from a row it has altered, but for a key it adds:
that row is remembered as the insert returned it (``RETURNING``: PostgreSQL, SQLite
3.35+), which is what reading it back in the transaction would give. Like any read in
the transaction, a remembered row is as fresh as the transaction's first look at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from fairscreen.adapters.crypto import CURRENT_MASTER, KeyKind, WrappedKey
from fairscreen.adapters.db.case_tables import wrapped_keys as t
from fairscreen.adapters.db.engine import (
    all_mappings,
    begin_write,
    first_mapping,
    hold_migration_lock,
    one_mapping,
    one_of,
)
from fairscreen.domain.errors import KeyDestroyed

#: Built once: the lookup runs for every field sealed or opened.
_ROW = sa.select(t).where(t.c.owner == sa.bindparam("owner"), t.c.kind == sa.bindparam("kind"))


def _case_owner(column: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """``column`` is one of the (up to two) case owners :data:`_CASES_AND_SUBJECTS` asks for."""
    return sa.or_(column == sa.bindparam("case"), column == sa.bindparam("other_case"))


#: Two case keys (``case``, ``other_case``; the same one twice for one) and, in the same
#: statement, the subject keys that wrap them, and the key of ``subject`` (NULL: none):
#: opening a case needs its key and its subject's, one after the other, in every unit of
#: work that reads or writes it; issuing one needs the subject's (named: the case has no
#: key yet to name it); an investigation opens the case and its subject's identity.
_CASES_AND_SUBJECTS = sa.select(t).where(
    sa.or_(
        sa.and_(t.c.kind == KeyKind.CASE.value, _case_owner(t.c.owner)),
        sa.and_(
            t.c.kind == KeyKind.SUBJECT.value,
            sa.or_(
                t.c.owner.in_(
                    sa.select(t.c.subject).where(
                        t.c.kind == KeyKind.CASE.value, _case_owner(t.c.owner)
                    )
                ),
                t.c.owner == sa.bindparam("subject"),
            ),
        ),
    )
)

#: A key added, returned as stored (built once, as the lookups are).
_ADD = sa.insert(t).returning(*t.c)

#: A key's row, read by column name: a ``Row``'s attribute (``row.blob``) cost some 3,000
#: instructions a read (callgrind: 369 a lifecycle, 1.2 M), a ``RowMapping``'s key a
#: seventh of that (258 ns against 39 ns).
Row = RowMapping


def create_key_store(engine: sa.Engine) -> None:
    """The key store's schema (one table and its index) in its own database. Version 1:
    a later change of it gets a migration of its own, as the data's schema does."""
    # A writer from the start (SQLite: BEGIN IMMEDIATE, waiting its turn; PostgreSQL: the
    # migration lock): processes started together create it once, none fails "locked".
    with begin_write(engine) as connection:
        hold_migration_lock(connection)
        t.create(connection, checkfirst=True)


def upgrade_key_store(data: sa.Engine, keys: sa.Engine) -> None:
    """The key store's part of an upgrade, at start-up (``build_services``) and in
    ``fairscreen db upgrade``: its schema, then any wrapped keys still kept beside the
    data moved into it."""
    create_key_store(keys)
    move_wrapped_keys(data, keys)


def key_store_exists(engine: sa.Engine) -> bool:
    """Whether the key store's table was made (``fairscreen db upgrade``)."""
    return sa.inspect(engine).has_table(t.name)


def move_wrapped_keys(data: sa.Engine, keys: sa.Engine, *, batch: int = 2000) -> int:
    """Move the wrapped keys a database kept beside its data (before the key store was
    apart) into the key store, and delete them from the data; return how many moved.

    Runs with every upgrade (``upgrade_key_store``) and is a no-op once the data holds
    none.
    Each batch commits in the key store first, then deletes in the data, so a crash in
    between leaves rows in both, and the next run keeps the key store's (a tombstone
    wins over a live key, so nothing destroyed comes back)."""
    from fairscreen.adapters.db.engine import begin_write

    moved = 0
    while True:
        with begin_write(data) as source, begin_write(keys) as target:
            rows = source.execute(sa.select(t).limit(batch)).mappings().all()
            if not rows:
                return moved
            owners = [str(row["owner"]) for row in rows]
            present = {
                (row.owner, row.kind): row
                for row in target.execute(sa.select(t).where(one_of(target, t.c.owner, owners)))
            }
            fresh = [dict(row) for row in rows if (row["owner"], row["kind"]) not in present]
            if fresh:
                target.execute(sa.insert(t), fresh)
            for row in rows:
                kept = present.get((row["owner"], row["kind"]))
                if (
                    kept is not None
                    and row["destroyed_at"] is not None
                    and kept.destroyed_at is None
                ):
                    target.execute(
                        sa.update(t)
                        .where(t.c.owner == row["owner"], t.c.kind == row["kind"])
                        .values(blob=None, destroyed_at=row["destroyed_at"])
                    )
            source.execute(
                sa.delete(t).where(
                    sa.tuple_(t.c.owner, t.c.kind).in_([(r["owner"], r["kind"]) for r in rows])
                )
            )
            moved += len(rows)


def _wrapped(row: Row) -> WrappedKey:
    return WrappedKey(row["key_id"], row["wrapped_by"], bytes(row["blob"]), row["subject"])


class SqlKeyStore:
    def __init__(self, connection: Connection | Callable[[], Connection]) -> None:
        """``connection``: the key store's connection, or what opens it when the store is
        first used (the unit of work's transaction on a key store apart begins only then,
        and not at all in one that reads and writes no key)."""
        self._opened = None if callable(connection) else connection
        self._open = connection if callable(connection) else None
        self._seen: dict[tuple[KeyKind, str], Row | None] = {}

    @property
    def _connection(self) -> Connection:
        if self._opened is None:
            assert self._open is not None
            self._opened = self._open()
        return self._opened

    def _row(self, kind: KeyKind, owner: str) -> Row | None:
        if (kind, owner) not in self._seen:
            if kind is KeyKind.CASE:
                self._cases_and_subjects((owner,))
            else:
                found = self._connection.execute(_ROW, {"owner": owner, "kind": kind.value})
                self._seen[(kind, owner)] = first_mapping(found)
        return self._seen[(kind, owner)]

    def read_ahead(self, cases: Sequence[str], subject: str | None = None) -> None:
        """Look up together, in one statement per two cases, the keys of ``cases`` and
        of the subjects that wrap them, and ``subject``'s, as far as this store has not
        read them yet: each would be one statement of its own when first asked for. With
        every case read already, nothing: a subject's key alone is read when asked for
        (the case's own row names its subject, and one may never be asked for)."""
        wanted = [case for case in dict.fromkeys(cases) if (KeyKind.CASE, case) not in self._seen]
        if subject is not None and (KeyKind.SUBJECT, subject) in self._seen:
            subject = None
        for start in range(0, len(wanted), 2):
            self._cases_and_subjects(tuple(wanted[start : start + 2]), subject)

    def _cases_and_subjects(self, cases: tuple[str, ...], subject: str | None = None) -> None:
        """Remember the key rows of one or two cases (or their absence), of the subjects
        that wrap them and of ``subject`` (or its absence), read together (one round
        trip instead of up to four); a subject row already remembered is kept."""
        parameters = {"case": cases[0], "other_case": cases[-1], "subject": subject}
        rows = all_mappings(self._connection.execute(_CASES_AND_SUBJECTS, parameters))
        for case in cases:
            self._seen[(KeyKind.CASE, case)] = None
        for row in rows:
            if row["kind"] == KeyKind.CASE.value:
                self._seen[(KeyKind.CASE, str(row["owner"]))] = row
            else:
                self._seen.setdefault((KeyKind.SUBJECT, str(row["owner"])), row)
        if subject is not None:
            self._seen.setdefault((KeyKind.SUBJECT, subject), None)

    def _forget(self, kind: KeyKind, owners: Sequence[str]) -> None:
        for owner in owners:
            self._seen.pop((kind, owner), None)

    def get(self, kind: KeyKind, owner: str) -> WrappedKey | None:
        row = self._row(kind, owner)
        if row is None or row["blob"] is None:
            return None
        return _wrapped(row)

    def is_destroyed(self, kind: KeyKind, owner: str) -> bool:
        row = self._row(kind, owner)
        return row is not None and row["destroyed_at"] is not None

    def add(self, kind: KeyKind, owner: str, key: WrappedKey) -> WrappedKey:
        row = self._row(kind, owner)
        if row is not None:
            if row["destroyed_at"] is not None:
                raise KeyDestroyed(f"the {kind.value} key of {owner!r} was destroyed")
            return _wrapped(row)
        # the row as stored, returned by the insert itself: the case's fields are sealed
        # under the key just added, and each would read it back otherwise
        values = {"key_id": key.key_id, "wrapped_by": key.wrapped_by, "blob": key.blob}
        self._seen[(kind, owner)] = one_mapping(
            self._connection.execute(
                _ADD, {"kind": kind.value, "owner": owner, "subject": key.subject, **values}
            )
        )
        return key

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
        rows = all_mappings(
            self._connection.execute(
                sa.select(t)
                .where(t.c.kind == kind.value, t.c.blob.is_not(None))
                .order_by(t.c.owner)
            )
        )
        return iter([(row["owner"], _wrapped(row)) for row in rows])

    def case_keys_of(self, subject: str) -> list[tuple[str, WrappedKey]]:
        rows = all_mappings(
            self._connection.execute(
                sa.select(t).where(
                    t.c.subject == subject, t.c.kind == KeyKind.CASE.value, t.c.blob.is_not(None)
                )
            )
        )
        return [(row["owner"], _wrapped(row)) for row in rows]

    def rekey(
        self,
        subject: str,
        old: WrappedKey,
        new: WrappedKey,
        case_keys: list[tuple[str, WrappedKey, WrappedKey]],
    ) -> bool:
        """All or nothing, in a savepoint: the subject key, then each case key, by
        compare-and-swap, then a check that no case key of the subject is left under the
        old subject key (one issued meanwhile): then everything is undone. (Writers hold
        the ledger's lock for their whole unit of work, so none runs in between today;
        the check keeps the store correct without relying on that.)"""
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

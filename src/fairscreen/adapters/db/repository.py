"""The screening service's rows, with encryption at the repository boundary (PRODUCT.md P5).

Every personal value passes through :class:`EnvelopeCipher` here and nowhere else:
callers hand in and get back plain Python values; the rows hold ciphertexts whose
associated data binds them to their case (or subject) and field. A case's fields use the
case pseudonym as label; a subject's own identity uses ``identity.<subject pseudonym>``,
a "case" of its own under the subject's key, so shredding the subject shreds it too.
"""

from __future__ import annotations

import functools
import json
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping

from fairscreen.adapters.crypto import EnvelopeCipher
from fairscreen.adapters.db import case_tables as t
from fairscreen.adapters.db.engine import (
    all_mappings,
    first_mapping,
    one_mapping,
    one_of,
    one_of_parameter,
)
from fairscreen.adapters.db.reference_tables import reference_invitations
from fairscreen.adapters.db.selfid_tables import fairness_snapshots, self_identifications
from fairscreen.domain.lifecycle import CaseState

Json = Any
Read = TypeVar("Read")


def _dump(value: Json) -> bytes:
    return orjson.dumps(value)


def identity_label(subject_pseudonym: str) -> str:
    return f"identity.{subject_pseudonym}"


def tenant_label(tenant_pseudonym: str) -> str:
    """An organisation's own settings (its notification address) have a key of their own."""
    return f"tenant.{tenant_pseudonym}"


def selfid_label(subject_pseudonym: str) -> str:
    """Self-identification has a key of its own, wrapped by the subject's (PRODUCT.md §7)."""
    return f"selfid.{subject_pseudonym}"


@functools.cache
def _rows_where(
    table: sa.Table, column: str, *, order_by: tuple[str, ...] = (), lock: bool = False
) -> sa.Select[Any]:
    """``SELECT * FROM table WHERE column = :key`` (ordered, ``FOR UPDATE``), built once
    per shape and kept: SQLAlchemy remembers a statement's cache key on the statement, so
    one built again on every call paid its construction and its cache key each time
    (most of SQLAlchemy's CPU per request before the round trip itself)."""
    query = sa.select(table).where(table.c[column] == sa.bindparam("key"))
    if order_by:
        query = query.order_by(*(table.c[name] for name in order_by))
    return query.with_for_update() if lock else query


@functools.cache
def _destroyed_among(dialect: str, lock: bool) -> sa.Select[Any]:
    """The pseudonyms and states of the cases among ``:pseudonyms``, in id order, held
    (``FOR SHARE``) when ``lock``: :meth:`ServiceRepository.destroyed_pseudonyms`, built
    once per database kind (as :func:`_rows_where`)."""
    query = (
        sa.select(t.cases.c.pseudonym, t.cases.c.state)
        .where(one_of_parameter(dialect, t.cases.c.pseudonym, "pseudonyms"))
        .order_by(t.cases.c.id)
    )
    return query.with_for_update(read=True) if lock else query


@functools.cache
def _insert(table: sa.Table) -> sa.Insert:
    """``INSERT INTO table``, its values given as the execution's parameters (built once,
    as :func:`_rows_where`)."""
    return sa.insert(table)


#: The case's row updated and returned; the columns to set are the parameters' names
#: other than ``case_id`` (SQLAlchemy's SET from the parameters), built once.
_UPDATE_CASE = (
    sa.update(t.cases).where(t.cases.c.id == sa.bindparam("case_id")).returning(*t.cases.c)
)

#: The case's authorization with the case's pseudonym (its purpose's label).
_AUTHORIZATION = (
    sa.select(t.authorizations, t.cases.c.pseudonym)
    .join(t.cases, t.cases.c.id == t.authorizations.c.case_id)
    .where(t.authorizations.c.case_id == sa.bindparam("key"))
)


#: Statements of a lifecycle's requests, built once (:func:`_rows_where`): built on every
#: call, each paid its construction and its cache key (some 100 µs) before it ran.
_OPEN_DISPUTES = sa.select(sa.func.count()).where(
    t.disputes.c.case_id == sa.bindparam("key"), t.disputes.c.outcome.is_(None)
)
_NOTIFICATION = sa.select(
    t.employer_settings.c.notify_email_ct, t.employer_settings.c.notify_lang
).where(t.employer_settings.c.tenant_id == sa.bindparam("key"))

#: The authorization inserted, returned as stored (:meth:`ServiceRepository.put_authorization`).
_INSERT_AUTHORIZATION = sa.insert(t.authorizations).returning(*t.authorizations.c)


class WrittenOnce:
    """Rows that no statement changes or deletes once written (tenants, role profiles),
    kept per process and database once a unit of work read them committed: every
    request of a lifecycle read its tenant and role profile again (13 statements of 81).

    Only a row read by a unit of work that did not insert it is kept: a reader sees
    committed rows alone (and its own writes), so what is kept cannot vanish with a
    rollback. Restoring a backup under a running process is not supported anyway
    (docs/operations.md, 'Backups'); a process started on the restored database starts
    empty. At most :data:`CAPACITY` rows per database: past it, it starts again."""

    CAPACITY: ClassVar[int] = 4096
    _by_engine: ClassVar[weakref.WeakKeyDictionary[Engine, dict[tuple[str, str], RowMapping]]] = (
        weakref.WeakKeyDictionary()
    )
    _guard: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def get(cls, engine: Engine, table: str, key: str) -> RowMapping | None:
        rows = cls._by_engine.get(engine)
        return None if rows is None else rows.get((table, key))

    @classmethod
    def keep(cls, engine: Engine, table: str, key: str, row: RowMapping) -> None:
        with cls._guard:
            rows = cls._by_engine.setdefault(engine, {})
            if len(rows) >= cls.CAPACITY:
                rows.clear()
            rows[(table, key)] = row


class ServiceRepository:
    def __init__(
        self, connection: Connection, cipher: EnvelopeCipher, *, lock_rows: bool = False
    ) -> None:
        """``lock_rows``: a writer on PostgreSQL locks the cases it loads (``FOR UPDATE``)
        until it commits. No ledger lock serialises the writers any more (issue 16), so
        two requests on one case queue on its row instead: the second sees the first's
        state, and its ledger entry is queued after the first's."""
        self.connection = connection
        self.cipher = cipher
        self._lock_rows = lock_rows
        #: tenants and role profiles read in this unit of work, by id: no statement
        #: changes or deletes either row once written, and a unit of work read each up
        #: to twice (signing an authorization: the scope, then the notice)
        self._tenants: dict[str, RowMapping] = {}
        self._profiles: dict[str, RowMapping] = {}
        #: (table, id) of the tenants and profiles this unit of work inserted: not
        #: committed yet, so not for :class:`WrittenOnce`
        self._added: set[tuple[str, str]] = set()
        #: rows of the case, its subject, its authorization and its report read in this
        #: unit of work, by (table, key): see :meth:`_read_once`
        self._read: dict[tuple[str, str], Any] = {}

    def _read_once(self, table: sa.Table, key: str, read: Callable[[], Read]) -> Read:
        """What ``read()`` gives for ``key`` of ``table``, read once per unit of work: one
        investigation read the case's authorization six times and its case row five, in
        three units of work. Every write through the repository to the table forgets the
        table's rows (:meth:`_forget`), so a unit of work never answers from a row it
        changed; a writer on PostgreSQL holds the case's row (``FOR UPDATE``) and no one
        else changes it meanwhile; for a reader (and for the subject's row, which no one
        locks) a remembered row is, like the key store's (adapters/db/key_store.py), as
        fresh as the transaction's first look at it."""
        entry = (table.name, key)
        if entry not in self._read:
            self._read[entry] = read()
        return cast(Read, self._read[entry])

    def _forget(self, *tables: sa.Table) -> None:
        names = {table.name for table in tables}
        for entry in [entry for entry in self._read if entry[0] in names]:
            del self._read[entry]

    def _written_once(self, table: sa.Table, key: str) -> RowMapping | None:
        """The row of ``table`` (tenants, role profiles: never changed once written) with
        id ``key``: from this process's :class:`WrittenOnce`, else read (and kept there
        unless this unit of work inserted it)."""
        engine = self.connection.engine
        row = WrittenOnce.get(engine, table.name, key)
        if row is None:
            row = self._one(_rows_where(table, "id"), key)
            if row is not None and (table.name, key) not in self._added:
                WrittenOnce.keep(engine, table.name, key, row)
        return row

    # --- generic helpers ---------------------------------------------------------------

    def _one(self, query: sa.Select[Any], key: Any = None) -> RowMapping | None:
        """The first row of ``query``; ``key``: its ``:key`` parameter (:func:`_rows_where`)."""
        parameters = None if key is None else {"key": key}
        return first_mapping(self.connection.execute(query, parameters))

    def _rows(self, query: sa.Select[Any], key: Any) -> list[RowMapping]:
        """The rows of a query built once with a ``:key`` parameter (:func:`_rows_where`)."""
        return all_mappings(self.connection.execute(query, {"key": key}))

    def _one_of(self, column: Any, values: Sequence[str]) -> Any:
        return one_of(self.connection, column, values)

    def _seal(self, case: str, field: str, value: Json) -> bytes:
        return self.cipher.encrypt(case, field, _dump(value))

    def _open(self, case: str, field: str, blob: bytes) -> Json:
        return orjson.loads(self.cipher.decrypt(case, field, bytes(blob)))

    # --- tenants ---------------------------------------------------------------------

    def add_tenant(self, **values: Any) -> None:
        self._added.add((t.tenants.name, str(values["id"])))
        self.connection.execute(sa.insert(t.tenants).values(**values))

    def tenant(self, tenant_id: str) -> RowMapping | None:
        row = self._tenants.get(tenant_id)
        if row is None:
            row = self._written_once(t.tenants, tenant_id)
            if row is not None:  # one not there yet may be added in this unit of work
                self._tenants[tenant_id] = row
        return row

    def set_tenant_notify_email(
        self, tenant: RowMapping, email: str | None, lang: str | None = None
    ) -> None:
        """An employer's "report released" address, sealed under a key of the tenant's
        own (None removes it), and the language its mail is written in."""
        label = tenant_label(str(tenant["pseudonym"]))
        table = t.employer_settings
        self.connection.execute(sa.delete(table).where(table.c.tenant_id == tenant["id"]))
        if email is not None:
            self.cipher.open_case(label, label)
            sealed = self.cipher.encrypt_text(label, "notify_email", email)
            self.connection.execute(
                sa.insert(table).values(
                    tenant_id=tenant["id"], notify_email_ct=sealed, notify_lang=lang
                )
            )

    def tenant_notification(self, tenant: RowMapping) -> tuple[str, str | None] | None:
        """An employer's "report released" address and the language its mail is written
        in (None when none is set: the service's default), or None without an address."""
        row = self.connection.execute(_NOTIFICATION, {"key": tenant["id"]}).one_or_none()
        if row is None or row.notify_email_ct is None:
            return None
        label = tenant_label(str(tenant["pseudonym"]))
        address = self.cipher.decrypt_text(label, "notify_email", bytes(row.notify_email_ct))
        return address, row.notify_lang

    # --- subjects ----------------------------------------------------------------------

    def subject_by_lookup(self, lookup: str) -> RowMapping | None:
        return self._one(sa.select(t.subjects).where(t.subjects.c.lookup == lookup))

    def subject(self, subject_id: str) -> RowMapping | None:
        query = _rows_where(t.subjects, "id")
        return self._read_once(t.subjects, subject_id, lambda: self._one(query, subject_id))

    def case_subject(self, case: RowMapping) -> RowMapping:
        """The case's subject, whose identity is about to be opened with the case's own
        fields: the case's key, its subject's and the identity's are looked up in one
        statement of the key store, not two (an investigation opens the authorization's
        purpose for its permit and the identity for the sources, in each of its units
        of work that reads them)."""
        subject = self.subject(case["subject_id"])
        assert subject is not None  # a case's subject row stays with it (a foreign key)
        self.cipher.read_ahead(case["pseudonym"], identity_label(subject["pseudonym"]))
        return subject

    def add_subject(
        self,
        *,
        id: str,
        employer_id: str,
        pseudonym: str,
        lookup: str,
        identity: Mapping[str, Any],
        now: datetime,
    ) -> None:
        label = identity_label(pseudonym)
        self.cipher.open_case(label, pseudonym)
        self._forget(t.subjects)
        self.connection.execute(
            sa.insert(t.subjects).values(
                id=id,
                employer_id=employer_id,
                pseudonym=pseudonym,
                lookup=lookup,
                identity_ct=self._seal(label, "identity", dict(identity)),
                created_at=now,
            )
        )

    def subject_identity(self, subject: RowMapping) -> dict[str, Any]:
        label = identity_label(subject["pseudonym"])
        return dict(self._open(label, "identity", subject["identity_ct"]))

    def update_subject(self, subject_id: str, **values: Any) -> None:
        self._forget(t.subjects)
        self.connection.execute(
            sa.update(t.subjects).where(t.subjects.c.id == subject_id).values(**values)
        )

    def delete_subject(self, subject_id: str) -> None:
        self._forget(t.subjects)
        self.connection.execute(sa.delete(t.subjects).where(t.subjects.c.id == subject_id))

    # --- role profiles -----------------------------------------------------------------

    def add_profile(self, *, body: Mapping[str, Any], **values: Any) -> None:
        self._added.add((t.role_profiles.name, str(values["id"])))
        self.connection.execute(
            sa.insert(t.role_profiles).values(body=json.dumps(body, ensure_ascii=False), **values)
        )

    def profile(self, profile_id: str) -> RowMapping | None:
        row = self._profiles.get(profile_id)
        if row is None:
            row = self._written_once(t.role_profiles, profile_id)
            if row is not None:
                self._profiles[profile_id] = row
        return row

    def profiles_of(self, employer_id: str) -> Sequence[RowMapping]:
        query = (
            sa.select(t.role_profiles)
            .where(t.role_profiles.c.employer_id == employer_id)
            .order_by(t.role_profiles.c.role_id)
        )
        return self.connection.execute(query).mappings().all()

    def profile_ids_for_role(self, role_id: str, employer_id: str | None) -> set[str]:
        query = sa.select(t.role_profiles.c.id).where(t.role_profiles.c.role_id == role_id)
        if employer_id is not None:
            query = query.where(t.role_profiles.c.employer_id == employer_id)
        return {str(row.id) for row in self.connection.execute(query)}

    # --- cases -------------------------------------------------------------------------

    def add_case(
        self,
        *,
        claims: Mapping[str, Any] | None,
        purpose: str,
        candidate_name: str | None = None,
        contact: Mapping[str, str] | None = None,
        **values: Any,
    ) -> None:
        label = values["pseudonym"]
        self.cipher.open_case(label, values.pop("subject_pseudonym"))
        claims_ct = None if claims is None else self._seal(label, "claims", claims)
        purpose_ct = self.cipher.encrypt_text(label, "purpose", purpose)
        name_ct = (
            None
            if candidate_name is None
            else self.cipher.encrypt_text(label, "candidate_name", candidate_name)
        )
        contact_ct = None if contact is None else self._seal(label, "contact", dict(contact))
        self._forget(t.cases)
        self.connection.execute(
            _insert(t.cases),
            {
                "claims_ct": claims_ct,
                "purpose_ct": purpose_ct,
                "candidate_name_ct": name_ct,
                "contact_ct": contact_ct,
                **values,
            },
        )

    def case_candidate_name(self, case: Mapping[Any, Any]) -> str | None:
        """The candidate's name as the employer entered it (None: not given, or destroyed)."""
        if case["candidate_name_ct"] is None:
            return None
        return self.cipher.decrypt_text(
            str(case["pseudonym"]), "candidate_name", bytes(case["candidate_name_ct"])
        )

    def case_contact(self, case: Mapping[Any, Any]) -> dict[str, str] | None:
        """The candidate's contact (``kind``, ``value``) for this case, or None."""
        if case["contact_ct"] is None:
            return None
        return dict(self._open(str(case["pseudonym"]), "contact", case["contact_ct"]))

    def set_case_contact(self, case: Mapping[Any, Any], contact: Mapping[str, str]) -> None:
        """Replace the candidate's contact (a corrected number or address), sealed under
        the case key as at the order."""
        sealed = self._seal(str(case["pseudonym"]), "contact", dict(contact))
        self.update_case(str(case["id"]), contact_ct=sealed)

    # --- the candidate's invitation links ------------------------------------------------

    def add_candidate_invitation(self, **values: Any) -> None:
        self.connection.execute(sa.insert(t.candidate_invitations).values(**values))

    def candidate_invitation(self, token_hash: str) -> RowMapping | None:
        table = t.candidate_invitations
        return self._one(sa.select(table).where(table.c.token_hash == token_hash))

    def candidate_invitations(self, case_id: str) -> Sequence[RowMapping]:
        """The case's links, oldest first."""
        table = t.candidate_invitations
        query = sa.select(table).where(table.c.case_id == case_id)
        return (
            self.connection.execute(query.order_by(table.c.created_at, table.c.id)).mappings().all()
        )

    def candidate_invitation_sent(
        self, invitation_id: str, *, sent_at: datetime | None, failure: str | None
    ) -> None:
        """Record whether the link's message went out (``failure``: the reason key)."""
        table = t.candidate_invitations
        self.connection.execute(
            sa.update(table)
            .where(table.c.id == invitation_id)
            .values(sent_at=sent_at, failure=failure)
        )

    def use_candidate_invitation(self, invitation_id: str, at: datetime) -> bool:
        """Mark the link used; False if it already was (single use, even for two at once)."""
        table = t.candidate_invitations
        done = self.connection.execute(
            sa.update(table)
            .where(table.c.id == invitation_id, table.c.used_at.is_(None))
            .values(used_at=at)
        )
        return done.rowcount == 1

    def case_purpose(self, case: Mapping[Any, Any]) -> str:
        """The employer's stated purpose of the case (or of its authorization row)."""
        if case["purpose_ct"] is None:  # a legacy row not sealed yet
            return str(case["purpose"])
        return self.cipher.decrypt_text(
            str(case["pseudonym"]), "purpose", bytes(case["purpose_ct"])
        )

    def has_legacy_purposes(self) -> bool:
        return any(
            self.connection.execute(
                sa.select(table.c.purpose).where(table.c.purpose.is_not(None)).limit(1)
            ).first()
            for table in (t.cases, t.authorizations)
        )

    def seal_legacy_purposes(self) -> int:
        """Encrypt the plaintext purposes written before ``0010_privacy`` and empty them
        (a destroyed case's is emptied: its keys are gone, and so is what it said).
        Idempotent; returns how many rows were sealed or emptied."""
        done = 0
        self._forget(t.cases, t.authorizations)
        for table in (t.cases, t.authorizations):
            key_column = t.cases.c.id if table is t.cases else table.c.case_id
            query = (
                sa.select(
                    key_column.label("id"), t.cases.c.pseudonym, t.cases.c.state, table.c.purpose
                )
                .select_from(table if table is t.cases else table.join(t.cases))
                .where(table.c.purpose.is_not(None))
            )
            for row in self.connection.execute(query).all():
                sealed = None
                if row.state != CaseState.DESTROYED.value:
                    sealed = self.cipher.encrypt_text(row.pseudonym, "purpose", row.purpose)
                self.connection.execute(
                    sa.update(table)
                    .where(key_column == row.id)
                    .values(purpose=None, purpose_ct=sealed)
                )
                done += 1
        return done

    def _locked(self, query: sa.Select[Any], *, shared: bool = False) -> sa.Select[Any]:
        return query.with_for_update(read=shared) if self._lock_rows else query

    def case(self, case_id: str) -> RowMapping | None:
        query = _rows_where(t.cases, "id", lock=self._lock_rows)
        return self._read_once(t.cases, case_id, lambda: self._one(query, case_id))

    def case_by_pseudonym(self, pseudonym: str) -> RowMapping | None:
        return self._one(self._locked(sa.select(t.cases).where(t.cases.c.pseudonym == pseudonym)))

    def destroyed_pseudonyms(self, pseudonyms: Iterable[str]) -> set[str]:
        """Which of these case pseudonyms belong to destroyed cases. A writer holds the
        cases (shared) until it commits, so a purge cannot destroy one in between."""
        query = _destroyed_among(self.connection.dialect.name, self._lock_rows)
        rows = self.connection.execute(query, {"pseudonyms": sorted(pseudonyms)})
        return {str(row.pseudonym) for row in rows if row.state == CaseState.DESTROYED.value}

    def update_case(self, case_id: str, **values: Any) -> RowMapping:
        """Set ``values`` on the case's row; the row as it now stands (``RETURNING``: the
        update locks it as :meth:`case` would, with no second statement to read it)."""
        parameters = {**values, "case_id": case_id}
        row = one_mapping(self.connection.execute(_UPDATE_CASE, parameters))
        self._read[(t.cases.name, case_id)] = row  # the row as it now stands
        return row

    def cases_where(
        self, *conditions: Any, limit: int | None = None, lock: bool = False
    ) -> Sequence[RowMapping]:
        """The cases meeting ``conditions``. ``lock``: each row locked until commit
        (``FOR UPDATE``); a row another transaction changed meanwhile is read as it
        committed it, and left out if it no longer meets the conditions (PostgreSQL's
        READ COMMITTED; SQLite's writer holds the whole database already)."""
        query = sa.select(t.cases).where(*conditions).order_by(t.cases.c.created_at, t.cases.c.id)
        if limit is not None:
            query = query.limit(limit)
        # an explicit lock (purge, release) locks even where a writer's reads don't
        query = query.with_for_update() if lock else self._locked(query)
        return self.connection.execute(query).mappings().all()

    def due_case_ids(self, now: datetime, *, exclude_state: str) -> list[str]:
        query = (
            sa.select(t.cases.c.id)
            .where(t.cases.c.destruction_due <= now, t.cases.c.state != exclude_state)
            .order_by(t.cases.c.destruction_due, t.cases.c.id)
        )
        return [str(row.id) for row in self.connection.execute(query)]

    def cases_by_ids(self, case_ids: Sequence[str], *, lock: bool = False) -> Sequence[RowMapping]:
        """The cases of these ids, in id order (always the same order: two lockers of
        overlapping batches cannot deadlock). ``lock``: as :meth:`cases_where`."""
        query = (
            sa.select(t.cases).where(self._one_of(t.cases.c.id, case_ids)).order_by(t.cases.c.id)
        )
        # an explicit lock (purge, release) locks even where a writer's reads don't
        query = query.with_for_update() if lock else self._locked(query)
        return self.connection.execute(query).mappings().all()

    def claims(self, case: RowMapping) -> dict[str, Any]:
        if case["claims_ct"] is None:
            return {}
        return dict(self._open(case["pseudonym"], "claims", case["claims_ct"]))

    def sealed_claims(self, case: RowMapping, claims: Mapping[str, Any]) -> bytes:
        """The claims as the case's row keeps them (``claims_ct``), for an update that
        sets them with other columns (signing: with the state)."""
        return self._seal(case["pseudonym"], "claims", claims)

    def set_claims(self, case: RowMapping, claims: Mapping[str, Any]) -> None:
        self.update_case(case["id"], claims_ct=self.sealed_claims(case, claims))

    # --- authorization -----------------------------------------------------------------

    def put_authorization(
        self, case: RowMapping, *, text: str, purpose: str, **values: Any
    ) -> None:
        """Store the signed authorization; this unit of work then answers
        :meth:`authorization` from the row the insert returned (``RETURNING``, as the key
        store remembers a key it adds): signing sets the scope from it at once."""
        self._forget(t.authorizations)
        row = one_mapping(
            self.connection.execute(
                _INSERT_AUTHORIZATION,
                {
                    "case_id": case["id"],
                    "text_ct": self.cipher.encrypt_text(
                        case["pseudonym"], "authorization_text", text
                    ),
                    "purpose_ct": self.cipher.encrypt_text(case["pseudonym"], "purpose", purpose),
                    **values,
                },
            )
        )
        # as :meth:`authorization` reads it: the case's pseudonym joined, the purpose open
        stored = {**row, "pseudonym": case["pseudonym"], "purpose": purpose}
        self._read[(t.authorizations.name, str(case["id"]))] = stored

    def authorization(self, case_id: str) -> dict[str, Any] | None:
        """The case's authorization row, its purpose decrypted (``purpose``)."""

        def read() -> dict[str, Any] | None:
            row = self._one(_AUTHORIZATION, case_id)
            return None if row is None else {**row, "purpose": self.case_purpose(row)}

        found = self._read_once(t.authorizations, case_id, read)
        return None if found is None else dict(found)  # the caller's own copy

    def authorization_text(self, case: RowMapping, row: Mapping[str, Any]) -> str:
        return self.cipher.decrypt_text(
            case["pseudonym"], "authorization_text", bytes(row["text_ct"])
        )

    def update_authorization(self, case_id: str, **values: Any) -> None:
        self._forget(t.authorizations)
        self.connection.execute(
            sa.update(t.authorizations)
            .where(t.authorizations.c.case_id == case_id)
            .values(**values)
        )

    # --- records -----------------------------------------------------------------------

    def put_records(
        self, case: RowMapping, records: Iterable[Mapping[str, Any]], now: datetime
    ) -> None:
        rows = [
            {
                "case_id": case["id"],
                "record_id": record["id"],
                "category": record["category"],
                "status": record.get("status", "ok"),
                "body_ct": self._seal(case["pseudonym"], f"record.{record['id']}", dict(record)),
                "created_at": now,
            }
            for record in records
        ]
        if rows:
            self.connection.execute(_insert(t.records), rows)

    def records(self, case: RowMapping) -> list[dict[str, Any]]:
        query = _rows_where(t.records, "case_id", order_by=("created_at", "record_id"))
        return [
            dict(self._open(case["pseudonym"], f"record.{row['record_id']}", row["body_ct"]))
            for row in self._rows(query, case["id"])
        ]

    def delete_records(self, case: RowMapping, record_ids: Iterable[str]) -> None:
        ids = list(record_ids)
        if ids:
            self.connection.execute(
                sa.delete(t.records).where(
                    t.records.c.case_id == case["id"], t.records.c.record_id.in_(ids)
                )
            )

    # --- reports -----------------------------------------------------------------------

    def put_report(self, case: RowMapping, document: Mapping[str, Any], **values: Any) -> int:
        existing = self.report_row(case["id"])
        version = 1 if existing is None else int(existing["version"]) + 1
        body = self._seal(case["pseudonym"], "report", dict(document))
        self._forget(t.reports)
        if existing is None:
            self.connection.execute(
                _insert(t.reports),
                {"case_id": case["id"], "version": version, "body_ct": body, **values},
            )
        else:
            self.connection.execute(
                sa.update(t.reports)
                .where(t.reports.c.case_id == case["id"])
                .values(version=version, body_ct=body, **values)
            )
        return version

    def report_row(self, case_id: str) -> RowMapping | None:
        query = _rows_where(t.reports, "case_id")
        return self._read_once(t.reports, case_id, lambda: self._one(query, case_id))

    def report(self, case: RowMapping) -> dict[str, Any] | None:
        row = self.report_row(case["id"])
        if row is None:
            return None
        return dict(self._open(case["pseudonym"], "report", row["body_ct"]))

    # --- disputes ------------------------------------------------------------------------

    def add_dispute(
        self, case: RowMapping, *, statement: str, evidence: str | None, **values: Any
    ) -> None:
        label = case["pseudonym"]
        self.connection.execute(
            sa.insert(t.disputes).values(
                case_id=case["id"],
                statement_ct=self.cipher.encrypt_text(
                    label, f"dispute.{values['id']}.statement", statement
                ),
                evidence_ct=None
                if evidence is None
                else self.cipher.encrypt_text(label, f"dispute.{values['id']}.evidence", evidence),
                **values,
            )
        )

    def add_evidence_file(
        self,
        case: RowMapping,
        *,
        file_id: str,
        dispute_id: str,
        content_type: str,
        filename: str,
        chunks: Iterable[bytes],
        created_at: datetime,
    ) -> int:
        """Store a file chunk by chunk, each encrypted under the case's key with the file
        and its position as associated data (a chunk moved, swapped or replayed from
        another file does not decrypt); returns the size. The file row gets its size and
        count of chunks last, so a file is only ever read whole."""
        label = case["pseudonym"]
        files = t.evidence_files
        self.connection.execute(
            sa.insert(files).values(
                id=file_id,
                case_id=case["id"],
                dispute_id=dispute_id,
                content_type=content_type,
                size=0,
                chunks=0,
                filename_ct=self.cipher.encrypt_text(label, f"evidence.{file_id}.name", filename),
                created_at=created_at,
                check_status="pending",  # until its content check ran (evidence_checks.py)
            )
        )
        size = count = 0
        for chunk in chunks:
            count += 1
            size += len(chunk)
            self.connection.execute(
                sa.insert(t.evidence_chunks).values(
                    file_id=file_id,
                    seq=count,
                    chunk_ct=self.cipher.encrypt(label, f"evidence.{file_id}.{count}", chunk),
                )
            )
        self.connection.execute(
            sa.update(files).where(files.c.id == file_id).values(size=size, chunks=count)
        )
        return size

    def evidence_files(self, case: RowMapping) -> list[dict[str, Any]]:
        """The case's evidence files (no content): id, dispute, type, size, name, and
        where its content check stands (``check_status``, ``check_reason``)."""
        rows = self.connection.execute(
            sa.select(t.evidence_files)
            .where(t.evidence_files.c.case_id == case["id"])
            .order_by(t.evidence_files.c.created_at, t.evidence_files.c.id)
        ).mappings()
        return [self._evidence_file(case, row) for row in rows]

    def _evidence_file(self, case: RowMapping, row: RowMapping) -> dict[str, Any]:
        return {
            "id": row["id"],
            "dispute_id": row["dispute_id"],
            "content_type": row["content_type"],
            "size": row["size"],
            "chunks": row["chunks"],
            "filename": self.cipher.decrypt_text(
                case["pseudonym"], f"evidence.{row['id']}.name", bytes(row["filename_ct"])
            ),
            "check_status": row["check_status"],
            "check_reason": row["check_reason"],
        }

    def evidence_file(
        self, case: RowMapping, file_id: str, *, lock: bool = False
    ) -> dict[str, Any] | None:
        """One evidence file of the case (no content), as :meth:`evidence_files` lists it;
        ``lock``: its row locked until commit (``FOR UPDATE``), read as last committed."""
        files = t.evidence_files
        query = sa.select(files).where(files.c.id == file_id, files.c.case_id == case["id"])
        query = query.with_for_update() if lock else self._locked(query)
        row = first_mapping(self.connection.execute(query))
        return None if row is None else self._evidence_file(case, row)

    def pending_evidence_files(self, created_before: datetime) -> list[tuple[str, str]]:
        """(case id, file id) of every file whose content check has not run, stored
        before ``created_before``; oldest first. Ids only: nothing decrypted."""
        files = t.evidence_files
        query = (
            sa.select(files.c.case_id, files.c.id)
            .where(files.c.check_status == "pending", files.c.created_at < created_before)
            .order_by(files.c.created_at, files.c.id)
        )
        return [(str(case_id), str(file_id)) for case_id, file_id in self.connection.execute(query)]

    def finish_evidence_check(
        self, file_id: str, *, status: str, reason: str | None, checked_at: datetime
    ) -> None:
        """Record a file's content check; a rejected file's content goes at once (its
        chunks deleted; its row stays with its name, under the case's key, and the
        reason, so the candidate and the agency see which file was refused and why)."""
        files = t.evidence_files
        values: dict[str, Any] = {
            "check_status": status,
            "check_reason": reason,
            "checked_at": checked_at,
        }
        if status == "rejected":
            self.connection.execute(
                sa.delete(t.evidence_chunks).where(t.evidence_chunks.c.file_id == file_id)
            )
            values["chunks"] = 0
        self.connection.execute(sa.update(files).where(files.c.id == file_id).values(**values))

    def evidence_chunks(self, case: RowMapping, file_id: str, chunks: int) -> Iterable[bytes]:
        """The file's plaintext, one chunk at a time, in order; a missing chunk is an
        error (a truncated file is never served as if whole)."""
        label = case["pseudonym"]
        for seq in range(1, chunks + 1):
            blob = self.connection.execute(
                sa.select(t.evidence_chunks.c.chunk_ct).where(
                    t.evidence_chunks.c.file_id == file_id, t.evidence_chunks.c.seq == seq
                )
            ).scalar_one()
            yield self.cipher.decrypt(label, f"evidence.{file_id}.{seq}", bytes(blob))

    def disputes(self, case: RowMapping, *, with_texts: bool = True) -> list[dict[str, Any]]:
        """The case's disputes, oldest first, statement, evidence note and answer
        decrypted (the last two optional; ``with_texts``: see :meth:`_owned_rows`)."""
        return self._owned_rows(
            case,
            t.disputes,
            "opened_at",
            ("id", "finding_id", "opened_at", "due_at", "outcome", "resolved_at"),
            ("statement", "evidence", "answer") if with_texts else (),
        )

    def open_dispute_count(self, case_id: str) -> int:
        return int(self.connection.execute(_OPEN_DISPUTES, {"key": case_id}).scalar_one())

    def open_disputed_findings(self, case_id: str) -> set[str]:
        """The findings of the case with an unanswered dispute (nothing decrypted)."""
        query = sa.select(t.disputes.c.finding_id).where(
            t.disputes.c.case_id == case_id, t.disputes.c.outcome.is_(None)
        )
        return {str(finding) for finding in self.connection.execute(query).scalars()}

    def resolve_dispute(
        self, case: RowMapping, dispute_id: str, *, answer: str, **values: Any
    ) -> None:
        self.connection.execute(
            sa.update(t.disputes)
            .where(t.disputes.c.id == dispute_id, t.disputes.c.case_id == case["id"])
            .values(
                answer_ct=self.cipher.encrypt_text(
                    case["pseudonym"], f"dispute.{dispute_id}.answer", answer
                ),
                **values,
            )
        )

    # --- supplements (补充材料) ------------------------------------------------------------

    def add_supplement(self, case: RowMapping, *, note: str | None, **values: Any) -> None:
        self.connection.execute(
            sa.insert(t.supplements).values(
                case_id=case["id"],
                note_ct=None
                if note is None
                else self.cipher.encrypt_text(
                    case["pseudonym"], f"supplement.{values['id']}.note", note
                ),
                **values,
            )
        )

    def supplements(self, case: RowMapping, *, with_texts: bool = True) -> list[dict[str, Any]]:
        """The case's supplements, oldest first, note and answer decrypted (``with_texts``:
        see :meth:`_owned_rows`)."""
        return self._owned_rows(
            case,
            t.supplements,
            "supplied_at",
            ("id", "finding_id", "category", "supplied_at", "outcome", "answered_at"),
            ("note", "answer") if with_texts else (),
        )

    def _owned_rows(
        self,
        case: RowMapping,
        table: sa.Table,
        oldest_first: str,
        columns: tuple[str, ...],
        texts: tuple[str, ...],
    ) -> list[dict[str, Any]]:
        """A case's disputes or supplements, ordered by the time ``oldest_first`` names:
        ``columns`` as stored, and each of ``texts`` decrypted (None where there is none).
        A caller that needs only their state names no texts, and reads nothing a person
        wrote."""
        kind = table.name.removesuffix("s")  # "dispute", "supplement": the texts' labels
        query = _rows_where(table, "case_id", order_by=(oldest_first, "id"))
        label = case["pseudonym"]
        out = []
        for row in self._rows(query, case["id"]):
            item = {k: row[k] for k in columns}
            for text in texts:
                blob = row[f"{text}_ct"]
                item[text] = (
                    None
                    if blob is None
                    else self.cipher.decrypt_text(label, f"{kind}.{row['id']}.{text}", bytes(blob))
                )
            out.append(item)
        return out

    def answer_supplement(
        self, case: RowMapping, supplement_id: str, *, answer: str, **values: Any
    ) -> None:
        self.connection.execute(
            sa.update(t.supplements)
            .where(t.supplements.c.id == supplement_id, t.supplements.c.case_id == case["id"])
            .values(
                answer_ct=self.cipher.encrypt_text(
                    case["pseudonym"], f"supplement.{supplement_id}.answer", answer
                ),
                **values,
            )
        )

    # --- decision and notices -----------------------------------------------------------

    def put_decision(self, case: RowMapping, *, reason: str, **values: Any) -> None:
        self.connection.execute(
            _insert(t.decisions),
            {
                "case_id": case["id"],
                "reason_ct": self.cipher.encrypt_text(case["pseudonym"], "decision.reason", reason),
                **values,
            },
        )

    def decision(self, case: RowMapping) -> dict[str, Any] | None:
        row = self._one(_rows_where(t.decisions, "case_id"), case["id"])
        if row is None:
            return None
        return {
            "outcome": row["outcome"],
            "adverse": row["adverse"],
            "report_part": row["report_part"],
            "decided_at": row["decided_at"],
            "reason": self.cipher.decrypt_text(
                case["pseudonym"], "decision.reason", bytes(row["reason_ct"])
            ),
        }

    def add_notice(self, case: RowMapping, *, body: Mapping[str, Any], **values: Any) -> None:
        self.connection.execute(
            _insert(t.notices),
            {
                "case_id": case["id"],
                "body_ct": self._seal(case["pseudonym"], f"notice.{values['id']}", dict(body)),
                **values,
            },
        )

    def notices(self, case: RowMapping) -> list[dict[str, Any]]:
        query = _rows_where(t.notices, "case_id", order_by=("created_at",))
        return [
            {
                "id": row["id"],
                "kind": row["kind"],
                "created_at": row["created_at"],
                "body": self._open(case["pseudonym"], f"notice.{row['id']}", row["body_ct"]),
            }
            for row in self._rows(query, case["id"])
        ]

    # --- referees' invitations (structured reference checks) ----------------------------

    def add_invitation(
        self, case: RowMapping, *, referee: Mapping[str, Any], **values: Any
    ) -> None:
        """A referee's invitation; their name and contact sealed under the case key."""
        sealed = self._seal(case["pseudonym"], f"referee.{values['id']}", dict(referee))
        self.connection.execute(
            sa.insert(reference_invitations).values(case_id=case["id"], referee_ct=sealed, **values)
        )

    def invitation_by_token_hash(self, token_hash: str) -> RowMapping | None:
        table = reference_invitations
        return self._one(sa.select(table).where(table.c.token_hash == token_hash))

    def invitations(self, case: RowMapping) -> list[dict[str, Any]]:
        """The case's invitations, each with its referee's name and contact opened."""
        table = reference_invitations
        query = (
            sa.select(table)
            .where(table.c.case_id == case["id"])
            .order_by(table.c.created_at, table.c.id)
        )
        return [
            {
                **dict(row),
                "referee": self._open(case["pseudonym"], f"referee.{row['id']}", row["referee_ct"]),
            }
            for row in self.connection.execute(query).mappings()
        ]

    def mark_invitation_answered(self, invitation_id: str, at: datetime) -> bool:
        """Mark the invitation used; False if it was already (single use, even when two
        submissions race: the update matches an unanswered row once)."""
        table = reference_invitations
        result = self.connection.execute(
            sa.update(table)
            .where(table.c.id == invitation_id, table.c.answered_at.is_(None))
            .values(answered_at=at)
        )
        return result.rowcount == 1

    # --- destruction -----------------------------------------------------------------------

    def record_counts(self, case_ids: Sequence[str]) -> dict[str, int]:
        query = (
            sa.select(t.records.c.case_id, sa.func.count())
            .where(self._one_of(t.records.c.case_id, case_ids))
            .group_by(t.records.c.case_id)
        )
        return {str(case_id): int(count) for case_id, count in self.connection.execute(query)}

    def open_dispute_counts(self, case_ids: Sequence[str]) -> dict[str, int]:
        query = (
            sa.select(t.disputes.c.case_id, sa.func.count())
            .where(self._one_of(t.disputes.c.case_id, case_ids), t.disputes.c.outcome.is_(None))
            .group_by(t.disputes.c.case_id)
        )
        return {str(case_id): int(count) for case_id, count in self.connection.execute(query)}

    def delete_content_many(
        self, case_ids: Sequence[str], pseudonyms: Sequence[str], **tombstone: Any
    ) -> None:
        """Delete every row that holds the cases' content, their ledger entries' payloads
        included (a rating's light and rule IDs, a decision); the case rows stay as
        tombstones (ids, pseudonym, state and times: no personal data), their claims
        wiped and ``tombstone`` set in the same statement (the caller clears the light
        and outcome there too)."""
        self._forget(t.cases, t.authorizations, t.reports)
        files = sa.select(t.evidence_files.c.id).where(
            self._one_of(t.evidence_files.c.case_id, case_ids)
        )
        self.connection.execute(
            sa.delete(t.evidence_chunks).where(t.evidence_chunks.c.file_id.in_(files))
        )
        for table in (
            t.evidence_files,
            t.records,
            t.reports,
            t.disputes,
            t.supplements,
            t.decisions,
            t.notices,
            reference_invitations,
            t.candidate_invitations,
            t.authorizations,
        ):
            self.connection.execute(sa.delete(table).where(self._one_of(table.c.case_id, case_ids)))
        payloads = t.event_payloads
        self.connection.execute(
            sa.delete(payloads).where(self._one_of(payloads.c.case_pseudonym, pseudonyms))
        )
        self.update_cases(
            case_ids,
            claims_ct=None,
            purpose_ct=None,
            purpose=None,
            candidate_name_ct=None,
            contact_ct=None,
            **tombstone,
        )

    def event_payload(self, commitment: str) -> bytes | None:
        """The payload an entry commits to, as stored, by the value the entry carries."""
        body = self.connection.execute(
            sa.select(t.event_payloads.c.body).where(t.event_payloads.c.digest == commitment)
        ).scalar_one_or_none()
        return None if body is None else str(body).encode("utf-8")

    def update_cases(self, case_ids: Sequence[str], **values: Any) -> None:
        self._forget(t.cases)
        self.connection.execute(
            sa.update(t.cases).where(self._one_of(t.cases.c.id, case_ids)).values(**values)
        )

    def add_certificates(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.connection.execute(sa.insert(t.certificates), [dict(r) for r in rows])

    def certificate(self, case_pseudonym: str) -> RowMapping | None:
        return self._one(
            sa.select(t.certificates).where(t.certificates.c.case_pseudonym == case_pseudonym)
        )

    # --- voluntary self-identification (PRODUCT.md §7): apart from every case -------------

    def put_self_identification(
        self, subject: RowMapping, *, declined: bool, answers: Mapping[str, str], now: datetime
    ) -> None:
        label = selfid_label(subject["pseudonym"])
        body = None
        if not declined:
            self.cipher.open_case(label, subject["pseudonym"])
            body = self._seal(label, "answers", dict(answers))
        table = self_identifications
        self.connection.execute(sa.delete(table).where(table.c.subject_id == subject["id"]))
        self.connection.execute(
            sa.insert(table).values(
                subject_id=subject["id"], declined=declined, answered_at=now, body_ct=body
            )
        )

    def delete_self_identification(self, subject_id: str) -> None:
        table = self_identifications
        self.connection.execute(sa.delete(table).where(table.c.subject_id == subject_id))

    def fairness_snapshot(self, scope: str, quarter: str) -> dict[str, Any] | None:
        table = fairness_snapshots
        body = self.connection.execute(
            sa.select(table.c.body).where(table.c.scope == scope, table.c.quarter == quarter)
        ).scalar_one_or_none()
        return None if body is None else dict(json.loads(body))

    def put_fairness_snapshot(
        self, scope: str, quarter: str, body: Mapping[str, Any], now: datetime
    ) -> None:
        self.connection.execute(
            sa.insert(fairness_snapshots).values(
                scope=scope, quarter=quarter, body=json.dumps(body, sort_keys=True), created_at=now
            )
        )

    def self_identifications(self) -> dict[str, dict[str, str]]:
        """Every consented answer by subject id (aggregate reports only)."""
        table = self_identifications
        query = (
            sa.select(table.c.subject_id, table.c.body_ct, t.subjects.c.pseudonym)
            .join(t.subjects, t.subjects.c.id == table.c.subject_id)
            .where(table.c.declined.is_(False))
        )
        return {
            str(row.subject_id): dict(
                self._open(selfid_label(row.pseudonym), "answers", row.body_ct)
            )
            for row in self.connection.execute(query)
        }

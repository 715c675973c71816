"""The source port: how an investigation asks a register, issuer or witness source about a
subject, and what comes back (PRODUCT.md P1, P3; issue 4 item 3).

- A :class:`SourceQuery` names the category, the case pseudonym and the subject's
  identifiers; a :class:`SourceAnswer` carries records in the case-file record shape of
  ``case.schema.json`` (``id``, ``category``, ``source``, ``identity``, ``status``,
  ``data``), or says ``not_found`` or ``source_unavailable``.
- Every failure of a source is an answer, never an exception: ``source_unavailable`` with
  an :class:`UnavailableReason`, which the rating turns into ``CHECK_INCOMPLETE``
  (PRODUCT.md §4). ``not_found`` is said only when the source itself says so, because the
  rating reads it as "clean".
- No query without a :class:`QueryPermit` for that case and category (PRODUCT.md P1: "no
  source may be queried for a case without an authorization …"). The service issues a
  permit with :func:`issue_permit`, which runs the domain's authorization check; each
  adapter calls :func:`check_permit` before it does anything else. The service enforces
  the authorization as well: the permit is the second lock, at the point of I/O.
- Identifiers are personal data (PIPL art. 4): their ``repr`` is masked and no error or
  answer ``repr`` carries them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from fairscreen.domain.authorization import check_authorization_at
from fairscreen.domain.categories import (
    PROHIBITED,
    Category,
    RecordStatus,
    SourceKind,
)
from fairscreen.domain.errors import (
    AuthorizationExpired,
    AuthorizationMissing,
    InvalidInput,
    ScopeViolation,
)
from fairscreen.domain.model import Authorization
from fairscreen.domain.scope import is_consented


def utc_now() -> datetime:
    """The adapters' default clock (the service passes its own, so tests control time)."""
    return datetime.now(UTC)


#: How long a permit lives at most. Short, so that a revocation stops queries within
#: minutes even if a service forgot to drop its permits (PRODUCT.md P1: "at once").
PERMIT_TTL = timedelta(minutes=15)


class UnavailableReason(StrEnum):
    """Why a source answered ``source_unavailable`` (logged and kept; no personal data)."""

    TIMEOUT = "TIMEOUT"
    CONNECTION_ERROR = "CONNECTION_ERROR"
    SERVER_ERROR = "SERVER_ERROR"  # 5xx or 429, after the retries
    HTTP_STATUS = "HTTP_STATUS"  # any other non-200 (4xx, a redirect)
    REPORTED_UNAVAILABLE = "REPORTED_UNAVAILABLE"  # the source said so itself
    INVALID_JSON = "INVALID_JSON"
    INVALID_SHAPE = "INVALID_SHAPE"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    CIRCUIT_OPEN = "CIRCUIT_OPEN"
    NOT_COVERED = "NOT_COVERED"  # the source holds no register for this category
    INTERNAL_ERROR = "INTERNAL_ERROR"  # a bug in the adapter: still no crash


# --- query ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubjectIdentifiers:
    """What a source needs to look a subject up. Personal data: ``repr`` is masked."""

    national_id: str
    name: str
    birth_date: date | None = None

    def __repr__(self) -> str:
        return "SubjectIdentifiers(<redacted>)"


@dataclass(frozen=True, slots=True)
class SourceQuery:
    category: Category
    case: str  # the case pseudonym
    subject: SubjectIdentifiers


# --- permit ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryPermit:
    """Leave to query sources for ``categories`` of one case until ``valid_until``.

    Created by the service through :func:`issue_permit` after the authorization check;
    ``authorization_ref`` is the authorization's pseudonymous id (for the ledger's
    ``source.queried`` entry). A prohibited category can never be in a permit.
    """

    case: str
    categories: frozenset[Category]
    valid_until: datetime
    authorization_ref: str

    def __post_init__(self) -> None:
        forbidden = self.categories & PROHIBITED
        if forbidden:
            raise ScopeViolation(
                "a prohibited category can never be queried: {category}",
                field="permit.categories",
                key="scope.prohibited_category_can_never_queried",
                category=sorted(forbidden)[0],
            )
        if self.valid_until.tzinfo is None:
            raise InvalidInput("must be timezone-aware", field="permit.valid_until")


def issue_permit(
    authorization: Authorization | None,
    *,
    authorization_ref: str,
    case: str,
    employer_id: str,
    role_id: str,
    categories: Iterable[Category],
    at: datetime,
    ttl: timedelta = PERMIT_TTL,
) -> QueryPermit:
    """A permit for ``categories``, or the refusal that says why not.

    1. the authorization must be valid at ``at`` for this employer and role
       (:func:`fairscreen.domain.authorization.check_authorization_at`: missing, wrong
       employer, revoked, expired on ``at``'s date or at that moment);
    2. each category must be consented, sensitive ones separately (PIPL art. 29);
    3. the permit lives until the authorization expires, and at most ``ttl``.
    """
    valid = check_authorization_at(authorization, employer_id=employer_id, role_id=role_id, at=at)
    wanted = frozenset(categories)
    for category in sorted(wanted):
        if category in PROHIBITED:
            raise ScopeViolation(
                "a prohibited category can never be queried: {category}",
                field="permit.categories",
                key="scope.prohibited_category_can_never_queried",
                category=category,
            )
        if not is_consented(category, valid):
            raise AuthorizationMissing(
                "the authorization does not cover {category}",
                field="authorization.categories",
                key="authorization.authorization_does_not_cover_category",
                category=category,
            )
    return QueryPermit(
        case=case,
        categories=wanted,
        valid_until=min(valid.expires_at, at + ttl),
        authorization_ref=authorization_ref,
    )


def check_permit(permit: QueryPermit | None, query: SourceQuery, *, at: datetime) -> None:
    """Refuse a query the permit does not cover (called first by every adapter).

    Raises ``AUTHORIZATION_MISSING`` without a permit, for another case or another
    category, and ``AUTHORIZATION_EXPIRED`` after ``valid_until``.
    """
    if not isinstance(permit, QueryPermit):
        raise AuthorizationMissing(
            "no query permit: sources are queried only with one",
            key="authorization.no_query_permit_sources_queried",
        )
    if permit.case != query.case:
        raise AuthorizationMissing(
            "the query permit is for another case",
            field="permit.case",
            key="authorization.query_permit_another_case",
        )
    if query.category not in permit.categories:
        raise AuthorizationMissing(
            "the query permit does not cover {category}",
            field="permit.categories",
            key="authorization.query_permit_does_not_cover",
            category=query.category,
        )
    if at >= permit.valid_until:
        raise AuthorizationExpired(
            "the query permit has expired",
            field="permit.valid_until",
            key="authorization.query_permit_expired",
        )


# --- answer -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceAnswer:
    """What a source said about one category of one subject.

    ``records`` are case-file records (``case.schema.json``), only of the queried
    category; records of any other category were dropped unread and counted in
    ``discarded``. Treat them as read-only: :meth:`case_records` hands out copies.
    """

    source_id: str
    source_kind: SourceKind
    category: Category
    status: RecordStatus
    records: tuple[Mapping[str, Any], ...] = ()
    reason: UnavailableReason | None = None
    attempts: int = 0
    discarded: int = 0
    detail: str | None = field(default=None, compare=False)  # e.g. "HTTP 503"; no PII

    @property
    def incomplete(self) -> bool:
        """True when the category must be rated ``CHECK_INCOMPLETE``."""
        return self.status is RecordStatus.SOURCE_UNAVAILABLE

    def case_records(self) -> list[dict[str, Any]]:
        """The answer as case-file records: the records themselves, or one status record
        (``not_found`` / ``source_unavailable``) naming the source and category."""
        if self.status is RecordStatus.OK:
            return [copy.deepcopy(dict(record)) for record in self.records]
        return [
            {
                "id": f"{self.source_id}:{self.category}:{self.status}",
                "category": str(self.category),
                "source": {"id": self.source_id, "kind": str(self.source_kind)},
                "status": str(self.status),
            }
        ]

    def __repr__(self) -> str:
        # Records hold personal data: only counts and codes here.
        return (
            f"SourceAnswer(source_id={self.source_id!r}, category={str(self.category)!r}, "
            f"status={str(self.status)!r}, records={len(self.records)}, "
            f"reason={self.reason and str(self.reason)!r}, attempts={self.attempts})"
        )


def unavailable(
    source_id: str,
    kind: SourceKind,
    category: Category,
    reason: UnavailableReason,
    *,
    attempts: int = 0,
    detail: str | None = None,
) -> SourceAnswer:
    return SourceAnswer(
        source_id,
        kind,
        category,
        RecordStatus.SOURCE_UNAVAILABLE,
        reason=reason,
        attempts=attempts,
        detail=detail,
    )


class SourcePort(Protocol):
    """One source (or a family of registers) behind one narrow call."""

    @property
    def source_id(self) -> str: ...

    @property
    def categories(self) -> frozenset[Category]:
        """The categories this source can answer for."""
        ...

    def fetch(self, query: SourceQuery, permit: QueryPermit | None) -> SourceAnswer:
        """Ask the source. Raises only the refusals of :func:`check_permit`; every failure
        of the source itself is a ``source_unavailable`` answer."""
        ...


# --- record shape --------------------------------------------------------------------------------

#: Keys each category's ``data`` must carry when the status is ``ok`` (case.schema.json).
#: The service's case-file parser validates the full shape; this is the adapter's first
#: line, so a source that sends nonsense is "unavailable" rather than a broken case.
REQUIRED_DATA: Mapping[Category, frozenset[str]] = {
    Category.IDENTITY: frozenset({"result"}),
    Category.EDUCATION: frozenset({"institution", "degree", "graduation_year"}),
    Category.EMPLOYMENT_HISTORY: frozenset({"employer"}),
    Category.PROFESSIONAL_LICENSE: frozenset({"number", "status"}),
    Category.LITIGATION: frozenset({"case_no", "case_type", "cause", "party_role", "outcome"}),
    Category.ENFORCEMENT: frozenset({"listing", "active"}),
    Category.CRIMINAL_RECORD: frozenset({"offence", "convicted"}),
    Category.CREDIT: frozenset({"serious_delinquency"}),
    Category.HEALTH_CERTIFICATE: frozenset({"valid_until"}),
    Category.REFERENCE: frozenset({"statements"}),
}
_RECORD_KEYS = frozenset({"id", "category", "source", "identity", "status", "data"})
_SOURCE_KEYS = frozenset({"id", "kind", "name", "person_id"})
_IDENTITY_KEYS = frozenset({"national_id", "name", "birth_date"})
_KINDS = frozenset(kind.value for kind in SourceKind)
_CATEGORIES = frozenset(category.value for category in Category)


class RecordShapeError(ValueError):
    """A record does not have the case-file record shape; ``path`` names where."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


def _require(condition: bool, path: str, problem: str) -> None:
    if not condition:
        raise RecordShapeError(path, problem)


def check_record(record: object, path: str, *, kinds: frozenset[SourceKind]) -> dict[str, Any]:
    """The record if it has the case-file record shape with an ``ok`` status, a source of
    one of ``kinds`` and the data keys of its category; raise :class:`RecordShapeError`.

    A source may not vouch for a kind it is not (a witness source labelling its records
    ``registry`` would verify them on its own, PRODUCT.md P3), hence ``kinds``.
    """
    _require(isinstance(record, dict), path, "must be an object")
    assert isinstance(record, dict)
    _require(set(record) <= _RECORD_KEYS, path, "unknown key")
    _require(isinstance(record.get("id"), str) and bool(record["id"]), f"{path}.id", "required")
    _require(record.get("category") in _CATEGORIES, f"{path}.category", "unknown category")
    source = record.get("source")
    _require(isinstance(source, dict), f"{path}.source", "must be an object")
    assert isinstance(source, dict)
    _require(set(source) <= _SOURCE_KEYS, f"{path}.source", "unknown key")
    _require(all(isinstance(v, str) for v in source.values()), f"{path}.source", "not text")
    _require(bool(source.get("id")), f"{path}.source.id", "required")
    _require(source.get("kind") in _KINDS, f"{path}.source.kind", "unknown kind")
    _require(
        SourceKind(source["kind"]) in kinds, f"{path}.source.kind", "not a kind of this source"
    )
    identity = record.get("identity", {})
    _require(isinstance(identity, dict), f"{path}.identity", "must be an object")
    _require(set(identity) <= _IDENTITY_KEYS, f"{path}.identity", "unknown key")
    _require(all(isinstance(v, str) for v in identity.values()), f"{path}.identity", "not text")
    _require(record.get("status", "ok") == "ok", f"{path}.status", "must be ok in a list")
    data = record.get("data")
    _require(isinstance(data, dict), f"{path}.data", "must be an object")
    assert isinstance(data, dict)
    required = REQUIRED_DATA.get(Category(record["category"]), frozenset())
    _require(required <= set(data), f"{path}.data", "misses a required key of its category")
    return record


def select_records(
    records: Sequence[object], category: Category, *, kinds: frozenset[SourceKind]
) -> tuple[tuple[dict[str, Any], ...], int]:
    """Keep the records of ``category``, shape-checked; count the others, which are dropped
    unread – not even validated (data minimisation, PIPL art. 6)."""
    kept: list[dict[str, Any]] = []
    discarded = 0
    for index, record in enumerate(records):
        path = f"records[{index}]"
        _require(isinstance(record, dict), path, "must be an object")
        assert isinstance(record, dict)
        _require(record.get("category") in _CATEGORIES, f"{path}.category", "unknown category")
        if record["category"] != category:
            discarded += 1
            continue
        kept.append(copy.deepcopy(check_record(record, path, kinds=kinds)))
    return tuple(kept), discarded

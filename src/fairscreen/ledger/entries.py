"""Ledger entries: a closed vocabulary, canonical JSON (RFC 8785), and a guard.

PRODUCT.md §6: each entry records an event type, the case pseudonym, the actor's role and
pseudonym, the time, the SHA-256 of the event's payload (kept in the database), and the
few non-personal facts the compliance audit needs. **No personal data, ever**: the guard
refuses any field outside the vocabulary below and any value of the wrong shape, so a
name, an ID number or a free-text note cannot slip in by accident.

Fields (``v`` 1):

=================  ==========================================================  ==========
field              shape                                                       required
=================  ==========================================================  ==========
``v``              the integer 1                                               yes
``type``           an :class:`EventType`                                       yes
``case``           pseudonym ``case_<32 hex>``                                 yes
``actor``          ``{"role": ActorRole, "pseudonym": subj_|usr_|sys_<32 hex>}``  yes
``at``             UTC time, RFC 3339 ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``         yes
``digest``         SHA-256 of the event payload, 64 lowercase hex              yes
``categories``     sorted, distinct category names (PRODUCT.md §P2)            no
``category``       one category name                                           no
``rulebook_sha256`` 64 lowercase hex                                           no
``window_ends``    UTC time (end of the candidate's review window)             no
``due``            UTC time (when the case's data must be destroyed)           no
``expires_at``     UTC time (end of an authorization or a retention hold)      no
``employer``       pseudonym ``emp_<32 hex>``                                  no
``reason``         a :class:`ReasonCode`                                       no
``outcome``        an :class:`Outcome`                                         no
=================  ==========================================================  ==========

A pseudonym is a fixed prefix and 32 lowercase hex digits (e.g. an HMAC truncated to 128
bits, :func:`derive_pseudonym`): a name never matches it, nor does an 18-digit national
ID number (wrong length), with or without a prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import rfc8785

from fairscreen.domain.categories import PERMITTED, PROHIBITED, SENSITIVE
from fairscreen.domain.errors import LedgerEntryRefused

ENTRY_VERSION = 1
MAX_ENTRY_BYTES = 4096


class EventType(StrEnum):
    AUTHORIZATION_SIGNED = "authorization.signed"
    AUTHORIZATION_REVOKED = "authorization.revoked"
    SCOPE_SET = "scope.set"
    SOURCE_QUERIED = "source.queried"
    REPORT_RATED = "report.rated"
    REVIEW_OPENED = "review.opened"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_RESOLVED = "dispute.resolved"
    REPORT_RELEASED = "report.released"
    REPORT_READ = "report.read"
    DECISION_RECORDED = "decision.recorded"
    DELETION_REQUESTED = "deletion.requested"
    DATA_DESTROYED = "data.destroyed"
    RETENTION_HOLD = "retention.hold"


class ActorRole(StrEnum):
    """PRODUCT.md §2, plus ``system`` for scheduled jobs (the purge)."""

    CANDIDATE = "candidate"
    EMPLOYER = "employer"
    AGENCY = "agency"
    REGULATOR = "regulator"
    OPERATOR = "operator"
    SYSTEM = "system"


class ReasonCode(StrEnum):
    """Why a report was read or data kept (PRODUCT.md P5: every decryption has a reason)."""

    CANDIDATE_REVIEW = "candidate_review"
    #: on ``report.released``: the candidate accepted before the review window ended
    CANDIDATE_ACCEPTED = "candidate_accepted"
    EMPLOYER_VIEW = "employer_view"
    DISPUTE = "dispute"
    DECISION = "decision"
    AUDIT = "audit"
    LEGAL_HOLD = "legal_hold"
    PENDING_DISPUTE = "pending_dispute"
    DELETION_REQUEST = "deletion_request"
    RETENTION_EXPIRED = "retention_expired"
    REVOCATION = "revocation"


class Outcome(StrEnum):
    UPHELD = "upheld"
    CORRECTED = "corrected"
    REMOVED = "removed"
    HIRED = "hired"
    NOT_HIRED = "not_hired"


#: Every category name of PRODUCT.md §P2, from the domain's vocabulary (permitted,
#: sensitive and prohibited: an entry may *name* a prohibited category, e.g. so the audit
#: can flag a query for one).
PERMITTED_CATEGORIES = frozenset(str(c) for c in PERMITTED)
SENSITIVE_CATEGORIES = frozenset(str(c) for c in SENSITIVE)
PROHIBITED_CATEGORIES = frozenset(str(c) for c in PROHIBITED)
CATEGORIES = PERMITTED_CATEGORIES | SENSITIVE_CATEGORIES | PROHIBITED_CATEGORIES

CASE_PREFIXES = frozenset({"case"})
ACTOR_PREFIXES = frozenset({"subj", "usr", "sys"})
EMPLOYER_PREFIXES = frozenset({"emp"})
_PSEUDONYM = re.compile(r"(?P<prefix>[a-z]{3,4})_[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")

REQUIRED_FIELDS = ("v", "type", "case", "actor", "at", "digest")
OPTIONAL_FIELDS = (
    "categories",
    "category",
    "rulebook_sha256",
    "window_ends",
    "due",
    "expires_at",
    "employer",
    "reason",
    "outcome",
)
ACTOR_FIELDS = ("role", "pseudonym")


def derive_pseudonym(prefix: str, key: bytes, identifier: str) -> str:
    """``<prefix>_`` + the first 128 bits of HMAC-SHA-256(key, identifier), in hex."""
    if prefix not in CASE_PREFIXES | ACTOR_PREFIXES | EMPLOYER_PREFIXES:
        raise LedgerEntryRefused(f"unknown pseudonym prefix {prefix!r}", field="prefix")
    digest = hmac.new(key, identifier.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{prefix}_{digest}"


def format_time(moment: datetime) -> str:
    """UTC, RFC 3339, ``Z``; microseconds only when present."""
    if moment.tzinfo is None:
        raise LedgerEntryRefused("times must be timezone-aware (UTC)", field="at")
    moment = moment.astimezone(UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return moment.strftime(pattern)


def _parse_time(value: object, field: str) -> datetime:
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        raise LedgerEntryRefused("must be a UTC time YYYY-MM-DDTHH:MM:SS[.ffffff]Z", field=field)
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:
        raise LedgerEntryRefused("is not a valid date and time", field=field) from exc


def _pseudonym(value: object, field: str, prefixes: frozenset[str]) -> str:
    match = _PSEUDONYM.fullmatch(value) if isinstance(value, str) else None
    if match is None or match["prefix"] not in prefixes:
        allowed = "|".join(sorted(prefixes))
        raise LedgerEntryRefused(f"must be a pseudonym ({allowed})_<32 hex>", field=field)
    return str(value)


def _hex64(value: object, field: str) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise LedgerEntryRefused("must be 64 lowercase hex digits (SHA-256)", field=field)
    return value


def _member(value: object, field: str, allowed: type[StrEnum]) -> Any:
    if not isinstance(value, str):
        raise LedgerEntryRefused(f"must be a string naming a {allowed.__name__}", field=field)
    try:
        return allowed(value)
    except ValueError as exc:
        raise LedgerEntryRefused(
            f"is not one of the allowed {allowed.__name__}s", field=field
        ) from exc


def _category(value: object, field: str) -> str:
    if not isinstance(value, str) or value not in CATEGORIES:
        raise LedgerEntryRefused("is not a category of PRODUCT.md §P2", field=field)
    return value


@dataclass(frozen=True)
class LedgerEntry:
    """One guarded ledger entry; :meth:`to_bytes` gives its canonical JSON."""

    type: EventType
    case: str
    actor_role: ActorRole
    actor: str
    at: datetime
    digest: str
    categories: tuple[str, ...] | None = None
    category: str | None = None
    rulebook_sha256: str | None = None
    window_ends: datetime | None = None
    due: datetime | None = None
    expires_at: datetime | None = None
    employer: str | None = None
    reason: ReasonCode | None = None
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        check_entry(self.to_mapping())

    def to_mapping(self) -> dict[str, Any]:
        mapping: dict[str, Any] = {
            "v": ENTRY_VERSION,
            "type": str(self.type),
            "case": self.case,
            "actor": {"role": str(self.actor_role), "pseudonym": self.actor},
            "at": format_time(self.at),
            "digest": self.digest,
        }
        optional: dict[str, Any] = {
            "categories": list(self.categories) if self.categories is not None else None,
            "category": self.category,
            "rulebook_sha256": self.rulebook_sha256,
            "window_ends": format_time(self.window_ends) if self.window_ends else None,
            "due": format_time(self.due) if self.due else None,
            "expires_at": format_time(self.expires_at) if self.expires_at else None,
            "employer": self.employer,
            "reason": str(self.reason) if self.reason else None,
            "outcome": str(self.outcome) if self.outcome else None,
        }
        mapping.update({key: value for key, value in optional.items() if value is not None})
        return mapping

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_mapping())


def canonical_json(mapping: Mapping[str, Any]) -> bytes:
    """RFC 8785 (JCS) canonical JSON of a guarded mapping."""
    try:
        encoded: bytes = rfc8785.dumps(dict(mapping))
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise LedgerEntryRefused(f"cannot be written as canonical JSON: {exc}") from exc
    return encoded


def check_entry(mapping: Mapping[str, Any]) -> LedgerEntry:
    """The guard: refuse any field outside the vocabulary or of the wrong shape.

    Returns the entry as a :class:`LedgerEntry` (without re-running the guard).
    """
    unknown = sorted(set(mapping) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise LedgerEntryRefused(
            "is not in the ledger vocabulary (no personal data in the ledger)", field=unknown[0]
        )
    missing = [name for name in REQUIRED_FIELDS if name not in mapping]
    if missing:
        raise LedgerEntryRefused("is required", field=missing[0])
    if mapping["v"] != ENTRY_VERSION or isinstance(mapping["v"], bool):
        raise LedgerEntryRefused(f"must be {ENTRY_VERSION}", field="v")
    actor = mapping["actor"]
    if not isinstance(actor, Mapping):
        raise LedgerEntryRefused("must be an object {role, pseudonym}", field="actor")
    unknown = sorted(set(actor) - set(ACTOR_FIELDS))
    if unknown:
        raise LedgerEntryRefused("is not in the ledger vocabulary", field=f"actor.{unknown[0]}")
    for name in ACTOR_FIELDS:
        if name not in actor:
            raise LedgerEntryRefused("is required", field=f"actor.{name}")
    categories = mapping.get("categories")
    if categories is not None:
        if not isinstance(categories, list | tuple) or not categories:
            raise LedgerEntryRefused("must be a non-empty list of categories", field="categories")
        names = [_category(c, f"categories[{i}]") for i, c in enumerate(categories)]
        if names != sorted(set(names)):
            raise LedgerEntryRefused("must be sorted and without repeats", field="categories")
    entry = object.__new__(LedgerEntry)
    values = {
        "type": _member(mapping["type"], "type", EventType),
        "case": _pseudonym(mapping["case"], "case", CASE_PREFIXES),
        "actor_role": _member(actor["role"], "actor.role", ActorRole),
        "actor": _pseudonym(actor["pseudonym"], "actor.pseudonym", ACTOR_PREFIXES),
        "at": _parse_time(mapping["at"], "at"),
        "digest": _hex64(mapping["digest"], "digest"),
        "categories": tuple(categories) if categories is not None else None,
        "category": _optional(mapping, "category", _category),
        "rulebook_sha256": _optional(mapping, "rulebook_sha256", _hex64),
        "window_ends": _optional(mapping, "window_ends", _parse_time),
        "due": _optional(mapping, "due", _parse_time),
        "expires_at": _optional(mapping, "expires_at", _parse_time),
        "employer": _optional(
            mapping, "employer", lambda v, f: _pseudonym(v, f, EMPLOYER_PREFIXES)
        ),
        "reason": _optional(mapping, "reason", lambda v, f: _member(v, f, ReasonCode)),
        "outcome": _optional(mapping, "outcome", lambda v, f: _member(v, f, Outcome)),
    }
    for name, value in values.items():
        object.__setattr__(entry, name, value)
    return entry


def _optional(mapping: Mapping[str, Any], name: str, check: Any) -> Any:
    return check(mapping[name], name) if name in mapping else None


def encode_entry(mapping: Mapping[str, Any]) -> bytes:
    """Guard ``mapping`` and return its canonical JSON, the bytes the log stores."""
    check_entry(mapping)
    encoded = canonical_json(mapping)
    if len(encoded) > MAX_ENTRY_BYTES:
        raise LedgerEntryRefused(f"entry is {len(encoded)} bytes, over {MAX_ENTRY_BYTES}")
    return encoded


def decode_entry(data: bytes) -> LedgerEntry:
    """Parse stored bytes; they must be canonical JSON and pass the guard."""
    try:
        mapping = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LedgerEntryRefused("entry is not JSON") from exc
    if not isinstance(mapping, dict):
        raise LedgerEntryRefused("entry is not a JSON object")
    entry = check_entry(mapping)
    if canonical_json(mapping) != data:
        raise LedgerEntryRefused("entry is not in canonical JSON (RFC 8785) form")
    return entry

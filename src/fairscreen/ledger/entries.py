"""Ledger entries: a closed vocabulary, canonical JSON (RFC 8785), and a guard.

PRODUCT.md §6: each entry records an event type, the case pseudonym, the actor's role and
pseudonym, the time, a commitment to the event's payload (kept in the database), and the
few non-personal facts the compliance audit needs. **No personal data, ever**: the guard
refuses any field outside the vocabulary below and any value of the wrong shape, so a
name, an ID number or a free-text note cannot slip in by accident.

**The public log tells an outsider nothing about a person** (PRODUCT.md §6). Anyone may
read it, an employer included, so version 2, written since issue 12, differs from
version 1 (still read, never rewritten: existing logs keep their entries):

- ``commitment`` replaces ``digest``: HMAC-SHA-256 of the payload under the case's own
  commitment key (derived from the case's data key and shredded with it), not a plain
  SHA-256 that anyone could recompute by trying the few possible payloads (4 lights ×
  a handful of rule IDs recovered every demo rating in 0.3 s);
- no ``outcome``: a decision (hired / not hired) and a dispute's result stay in the
  payload, behind the commitment;
- no event type that only one outcome produces: the adverse-notice steps of P4 are
  facts in the committed payload of ``decision.recorded`` (every decided case has one),
  not entries of their own (``RETIRED_EVENT_TYPES``: read in old logs, never written);
- times are whole seconds: an employer matched its API answer's microseconds with the
  public ``review.opened`` entry to find its case's pseudonym; the audit needs no finer
  times (flooring keeps every order it compares: ``a <= b`` implies
  ``floor(a) <= floor(b)``);
- a candidate acts under a pseudonym of their own *per case*, so no field links two
  cases of one person (the service derives it; the guard cannot tell).

Fields:

=================  ==========================================================  ==========
field              shape                                                       required
=================  ==========================================================  ==========
``v``              1 or 2                                                      yes
``type``           an :class:`EventType`                                       yes
``case``           pseudonym ``case_<32 hex>``                                 yes
``actor``          ``{"role": ActorRole, "pseudonym": subj_|usr_|sys_<32 hex>}``  yes
``at``             UTC time, RFC 3339 ``YYYY-MM-DDTHH:MM:SSZ`` (v1: ``[.ffffff]``) yes
``commitment``     v2: HMAC-SHA-256 of the payload, 64 lowercase hex           yes (v2)
``digest``         v1: SHA-256 of the payload, 64 lowercase hex                yes (v1)
``categories``     sorted, distinct category names (PRODUCT.md §P2)            no
``category``       one category name                                           no
``rulebook_sha256`` 64 lowercase hex                                           no
``window_ends``    UTC time (end of the review window)                          no
``due``            UTC time (when the case's data must be destroyed)           no
``expires_at``     UTC time (end of an authorization or a retention hold)      no
``employer``       pseudonym ``emp_<32 hex>``                                  no
``reason``         a :class:`ReasonCode`                                       no
``outcome``        v1 only: an :class:`Outcome`                                no
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

ENTRY_VERSION = 2
#: Versions a log may hold: every entry ever written stays readable.
READABLE_VERSIONS = frozenset({1, 2})
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
    #: a candidate supplied a document for an incomplete or unverifiable finding without
    #: a dispute (PRODUCT.md P4), and its verifier answered it; which finding, the file's
    #: SHA-256 and size, and the answer stay in the committed payload
    DOCUMENT_SUPPLIED = "document.supplied"
    DOCUMENT_ANSWERED = "document.answered"
    REPORT_RELEASED = "report.released"
    REPORT_READ = "report.read"
    DECISION_RECORDED = "decision.recorded"
    #: Retired (written only for a few days, read in old logs, never written again: see
    #: :data:`RETIRED_EVENT_TYPES`). Each existed only for an adverse decision, so its mere
    #: type told an outsider that a case pseudonym was (about to be) not hired. The notice
    #: facts now go into the committed payload of ``decision.recorded``, which every
    #: decided case has, adverse or not.
    NOTICE_PRE_ADVERSE = "notice.pre_adverse"
    NOTICE_RESPONDED = "notice.responded"
    NOTICE_ADVERSE_ACTION = "notice.adverse_action"
    DELETION_REQUESTED = "deletion.requested"
    DATA_DESTROYED = "data.destroyed"
    RETENTION_HOLD = "retention.hold"


#: Event types an old log may hold but a new entry may not carry: each existed only for
#: one outcome (PRODUCT.md §6: no entry carries a decision outcome in clear, and a type
#: that only an adverse decision produces carries it).
RETIRED_EVENT_TYPES = frozenset(
    {EventType.NOTICE_PRE_ADVERSE, EventType.NOTICE_RESPONDED, EventType.NOTICE_ADVERSE_ACTION}
)


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
_WHOLE_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

#: What each version requires; the commitment's name says what it is.
REQUIRED_FIELDS = {
    1: ("v", "type", "case", "actor", "at", "digest"),
    2: ("v", "type", "case", "actor", "at", "commitment"),
}
COMMITMENT_FIELD = {1: "digest", 2: "commitment"}
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
#: Fields a version may no longer carry (they told an outsider a result).
RETIRED_FIELDS = {1: frozenset[str](), 2: frozenset({"outcome"})}
TIME_FIELDS = ("at", "window_ends", "due", "expires_at")
ACTOR_FIELDS = ("role", "pseudonym")


def derive_pseudonym(prefix: str, key: bytes, identifier: str) -> str:
    """``<prefix>_`` + the first 128 bits of HMAC-SHA-256(key, identifier), in hex."""
    if prefix not in CASE_PREFIXES | ACTOR_PREFIXES | EMPLOYER_PREFIXES:
        raise LedgerEntryRefused(f"unknown pseudonym prefix {prefix!r}", field="prefix")
    digest = hmac.new(key, identifier.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{prefix}_{digest}"


def format_time(moment: datetime, *, version: int = ENTRY_VERSION) -> str:
    """UTC, RFC 3339, ``Z``: whole seconds (floored) from version 2 on; version 1 kept
    microseconds when present."""
    if moment.tzinfo is None:
        raise LedgerEntryRefused("times must be timezone-aware (UTC)", field="at")
    moment = moment.astimezone(UTC)
    if version >= 2 or not moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public_time(moment: datetime) -> datetime:
    """``moment`` as a version-2 entry shows it: UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0)


def _parse_time(value: object, field: str, *, version: int = ENTRY_VERSION) -> datetime:
    if version >= 2:
        if not isinstance(value, str) or not _WHOLE_SECONDS.fullmatch(value):
            raise LedgerEntryRefused("must be a UTC time YYYY-MM-DDTHH:MM:SSZ", field=field)
    elif not isinstance(value, str) or not _TIME.fullmatch(value):
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
    """One guarded ledger entry; :meth:`to_bytes` gives its canonical JSON. New entries
    are version 2 (times floored to whole seconds as they are made); version 1 entries
    come only from :func:`decode_entry`."""

    type: EventType
    case: str
    actor_role: ActorRole
    actor: str
    at: datetime
    #: v2: the keyed commitment to the payload; v1: its plain SHA-256 (``digest``)
    commitment: str
    categories: tuple[str, ...] | None = None
    category: str | None = None
    rulebook_sha256: str | None = None
    window_ends: datetime | None = None
    due: datetime | None = None
    expires_at: datetime | None = None
    employer: str | None = None
    reason: ReasonCode | None = None
    outcome: Outcome | None = None
    v: int = ENTRY_VERSION

    def __post_init__(self) -> None:
        if self.type in RETIRED_EVENT_TYPES:
            raise LedgerEntryRefused(
                "is retired: only an adverse decision made it, so it told a result",
                field="type",
            )
        if self.v >= 2:
            for name in TIME_FIELDS:
                moment = getattr(self, name)
                if moment is not None and moment.tzinfo is not None:
                    object.__setattr__(self, name, public_time(moment))
        check_entry(self.to_mapping())

    def to_mapping(self) -> dict[str, Any]:
        version = self.v

        def time(moment: datetime | None) -> str | None:
            return format_time(moment, version=version) if moment else None

        mapping: dict[str, Any] = {
            "v": version,
            "type": str(self.type),
            "case": self.case,
            "actor": {"role": str(self.actor_role), "pseudonym": self.actor},
            "at": format_time(self.at, version=version),
            COMMITMENT_FIELD.get(version, "commitment"): self.commitment,
        }
        optional: dict[str, Any] = {
            "categories": list(self.categories) if self.categories is not None else None,
            "category": self.category,
            "rulebook_sha256": self.rulebook_sha256,
            "window_ends": time(self.window_ends),
            "due": time(self.due),
            "expires_at": time(self.expires_at),
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
    """The guard: refuse any field outside the vocabulary of the entry's version or of
    the wrong shape.

    Returns the entry as a :class:`LedgerEntry` (without re-running the guard).
    """
    version = mapping.get("v")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise LedgerEntryRefused(f"must be one of {sorted(READABLE_VERSIONS)}", field="v")
    assert isinstance(version, int)
    required = REQUIRED_FIELDS[version]
    unknown = sorted(set(mapping) - set(required) - set(OPTIONAL_FIELDS))
    if unknown:
        raise LedgerEntryRefused(
            "is not in the ledger vocabulary (no personal data in the ledger)", field=unknown[0]
        )
    retired = sorted(RETIRED_FIELDS[version] & set(mapping))
    if retired:
        raise LedgerEntryRefused(
            f"is not in version {version}: a result is never public", field=retired[0]
        )
    missing = [name for name in required if name not in mapping]
    if missing:
        raise LedgerEntryRefused("is required", field=missing[0])
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

    def time(value: object, field: str) -> datetime:
        return _parse_time(value, field, version=version)

    commitment = COMMITMENT_FIELD[version]
    entry = object.__new__(LedgerEntry)
    values = {
        "v": version,
        "type": _member(mapping["type"], "type", EventType),
        "case": _pseudonym(mapping["case"], "case", CASE_PREFIXES),
        "actor_role": _member(actor["role"], "actor.role", ActorRole),
        "actor": _pseudonym(actor["pseudonym"], "actor.pseudonym", ACTOR_PREFIXES),
        "at": time(mapping["at"], "at"),
        "commitment": _hex64(mapping[commitment], commitment),
        "categories": tuple(categories) if categories is not None else None,
        "category": _optional(mapping, "category", _category),
        "rulebook_sha256": _optional(mapping, "rulebook_sha256", _hex64),
        "window_ends": _optional(mapping, "window_ends", time),
        "due": _optional(mapping, "due", time),
        "expires_at": _optional(mapping, "expires_at", time),
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

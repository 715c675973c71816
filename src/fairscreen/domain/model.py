"""The screening case as the domain sees it: frozen value objects, no I/O.

The shapes follow ``case.schema.json`` (fairscreen/case/v1). Protected attributes (sex,
age, marital status, ethnicity, ...) have no field here: the rating cannot see them
(PRODUCT.md §4). Dates and times are values passed in, never read from a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from fairscreen.domain.categories import (
    Category,
    CauseGroup,
    RecordStatus,
    SourceKind,
    Tier,
)


@dataclass(frozen=True, slots=True)
class Subject:
    name: str
    national_id: str
    birth_date: date


@dataclass(frozen=True, slots=True)
class Authorization:
    """The candidate's signed authorization (PIPL art. 13-17; PRODUCT.md P1)."""

    employer_id: str
    purpose: str
    categories: frozenset[Category]
    signed_at: datetime
    expires_at: datetime
    sensitive_categories_consented: frozenset[Category] = frozenset()
    revoked_at: datetime | None = None
    role_id: str | None = None
    document_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class CategoryRequirement:
    """Why a role needs a category: necessity (PIPL art. 6) and, for criminal records and
    health certificates, the law that requires the check for the job."""

    justification: str
    lookback_years: int | None = None
    legal_basis: str | None = None


@dataclass(frozen=True, slots=True)
class RoleProfile:
    id: str
    tier: Tier
    categories: Mapping[Category, CategoryRequirement]
    title: str | None = None
    #: ``None``: every group the tier allows.
    relevant_groups: frozenset[CauseGroup] | None = None
    relevance_justification: str | None = None


@dataclass(frozen=True, slots=True)
class EducationClaim:
    institution: str
    degree: str
    graduation_year: int
    major: str | None = None


@dataclass(frozen=True, slots=True)
class YearMonth:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        year, month = text.split("-")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, day: date) -> YearMonth:
        return cls(day.year, day.month)

    def months_between(self, other: YearMonth) -> int:
        return abs((self.year * 12 + self.month) - (other.year * 12 + other.month))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class EmploymentClaim:
    employer: str
    start: YearMonth
    end: YearMonth | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class LicenseClaim:
    number: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Claims:
    education: tuple[EducationClaim, ...] = ()
    employment: tuple[EmploymentClaim, ...] = ()
    licenses: tuple[LicenseClaim, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    kind: SourceKind
    name: str | None = None
    person_id: str | None = None


@dataclass(frozen=True, slots=True)
class RecordIdentity:
    national_id: str | None = None
    name: str | None = None
    birth_date: date | None = None


# --- record data, one shape per category (case.schema.json, status "ok") -----------------


@dataclass(frozen=True, slots=True)
class IdentityData:
    result: str  # "match" | "mismatch"


@dataclass(frozen=True, slots=True)
class EducationData:
    institution: str
    degree: str
    graduation_year: int
    major: str | None = None
    certificate_no: str | None = None
    conferred: bool = True


@dataclass(frozen=True, slots=True)
class EmploymentData:
    employer: str
    title: str | None = None
    start: YearMonth | None = None
    end: YearMonth | None = None
    employed: bool = True


@dataclass(frozen=True, slots=True)
class LicenseData:
    number: str
    status: str  # "valid" | "expired" | "revoked"
    name: str | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class LitigationData:
    case_no: str
    case_type: str  # civil | labour_arbitration | administrative | criminal
    cause: str
    party_role: str
    outcome: str
    court: str | None = None
    cause_group: CauseGroup | None = None
    filed_on: date | None = None
    decided_on: date | None = None


@dataclass(frozen=True, slots=True)
class EnforcementData:
    listing: str
    active: bool
    listed_on: date | None = None
    removed_on: date | None = None
    case_no: str | None = None


@dataclass(frozen=True, slots=True)
class CriminalData:
    offence: str
    convicted: bool
    offence_group: CauseGroup | None = None
    offence_date: date | None = None
    final: bool | None = None
    judgment_date: date | None = None
    sentence: str | None = None
    #: set when the record came from the court-judgment database (a criminal case there)
    party_role: str | None = None
    case_no: str | None = None


@dataclass(frozen=True, slots=True)
class CreditData:
    serious_delinquency: bool
    reported_on: date | None = None


@dataclass(frozen=True, slots=True)
class HealthCertificateData:
    valid_until: date
    certificate_no: str | None = None
    #: names of fields outside the allowed shape (a diagnosis, say): stripped unread,
    #: only their existence is reported (PROHIBITED_TOPIC, health_condition).
    stripped_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    topic: str | None = None
    assertion: str | None = None
    polarity: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceData:
    statements: tuple[Statement, ...]
    relation: str | None = None


RecordData = (
    IdentityData
    | EducationData
    | EmploymentData
    | LicenseData
    | LitigationData
    | EnforcementData
    | CriminalData
    | CreditData
    | HealthCertificateData
    | ReferenceData
)


@dataclass(frozen=True, slots=True)
class Record:
    """What one source returned. ``data`` is None unless ``status`` is ok and the category
    is one the domain reads (a prohibited category's data is never parsed)."""

    id: str
    category: Category
    source: Source
    status: RecordStatus = RecordStatus.OK
    identity: RecordIdentity | None = None
    data: RecordData | None = None


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    as_of: date
    employer_id: str
    role: RoleProfile
    subject: Subject
    requested_categories: tuple[Category, ...]
    records: tuple[Record, ...]
    claims: Claims = field(default_factory=Claims)
    authorization: Authorization | None = None

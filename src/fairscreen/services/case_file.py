"""Reading a case file (``case.schema.json``, fairscreen/case/v1) into the domain.

Pydantic v2 does the validation; every error is reported as one line that names the JSON
path of the offending field (``subject.gender: not allowed``). Input values are never
echoed, except the offending word of an enumeration, so no personal data reaches an error
message. Protected attributes have no field anywhere, so an input carrying one is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from fairscreen.domain import model as m
from fairscreen.domain.categories import (
    PROHIBITED,
    SENSITIVE,
    Category,
    CauseGroup,
    RecordStatus,
    SourceKind,
    Tier,
)
from fairscreen.domain.errors import InvalidInput

CASE_SCHEMA = "fairscreen/case/v1"
DATE_PATTERN_BODY = r"\d{4}-\d{2}-\d{2}"
MONTH_PATTERN = r"^\d{4}-\d{2}$"


def _to_date(value: object) -> object:
    """A calendar date written ``YYYY-MM-DD`` (RFC 3339 full-date), and a real one."""
    if not isinstance(value, str):
        return value  # strict validation then refuses it as "must be a date"
    if not re.fullmatch(DATE_PATTERN_BODY, value):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("not a real calendar date") from exc


def _check_month(text: str) -> str:
    month = int(text[5:7])
    if not 1 <= month <= 12:
        raise ValueError("the month must be 01 to 12")
    return text


Day = Annotated[date, BeforeValidator(_to_date)]
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN), AfterValidator(_check_month)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _not_prohibited(category: Category) -> Category:
    if category in PROHIBITED:
        raise ValueError(f"{category.value!r} is a prohibited category: never for any role")
    return category


def _sensitive(category: Category) -> Category:
    if category not in SENSITIVE:
        raise ValueError(f"{category.value!r} is not a sensitive category")
    return category


# The enumerations are the domain's own (one source of truth); strict=False lets their
# values arrive as JSON strings in both JSON and Python validation.
AnyCategory = Annotated[Category, Field(strict=False)]
PermittedOrSensitive = Annotated[Category, Field(strict=False), AfterValidator(_not_prohibited)]
SensitiveCategory = Annotated[Category, Field(strict=False), AfterValidator(_sensitive)]
Group = Annotated[CauseGroup, Field(strict=False)]
Degree = Literal["associate", "bachelor", "master", "doctorate", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class EmployerIn(_Strict):
    id: NonEmpty
    name: str | None = None


class ProfileRefIn(_Strict):
    profile: NonEmpty


class CategoryRequirementIn(_Strict):
    justification: Annotated[str, StringConstraints(min_length=10)]
    lookback_years: Annotated[int, Field(ge=0)] | None = None
    legal_basis: str | None = None


class RoleIn(_Strict):
    id: NonEmpty
    tier: Annotated[Tier, Field(strict=False)]
    categories: dict[PermittedOrSensitive, CategoryRequirementIn]
    title: str | None = None
    relevant_groups: list[Group] | None = None
    relevance_justification: str | None = None


class SubjectIn(_Strict):
    name: NonEmpty
    national_id: NonEmpty
    birth_date: Day
    phone: str | None = None
    email: str | None = None


class EducationClaimIn(_Strict):
    institution: str
    degree: Degree
    graduation_year: int
    major: str | None = None


class EmploymentClaimIn(_Strict):
    employer: str
    start: Month
    end: Month | None = None
    title: str | None = None


class LicenseClaimIn(_Strict):
    number: str
    name: str | None = None


class ClaimsIn(_Strict):
    education: list[EducationClaimIn] = []
    employment: list[EmploymentClaimIn] = []
    licenses: list[LicenseClaimIn] = []


class AuthorizationIn(_Strict):
    employer_id: str
    purpose: str
    categories: list[PermittedOrSensitive]
    signed_at: AwareDatetime
    expires_at: AwareDatetime
    role_id: str | None = None
    sensitive_categories_consented: list[SensitiveCategory] = []
    revoked_at: AwareDatetime | None = None
    document_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class SourceIn(_Strict):
    id: str
    kind: Literal["registry", "issuer", "witness", "self"]
    name: str | None = None
    person_id: str | None = None


class RecordIdentityIn(_Strict):
    national_id: str | None = None
    name: str | None = None
    birth_date: Day | None = None


class RecordIn(_Strict):
    id: NonEmpty
    category: AnyCategory
    source: SourceIn
    identity: RecordIdentityIn | None = None
    status: Literal["ok", "not_found", "source_unavailable"] = "ok"
    data: dict[str, Any] | None = None


class CaseIn(_Strict):
    schema_: Literal["fairscreen/case/v1"] = Field(alias="schema")
    case_id: str
    as_of: Day
    employer: EmployerIn
    role: dict[str, Any]
    subject: SubjectIn
    requested_categories: list[AnyCategory]
    records: list[RecordIn]
    claims: ClaimsIn = ClaimsIn()
    authorization: AuthorizationIn | None = None


# --- record data shapes (status "ok") ---------------------------------------------------


class IdentityDataIn(_Strict):
    result: Literal["match", "mismatch"]


class EducationDataIn(_Strict):
    institution: str
    degree: Degree
    graduation_year: int
    major: str | None = None
    certificate_no: str | None = None
    conferred: bool = True


class EmploymentDataIn(_Strict):
    employer: str
    title: str | None = None
    start: Month | None = None
    end: Month | None = None
    employed: bool = True


class LicenseDataIn(_Strict):
    number: str
    status: Literal["valid", "expired", "revoked"]
    name: str | None = None
    valid_until: Day | None = None


class LitigationDataIn(_Strict):
    case_no: str
    case_type: Literal["civil", "labour_arbitration", "administrative", "criminal"]
    cause: str
    party_role: Literal[
        "plaintiff", "defendant", "co_defendant", "third_party", "applicant", "respondent"
    ]
    outcome: Literal[
        "pending", "judgment_against", "judgment_for", "dismissed", "withdrawn", "settled"
    ]
    court: str | None = None
    cause_group: Group | None = None
    filed_on: Day | None = None
    decided_on: Day | None = None


class EnforcementDataIn(_Strict):
    listing: Literal["dishonest_debtor"]
    active: bool
    listed_on: Day | None = None
    removed_on: Day | None = None
    case_no: str | None = None


class CriminalDataIn(_Strict):
    offence: str
    convicted: bool
    offence_group: Group | None = None
    offence_date: Day | None = None
    final: bool | None = None
    judgment_date: Day | None = None
    sentence: str | None = None


class CreditDataIn(_Strict):
    serious_delinquency: bool
    reported_on: Day | None = None


class HealthCertificateDataIn(BaseModel):
    # Any other field (a diagnosis, say) is allowed in, then stripped unread.
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    valid_until: Day
    certificate_no: str | None = None


class StatementIn(_Strict):
    text: str
    topic: str | None = None
    assertion: str | None = None
    polarity: Literal["negative", "neutral", "positive"] | None = None


class ReferenceDataIn(_Strict):
    statements: list[StatementIn]
    relation: str | None = None


DATA_MODELS: Mapping[Category, type[BaseModel]] = {
    Category.IDENTITY: IdentityDataIn,
    Category.EDUCATION: EducationDataIn,
    Category.EMPLOYMENT_HISTORY: EmploymentDataIn,
    Category.PROFESSIONAL_LICENSE: LicenseDataIn,
    Category.LITIGATION: LitigationDataIn,
    Category.ENFORCEMENT: EnforcementDataIn,
    Category.CRIMINAL_RECORD: CriminalDataIn,
    Category.CREDIT: CreditDataIn,
    Category.HEALTH_CERTIFICATE: HealthCertificateDataIn,
    Category.REFERENCE: ReferenceDataIn,
}


# --- error messages -----------------------------------------------------------------------


def format_path(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(root)"


_SIMPLE_MESSAGES = {
    "extra_forbidden": "not allowed",
    "missing": "required",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "list_type": "must be an array",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "timezone_aware": "must be a date-time with a UTC offset (RFC 3339)",
    "datetime_type": "must be a date-time string (RFC 3339)",
    "datetime_parsing": "must be a date-time string (RFC 3339)",
    "datetime_from_date_parsing": "must be a date-time string (RFC 3339)",
    "none_required": "must be null",
    "date_type": "must be a date YYYY-MM-DD",
}


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind in _SIMPLE_MESSAGES:
        return _SIMPLE_MESSAGES[kind]
    context = error.get("ctx") or {}
    if kind in ("literal_error", "enum"):
        value = error.get("input")
        shown = repr(value) if isinstance(value, str) and len(value) <= 40 else "this value"
        return f"{shown} is not allowed here (expected {context.get('expected', 'a listed value')})"
    if kind == "string_pattern_mismatch":
        pattern = str(context.get("pattern", ""))
        if pattern == MONTH_PATTERN:
            return "must be a month YYYY-MM"
        return f"must match {pattern}"
    if kind == "string_too_short":
        return f"must have at least {context.get('min_length')} characters"
    if kind == "greater_than_equal":
        return f"must be ≥ {context.get('ge')}"
    if kind == "json_invalid":
        return f"not valid JSON ({context.get('error', 'malformed')})"
    if kind == "value_error":
        return str(context.get("error", error.get("msg", "invalid value")))
    return str(error.get("msg", "invalid value")).lower()


def invalid_input(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> InvalidInput:
    """The first validation error as one line naming its JSON path."""
    first = exc.errors(include_url=False)[0]
    loc = tuple(part for part in prefix + tuple(first["loc"]) if part != "schema_")
    if first["loc"] and first["loc"][0] == "schema_":
        loc = ("schema",)
    # Pydantic names a union/literal member in the path (e.g. ``literal['a']``); drop it.
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or "(" in p)))
    return InvalidInput(_message(first), field=format_path(loc))


# --- conversion into the domain ------------------------------------------------------------


def _role(raw: dict[str, Any], profiles: Mapping[str, m.RoleProfile]) -> m.RoleProfile:
    if "profile" in raw:
        try:
            ref = ProfileRefIn.model_validate(raw)
        except ValidationError as exc:
            raise invalid_input(exc, ("role",)) from exc
        profile = profiles.get(ref.profile)
        if profile is None:
            raise InvalidInput(f"unknown built-in profile {ref.profile!r}", field="role.profile")
        return profile
    try:
        role = RoleIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid_input(exc, ("role",)) from exc
    return role_profile_from(role)


def role_profile_from(role: RoleIn) -> m.RoleProfile:
    return m.RoleProfile(
        id=role.id,
        title=role.title,
        tier=Tier(role.tier),
        categories={
            Category(name): m.CategoryRequirement(
                justification=req.justification,
                lookback_years=req.lookback_years,
                legal_basis=req.legal_basis,
            )
            for name, req in role.categories.items()
        },
        relevant_groups=None
        if role.relevant_groups is None
        else frozenset(CauseGroup(g) for g in role.relevant_groups),
        relevance_justification=role.relevance_justification,
    )


def _month(text: str | None) -> m.YearMonth | None:
    return None if text is None else m.YearMonth.parse(text)


def _record_data(category: Category, data: BaseModel) -> m.RecordData:
    match data:
        case IdentityDataIn():
            return m.IdentityData(result=data.result)
        case EducationDataIn():
            return m.EducationData(
                institution=data.institution,
                degree=data.degree,
                graduation_year=data.graduation_year,
                major=data.major,
                certificate_no=data.certificate_no,
                conferred=data.conferred,
            )
        case EmploymentDataIn():
            return m.EmploymentData(
                employer=data.employer,
                title=data.title,
                start=_month(data.start),
                end=_month(data.end),
                employed=data.employed,
            )
        case LicenseDataIn():
            return m.LicenseData(
                number=data.number,
                status=data.status,
                name=data.name,
                valid_until=data.valid_until,
            )
        case LitigationDataIn():
            return m.LitigationData(
                case_no=data.case_no,
                case_type=data.case_type,
                cause=data.cause,
                party_role=data.party_role,
                outcome=data.outcome,
                court=data.court,
                cause_group=None if data.cause_group is None else CauseGroup(data.cause_group),
                filed_on=data.filed_on,
                decided_on=data.decided_on,
            )
        case EnforcementDataIn():
            return m.EnforcementData(
                listing=data.listing,
                active=data.active,
                listed_on=data.listed_on,
                removed_on=data.removed_on,
                case_no=data.case_no,
            )
        case CriminalDataIn():
            return m.CriminalData(
                offence=data.offence,
                convicted=data.convicted,
                offence_group=None
                if data.offence_group is None
                else CauseGroup(data.offence_group),
                offence_date=data.offence_date,
                final=data.final,
                judgment_date=data.judgment_date,
                sentence=data.sentence,
            )
        case CreditDataIn():
            return m.CreditData(
                serious_delinquency=data.serious_delinquency,
                reported_on=data.reported_on,
            )
        case HealthCertificateDataIn():
            return m.HealthCertificateData(
                valid_until=data.valid_until,
                certificate_no=data.certificate_no,
                stripped_fields=tuple(sorted(data.model_extra or {})),
            )
        case ReferenceDataIn():
            return m.ReferenceData(
                statements=tuple(
                    m.Statement(s.text, s.topic, s.assertion, s.polarity) for s in data.statements
                ),
                relation=data.relation,
            )
    raise AssertionError(f"no data shape for {category}")  # pragma: no cover


def _record(index: int, record: RecordIn) -> m.Record:
    category = Category(record.category)
    status = RecordStatus(record.status)
    data: m.RecordData | None = None
    if status is RecordStatus.OK and category not in PROHIBITED:
        # A prohibited category's data is never read: it is discarded NOT_IN_SCOPE.
        if record.data is None:
            raise InvalidInput("required when status is ok", field=f"records[{index}].data")
        try:
            parsed = DATA_MODELS[category].model_validate(record.data)
        except ValidationError as exc:
            raise invalid_input(exc, ("records", index, "data")) from exc
        data = _record_data(category, parsed)
    identity = record.identity
    return m.Record(
        id=record.id,
        category=category,
        source=m.Source(
            id=record.source.id,
            kind=SourceKind(record.source.kind),
            name=record.source.name,
            person_id=record.source.person_id,
        ),
        status=status,
        identity=None
        if identity is None
        else m.RecordIdentity(
            national_id=identity.national_id,
            name=identity.name,
            birth_date=identity.birth_date,
        ),
        data=data,
    )


def parse_case(content: bytes | str, profiles: Mapping[str, m.RoleProfile]) -> m.Case:
    """Validate a case file and build the domain ``Case``; raise ``InvalidInput`` naming
    the first offending field."""
    try:
        case = CaseIn.model_validate_json(content)
    except ValidationError as exc:
        raise invalid_input(exc) from exc
    seen: set[str] = set()
    for index, record in enumerate(case.records):
        if record.id in seen:
            raise InvalidInput("duplicate record id", field=f"records[{index}].id")
        seen.add(record.id)
    auth = case.authorization
    claims = case.claims
    return m.Case(
        case_id=case.case_id,
        as_of=case.as_of,
        employer_id=case.employer.id,
        role=_role(case.role, profiles),
        subject=m.Subject(
            name=case.subject.name,
            national_id=case.subject.national_id,
            birth_date=case.subject.birth_date,
        ),
        requested_categories=tuple(Category(c) for c in case.requested_categories),
        records=tuple(_record(i, r) for i, r in enumerate(case.records)),
        claims=m.Claims(
            education=tuple(
                m.EducationClaim(c.institution, c.degree, c.graduation_year, c.major)
                for c in claims.education
            ),
            employment=tuple(
                m.EmploymentClaim(c.employer, m.YearMonth.parse(c.start), _month(c.end), c.title)
                for c in claims.employment
            ),
            licenses=tuple(m.LicenseClaim(c.number, c.name) for c in claims.licenses),
        ),
        authorization=None
        if auth is None
        else m.Authorization(
            employer_id=auth.employer_id,
            purpose=auth.purpose,
            categories=frozenset(Category(c) for c in auth.categories),
            signed_at=auth.signed_at,
            expires_at=auth.expires_at,
            sensitive_categories_consented=frozenset(
                Category(c) for c in auth.sensitive_categories_consented
            ),
            revoked_at=auth.revoked_at,
            role_id=auth.role_id,
            document_sha256=auth.document_sha256,
        ),
    )

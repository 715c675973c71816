"""The parts of a case file (``case.schema.json``, fairscreen/case/v1) as Pydantic models,
and their validation errors as one line each.

Every error is reported as one line that names the JSON path of the offending field
(``subject.gender: not allowed``). Input values are never echoed, except the offending
word of an enumeration, so no personal data reaches an error message. Protected
attributes have no field anywhere, so an input carrying one is refused.

The services validate what they are given with these models too (a role profile, a
candidate's identity, claims, corrected records); ``case_file`` reads a whole case file
into the domain.
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

from fairscreen.domain.categories import (
    PROHIBITED,
    SENSITIVE,
    Category,
    CauseGroup,
    RecordStatus,
    SourceKind,
    Tier,
)
from fairscreen.domain.errors import InvalidInput, InvalidValue, Param

CASE_SCHEMA = "fairscreen/case/v1"
DATE_PATTERN_BODY = r"\d{4}-\d{2}-\d{2}"
MONTH_PATTERN = r"^\d{4}-\d{2}$"
_DATE = re.compile(DATE_PATTERN_BODY)


def to_date(value: object) -> object:
    """A calendar date written ``YYYY-MM-DD`` (RFC 3339 full-date), and a real one."""
    if not isinstance(value, str):
        return value  # strict validation then refuses it as "must be a date"
    if not _DATE.fullmatch(value):
        raise InvalidValue("must be a date YYYY-MM-DD", key="input.must_date_yyyy_mm_dd")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidValue("not a real calendar date", key="input.not_real_calendar_date") from exc


def check_month(text: str) -> str:
    """A month written ``YYYY-MM`` (``MONTH_PATTERN`` checked first) whose month exists."""
    month = int(text[5:7])
    if not 1 <= month <= 12:
        raise InvalidValue("the month must be 01 to 12", key="input.month_must_01_12")
    return text


Day = Annotated[date, BeforeValidator(to_date)]
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN), AfterValidator(check_month)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _not_prohibited(category: Category) -> Category:
    """A category a role may ask for: never a prohibited one (PRODUCT.md P2)."""
    if category in PROHIBITED:
        raise ValueError(f"{category.value!r} is a prohibited category: never for any role")
    return category


def _sensitive(category: Category) -> Category:
    """A category the candidate consents to separately (PIPL art. 28-29)."""
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
    kind: Annotated[SourceKind, Field(strict=False)]
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
    status: Annotated[RecordStatus, Field(strict=False)] = RecordStatus.OK
    data: dict[str, Any] | None = None


class CaseHead(_Strict):
    """The fields a case file's two readings share (see ``parse_case``)."""

    schema_: Literal["fairscreen/case/v1"] = Field(alias="schema")
    case_id: str
    as_of: Day
    employer: EmployerIn
    role: dict[str, Any]
    subject: SubjectIn
    requested_categories: list[AnyCategory]


class CaseIn(CaseHead):
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


#: pydantic's error types that need no parameter: (message key, English)
_SIMPLE_MESSAGES = {
    "extra_forbidden": ("field.not_allowed", "not allowed"),
    "missing": ("input.required", "required"),
    "string_type": ("input.must_string", "must be a string"),
    "int_type": ("input.must_integer", "must be an integer"),
    "bool_type": ("field.must_true_false", "must be true or false"),
    "list_type": ("field.must_array", "must be an array"),
    "dict_type": ("field.must_object", "must be an object"),
    "model_type": ("field.must_object", "must be an object"),
    "model_attributes_type": ("field.must_object", "must be an object"),
    "timezone_aware": (
        "field.must_date_time_utc_offset",
        "must be a date-time with a UTC offset (RFC 3339)",
    ),
    "datetime_type": ("field.must_date_time_string_rfc", "must be a date-time string (RFC 3339)"),
    "datetime_parsing": (
        "field.must_date_time_string_rfc",
        "must be a date-time string (RFC 3339)",
    ),
    "datetime_from_date_parsing": (
        "field.must_date_time_string_rfc",
        "must be a date-time string (RFC 3339)",
    ),
    "none_required": ("field.must_null", "must be null"),
    "date_type": ("input.must_date_yyyy_mm_dd", "must be a date YYYY-MM-DD"),
}


def _message(error: Mapping[str, Any]) -> InvalidInput:
    """What a validation error says, keyed where a portal form can meet it (its ``field``
    is set by the caller)."""
    kind = error["type"]
    if kind in _SIMPLE_MESSAGES:
        key, text = _SIMPLE_MESSAGES[kind]
        return InvalidInput(text, key=key)
    context = error.get("ctx") or {}
    if kind in ("literal_error", "enum"):
        # the input itself is never quoted: a value typed into a code's place may be
        # personal (a gender written out where the self-identification form offers codes)
        expected = str(context.get("expected", "a listed value"))
        return InvalidInput(
            "this value is not allowed here (expected {expected})",
            key="field.value_not_expected",
            expected=expected,
        )
    if kind == "string_pattern_mismatch":
        pattern = str(context.get("pattern", ""))
        if pattern == MONTH_PATTERN:
            return InvalidInput("must be a month YYYY-MM", key="field.must_month_yyyy_mm")
        return InvalidInput(f"must match {pattern}")
    if kind == "string_too_short":
        length: Param = context.get("min_length", 1)
        return InvalidInput(
            "must have at least {length} characters",
            key="field.must_least_length_characters",
            length=length,
        )
    if kind == "greater_than_equal":
        minimum: Param = context.get("ge", 0)
        return InvalidInput("must be ≥ {minimum}", key="field.must_minimum", minimum=minimum)
    if kind == "json_invalid":
        return InvalidInput(f"not valid JSON ({context.get('error', 'malformed')})")
    if kind == "value_error":
        cause = context.get("error")
        if isinstance(cause, InvalidValue):
            keyed = InvalidInput(str(cause), key=cause.key)
            keyed.params = cause.params
            return keyed
        return InvalidInput(str(cause if cause is not None else error.get("msg", "invalid value")))
    return InvalidInput(str(error.get("msg", "invalid value")).lower())


def invalid_input(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> InvalidInput:
    """The first validation error as one line naming its JSON path."""
    first = exc.errors(include_url=False)[0]
    loc = tuple(part for part in prefix + tuple(first["loc"]) if part != "schema_")
    if first["loc"] and first["loc"][0] == "schema_":
        loc = ("schema",)
    # Pydantic names a union/literal member in the path (e.g. ``literal['a']``); drop it.
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or "(" in p)))
    refusal = _message(first)
    refusal.field = format_path(loc)
    return refusal

"""The API's input and public schemas (Pydantic v2), apart from each other.

Inputs are strict: unknown fields are refused, strings and lists are bounded, so a
request is checked before any service is called (the service checks again: the rules
live there). Public schemas say exactly what leaves: ids, states, times, and report
documents only on the routes whose readers may see them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from fairscreen.domain.bilingual import Language
from fairscreen.services.scope import DEFAULT_PURPOSE

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=40)]


def _utc(moment: datetime) -> datetime:
    # The database layer already gives aware UTC times; this guards the public contract.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


#: A time as the API gives it: always with its offset (RFC 3339 date-time).
Moment = Annotated[datetime, AfterValidator(_utc)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4000)


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- problems (RFC 9457) ----------------------------------------------------------------------


class Problem(BaseModel):
    """RFC 9457 problem details, with the domain error's stable ``code``, the JSON path
    of the offending ``field`` where there is one, the refusal's message ``key`` (the
    web catalogue's, for a client that shows it in its reader's language; null for an
    error without one) and the key's ``params`` (codes, ids and numbers to fill its
    ``{placeholders}`` with; never personal data)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str
    field: str | None = None
    key: str | None = None
    params: dict[str, str | int] = {}
    instance: str | None = None


# --- pagination ---------------------------------------------------------------------------------


T = TypeVar("T")


class Page(Out, Generic[T]):
    items: list[T]
    #: pass as ``cursor`` to get the next page; null on the last page
    next_cursor: str | None = None


# --- auth and accounts ------------------------------------------------------------------------


class SignInCodeRequest(In):
    candidate_id: Id


class CodeSessionOut(Out):
    #: pass it with the code to ``/v1/auth/candidate/token``: the code works only with it
    code_session: str


class SignInCodeExchange(In):
    candidate_id: Id
    code_session: Annotated[str, StringConstraints(pattern=r"^scs_[A-Za-z0-9_-]{16,64}$")]
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{8}$")]


class TokenOut(Out):
    token_id: str
    token: str
    expires_at: Moment | None = None


class MeOut(Out):
    role: str
    actor_id: str
    token_id: str


class TenantIn(In):
    kind: Literal["employer", "agency"]
    name: Text200


class IdOut(Out):
    id: str


class AccountIn(In):
    role: Literal["employer", "agency", "regulator", "operator"]
    label: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    tenant_id: Id | None = None


class AccountOut(Out):
    account_id: str
    role: str
    tenant_id: str | None
    label: str
    created_at: Moment
    disabled: bool


class TokenInfoOut(Out):
    """A token or portal session as listed: never its secret."""

    token_id: str
    #: ``api`` (an account's API token) or ``portal`` (a staff portal session)
    kind: str
    created_at: Moment
    expires_at: Moment | None = None
    revoked_at: Moment | None = None


class AccountCreatedOut(Out):
    account_id: str
    token: TokenOut


class LegalHoldIn(In):
    hold: StrictBool  # true or false only: "yes" or 1 must not place a hold by accident


class RotationIn(In):
    #: retire every older master key nothing is wrapped under any more
    retire: StrictBool = False


class RetainedKeyOut(Out):
    key_id: str
    still_wraps: int


class RotationOut(Out):
    to_key_id: str
    #: subjects re-keyed (a new subject key under ``to_key_id``)
    rewrapped: int
    case_keys: int
    already_current: int
    skipped: int
    failed: int
    retired: list[str]
    kept: list[RetainedKeyOut]


# --- candidates, profiles ------------------------------------------------------------------------


class CandidateIn(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    national_id: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    birth_date: date


class CategoryRequirement(In):
    justification: Annotated[str, StringConstraints(min_length=10, max_length=1000)]
    lookback_years: Annotated[int, Field(ge=0, le=100)] | None = None
    legal_basis: Annotated[str, StringConstraints(max_length=1000)] | None = None


class RoleProfileIn(In):
    id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    tier: Literal["standard", "trust", "safety"]
    categories: Annotated[dict[Category, CategoryRequirement], Field(max_length=20)]
    title: Annotated[str, StringConstraints(max_length=200)] | None = None
    relevance_justification: Annotated[str, StringConstraints(max_length=1000)] | None = None


class BuiltinProfileIn(In):
    profile: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ProfileOut(Out):
    profile_id: str
    tier: str
    role: dict[str, Any]
    created_at: Moment


# --- cases ---------------------------------------------------------------------------------------


class OrderInvitationIn(In):
    """Invite the candidate with the order: their name as the employer knows them and
    their mobile number or e-mail address (both sealed with the case), the message's
    language."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    contact: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    lang: Language = "zh-Hans"


class OrderIn(In):
    subject_id: Id
    profile_id: Id
    requested: Annotated[list[Category], Field(min_length=1, max_length=20)]
    purpose: Text200 = DEFAULT_PURPOSE
    agency_id: Id | None = None
    invitation: OrderInvitationIn | None = None
    confirm_duplicate: StrictBool = Field(
        default=False,
        description="order although the candidate has an open case (not decided, "
        "withdrawn, expired or destroyed) with your organisation; without it such an "
        "order is refused with 409 DUPLICATE_ORDER (key transition.duplicate_open_case, "
        "the detail naming your latest open case) and nothing is stored",
    )


class CandidateInvitationIn(In):
    """Send the candidate a new invitation link (the older ones stop working once it went
    out); ``contact`` corrects the mobile number or e-mail address, or gives one to a case
    ordered without; the message is written in ``lang``."""

    contact: Annotated[str, StringConstraints(max_length=254)] = Field(
        default="", description="optional: a mobile number or an e-mail address"
    )
    lang: Language = "zh-Hans"


class CandidateInvitationOut(Out):
    """The case's latest invitation link: where it went (masked), when, whether its message
    went out and, if not, why (``reason_key``: ``invitation.failed.sms`` or
    ``invitation.failed.mail``); ``left_today``: how many more links the case may get in
    the next 24 hours."""

    channel: Literal["mobile", "email"]
    destination: str
    at: Moment | None
    sent: bool
    reason_key: str | None
    left_today: int


class OrderOut(Out):
    """The case ordered; with an invitation, whether its message went out (``sent:
    false`` and a ``reason_key`` when the SMS gateway or the mail server did not take
    it: the order stands, ``POST /v1/cases/{id}/invitation`` sends again)."""

    id: str
    invitation: CandidateInvitationOut | None = None


class CaseOut(Out):
    case_id: str
    state: str
    tier: str
    light: str | None
    outcome: str | None
    window_ends: Moment | None
    created_at: Moment
    updated_at: Moment


class NoticeOut(Out):
    lang: str
    text: str
    sha256: str
    categories: list[str]
    sensitive: list[str]


class SignIn(In):
    text_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    lang: Language
    categories: Annotated[list[Category], Field(max_length=20)]
    sensitive_categories_consented: Annotated[list[Category], Field(max_length=20)] = []
    claims: dict[str, Any] | None = None


class ReceiptIdOut(Out):
    receipt_id: str


class InvestigationOut(Out):
    queried: list[str]
    incomplete: list[str]
    light: str | None = Field(
        description="the light, for the case's agency; null for an employer running its own "
        "check (and `incomplete` empty), who sees the result once the report is released "
        "(the candidate sees it first)"
    )


class ReportOut(Out):
    """The full report: for the candidate, the case's agency, an operator with a reason."""

    case_id: str
    state: str
    report: dict[str, Any]
    window_ends: Moment | None = None
    disputes: list[dict[str, Any]] | None = None


class EmployerViewOut(Out):
    """What the employer sees once the report is released: never an excluded or
    unverified item (the employer view the domain built)."""

    case_id: str
    state: str
    employer_view: dict[str, Any]


class AcceptIn(In):
    statement: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = None


class DisputeIn(In):
    finding_ids: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=40)]],
        Field(min_length=1, max_length=50),
    ]
    statement: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    evidence: Annotated[str, StringConstraints(max_length=100_000)] | None = None


class DisputeIdsOut(Out):
    dispute_ids: list[str]


class ResolutionIn(In):
    outcome: Literal["upheld", "corrected", "removed"]
    answer: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    corrected_records: Annotated[list[dict[str, Any]], Field(max_length=100)] = []


class SupplementIdOut(Out):
    supplement_id: str


class SupplementAnswerIn(In):
    outcome: Literal["reverified", "not_sufficient"]
    answer: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    #: with ``reverified``: the finding's records as the verifier re-verified them
    corrected_records: Annotated[list[dict[str, Any]], Field(max_length=100)] = []


class SupplementFileOut(Out):
    id: str
    content_type: str
    size: int


class SupplementOut(Out):
    """A supplementary document (补充材料) and its answer; the file's name and content stay
    on the portals."""

    id: str
    finding_id: str
    category: str
    supplied_at: datetime
    note: str | None
    outcome: Literal["reverified", "not_sufficient"] | None
    answer: str | None
    answered_at: datetime | None
    files: list[SupplementFileOut]


class DecisionIn(In):
    outcome: Literal["hired", "not_hired"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    #: whether the report played a part; required when not hiring on a non-green light
    cites_report: bool | None = None


class PreAdverseIn(In):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    cites_report: bool
    wait_days: Annotated[int, Field(ge=5, le=15)] = 5


class PreAdverseOut(Out):
    wait_ends: datetime


class ResponseIn(In):
    statement: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class CaseNoticeOut(Out):
    id: str
    kind: Literal["pre_adverse", "adverse_response", "adverse_action"]
    created_at: datetime
    body: dict[str, Any]


class DecisionOut(Out):
    outcome: Literal["hired", "not_hired"]
    reason: str
    decided_at: datetime
    adverse: bool


class DeletionOut(Out):
    cases: list[str]


# --- webhooks ------------------------------------------------------------------------------------


class WebhookIn(In):
    url: Annotated[str, StringConstraints(min_length=8, max_length=500)]


class WebhookCreatedOut(Out):
    endpoint_id: str
    #: ``whsec_<base64>``: shown this once; verify ``webhook-signature`` with it
    secret: str


class WebhookOut(Out):
    endpoint_id: str
    url: str
    created_at: Moment


# --- transparency and the regulator -------------------------------------------------------------


class InclusionProofOut(Out):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    proof: list[str]
    entry: str
    checkpoint: str | None


class PendingEntryOut(Out):
    """An entry committed by a request: pending until the sequencer integrates it, then
    its index, and its inclusion proof once a checkpoint covers it (issue 16)."""

    pending_id: int
    state: Literal["pending", "integrated"]
    index: int | None
    inclusion: InclusionProofOut | None


class ConsistencyProofOut(Out):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


class RulebookOut(Out):
    version: str
    sha256: str
    file: str


class CheckpointOut(Out):
    size: int
    root_hash: str
    published_at: Moment
    note: str


class LedgerStatusOut(Out):
    size: int
    root_hash: str
    verified: bool
    findings: int
    checkpoints_checked: int
    checkpoint: CheckpointOut | None
    log_key: str


class ViolationOut(Out):
    index: int
    rule: str
    case: str | None
    message: str


class AuditOut(Out):
    ok: bool
    entries: int
    violations: list[ViolationOut]


class EntryDetailsOut(Out):
    """One entry and what it commits to (the regulator's logged read, PRODUCT.md §6)."""

    index: int
    entry: dict[str, Any]
    #: the payload (ids and codes), or null once the case's data was destroyed
    payload: dict[str, Any] | None
    #: whether the payload opens the entry's commitment; null when it cannot be checked
    commitment_opens: bool | None
    #: an operator's own reason for reading a report (``report.read`` with ``audit``)
    recorded_reason: str | None
    #: whether this read was itself logged (nothing is read, or logged, for a destroyed case)
    read_logged: bool


class StatsGroupOut(Out):
    employer: str
    period: str
    cases: int
    by_state: dict[str, int | None]
    by_light: dict[str, int | None]


class StatsOut(Out):
    period: str
    min_group: int
    groups: list[StatsGroupOut]
    suppressed_groups: int


# --- fairness (PRODUCT.md §7) --------------------------------------------------------------------


class SelfIdentificationIn(In):
    """Answered under a consent of its own; ``consent: false`` records a refusal only."""

    consent: bool
    sex: Literal["female", "male", "another"] | None = None
    age_band: Literal["under_25", "25_34", "35_44", "45_54", "55_plus"] | None = None


class FairnessGroupOut(Out):
    n: int
    flagged_rate: float
    favorable_rate: float
    impact_ratio: float | None
    four_fifths_violation: bool | None


class FairnessMetricOut(Out):
    min_group: int
    groups: dict[str, FairnessGroupOut]
    suppressed: list[str]
    reference_group: str | None


class FairnessDimensionOut(Out):
    #: flagged = rated yellow or red
    flagged: FairnessMetricOut
    #: flagged = a decision other than hired, among decided cases
    not_hired: FairnessMetricOut
    lights: dict[str, dict[str, int]]


class FairnessOut(Out):
    min_group: int
    employer: str | None
    role: str | None
    quarter: str
    dimensions: dict[str, FairnessDimensionOut]


# --- structured reference checks (issue 15 item 4) --------------------------------------------


class RefereeIn(In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    contact: Annotated[str, StringConstraints(min_length=3, max_length=200)] = Field(
        description="an e-mail address or a phone number; encrypted under the case key"
    )
    lang: Language = "zh-Hans"
    days: Annotated[int, Field(ge=1, le=14, strict=True)] = 7


class RefereeInvitedOut(Out):
    id: str
    expires_at: Moment


class InvitationOut(Out):
    id: str
    name: str
    contact: str
    lang: str
    state: Literal["open", "answered", "expired"]
    created_at: Moment
    expires_at: Moment
    answered_at: Moment | None

"""The screening core: scope, verification, findings and the rating (PRODUCT.md P2-P4, §4).

``evaluate`` is the whole offline evaluation of one case, pure and deterministic: the same
case and rulebook give the same report. The service and ``fairscreen evaluate`` both run
exactly this function, so a report recomputed offline equals the one the service made.

The steps, per record:

1. scope: a record of a category outside the effective scope is discarded unread
   (``NOT_IN_SCOPE``); a criminal ``litigation`` record counts only as criminal-record data;
2. availability: a source that reported itself unavailable makes the check incomplete;
3. identity: a record not matched to the subject is discarded (``IDENTITY_UNMATCHED``);
4. prohibited topics: statements and fields on a prohibited topic are dropped unread;
5. verification: a registry or issuer record with a strong match, or two witnesses
   (different ``person_id``) making the same assertion; anything else is ``UNVERIFIED``;
6. the category's rules make findings; exclusions are checked in §4's order, first wins;
7. the light is the most severe reason's light; green when there is none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeVar

from fairscreen.domain.authorization import check_authorization
from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.domain.categories import (
    CATEGORY_LABELS,
    PROHIBITED,
    Category,
    CauseGroup,
    Disposition,
    Exclusion,
    Light,
    MatchStrength,
    RecordStatus,
    RuleId,
    SourceKind,
    Tier,
    Verification,
)
from fairscreen.domain.identity import IdentityMatcher
from fairscreen.domain.model import (
    Case,
    CreditData,
    CriminalData,
    EducationData,
    EmploymentClaim,
    EmploymentData,
    EnforcementData,
    HealthCertificateData,
    IdentityData,
    LicenseData,
    LitigationData,
    Record,
    ReferenceData,
    Statement,
    YearMonth,
)
from fairscreen.domain.profiles import lookback_years, relevant_groups, validate_profile
from fairscreen.domain.report import (
    Document,
    RulebookRef,
    Texts,
    dropped_document,
    finding_document,
    report_document,
)
from fairscreen.domain.rulebook import Rulebook
from fairscreen.domain.scope import effective_scope
from fairscreen.domain.topics import ModelRef, TopicClassifier

PREFIX = {
    Category.IDENTITY: "ID",
    Category.EDUCATION: "EDU",
    Category.EMPLOYMENT_HISTORY: "EMP",
    Category.PROFESSIONAL_LICENSE: "LIC",
    Category.LITIGATION: "LIT",
    Category.ENFORCEMENT: "ENF",
    Category.REFERENCE: "REF",
    Category.CRIMINAL_RECORD: "CRIM",
    Category.CREDIT: "CRED",
    Category.HEALTH_CERTIFICATE: "HC",
}
#: Using legal rights is never held against anyone (PRODUCT.md §1, the Zhang case).
RIGHTS_ROLES = frozenset({"plaintiff", "applicant", "claimant", "third_party"})
#: Criminal Procedure Law art. 286 seals the records of offences committed under 18; a full
#: year of age counts from the day after the birthday (SPC Interpretation on juvenile
#: criminal cases, art. 2), so an offence on the 18th birthday is a juvenile offence.
ADULT_AGE = 18
HEALTH_CERTIFICATE_FIELDS = frozenset({"certificate_no", "valid_until"})

# Texts of findings that fire no rule (the rules' and exclusions' texts are the rulebook's).
NEUTRAL_TEXTS: Mapping[str, Texts] = {
    "confirmed": {
        "zh-Hans": "经核实，与所报一致",
        "en": "verified, consistent with the claim",
        "zh-Hant": "經核實，與所報一致",
    },
    "no_claim": {
        "zh-Hans": "经核实的记录，未对应任何所报事项",
        "en": "a verified record that matches no claim",
        "zh-Hant": "經核實的記錄，未對應任何所報事項",
    },
    "not_found": {
        "zh-Hans": "信息来源答复：无相关记录",
        "en": "the source reports no record",
        "zh-Hant": "資訊來源答覆：無相關記錄",
    },
    "no_adverse": {
        "zh-Hans": "经核实，无不利信息",
        "en": "verified, nothing adverse",
        "zh-Hant": "經核實，無不利資訊",
    },
}


def _fold(text: str) -> str:
    """Institutions, employers and licence numbers match trimmed and case-folded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def years_later(day: date, years: int) -> date:
    """The same calendar day ``years`` later (or earlier, when negative); 29 February in a
    year that has none is 28 February (Civil Code art. 203: a period with no corresponding
    day ends on the month's last day)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


#: Sources whose record, on a strong identity match, is verified (PRODUCT.md P3).
VERIFYING_SOURCES = frozenset({SourceKind.REGISTRY, SourceKind.ISSUER})
# Members read for every record, bound once as module names: on CPython 3.11 reading a
# member off its Enum class (``RecordStatus.NOT_FOUND``) goes through
# ``EnumType.__getattr__``'s lookup hook, about ten times the cost of a global.
_SOURCE_UNAVAILABLE, _NOT_FOUND = RecordStatus.SOURCE_UNAVAILABLE, RecordStatus.NOT_FOUND
_STRONG, _UNMATCHED = MatchStrength.STRONG, MatchStrength.UNMATCHED
#: The exclusions triage and the evaluators give per record (bound once as above).
_EXCLUDED_UNVERIFIED = Exclusion.UNVERIFIED
_NOT_IN_SCOPE, _IDENTITY_UNMATCHED = Exclusion.NOT_IN_SCOPE, Exclusion.IDENTITY_UNMATCHED
_PROHIBITED_TOPIC, _SEALED_JUVENILE = Exclusion.PROHIBITED_TOPIC, Exclusion.SEALED_JUVENILE_RECORD
_LITIGATION_RIGHTS = Exclusion.LITIGATION_RIGHTS
_NO_ADVERSE_JUDGMENT = Exclusion.NO_ADVERSE_JUDGMENT
_OUTSIDE_LOOKBACK, _NOT_JOB_RELATED = Exclusion.OUTSIDE_LOOKBACK, Exclusion.NOT_JOB_RELATED
_GREEN, _CRIMINAL_RECORD = Light.GREEN, Category.CRIMINAL_RECORD
_VERIFIED, _UNVERIFIED = str(Verification.VERIFIED), str(Verification.UNVERIFIED)
_EXCLUDED, _NEUTRAL = str(Disposition.EXCLUDED), str(Disposition.NEUTRAL)
SEVERITY: Mapping[Light, int] = {light: light.severity for light in Light}
#: The members a finding names, each as its plain string (``str(member)``), looked up: a
#: third of the cost of ``str`` on every finding. Members of two enums spelt alike share
#: an entry, which is the same string.
NAME: Mapping[StrEnum, str] = {
    member: str(member) for enum in (Category, RuleId, Light, Exclusion) for member in enum
}
#: The disposition of a finding whose rule fired (and was not excluded), by its light.
DISPOSITION_OF_LIGHT: Mapping[Light, str] = {
    light: str(
        Disposition.ADVERSE
        if light.severity >= Light.YELLOW.severity
        else Disposition.INFORMATIONAL
        if light is Light.BLUE
        else Disposition.NEUTRAL
    )
    for light in Light
}


@dataclass(slots=True)
class _Triaged:
    """A record that passed scope, identity and topic filters, with its verification
    (``VERIFYING_SOURCES`` on a strong identity match) and, for a court or criminal
    record, the group of its cause."""

    record: Record
    data: object
    verified: bool
    group: CauseGroup | None = None


@dataclass(slots=True)
class _Bucket:
    """What one in-scope category gathered."""

    usable: list[_Triaged] = field(default_factory=list)
    unavailable: list[Record] = field(default_factory=list)
    not_found: list[Record] = field(default_factory=list)


class _ReadOnce:
    """A classifier that reads each distinct text once per evaluation (a remark repeated
    across a case's records, a label used on several statements). It lives as long as
    the evaluation, which holds the texts anyway; nothing is kept between cases."""

    __slots__ = ("classifier", "topics")

    def __init__(self, classifier: TopicClassifier) -> None:
        self.classifier = classifier
        self.topics: dict[str, str | None] = {}

    def prohibited_topic(self, text: str) -> str | None:
        topics = self.topics
        if text in topics:
            return topics[text]
        topic = topics[text] = self.classifier.prohibited_topic(text)
        return topic


class _Evaluation:
    def __init__(
        self,
        case: Case,
        rulebook: Rulebook,
        classifier: TopicClassifier,
        labels: Mapping[str, Mapping[str, str]],
    ) -> None:
        self.case = case
        self.labels = labels
        self.rulebook = rulebook
        self.classifier = classifier
        self.findings: list[Document] = []
        self.reasons: list[tuple[Document, Document]] = []
        self.light = _GREEN
        self.severity = SEVERITY[_GREEN]
        self.discarded: list[Document] = []
        self.dropped: list[Document] = []
        self.counters: dict[Category, int] = {}
        self.groups_by_tier = rulebook.groups_by_tier()
        self.identity = IdentityMatcher(case.subject)
        self.source_of = {record.id: record.source.id for record in case.records}
        self.lookback_cutoffs: dict[Category, date | None] = {}
        self.read_once = _ReadOnce(classifier)

    # --- findings ---------------------------------------------------------------------

    def add(
        self,
        category: Category,
        records: list[str],
        *,
        verified: bool,
        rule: RuleId | None = None,
        exclusion: Exclusion | None = None,
        neutral: str = "no_adverse",
        detail: str | Mapping[str, str] = "",
        claim: int | None = None,
        disagreement: _Disagreement | None = None,
    ) -> None:
        """Add a finding; one whose rule fires unexcluded is also a reason for the light.
        A ``disagreement`` (verified records of one claim that disagree) is said in the
        summary, before the rule's text, and listed in the finding; the reason's ``text``
        stays the rule's own."""
        light: Light | None = None
        # Enum members enter the document as their plain strings, looked up rather than
        # converted on each of a case's findings (``report.py``).
        if exclusion is not None:
            disposition, texts = _EXCLUDED, self.rulebook.exclusions[exclusion]
            rule = None
        elif rule is not None:
            fired = self.rulebook.rules[rule]
            light, texts = fired.light, fired.text
            disposition = DISPOSITION_OF_LIGHT[light]
        else:
            disposition, texts = _NEUTRAL, NEUTRAL_TEXTS[neutral]
        said = texts if disagreement is None else disagreement.summary(texts, self.source_of)
        # Loops rather than comprehensions: a comprehension is a function call of its own
        # on CPython 3.11, paid on each of a case's ~22 findings.
        if isinstance(detail, str):
            if detail:
                summary = {}
                for lang, text in said.items():
                    summary[lang] = f"{detail} — {text}"
            else:
                summary = dict(said)
        else:  # said per language (issue 13 item 7)
            summary = {}
            for lang, text in said.items():
                summary[lang] = f"{detail.get(lang, detail['en'])} — {text}"
        count = self.counters.get(category, 0) + 1
        self.counters[category] = count
        finding_id = f"{PREFIX[category]}-{count}"
        source_of = self.source_of
        rule_name = None if rule is None else NAME[rule]
        light_name = None if light is None else NAME[light]
        self.findings.append(
            finding_document(
                id=finding_id,
                category=NAME[category],
                records=records,
                sources=[source_of[records[0]]]
                if len(records) == 1
                else sorted({source_of[r] for r in records}),
                claim=claim,
                verification=_VERIFIED if verified else _UNVERIFIED,
                disposition=disposition,
                rule=rule_name,
                light=light_name,
                exclusion=None if exclusion is None else NAME[exclusion],
                summary=summary,
                disagreement=None if disagreement is None else disagreement.document(),
            )
        )
        if light is not None:
            rating: Document = {
                "rule": rule_name,
                "light": light_name,
                "finding": finding_id,
                "text": dict(texts),
            }
            employer: Document = {"rule": rule_name, "light": light_name, "summary": dict(summary)}
            self.reasons.append((rating, employer))
            severity = SEVERITY[light]
            if severity > self.severity:
                self.light, self.severity = light, severity

    def discard(self, record: Record, exclusion: Exclusion) -> None:
        self.discarded.append({"record": record.id, "reason": NAME[exclusion]})

    def unverified(self, category: Category, item: _Triaged, detail: str = "") -> None:
        self.add(
            category,
            [item.record.id],
            verified=False,
            exclusion=_EXCLUDED_UNVERIFIED,
            detail=detail,
        )

    def outside_lookback(self, category: Category, when: date | None) -> bool:
        """Before the start of the category's lookback (the role's, else the rulebook's
        default), counted back from ``as_of``."""
        if category not in self.lookback_cutoffs:
            years = lookback_years(
                self.case.role, category, self.rulebook.default_lookback_years.get(category)
            )
            # None: no cutoff. A lookback reaching back past year 1 (the calendar's first:
            # the schema bounds it below only) takes in every date.
            reaches_past_year_one = years is not None and years >= self.case.as_of.year
            self.lookback_cutoffs[category] = (
                None
                if years is None or reaches_past_year_one
                else years_later(self.case.as_of, -years)
            )
        cutoff = self.lookback_cutoffs[category]
        return when is not None and cutoff is not None and when < cutoff

    def relevant(self, group: CauseGroup) -> bool:
        return group in self.relevant_groups

    # --- the run ------------------------------------------------------------------------

    def run(self) -> Document:
        case = self.case
        validate_profile(case.role, self.groups_by_tier)
        authorization = check_authorization(
            case.authorization, employer_id=case.employer_id, role_id=case.role.id, as_of=case.as_of
        )
        self.scope = effective_scope(case.requested_categories, case.role, authorization)
        self.relevant_groups = relevant_groups(case.role, self.groups_by_tier)
        buckets: dict[Category, _Bucket] = {c: _Bucket() for c in self.scope.effective}
        for record in case.records:
            self.triage(record, buckets)
        # Categories are evaluated in the canonical order (the scope's), so the findings,
        # and the reasons among them, come out in the order the report lists them.
        for category in self.scope.effective:
            bucket = buckets[category]
            for record in bucket.unavailable:
                self.add(
                    category,
                    [record.id],
                    verified=True,
                    rule=RuleId.CHECK_INCOMPLETE,
                    detail=_incomplete_detail(category, UNAVAILABLE_TEXTS, record.source.id),
                )
            EVALUATORS[category](self, bucket)
        return report_document(
            case_id=case.case_id,
            as_of=case.as_of.isoformat(),
            rulebook=RulebookRef(self.rulebook.version, self.rulebook.sha256),
            role_id=case.role.id,
            tier=str(case.role.tier),
            scope=self.scope,
            findings=self.findings,
            discarded=self.discarded,
            dropped_statements=self.dropped,
            light=self.light,
            reasons=self.reasons,
            topic_model=published_model(self.classifier),
        )

    def triage(self, record: Record, buckets: Mapping[Category, _Bucket]) -> None:
        """Steps 1-5 for one record: route it to its category's bucket or discard it."""
        category = record.category
        data = record.data
        if isinstance(data, LitigationData) and data.case_type == "criminal":
            # The court-judgment database is no back door around the sensitive gate.
            category = _CRIMINAL_RECORD
            data = CriminalData(
                offence=data.cause,
                convicted=data.outcome == "judgment_against",
                offence_group=data.cause_group,
                final=data.outcome == "judgment_against",
                judgment_date=data.decided_on or data.filed_on,
                party_role=data.party_role,
                case_no=data.case_no,
            )
        bucket = buckets.get(category)
        if bucket is None:
            self.discard(record, _NOT_IN_SCOPE)
            return
        if record.status is _SOURCE_UNAVAILABLE:
            bucket.unavailable.append(record)
            return
        if record.status is _NOT_FOUND:
            bucket.not_found.append(record)
            return
        strength = self.identity.match(record.identity)
        if strength is _UNMATCHED:
            self.discard(record, _IDENTITY_UNMATCHED)
            return
        verified = strength is _STRONG and record.source.kind in VERIFYING_SOURCES
        # Step 4: drop statements and fields on a prohibited topic (or the whole record).
        group: CauseGroup | None = None
        if isinstance(data, ReferenceData):
            kept = self.drop_statements(record, data)
            if kept is None:
                self.discard(record, _PROHIBITED_TOPIC)
                return
            bucket.usable.append(_Triaged(record, kept, verified))
            return
        if isinstance(data, HealthCertificateData):
            for name in data.stripped_fields:
                self.dropped.append(
                    dropped_document(record.id, Category.HEALTH_CONDITION.value, field=name)
                )
        elif isinstance(data, LitigationData):
            group = data.cause_group or self.rulebook.map_cause(data.cause)
        elif isinstance(data, CriminalData):
            group = data.offence_group or self.rulebook.map_cause(data.offence)
        if group is not None:
            topic = self.rulebook.groups[group].prohibited_topic
            if topic is not None:
                self.dropped.append(dropped_document(record.id, topic.value))
                self.discard(record, _PROHIBITED_TOPIC)
                return
        bucket.usable.append(_Triaged(record, data, verified, group))

    def drop_statements(self, record: Record, data: ReferenceData) -> _KeptStatements | None:
        """The statements not on a prohibited topic (by the classifier, or by the
        investigator's own topic label); None when none is left."""
        kept: list[tuple[int, Statement]] = []
        for index, statement in enumerate(data.statements):
            topic = statement_topic(self.read_once, statement.text, statement.topic)
            if topic is None:
                kept.append((index, statement))
            else:
                self.dropped.append(dropped_document(record.id, topic, index=index))
        if not kept:
            return None
        return _KeptStatements(tuple(kept))


PROHIBITED_TOPIC_NAMES = frozenset(c.value for c in PROHIBITED)
#: An investigator's topic label that names a prohibited category drops the statement too,
#: and so do the everyday labels for one: a referee's remark filed under "hobbies" or
#: "lifestyle" is about the candidate's private life (Civil Code art. 1032), not about the
#: labour contract (Labour Contract Law art. 8). Labels are compared case-folded, with
#: spaces and hyphens read as underscores.
TOPIC_LABELS: Mapping[str, str] = (
    {name: name for name in PROHIBITED_TOPIC_NAMES}
    | {
        label: Category.PRIVATE_LIFE.value
        for label in (
            "private",
            "personal_life",
            "private_matters",
            "hobby",
            "hobbies",
            "leisure",
            "pastimes",
            "lifestyle",
            "social_life",
            "romance",
            "dating",
            "sex_life",
        )
    }
    | {name: name for name in ("sex_or_gender", "age", "appearance")}
    | {
        "sex": "sex_or_gender",
        "gender": "sex_or_gender",
        "looks": "appearance",
        "年龄": "age",
        "年齡": "age",
        "性别": "sex_or_gender",
        "性別": "sex_or_gender",
        "外貌": "appearance",
        "marriage": Category.MARITAL_STATUS.value,
        "family": Category.FAMILY_BACKGROUND.value,
        "pregnancy": Category.PREGNANCY_OR_FERTILITY.value,
        "fertility": Category.PREGNANCY_OR_FERTILITY.value,
        "health": Category.HEALTH_CONDITION.value,
        "medical": Category.HEALTH_CONDITION.value,
        "mental_health": Category.HEALTH_CONDITION.value,
        "politics": Category.POLITICAL_VIEWS.value,
        "political": Category.POLITICAL_VIEWS.value,
        "faith": Category.RELIGION.value,
        "religious_beliefs": Category.RELIGION.value,
        "race": Category.ETHNICITY.value,
        "ethnic_origin": Category.ETHNICITY.value,
        "hukou": Category.HOUSEHOLD_REGISTRATION.value,
        "sexuality": Category.SEXUAL_ORIENTATION.value,
        "genetics": Category.GENETIC_DATA.value,
        "trade_union": Category.UNION_MEMBERSHIP.value,
        "social_media": Category.SOCIAL_MEDIA_PRIVATE.value,
        # labels a Chinese investigator writes that the classifier, reading a label as
        # text, does not take for a topic on its own (婚姻, 私生活, 宗教, 户口 … it does)
        "爱好": Category.PRIVATE_LIFE.value,
        "兴趣爱好": Category.PRIVATE_LIFE.value,
        "愛好": Category.PRIVATE_LIFE.value,
        "興趣愛好": Category.PRIVATE_LIFE.value,
        "健康": Category.HEALTH_CONDITION.value,
        "政治": Category.POLITICAL_VIEWS.value,
        "家庭": Category.FAMILY_BACKGROUND.value,
    }
)


def published_model(classifier: TopicClassifier) -> ModelRef | None:
    """The model and lexicon a classifier decides by, when it publishes them
    (:class:`~fairscreen.domain.topics.PublishedClassifier`). Read as an attribute:
    ``isinstance`` against a runtime-checkable Protocol inspects every member and cost
    ~10 µs of every report."""
    ref = getattr(classifier, "model_ref", None)
    return ref if isinstance(ref, ModelRef) else None


def statement_topic(classifier: TopicClassifier, text: str, label: str | None) -> str | None:
    """The prohibited category a witness statement touches: the classifier's reading of
    its text, else the investigator's ``label`` when it names one (``TOPIC_LABELS``, or
    the classifier reading the label itself: 婚姻, 私生活, "marital status")."""
    topic = classifier.prohibited_topic(text)
    if topic is None and label:
        key = label.strip().casefold().replace(" ", "_").replace("-", "_")
        topic = TOPIC_LABELS.get(key) or classifier.prohibited_topic(label)
    return topic


@dataclass(frozen=True, slots=True)
class _KeptStatements:
    """A reference record's statements that survived the topic filter, with their index."""

    statements: tuple[tuple[int, Statement], ...]


# --- category evaluators ---------------------------------------------------------------


def _identity(ev: _Evaluation, bucket: _Bucket) -> None:
    # read off their Enum classes once, not per record (see _SOURCE_UNAVAILABLE)
    category, mismatch = Category.IDENTITY, RuleId.ID_MISMATCH
    verified_found = False
    for item in bucket.usable:
        assert isinstance(item.data, IdentityData)
        if not item.verified:
            ev.unverified(category, item)
            continue
        verified_found = True
        rule = mismatch if item.data.result == "mismatch" else None
        ev.add(category, [item.record.id], verified=True, rule=rule, neutral="confirmed")
    if not verified_found and not bucket.unavailable:
        # Identity in scope with no identity record at all: the check is incomplete.
        ev.add(
            category,
            [r.id for r in bucket.not_found],
            verified=True,
            rule=RuleId.CHECK_INCOMPLETE,
            detail=_incomplete_detail(category, NO_RECORD_TEXTS, ""),
        )


def _education(ev: _Evaluation, bucket: _Bucket) -> None:
    tolerance = ev.rulebook.graduation_year_tolerance_years
    # read off their Enum classes once, not per claim (see _SOURCE_UNAVAILABLE)
    category, falsified = Category.EDUCATION, RuleId.EDU_FALSIFIED
    adverse, unverifiable = (falsified,), RuleId.EDU_UNVERIFIABLE
    claims = ev.case.claims.education
    matched, attached = _claim_matches(
        bucket,
        claims,
        [(_fold(claim.institution), claim.degree) for claim in claims],
        lambda data: (
            (_fold(data.institution), data.degree) if isinstance(data, EducationData) else None
        ),
    )
    for index, claim, matches in matched:
        level = DEGREE_TEXTS.get(claim.degree, {})
        detail = {
            lang: f"{claim.institution} · {level.get(lang, claim.degree)} · {claim.graduation_year}"
            for lang in LANGUAGES
        }
        outcomes = [
            falsified
            if not item.data.conferred
            or abs(item.data.graduation_year - claim.graduation_year) > tolerance
            else None
            for item in matches
            if isinstance(item.data, EducationData)
        ]
        rule, disagreement = _decide(matches, outcomes, adverse, unverifiable)
        ev.add(
            category,
            _claim_records(matches, bucket),
            verified=bool(matches),
            rule=rule,
            neutral="confirmed",
            detail=detail,
            claim=index,
            disagreement=disagreement,
        )
    _unclaimed(ev, category, bucket, attached, matched)


def _employment_deviation(claim: EmploymentClaim, data: EmploymentData, today: YearMonth) -> int:
    """The larger of the start and end differences in months (an open end is today)."""
    start = claim.start.months_between(data.start) if data.start else 0
    end = (claim.end or today).months_between(data.end or today)
    return max(start, end)


def _employment(ev: _Evaluation, bucket: _Bucket) -> None:
    tolerance = ev.rulebook.employment_date_tolerance_months
    today = YearMonth.of(ev.case.as_of)
    # read off their Enum classes once, not per claim (see _SOURCE_UNAVAILABLE)
    category, issuer = Category.EMPLOYMENT_HISTORY, SourceKind.ISSUER
    dates_material, fabricated = RuleId.EMP_DATES_MATERIAL, RuleId.EMP_FABRICATED
    adverse, unverifiable = (fabricated, dates_material), RuleId.EMP_UNVERIFIABLE
    claims = ev.case.claims.employment
    employers = [_fold(claim.employer) for claim in claims]
    matched, attached = _claim_matches(
        bucket,
        claims,
        employers,
        lambda data: _fold(data.employer) if isinstance(data, EmploymentData) else None,
    )
    spells_by_employer: dict[str, list[EmploymentClaim]] = {}
    if len(set(employers)) < len(employers):  # a spell claimed twice at one employer
        for employer, claim in zip(employers, claims, strict=True):
            spells_by_employer.setdefault(employer, []).append(claim)
    for index, claim, matches in matched:
        detail = f"{claim.employer} · {claim.start}–{claim.end or '…'}"
        spells = spells_by_employer.get(employers[index])
        about = matches if spells is None else _records_about(claim, spells, matches, today)
        # Each record read alone. A registry's "not employed" fires no rule
        # (EMP_FABRICATED is the claimed employer's word): it is listed with the finding
        # but has no say in it.
        speaking: list[_Triaged] = []
        outcomes: list[RuleId | None] = []
        for item in about:
            data = item.data
            assert isinstance(data, EmploymentData)
            if data.employed:
                speaking.append(item)
                material = _employment_deviation(claim, data, today) > tolerance
                outcomes.append(dates_material if material else None)
            elif item.record.source.kind is issuer:
                speaking.append(item)
                outcomes.append(fabricated)
        rule, disagreement = _decide(speaking, outcomes, adverse, unverifiable)
        said: str | dict[str, str] = detail
        if rule is dates_material:
            deciding = next(
                item.data
                for item, outcome in zip(speaking, outcomes, strict=True)
                if outcome is dates_material
            )
            assert isinstance(deciding, EmploymentData)
            said = _dates_detail(detail, claim, deciding, today)
        ev.add(
            category,
            _claim_records(about, bucket),
            verified=bool(speaking),
            rule=rule,
            neutral="confirmed",
            detail=said,
            claim=index,
            disagreement=disagreement,
        )
    _unclaimed(ev, category, bucket, attached, matched)


def _dates_detail(
    base: str, claim: EmploymentClaim, data: EmploymentData, today: YearMonth
) -> dict[str, str]:
    """What differed in a material date difference (issue 13 item 7): the claimed and the
    recorded month of whichever end differs more, and by how many months."""
    start = claim.start.months_between(data.start) if data.start else 0
    end = (claim.end or today).months_between(data.end or today)
    if start >= end:
        claimed, recorded, months, which = claim.start, data.start, start, "start"
    else:
        claimed, recorded, months, which = claim.end or today, data.end or today, end, "end"
    return {
        lang: f"{base} · "
        + template.format(claimed=claimed, recorded=recorded, months=months, which=words[which])
        for lang, (template, words) in DATES_TEXTS.items()
    }


def _incomplete_detail(category: Category, texts: Mapping[str, str], source: str) -> dict[str, str]:
    """Which check was incomplete and why (issue 13 item 7), per language."""
    return {
        lang: texts[lang].format(category=CATEGORY_LABELS[category][lang], source=source)
        for lang in LANGUAGES
    }


def _records_about(
    claim: EmploymentClaim,
    spells: Sequence[EmploymentClaim],
    matches: list[_Triaged],
    today: YearMonth,
) -> list[_Triaged]:
    """The records about one of several spells claimed at one employer (a rehire): each
    record showing employment is about the spell(s) its dates are nearest, so one spell's
    record is neither a material difference nor a disagreement for another; a record
    without employment is about them all. A spell no record is nearest keeps every record
    of its employer, as matching by employer alone gives (PRODUCT.md P3)."""
    if len(spells) == 1:
        return matches
    about = [
        item
        for item in matches
        if not isinstance(item.data, EmploymentData)
        or not item.data.employed
        or _employment_deviation(claim, item.data, today)
        == min(_employment_deviation(spell, item.data, today) for spell in spells)
    ]
    return about or matches


def _license_key(number: str) -> str:
    return "".join(unicodedata.normalize("NFKC", number).split()).casefold()


def _license(ev: _Evaluation, bucket: _Bucket) -> None:
    as_of = ev.case.as_of
    # read off their Enum classes once, not per claim (see _SOURCE_UNAVAILABLE)
    category, unverifiable = Category.PROFESSIONAL_LICENSE, RuleId.LIC_UNVERIFIABLE
    claims = ev.case.claims.licenses
    matched, attached = _claim_matches(
        bucket,
        claims,
        [_license_key(claim.number) for claim in claims],
        lambda data: _license_key(data.number) if isinstance(data, LicenseData) else None,
    )

    for index, claim, matches in matched:
        outcomes = [_license_outcome(item.data, as_of) for item in matches]
        rule, disagreement = _decide(matches, outcomes, _LICENCE_ADVERSE, unverifiable)
        ev.add(
            category,
            _claim_records(matches, bucket),
            verified=bool(matches),
            rule=rule,
            neutral="confirmed",
            detail=claim.number,
            claim=index,
            disagreement=disagreement,
        )
    _unclaimed(ev, category, bucket, attached, matched)


#: What a licence record can fire, the most severe first (bound once: see _SOURCE_UNAVAILABLE).
_LIC_INVALID, _LIC_EXPIRED = RuleId.LIC_INVALID, RuleId.LIC_EXPIRED
_LICENCE_ADVERSE = (_LIC_INVALID, _LIC_EXPIRED)


def _license_outcome(data: object, as_of: date) -> RuleId | None:
    """What one verified licence record says alone: revoked, expired at ``as_of``, or valid."""
    assert isinstance(data, LicenseData)
    if data.status == "revoked":
        return _LIC_INVALID
    if data.status == "expired" or (data.valid_until is not None and data.valid_until < as_of):
        return _LIC_EXPIRED
    return None


#: Degree levels in words (issue 13 item 7: never ``bachelor`` on a Chinese page).
DEGREE_TEXTS: Mapping[str, Mapping[str, str]] = {
    "associate": {"zh-Hans": "专科", "en": "associate degree", "zh-Hant": "專科"},
    "bachelor": {"zh-Hans": "本科（学士）", "en": "bachelor's degree", "zh-Hant": "學士"},
    "master": {"zh-Hans": "硕士", "en": "master's degree", "zh-Hant": "碩士"},
    "doctorate": {"zh-Hans": "博士", "en": "doctorate", "zh-Hant": "博士"},
    "other": {"zh-Hans": "其他学历", "en": "other qualification", "zh-Hant": "其他學歷"},
}
#: A material date difference, said (``which`` is the start or the end of the spell).
DATES_TEXTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "zh-Hans": (
        "{which}：候选人填 {claimed}；原单位记录 {recorded}（相差 {months} 个月）",
        {"start": "入职", "end": "离职"},
    ),
    "en": (
        "{which}: the candidate gave {claimed}; the employer's record says {recorded} "
        "({months} months apart)",
        {"start": "start", "end": "end"},
    ),
    "zh-Hant": (
        "{which}：候選人填 {claimed}；原單位記錄 {recorded}（相差 {months} 個月）",
        {"start": "入職", "end": "離職"},
    ),
}
#: Which check was incomplete and why.
UNAVAILABLE_TEXTS: Mapping[str, str] = {
    "zh-Hans": "{category}：数据来源 {source} 暂时无法查询",
    "en": "{category}: the source {source} could not be queried",
    "zh-Hant": "{category}：資料來源 {source} 暫時無法查詢",
}
NO_RECORD_TEXTS: Mapping[str, str] = {
    "zh-Hans": "{category}：没有任何来源返回可用记录",
    "en": "{category}: no source returned a usable record",
    "zh-Hant": "{category}：沒有任何來源返回可用記錄",
}

#: How a finding says that its verified sources disagree (PRODUCT.md P3), before the text
#: of the rule that decided it; ``{adverse}`` and ``{other}`` are the sources' ids.
DISAGREEMENT_TEXTS: Mapping[str, str] = {
    "zh-Hans": "经核实的信息来源不一致（{adverse} 与 {other}），以不利记录为准",
    "en": "the verified sources disagree ({adverse} against {other}); the adverse record decides",
    "zh-Hant": "經核實的資訊來源不一致（{adverse} 與 {other}），以不利記錄為準",
}


@dataclass(frozen=True, slots=True)
class _Disagreement:
    """Verified records about one claim that disagree: the adverse ones, which decided the
    finding, and the others (PRODUCT.md P3 "Verified records that disagree")."""

    adverse: tuple[str, ...]
    other: tuple[str, ...]

    def summary(self, texts: Texts, source_of: Mapping[str, str]) -> Texts:
        adverse = ", ".join(sorted({source_of[r] for r in self.adverse}))
        other = ", ".join(sorted({source_of[r] for r in self.other}))
        return {
            lang: DISAGREEMENT_TEXTS[lang].format(adverse=adverse, other=other) + " — " + text
            for lang, text in texts.items()
            if lang in DISAGREEMENT_TEXTS
        }

    def document(self) -> Document:
        return {"adverse": list(self.adverse), "other": list(self.other)}


def _decide(
    items: Sequence[_Triaged],
    outcomes: Sequence[RuleId | None],
    adverse_rules: Sequence[RuleId],
    unverifiable: RuleId,
) -> tuple[RuleId | None, _Disagreement | None]:
    """The rule of one claim's finding from its verified records, each read alone
    (``outcomes``, one per record: the rule it would fire, None if it confirms the claim).
    The adverse record decides, the most severe first (``adverse_rules``); a record that
    says otherwise makes the finding say that the sources disagree (PRODUCT.md P3).
    No record: ``unverifiable``."""
    if not items:
        return unverifiable, None
    for rule in adverse_rules:
        if rule in outcomes:
            pairs = list(zip(items, outcomes, strict=True))
            adverse = tuple(item.record.id for item, said in pairs if said is rule)
            other = tuple(item.record.id for item, said in pairs if said is not rule)
            return rule, _Disagreement(adverse, other) if other else None
    return None, None


C = TypeVar("C")


def _claim_matches(
    bucket: _Bucket,
    claims: Sequence[C],
    claim_keys: Sequence[Hashable],
    record_key: Callable[[object], Hashable | None],
) -> tuple[list[tuple[int, C, list[_Triaged]]], set[str]]:
    """Each claim with the verified records that match it (PRODUCT.md P3: degrees by
    institution and level, employment by employer, licences by number), and the ids of
    every record that matched some claim. ``claim_keys`` are the claims' keys, in order
    (worked out by the caller, which may need them again)."""
    by_key: dict[Hashable, list[_Triaged]] = {}
    for item in bucket.usable:
        key = record_key(item.data) if item.verified else None
        if key is not None:
            by_key.setdefault(key, []).append(item)
    matched = [
        (index, claim, by_key.get(key, []))
        for index, (claim, key) in enumerate(zip(claims, claim_keys, strict=True))
    ]
    attached = {item.record.id for _, _, matches in matched for item in matches}
    return matched, attached


def _claim_records(matches: Sequence[_Triaged], bucket: _Bucket) -> list[str]:
    """The records a claim's finding lists: those that match it or, when none does, the
    sources' ``not_found`` answers, which are then its answer (issue 13 items 5 and 8: a
    claimed licence no register knows is unverifiable, never a clean "no record" beside
    it)."""
    if matches:
        return [item.record.id for item in matches]
    return [record.id for record in bucket.not_found]


def _unclaimed(
    ev: _Evaluation,
    category: Category,
    bucket: _Bucket,
    attached: set[str],
    matched: Sequence[tuple[int, object, Sequence[_Triaged]]] = (),
) -> None:
    """Records of a claim category that confirm no claim: verified ones are neutral,
    unverified ones excluded; a ``not_found`` answer is neutral unless a claim that no
    record matched lists it as its answer (``_claim_records``)."""
    for item in bucket.usable:
        if item.record.id in attached:
            continue
        if item.verified:
            ev.add(category, [item.record.id], verified=True, neutral="no_claim")
        else:
            ev.unverified(category, item)
    if not any(not matches for _, _, matches in matched):
        _not_found(ev, category, bucket)


def _not_found(
    ev: _Evaluation, category: Category, bucket: _Bucket, *, verified: bool = True
) -> None:
    """A source's ``not_found`` answer is a neutral finding (clean, in a claim-free
    category); ``verified=False`` where "no record" verifies nothing (a reference nobody
    gave, issue 13 item 8)."""
    for record in bucket.not_found:
        ev.add(category, [record.id], verified=verified, neutral="not_found")


def _health_certificate(ev: _Evaluation, bucket: _Bucket) -> None:
    valid = [
        item
        for item in bucket.usable
        if item.verified
        and isinstance(item.data, HealthCertificateData)
        and item.data.valid_until >= ev.case.as_of
    ]
    category = Category.HEALTH_CERTIFICATE  # read off its Enum class once (_SOURCE_UNAVAILABLE)
    for item in bucket.usable:
        if not item.verified:
            ev.unverified(category, item)
    if valid:
        ev.add(
            category,
            [item.record.id for item in valid],
            verified=True,
            neutral="confirmed",
        )
        return
    expired = [item.record.id for item in bucket.usable if item.verified]
    if expired or not bucket.unavailable:
        # Missing or expired: the candidate can obtain one (blue, never adverse).
        ev.add(
            category,
            expired + [r.id for r in bucket.not_found],
            verified=True,
            rule=RuleId.HEALTH_CERT_INVALID,
        )


def _litigation(ev: _Evaluation, bucket: _Bucket) -> None:
    # read off their Enum classes once, not per record (see _SOURCE_UNAVAILABLE)
    category, rule = Category.LITIGATION, RuleId.LIT_RELEVANT_JUDGMENT
    for item in bucket.usable:
        data = item.data
        assert isinstance(data, LitigationData)
        detail = f"{data.case_no} · {data.cause}"
        group = item.group
        assert group is not None
        exclusion: Exclusion | None = None
        if not item.verified:
            exclusion = _EXCLUDED_UNVERIFIED
        elif data.party_role in RIGHTS_ROLES:
            exclusion = _LITIGATION_RIGHTS
        elif data.outcome != "judgment_against":
            exclusion = _NO_ADVERSE_JUDGMENT
        elif ev.outside_lookback(category, data.decided_on or data.filed_on):
            exclusion = _OUTSIDE_LOOKBACK
        elif not ev.relevant(group):
            exclusion = _NOT_JOB_RELATED
        ev.add(
            category,
            [item.record.id],
            verified=item.verified,
            exclusion=exclusion,
            rule=rule,
            detail=detail,
        )
    _not_found(ev, category, bucket)


def _enforcement(ev: _Evaluation, bucket: _Bucket) -> None:
    # read off their Enum classes once, not per record (see _SOURCE_UNAVAILABLE)
    category, rule, trust = Category.ENFORCEMENT, RuleId.ENF_ACTIVE_DEBTOR, Tier.TRUST
    for item in bucket.usable:
        data = item.data
        assert isinstance(data, EnforcementData)
        active = data.active and (data.removed_on is None or data.removed_on > ev.case.as_of)
        exclusion: Exclusion | None = None
        if not item.verified:
            exclusion = _EXCLUDED_UNVERIFIED
        elif not active:
            exclusion = _NO_ADVERSE_JUDGMENT
        elif ev.case.role.tier is not trust:
            exclusion = _NOT_JOB_RELATED
        ev.add(
            category,
            [item.record.id],
            verified=item.verified,
            exclusion=exclusion,
            rule=rule,
            detail=data.case_no or "",
        )
    _not_found(ev, category, bucket)


def _criminal(ev: _Evaluation, bucket: _Bucket) -> None:
    last_juvenile_day = eighteenth_birthday(ev.case.subject.birth_date)
    # read off its Enum class once, not per record (see _SOURCE_UNAVAILABLE)
    category, rule = _CRIMINAL_RECORD, RuleId.CRIM_RELEVANT_CONVICTION
    for item in bucket.usable:
        data = item.data
        assert isinstance(data, CriminalData)
        group = item.group
        assert group is not None
        exclusion: Exclusion | None = None
        if not item.verified:
            exclusion = _EXCLUDED_UNVERIFIED
        elif data.offence_date is not None and data.offence_date <= last_juvenile_day:
            exclusion = _SEALED_JUVENILE
        elif data.party_role in RIGHTS_ROLES:
            exclusion = _LITIGATION_RIGHTS
        elif not data.convicted or data.final is False:
            exclusion = _NO_ADVERSE_JUDGMENT
        elif ev.outside_lookback(category, data.judgment_date or data.offence_date):
            exclusion = _OUTSIDE_LOOKBACK
        elif not ev.relevant(group):
            exclusion = _NOT_JOB_RELATED
        ev.add(
            category,
            [item.record.id],
            verified=item.verified,
            exclusion=exclusion,
            rule=rule,
            detail=data.case_no or data.offence,
        )
    _not_found(ev, category, bucket)


def eighteenth_birthday(birth: date) -> date:
    """The 18th birthday, the last day of minority (PRODUCT.md §4 SEALED_JUVENILE_RECORD);
    born on 29 February, 28 February of a year without one, so 1 March is adult."""
    return years_later(birth, ADULT_AGE)


def _credit(ev: _Evaluation, bucket: _Bucket) -> None:
    # read off their Enum classes once, not per record (see _SOURCE_UNAVAILABLE)
    category, delinquency, trust = Category.CREDIT, RuleId.CREDIT_SERIOUS_DELINQUENCY, Tier.TRUST
    for item in bucket.usable:
        data = item.data
        assert isinstance(data, CreditData)
        exclusion: Exclusion | None = None
        rule: RuleId | None = delinquency
        if not item.verified:
            exclusion = _EXCLUDED_UNVERIFIED
        elif not data.serious_delinquency:
            rule = None
        elif ev.outside_lookback(category, data.reported_on):
            exclusion = _OUTSIDE_LOOKBACK
        elif ev.case.role.tier is not trust:
            exclusion = _NOT_JOB_RELATED
        ev.add(
            category,
            [item.record.id],
            verified=item.verified,
            exclusion=exclusion,
            rule=rule,
        )
    _not_found(ev, category, bucket)


def _reference(ev: _Evaluation, bucket: _Bucket) -> None:
    """Witnesses verify only as two different people making the same assertion; each
    group of witnesses sharing an assertion (and its polarity) makes one finding."""
    groups: dict[tuple[str, str], list[tuple[_Triaged, Statement]]] = {}
    # read off their Enum classes once, not per record (see _SOURCE_UNAVAILABLE)
    category, witness = Category.REFERENCE, SourceKind.WITNESS
    concern = RuleId.REF_CORROBORATED_CONCERN
    for item in bucket.usable:
        assert isinstance(item.data, _KeptStatements)
        if item.verified or item.record.source.kind is not witness:
            # An issuer's reference letter is verified but fires no rule; a self
            # statement is the candidate's own and never verifies anything.
            ev.add(
                category,
                [item.record.id],
                verified=item.verified,
                exclusion=None if item.verified else _EXCLUDED_UNVERIFIED,
            )
            continue
        loose = False
        for _, statement in item.data.statements:
            if statement.assertion:
                key = (statement.assertion, statement.polarity or "neutral")
                groups.setdefault(key, []).append((item, statement))
            else:
                loose = True
        if loose:
            ev.unverified(category, item)
    for (assertion, polarity), members in groups.items():
        people = {item.record.source.person_id for item, _ in members} - {None}
        records = list(dict.fromkeys(item.record.id for item, _ in members))
        verified = len(people) >= 2
        # a finding names the assertion in words, never its key (issue 13 item 8); a key
        # no questionnaire labels (a source's own) is shown as it came
        detail: str | Mapping[str, str] = ev.labels.get(assertion, assertion)
        if not verified:
            ev.add(
                category,
                records,
                verified=False,
                exclusion=_EXCLUDED_UNVERIFIED,
                detail=detail,
            )
        else:
            rule = concern if polarity == "negative" else None
            ev.add(category, records, verified=True, rule=rule, detail=detail)
    # no referee answered: nobody vouched for anything, so nothing is verified
    _not_found(ev, category, bucket, verified=False)


EVALUATORS: Mapping[Category, Callable[[_Evaluation, _Bucket], None]] = {
    Category.IDENTITY: _identity,
    Category.EDUCATION: _education,
    Category.EMPLOYMENT_HISTORY: _employment,
    Category.PROFESSIONAL_LICENSE: _license,
    Category.LITIGATION: _litigation,
    Category.ENFORCEMENT: _enforcement,
    Category.REFERENCE: _reference,
    Category.CRIMINAL_RECORD: _criminal,
    Category.CREDIT: _credit,
    Category.HEALTH_CERTIFICATE: _health_certificate,
}


def evaluate(
    case: Case,
    rulebook: Rulebook,
    classifier: TopicClassifier,
    *,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> Document:
    """Evaluate one case (PRODUCT.md P2-P4) into its report document (``report.py``):
    raises ``ScopeViolation`` for a profile outside its tier and an ``AuthorizationRefused``
    subclass when the check may not run. ``labels``: what each reference assertion key
    means per language (the reference questionnaire's), shown in its findings."""
    return _Evaluation(case, rulebook, classifier, labels or {}).run()

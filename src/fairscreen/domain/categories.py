"""The vocabulary of screening: categories and their classes, tiers, lights, codes.

Source: PRODUCT.md P2 (classes and tiers), §4 (lights, exclusion codes, rules, groups);
Labour Contract Law art. 8 (only what is directly related to the labour contract);
PIPL art. 28-29 (sensitive data needs a separate consent).
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    IDENTITY = "identity"
    EDUCATION = "education"
    EMPLOYMENT_HISTORY = "employment_history"
    PROFESSIONAL_LICENSE = "professional_license"
    LITIGATION = "litigation"
    ENFORCEMENT = "enforcement"
    REFERENCE = "reference"
    CRIMINAL_RECORD = "criminal_record"
    CREDIT = "credit"
    HEALTH_CERTIFICATE = "health_certificate"
    MARITAL_STATUS = "marital_status"
    PREGNANCY_OR_FERTILITY = "pregnancy_or_fertility"
    RELIGION = "religion"
    ETHNICITY = "ethnicity"
    HEALTH_CONDITION = "health_condition"
    INFECTIOUS_DISEASE_CARRIER = "infectious_disease_carrier"
    HOUSEHOLD_REGISTRATION = "household_registration"
    SEXUAL_ORIENTATION = "sexual_orientation"
    FAMILY_BACKGROUND = "family_background"
    PRIVATE_LIFE = "private_life"
    SOCIAL_MEDIA_PRIVATE = "social_media_private"
    POLITICAL_VIEWS = "political_views"
    UNION_MEMBERSHIP = "union_membership"
    GENETIC_DATA = "genetic_data"
    DISABILITY = "disability"
    PUBLIC_SECURITY_VIOLATION = "public_security_violation"


#: How each category is named to people: in the authorization notice the candidate signs
#: and on every portal page. One table, so the notice and the pages never disagree.
CATEGORY_LABELS: dict[Category, dict[str, str]] = {
    Category.IDENTITY: {"zh-Hans": "身份", "en": "identity", "zh-Hant": "身分"},
    Category.EDUCATION: {"zh-Hans": "学历", "en": "education", "zh-Hant": "學歷"},
    Category.EMPLOYMENT_HISTORY: {
        "zh-Hans": "工作经历",
        "en": "employment history",
        "zh-Hant": "工作經歷",
    },
    Category.PROFESSIONAL_LICENSE: {
        "zh-Hans": "执业资格",
        "en": "professional licence",
        "zh-Hant": "執業資格",
    },
    Category.LITIGATION: {
        "zh-Hans": "民事与行政诉讼记录",
        "en": "civil and administrative litigation records",
        "zh-Hant": "民事與行政訴訟記錄",
    },
    Category.ENFORCEMENT: {
        "zh-Hans": "失信被执行人名单",
        "en": "dishonest-debtor listing",
        "zh-Hant": "失信被執行人名單",
    },
    Category.REFERENCE: {"zh-Hans": "证明人访谈", "en": "references", "zh-Hant": "證明人訪談"},
    Category.CRIMINAL_RECORD: {
        "zh-Hans": "犯罪记录",
        "en": "criminal record",
        "zh-Hant": "犯罪記錄",
    },
    Category.CREDIT: {"zh-Hans": "信用记录", "en": "credit record", "zh-Hant": "信用記錄"},
    Category.HEALTH_CERTIFICATE: {
        "zh-Hans": "健康证明",
        "en": "health certificate",
        "zh-Hant": "健康證明",
    },
    Category.MARITAL_STATUS: {"zh-Hans": "婚姻状况", "en": "marital status", "zh-Hant": "婚姻狀況"},
    Category.PREGNANCY_OR_FERTILITY: {
        "zh-Hans": "怀孕或生育",
        "en": "pregnancy or fertility",
        "zh-Hant": "懷孕或生育",
    },
    Category.RELIGION: {"zh-Hans": "宗教信仰", "en": "religion", "zh-Hant": "宗教信仰"},
    Category.ETHNICITY: {"zh-Hans": "民族", "en": "ethnicity", "zh-Hant": "民族"},
    Category.HEALTH_CONDITION: {
        "zh-Hans": "健康状况",
        "en": "health condition",
        "zh-Hant": "健康狀況",
    },
    Category.INFECTIOUS_DISEASE_CARRIER: {
        "zh-Hans": "传染病病原携带",
        "en": "infectious disease carrier status",
        "zh-Hant": "傳染病病原攜帶",
    },
    Category.HOUSEHOLD_REGISTRATION: {
        "zh-Hans": "户籍",
        "en": "household registration",
        "zh-Hant": "戶籍",
    },
    Category.SEXUAL_ORIENTATION: {
        "zh-Hans": "性取向",
        "en": "sexual orientation",
        "zh-Hant": "性取向",
    },
    Category.FAMILY_BACKGROUND: {
        "zh-Hans": "家庭背景",
        "en": "family background",
        "zh-Hant": "家庭背景",
    },
    Category.PRIVATE_LIFE: {"zh-Hans": "私生活", "en": "private life", "zh-Hant": "私生活"},
    Category.SOCIAL_MEDIA_PRIVATE: {
        "zh-Hans": "私人社交媒体",
        "en": "private social media",
        "zh-Hant": "私人社交媒體",
    },
    Category.POLITICAL_VIEWS: {
        "zh-Hans": "政治观点",
        "en": "political views",
        "zh-Hant": "政治觀點",
    },
    Category.UNION_MEMBERSHIP: {
        "zh-Hans": "工会会员身份",
        "en": "union membership",
        "zh-Hant": "工會會員身分",
    },
    Category.GENETIC_DATA: {"zh-Hans": "基因数据", "en": "genetic data", "zh-Hant": "基因資料"},
    Category.DISABILITY: {"zh-Hans": "残疾", "en": "disability", "zh-Hant": "殘疾"},
    Category.PUBLIC_SECURITY_VIOLATION: {
        "zh-Hans": "治安违法记录",
        "en": "public security violation records",
        "zh-Hant": "治安違法記錄",
    },
}


PERMITTED: frozenset[Category] = frozenset(
    {
        Category.IDENTITY,
        Category.EDUCATION,
        Category.EMPLOYMENT_HISTORY,
        Category.PROFESSIONAL_LICENSE,
        Category.LITIGATION,
        Category.ENFORCEMENT,
        Category.REFERENCE,
    }
)
SENSITIVE: frozenset[Category] = frozenset(
    {Category.CRIMINAL_RECORD, Category.CREDIT, Category.HEALTH_CERTIFICATE}
)
PROHIBITED: frozenset[Category] = frozenset(set(Category) - PERMITTED - SENSITIVE)
#: Sensitive categories an employer may only ask for where a law requires the check.
NEED_LEGAL_BASIS: frozenset[Category] = frozenset(
    {Category.CRIMINAL_RECORD, Category.HEALTH_CERTIFICATE}
)
#: The canonical order of categories: reports list categories in this order.
CATEGORY_ORDER: dict[Category, int] = {category: i for i, category in enumerate(Category)}


class Tier(StrEnum):
    STANDARD = "standard"
    TRUST = "trust"
    SAFETY = "safety"


#: How each tier is named to people: in the authorization notice and on the portal pages.
TIER_LABELS: dict[Tier, dict[str, str]] = {
    Tier.STANDARD: {"zh-Hans": "普通", "en": "standard", "zh-Hant": "普通"},
    Tier.TRUST: {"zh-Hans": "信任类", "en": "trust", "zh-Hant": "信任類"},
    Tier.SAFETY: {"zh-Hans": "安全类", "en": "safety", "zh-Hant": "安全類"},
}


#: What each tier may add to the permitted set (PRODUCT.md P2).
TIER_SENSITIVE: dict[Tier, frozenset[Category]] = {
    Tier.STANDARD: frozenset({Category.HEALTH_CERTIFICATE}),
    Tier.TRUST: frozenset({Category.CREDIT, Category.CRIMINAL_RECORD}),
    Tier.SAFETY: frozenset({Category.CRIMINAL_RECORD, Category.HEALTH_CERTIFICATE}),
}


def allowed_categories(tier: Tier) -> frozenset[Category]:
    return PERMITTED | TIER_SENSITIVE[tier]


class CauseGroup(StrEnum):
    FRAUD_DISHONESTY = "fraud_dishonesty"
    BRIBERY_CORRUPTION = "bribery_corruption"
    CONFIDENTIALITY = "confidentiality"
    VIOLENCE = "violence"
    SEXUAL_OFFENCE = "sexual_offence"
    CHILD_HARM = "child_harm"
    DRUGS = "drugs"
    TRAFFIC_SAFETY = "traffic_safety"
    PROPERTY_SERVICE = "property_service"
    PRIVATE_LENDING = "private_lending"
    LABOUR = "labour"
    FAMILY = "family"
    OTHER = "other"


class Light(StrEnum):
    GREEN = "green"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Light.GREEN: 0, Light.BLUE: 1, Light.YELLOW: 2, Light.RED: 3}


class RuleId(StrEnum):
    ID_MISMATCH = "ID_MISMATCH"
    EDU_FALSIFIED = "EDU_FALSIFIED"
    EDU_UNVERIFIABLE = "EDU_UNVERIFIABLE"
    EMP_FABRICATED = "EMP_FABRICATED"
    EMP_DATES_MATERIAL = "EMP_DATES_MATERIAL"
    EMP_UNVERIFIABLE = "EMP_UNVERIFIABLE"
    LIC_INVALID = "LIC_INVALID"
    LIC_EXPIRED = "LIC_EXPIRED"
    LIC_UNVERIFIABLE = "LIC_UNVERIFIABLE"
    HEALTH_CERT_INVALID = "HEALTH_CERT_INVALID"
    LIT_RELEVANT_JUDGMENT = "LIT_RELEVANT_JUDGMENT"
    ENF_ACTIVE_DEBTOR = "ENF_ACTIVE_DEBTOR"
    CREDIT_SERIOUS_DELINQUENCY = "CREDIT_SERIOUS_DELINQUENCY"
    CRIM_RELEVANT_CONVICTION = "CRIM_RELEVANT_CONVICTION"
    REF_CORROBORATED_CONCERN = "REF_CORROBORATED_CONCERN"
    CHECK_INCOMPLETE = "CHECK_INCOMPLETE"


class Exclusion(StrEnum):
    """Exclusion codes in PRODUCT.md §4's order: where several apply, the first is reported."""

    NOT_IN_SCOPE = "NOT_IN_SCOPE"
    IDENTITY_UNMATCHED = "IDENTITY_UNMATCHED"
    PROHIBITED_TOPIC = "PROHIBITED_TOPIC"
    UNVERIFIED = "UNVERIFIED"
    SEALED_JUVENILE_RECORD = "SEALED_JUVENILE_RECORD"
    LITIGATION_RIGHTS = "LITIGATION_RIGHTS"
    NO_ADVERSE_JUDGMENT = "NO_ADVERSE_JUDGMENT"
    OUTSIDE_LOOKBACK = "OUTSIDE_LOOKBACK"
    NOT_JOB_RELATED = "NOT_JOB_RELATED"


class ScopeReason(StrEnum):
    PROHIBITED_CATEGORY = "PROHIBITED_CATEGORY"
    NOT_NECESSARY_FOR_ROLE = "NOT_NECESSARY_FOR_ROLE"
    NOT_CONSENTED = "NOT_CONSENTED"


class SourceKind(StrEnum):
    REGISTRY = "registry"
    ISSUER = "issuer"
    WITNESS = "witness"
    SELF = "self"


class RecordStatus(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    SOURCE_UNAVAILABLE = "source_unavailable"


class Disposition(StrEnum):
    ADVERSE = "adverse"
    INFORMATIONAL = "informational"
    NEUTRAL = "neutral"
    EXCLUDED = "excluded"


class Verification(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"


class MatchStrength(StrEnum):
    STRONG = "strong"
    WEAK = "weak"
    UNMATCHED = "unmatched"


class RefusalCode(StrEnum):
    AUTHORIZATION_MISSING = "AUTHORIZATION_MISSING"
    AUTHORIZATION_EXPIRED = "AUTHORIZATION_EXPIRED"
    AUTHORIZATION_REVOKED = "AUTHORIZATION_REVOKED"
    AUTHORIZATION_WRONG_EMPLOYER = "AUTHORIZATION_WRONG_EMPLOYER"

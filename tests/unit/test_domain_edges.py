"""The four edges of PRODUCT.md settled in issue 17, on the pure domain functions.

P1 "Validity on a date", P3 identity "Equals" and "Verified records that disagree", §4
``SEALED_JUVENILE_RECORD``. The same edges run end to end in ``test_evaluate_rules.py``
and as golden cases in ``tests/golden/edges/``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from importlib import resources
from typing import Any

import pytest

from fairscreen.domain.authorization import check_authorization, check_authorization_at
from fairscreen.domain.categories import Category, MatchStrength, SourceKind, Tier
from fairscreen.domain.errors import (
    AuthorizationExpired,
    AuthorizationMissing,
    AuthorizationRevoked,
)
from fairscreen.domain.evaluation import eighteenth_birthday, evaluate
from fairscreen.domain.identity import IdentityMatcher, identity_key
from fairscreen.domain.model import (
    Authorization,
    Case,
    CategoryRequirement,
    Claims,
    EducationClaim,
    EducationData,
    Record,
    RecordIdentity,
    RoleProfile,
    Source,
    Subject,
)
from fairscreen.domain.rulebook import Rulebook, parse_rulebook
from fairscreen.domain.topics import default_classifier

BEIJING = timezone(timedelta(hours=8))
SIGNED = datetime(2024, 3, 1, 9, 0, tzinfo=BEIJING)
EXPIRES = datetime(2024, 3, 31, 9, 0, tzinfo=BEIJING)


def _authorization(**changes: Any) -> Authorization:
    fields: dict[str, Any] = {
        "employer_id": "emp-co",
        "purpose": "pre-employment screening",
        "categories": frozenset({Category.IDENTITY}),
        "signed_at": SIGNED,
        "expires_at": EXPIRES,
        "role_id": "role-1",
    }
    fields.update(changes)
    return Authorization(**fields)


def _check(authorization: Authorization, as_of: date) -> Authorization:
    return check_authorization(authorization, employer_id="emp-co", role_id="role-1", as_of=as_of)


# --- P1: validity on a date ------------------------------------------------------------------


def test_an_authorization_covers_every_day_from_signing_to_expiry_inclusive() -> None:
    authorization = _authorization()
    for day in (date(2024, 3, 1), date(2024, 3, 15), date(2024, 3, 31)):
        assert _check(authorization, day) is authorization
    with pytest.raises(AuthorizationExpired, match="expired before the evaluation date"):
        _check(authorization, date(2024, 4, 1))
    with pytest.raises(AuthorizationMissing, match="signed after"):
        _check(authorization, date(2024, 2, 29))


def test_each_timestamp_is_read_as_a_date_in_its_own_offset() -> None:
    # 31 March 23:30 at UTC-5 is 1 April in UTC and in Beijing: it expires on 31 March.
    late = _authorization(
        expires_at=datetime(2024, 3, 31, 23, 30, tzinfo=timezone(-timedelta(hours=5)))
    )
    assert _check(late, date(2024, 3, 31)) is late
    with pytest.raises(AuthorizationExpired):
        _check(late, date(2024, 4, 1))
    # 31 March 00:30 in Beijing is 30 March in UTC: it still covers 31 March.
    early = _authorization(expires_at=datetime(2024, 3, 31, 0, 30, tzinfo=BEIJING))
    assert _check(early, date(2024, 3, 31)) is early


def test_a_revocation_on_the_evaluation_day_refuses_even_on_the_expiry_day() -> None:
    revoked = _authorization(revoked_at=datetime(2024, 3, 31, 8, 0, tzinfo=BEIJING))
    with pytest.raises(AuthorizationRevoked):
        _check(revoked, date(2024, 3, 31))
    assert _check(revoked, date(2024, 3, 30)) is revoked


def test_a_query_on_the_last_day_is_allowed_only_before_the_expiry_moment() -> None:
    authorization = _authorization()

    def query(at: datetime) -> Authorization:
        return check_authorization_at(authorization, employer_id="emp-co", role_id="role-1", at=at)

    assert query(EXPIRES - timedelta(minutes=1)) is authorization
    with pytest.raises(AuthorizationExpired, match="before this query"):
        query(EXPIRES)
    with pytest.raises(AuthorizationExpired):
        query((EXPIRES + timedelta(hours=1)).astimezone(UTC))


# --- P3: what "equal" means in identity matching ------------------------------------------------

SUBJECT = Subject(name="测试甲", national_id="99999919900101001X", birth_date=date(1990, 1, 1))


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("99999919900101001x", "99999919900101001X"),  # the check digit in either case
        ("９９９９９９１９９００１０１００１ｘ", "99999919900101001X"),  # full-width digits (NFKC)
        ("测试\u3000甲", "测试甲"),  # ideographic (full-width) space
        ("Ｌｉ　Ｌｅｉ", "li lei"),  # full-width letters and space
        ("li\u00a0lei\t", "LILEI"),  # no-break space, tab
        ("Straße", "STRASSE"),  # case-folding, not upper- or lower-casing
    ],
)
def test_equal_means_nfkc_without_white_space_case_folded(left: str, right: str) -> None:
    assert identity_key(left) == identity_key(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("測試甲", "测试甲"),  # traditional and simplified are different names
        ("Zhang San", "张三"),  # no transliteration
        ("测试甲\u200b", "测试甲"),  # a zero-width space is not white space
        ("99999919900101001\x1fX", "99999919900101001X"),  # nor is a unit separator
        ("ı", "i"),  # dotless i: equal upper-cased, different case-folded
    ],
)
def test_nothing_looser_is_equal(left: str, right: str) -> None:
    assert identity_key(left) != identity_key(right)


def test_the_matcher_compares_ids_and_names_as_equal_means() -> None:
    matcher = IdentityMatcher(SUBJECT)
    lower_x = RecordIdentity(national_id="99999919900101001x", name="测试\u3000甲")
    assert matcher.match(lower_x) is MatchStrength.STRONG
    other_name = RecordIdentity(national_id="99999919900101001x", name="測試甲")
    assert matcher.match(other_name) is MatchStrength.UNMATCHED
    weak = RecordIdentity(name=" 测 试 甲 ", birth_date=date(1990, 1, 1))
    assert matcher.match(weak) is MatchStrength.WEAK
    assert (
        IdentityMatcher(
            Subject(name="测试　甲", national_id="99999919900101001x", birth_date=date(1990, 1, 1))
        ).match(RecordIdentity(national_id="99999919900101001X", name="测试甲"))
        is MatchStrength.STRONG
    )


# --- §4 SEALED_JUVENILE_RECORD: the 18th birthday is still a juvenile day ------------------------


@pytest.mark.parametrize(
    ("birth", "birthday"),
    [
        (date(1990, 1, 1), date(2008, 1, 1)),
        # 18 is no multiple of 4: born on 29 February, the 18th year never has one, and
        # the birthday is the month's last day
        (date(1992, 2, 29), date(2010, 2, 28)),
        (date(1988, 2, 29), date(2006, 2, 28)),
        (date(1996, 2, 29), date(2014, 2, 28)),
        (date(2000, 3, 1), date(2018, 3, 1)),
    ],
)
def test_the_eighteenth_birthday(birth: date, birthday: date) -> None:
    assert eighteenth_birthday(birth) == birthday


# --- P3: verified records that disagree ----------------------------------------------------------


def _education_case(*conferred_by: tuple[str, SourceKind, bool]) -> Case:
    role = RoleProfile(
        id="role-1",
        tier=Tier.STANDARD,
        categories={
            Category.EDUCATION: CategoryRequirement("the role requires the degree it names")
        },
    )
    records = tuple(
        Record(
            id=f"edu-{source}",
            category=Category.EDUCATION,
            source=Source(id=source, kind=kind),
            identity=RecordIdentity(national_id=SUBJECT.national_id, name=SUBJECT.name),
            data=EducationData("示例大学", "bachelor", 2012, conferred=conferred),
        )
        for source, kind, conferred in conferred_by
    )
    return Case(
        case_id="case-1",
        as_of=date(2024, 3, 15),
        employer_id="emp-co",
        role=role,
        subject=SUBJECT,
        requested_categories=(Category.EDUCATION,),
        records=records,
        claims=Claims(education=(EducationClaim("示例大学", "bachelor", 2012),)),
        authorization=_authorization(categories=frozenset({Category.EDUCATION})),
    )


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return parse_rulebook(resources.files("fairscreen.rulebook").joinpath("v1.1.toml").read_bytes())


def test_the_adverse_verified_record_decides_and_the_finding_says_the_sources_disagree(
    rulebook: Rulebook,
) -> None:
    classifier = default_classifier()
    disputed = _education_case(
        ("school", SourceKind.ISSUER, True), ("chsi", SourceKind.REGISTRY, False)
    )
    report = evaluate(disputed, rulebook, classifier)
    [finding] = report["findings"]
    assert report["rating"]["light"] == "red" and finding["rule"] == "EDU_FALSIFIED"
    assert finding["disagreement"] == {"adverse": ["edu-chsi"], "other": ["edu-school"]}
    assert finding["summary"]["en"].startswith(
        "示例大学 · bachelor's degree · 2012 — the verified sources disagree "
        "(chsi against school); the adverse record decides — The issuing school"
    )
    agreed = _education_case(
        ("school", SourceKind.ISSUER, True), ("chsi", SourceKind.REGISTRY, True)
    )
    [confirmed] = evaluate(agreed, rulebook, classifier)["findings"]
    assert confirmed["rule"] is None and "disagreement" not in confirmed
    # an unverified denial is no verified record: it disagrees with nothing
    witness = _education_case(
        ("school", SourceKind.ISSUER, True), ("friend", SourceKind.WITNESS, False)
    )
    report = evaluate(witness, rulebook, classifier)
    assert report["rating"]["light"] == "green"
    assert all("disagreement" not in f for f in report["findings"])

"""Every rule, exclusion code, scope reason and refusal of PRODUCT.md §3-§4, one case each.

Each case is built from the synthetic factories and run through the same path as
``fairscreen evaluate``; every completed report is also checked against
``report.schema.json``.
"""

from __future__ import annotations

from typing import Any

import pytest

from factories import (
    UNMATCHED,
    WEAK,
    case,
    dumps,
    identity_ok,
    litigation,
    record,
    statement,
    witness,
)
from fairscreen.domain.topics import default_classifier
from fairscreen.services.evaluation import evaluate_case


@pytest.fixture
def run(report_schema_validator: Any) -> Any:
    def _run(document: dict[str, Any]) -> dict[str, Any]:
        outcome = evaluate_case(dumps(document))
        report_schema_validator.validate(outcome.document)
        return outcome.document

    return _run


def rules(report: dict[str, Any]) -> list[str]:
    return sorted(r["rule"] for r in report["rating"]["reasons"])


def exclusion_of(report: dict[str, Any], record_id: str) -> str | None:
    for item in report["discarded"]:
        if item["record"] == record_id:
            return str(item["reason"])
    for finding in report["findings"]:
        if record_id in finding["records"]:
            return finding["exclusion"]
    raise AssertionError(f"{record_id} is in no finding and not discarded")


# --- lights and the baseline ----------------------------------------------------------------


def test_a_clean_case_is_green(run: Any) -> None:
    report = run(case([identity_ok()], categories=["identity"]))
    assert report["status"] == "completed"
    assert report["rating"] == {"light": "green", "reasons": []}
    assert report["employer_view"] == {"light": "green", "reasons": [], "checks": ["identity"]}


def test_the_light_is_the_most_severe_reason(run: Any) -> None:
    report = run(
        case(
            [identity_ok(result="mismatch")],
            categories=["identity", "education"],
            claims={
                "education": [
                    {"institution": "X大学", "degree": "bachelor", "graduation_year": 2012}
                ]
            },
        )
    )
    assert rules(report) == ["EDU_UNVERIFIABLE", "ID_MISMATCH"]
    assert report["rating"]["light"] == "red"


# --- identity -----------------------------------------------------------------------------


def test_identity_mismatch_is_red(run: Any) -> None:
    report = run(case([identity_ok(result="mismatch")], categories=["identity"]))
    assert rules(report) == ["ID_MISMATCH"] and report["rating"]["light"] == "red"


def test_identity_in_scope_without_any_record_is_incomplete(run: Any) -> None:
    report = run(case([], categories=["identity"]))
    assert rules(report) == ["CHECK_INCOMPLETE"] and report["rating"]["light"] == "blue"


def test_identity_with_only_a_weak_match_is_unverified_and_incomplete(run: Any) -> None:
    report = run(
        case(
            [record("id-1", "identity", {"result": "match"}, identity=WEAK)],
            categories=["identity"],
        )
    )
    assert exclusion_of(report, "id-1") == "UNVERIFIED"
    assert rules(report) == ["CHECK_INCOMPLETE"]


# --- education ------------------------------------------------------------------------------

EDU_CLAIM = {
    "education": [{"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012}]
}


def edu(rid: str = "edu-1", **data: Any) -> dict[str, Any]:
    body = {"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012, **data}
    kind = body.pop("kind", "registry")
    identity = body.pop("identity", None)
    return record(rid, "education", body, kind=kind, identity=identity)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([edu()], []),
        ([edu(institution="  示例大学 ")], []),
        ([edu(graduation_year=2013)], []),
        ([edu(graduation_year=2014)], ["EDU_FALSIFIED"]),
        ([edu(conferred=False)], ["EDU_FALSIFIED"]),
        ([edu(conferred=False, kind="issuer")], ["EDU_FALSIFIED"]),
        ([], ["EDU_UNVERIFIABLE"]),
        ([edu(degree="associate")], ["EDU_UNVERIFIABLE"]),  # a lower degree proves nothing
        ([edu(institution="另一大学")], ["EDU_UNVERIFIABLE"]),
        ([edu(identity=WEAK)], ["EDU_UNVERIFIABLE"]),  # a weak match never verifies
        ([edu(kind="witness")], ["EDU_UNVERIFIABLE"]),
        ([edu(kind="self")], ["EDU_UNVERIFIABLE"]),  # the candidate's own document
        ([edu(conferred=False, identity=WEAK)], ["EDU_UNVERIFIABLE"]),
        ([record("edu-1", "education", status="not_found")], ["EDU_UNVERIFIABLE"]),
    ],
)
def test_education_rules(run: Any, records: list[dict[str, Any]], expected: list[str]) -> None:
    report = run(case(records, categories=["education"], claims=EDU_CLAIM))
    assert rules(report) == expected


def test_a_verified_degree_matching_no_claim_is_neutral(run: Any) -> None:
    report = run(case([edu(institution="别的大学")], categories=["education"]))
    assert rules(report) == []
    [finding] = report["findings"]
    assert finding["disposition"] == "neutral" and finding["verification"] == "verified"


def test_an_unverified_education_record_is_excluded_as_unverified(run: Any) -> None:
    report = run(case([edu(identity=WEAK)], categories=["education"], claims=EDU_CLAIM))
    assert exclusion_of(report, "edu-1") == "UNVERIFIED"


# --- employment -------------------------------------------------------------------------------

EMP_CLAIM = {"employment": [{"employer": "示例科技有限公司", "start": "2016-07", "end": "2023-09"}]}


def emp(
    rid: str = "emp-1", kind: str = "issuer", source_id: str | None = None, **data: Any
) -> dict[str, Any]:
    body = {"employer": "示例科技有限公司", "start": "2016-07", "end": "2023-09", **data}
    return record(rid, "employment_history", body, kind=kind, source_id=source_id)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([emp()], []),
        ([emp(start="2016-10")], []),  # 3 months: minor, neutral
        ([emp(start="2016-11")], ["EMP_DATES_MATERIAL"]),
        ([emp(end="2024-01")], ["EMP_DATES_MATERIAL"]),
        ([emp(end=None)], ["EMP_DATES_MATERIAL"]),  # still employed per the issuer
        ([emp(employed=False)], ["EMP_FABRICATED"]),
        ([emp(employed=False, kind="registry")], ["EMP_UNVERIFIABLE"]),
        ([], ["EMP_UNVERIFIABLE"]),
        ([emp(kind="witness")], ["EMP_UNVERIFIABLE"]),
        ([emp(employer="别的公司")], ["EMP_UNVERIFIABLE"]),
        ([emp(kind="registry", source_id="social-insurance")], []),
    ],
)
def test_employment_rules(run: Any, records: list[dict[str, Any]], expected: list[str]) -> None:
    report = run(case(records, categories=["employment_history"], claims=EMP_CLAIM))
    assert rules(report) == expected


def test_an_employer_name_matches_trimmed_and_case_folded(run: Any) -> None:
    claims = {
        "employment": [{"employer": "Example Tech Ltd", "start": "2016-07", "end": "2023-09"}]
    }
    report = run(
        case(
            [emp(employer="  EXAMPLE TECH ltd ")], categories=["employment_history"], claims=claims
        )
    )
    assert rules(report) == []
    assert [(f["records"], f["verification"]) for f in report["findings"]] == [
        (["emp-1"], "verified")
    ]


def test_an_open_ended_claim_compares_with_the_evaluation_month(run: Any) -> None:
    claims = {"employment": [{"employer": "示例科技有限公司", "start": "2016-07", "end": None}]}
    report = run(case([emp(end="2024-01")], categories=["employment_history"], claims=claims))
    assert rules(report) == []  # 2024-01 vs 2024-03: 2 months


# --- licences ----------------------------------------------------------------------------------

LIC_CLAIM = {"licenses": [{"name": "注册会计师", "number": "LIC-0001"}]}


def lic(status: str, valid_until: str | None = None, number: str = "LIC-0001") -> dict[str, Any]:
    data: dict[str, Any] = {"number": number, "status": status}
    if valid_until:
        data["valid_until"] = valid_until
    return record("lic-1", "professional_license", data)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([lic("valid", "2030-01-01")], []),
        ([lic("valid", "2024-01-01")], ["LIC_EXPIRED"]),  # expired at as_of
        ([lic("expired")], ["LIC_EXPIRED"]),
        ([lic("revoked")], ["LIC_INVALID"]),
        ([lic("valid", number="LIC-9999")], ["LIC_UNVERIFIABLE"]),
        ([], ["LIC_UNVERIFIABLE"]),
    ],
)
def test_licence_rules(run: Any, records: list[dict[str, Any]], expected: list[str]) -> None:
    report = run(case(records, categories=["professional_license"], claims=LIC_CLAIM))
    assert rules(report) == expected


@pytest.mark.parametrize(
    ("category", "claims"),
    [("professional_license", LIC_CLAIM), ("education", EDU_CLAIM)],
)
def test_no_record_found_for_a_claim_is_its_answer_not_a_clean_check(
    run: Any, category: str, claims: dict[str, Any]
) -> None:
    """Issue 13 items 5 and 8: a register's "no record found" for a claimed licence (or
    degree) is the claim's unverifiable answer, one finding, never also a verified clean
    "no record" beside it."""
    report = run(
        case([record("x-1", category, status="not_found")], categories=[category], claims=claims)
    )
    [finding] = [f for f in report["findings"] if f["category"] == category]
    assert finding["claim"] == 0 and finding["records"] == ["x-1"]
    assert finding["verification"] != "verified" and finding["rule"].endswith("_UNVERIFIABLE")
    assert report["rating"]["light"] == "blue"


# --- verified records that disagree (PRODUCT.md P3): the adverse one decides -------------------


def finding_for_claim(report: dict[str, Any], category: str) -> dict[str, Any]:
    [finding] = [f for f in report["findings"] if f["category"] == category and "claim" in f]
    return finding


def test_a_degree_the_registry_says_was_never_conferred_is_falsified_though_the_school_confirms(
    run: Any,
) -> None:
    school = record(
        "edu-school",
        "education",
        {"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012},
        kind="issuer",
        source_id="school",
    )
    registry = record(
        "edu-chsi",
        "education",
        {
            "institution": "示例大学",
            "degree": "bachelor",
            "graduation_year": 2012,
            "conferred": False,
        },
        source_id="chsi",
    )
    for records in ([school, registry], [registry, school]):
        report = run(case(records, categories=["education"], claims=EDU_CLAIM))
        assert rules(report) == ["EDU_FALSIFIED"] and report["rating"]["light"] == "red"
        finding = finding_for_claim(report, "education")
        assert finding["disagreement"] == {"adverse": ["edu-chsi"], "other": ["edu-school"]}
        assert "the verified sources disagree (chsi against school)" in finding["summary"]["en"]
        assert "信息来源不一致（chsi 与 school）" in finding["summary"]["zh-Hans"]
        [reason] = report["employer_view"]["reasons"]
        assert "disagree" in reason["summary"]["en"]


def test_a_school_denial_decides_against_a_registry_confirmation(run: Any) -> None:
    report = run(
        case(
            [edu("edu-1"), edu("edu-2", kind="issuer", conferred=False)],
            categories=["education"],
            claims=EDU_CLAIM,
        )
    )
    assert rules(report) == ["EDU_FALSIFIED"]
    assert finding_for_claim(report, "education")["disagreement"] == {
        "adverse": ["edu-2"],
        "other": ["edu-1"],
    }


def test_a_graduation_year_off_in_one_verified_record_is_falsified(run: Any) -> None:
    report = run(
        case(
            [edu("edu-1"), edu("edu-2", kind="issuer", graduation_year=2015)],
            categories=["education"],
            claims=EDU_CLAIM,
        )
    )
    assert rules(report) == ["EDU_FALSIFIED"]
    assert "disagreement" in finding_for_claim(report, "education")


def test_verified_records_that_agree_say_nothing_of_disagreement(run: Any) -> None:
    confirmed = run(
        case(
            [edu("edu-1"), edu("edu-2", kind="issuer")], categories=["education"], claims=EDU_CLAIM
        )
    )
    assert rules(confirmed) == []
    assert "disagreement" not in finding_for_claim(confirmed, "education")
    both_deny = run(
        case(
            [edu("edu-1", conferred=False), edu("edu-2", kind="issuer", conferred=False)],
            categories=["education"],
            claims=EDU_CLAIM,
        )
    )
    assert rules(both_deny) == ["EDU_FALSIFIED"]
    assert "disagreement" not in finding_for_claim(both_deny, "education")
    # an unverified denial disagrees with nothing: it never counts
    weak = run(
        case(
            [edu("edu-1"), edu("edu-2", kind="issuer", conferred=False, identity=WEAK)],
            categories=["education"],
            claims=EDU_CLAIM,
        )
    )
    assert rules(weak) == [] and exclusion_of(weak, "edu-2") == "UNVERIFIED"


@pytest.mark.parametrize(
    ("records", "expected", "adverse"),
    [
        # the issuer denies, the social-insurance registry confirms: fabricated
        (
            [emp("emp-1", employed=False), emp("emp-2", kind="registry")],
            ["EMP_FABRICATED"],
            ["emp-1"],
        ),
        # the issuer's dates match, the registry's are 6 months off: material
        (
            [emp("emp-1"), emp("emp-2", kind="registry", start="2017-01")],
            ["EMP_DATES_MATERIAL"],
            ["emp-2"],
        ),
        # a denial and a material difference against a confirmation: the denial decides
        (
            [
                emp("emp-1", kind="registry"),
                emp("emp-2", employed=False),
                emp("emp-3", kind="registry", end="2024-03"),
            ],
            ["EMP_FABRICATED"],
            ["emp-2"],
        ),
    ],
)
def test_an_adverse_verified_employment_record_decides(
    run: Any, records: list[dict[str, Any]], expected: list[str], adverse: list[str]
) -> None:
    report = run(case(records, categories=["employment_history"], claims=EMP_CLAIM))
    assert rules(report) == expected
    disagreement = finding_for_claim(report, "employment_history")["disagreement"]
    assert disagreement["adverse"] == adverse
    assert sorted(disagreement["adverse"] + disagreement["other"]) == sorted(
        r["id"] for r in records
    )


def test_a_registry_saying_not_employed_fires_nothing_and_disagrees_with_nothing(
    run: Any,
) -> None:
    report = run(
        case(
            [emp("emp-1"), emp("emp-2", kind="registry", employed=False)],
            categories=["employment_history"],
            claims=EMP_CLAIM,
        )
    )
    assert rules(report) == []
    finding = finding_for_claim(report, "employment_history")
    assert finding["records"] == ["emp-1", "emp-2"] and "disagreement" not in finding


def test_two_spells_at_one_employer_each_take_their_own_record(run: Any) -> None:
    claims = {
        "employment": [
            {"employer": "示例科技有限公司", "start": "2012-01", "end": "2014-06"},
            {"employer": "示例科技有限公司", "start": "2018-03", "end": "2023-09"},
        ]
    }
    records = [
        emp("emp-1", start="2012-01", end="2014-06"),
        emp("emp-2", kind="registry", start="2018-03", end="2023-09"),
    ]
    report = run(case(records, categories=["employment_history"], claims=claims))
    assert rules(report) == []
    findings = [f for f in report["findings"] if "claim" in f]
    assert [(f["claim"], f["records"]) for f in findings] == [(0, ["emp-1"]), (1, ["emp-2"])]
    assert all("disagreement" not in f for f in findings)
    # a third record, 9 months off the second spell, is about that spell, not the first
    off = emp("emp-3", kind="registry", start="2018-12", end="2023-09")
    report = run(case([*records, off], categories=["employment_history"], claims=claims))
    assert rules(report) == ["EMP_DATES_MATERIAL"]
    first, second = (f for f in report["findings"] if "claim" in f)
    assert first["rule"] is None and first["records"] == ["emp-1"]
    assert second["rule"] == "EMP_DATES_MATERIAL"
    assert second["disagreement"] == {"adverse": ["emp-3"], "other": ["emp-2"]}
    # a spell that no record is nearest is compared with its employer's records, as before
    report = run(case(records[:1], categories=["employment_history"], claims=claims))
    assert rules(report) == ["EMP_DATES_MATERIAL"]
    assert [f["records"] for f in report["findings"] if "claim" in f] == [["emp-1"], ["emp-1"]]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((("valid", "2030-01-01"), ("revoked", None)), "LIC_INVALID"),
        ((("valid", "2030-01-01"), ("expired", None)), "LIC_EXPIRED"),
        ((("valid", "2030-01-01"), ("valid", "2024-03-14")), "LIC_EXPIRED"),
        ((("expired", None), ("revoked", None)), "LIC_INVALID"),
    ],
)
def test_an_adverse_verified_licence_record_decides(
    run: Any, states: tuple[tuple[str, str | None], ...], expected: str
) -> None:
    records = []
    for n, (status, valid_until) in enumerate(states, start=1):
        data: dict[str, Any] = {"number": "LIC-0001", "status": status}
        if valid_until:
            data["valid_until"] = valid_until
        records.append(record(f"lic-{n}", "professional_license", data, source_id=f"reg-{n}"))
    report = run(case(records, categories=["professional_license"], claims=LIC_CLAIM))
    assert rules(report) == [expected]
    assert finding_for_claim(report, "professional_license")["disagreement"] == {
        "adverse": ["lic-2"],
        "other": ["lic-1"],
    }


def test_a_licence_valid_until_the_evaluation_day_is_valid_that_day(run: Any) -> None:
    report = run(
        case([lic("valid", "2024-03-15")], categories=["professional_license"], claims=LIC_CLAIM)
    )
    assert rules(report) == []


# --- health certificate ----------------------------------------------------------------------


def test_health_certificate_rules(run: Any) -> None:
    def hc(valid_until: str, **extra: Any) -> dict[str, Any]:
        return record("hc-1", "health_certificate", {"valid_until": valid_until, **extra})

    categories = ["identity", "health_certificate"]
    assert rules(run(case([identity_ok(), hc("2025-01-01")], categories=categories))) == []
    assert rules(run(case([identity_ok(), hc("2024-01-01")], categories=categories))) == [
        "HEALTH_CERT_INVALID"
    ]
    assert rules(run(case([identity_ok()], categories=categories))) == ["HEALTH_CERT_INVALID"]
    light = run(case([identity_ok()], categories=categories))["rating"]["light"]
    assert light == "blue"  # the candidate can obtain one: never adverse


def test_a_diagnosis_on_a_health_certificate_is_stripped(run: Any) -> None:
    document = case(
        [
            record(
                "hc-1", "health_certificate", {"valid_until": "2025-01-01", "diagnosis": "乙肝携带"}
            )
        ],
        categories=["health_certificate"],
    )
    report = run(document)
    assert report["dropped_statements"] == [
        {"record": "hc-1", "field": "diagnosis", "topic": "health_condition"}
    ]
    assert "乙肝" not in dumps(report).decode()
    assert rules(report) == []


# --- litigation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record_", "rule", "exclusion"),
    [
        (litigation(), "LIT_RELEVANT_JUDGMENT", None),
        (litigation(party_role="co_defendant"), "LIT_RELEVANT_JUDGMENT", None),
        (litigation(party_role="respondent"), "LIT_RELEVANT_JUDGMENT", None),
        (
            litigation(cause="其他纠纷", cause_group="fraud_dishonesty"),
            "LIT_RELEVANT_JUDGMENT",
            None,
        ),
        (litigation(party_role="plaintiff"), None, "LITIGATION_RIGHTS"),
        (litigation(party_role="applicant"), None, "LITIGATION_RIGHTS"),
        (litigation(party_role="third_party"), None, "LITIGATION_RIGHTS"),
        (litigation(outcome="pending", decided_on=None), None, "NO_ADVERSE_JUDGMENT"),
        (litigation(outcome="dismissed"), None, "NO_ADVERSE_JUDGMENT"),
        (litigation(outcome="withdrawn"), None, "NO_ADVERSE_JUDGMENT"),
        (litigation(outcome="settled"), None, "NO_ADVERSE_JUDGMENT"),
        (litigation(outcome="judgment_for"), None, "NO_ADVERSE_JUDGMENT"),
        (litigation(decided_on="2018-01-01"), None, "OUTSIDE_LOOKBACK"),
        (litigation(decided_on=None, filed_on="2018-01-01"), None, "OUTSIDE_LOOKBACK"),
        (litigation(cause="物业服务合同纠纷"), None, "NOT_JOB_RELATED"),
        (litigation(cause="民间借贷纠纷"), None, "NOT_JOB_RELATED"),
        (litigation(cause="劳动争议"), None, "NOT_JOB_RELATED"),
        (litigation(cause="合同纠纷"), None, "NOT_JOB_RELATED"),  # unmapped → other
        (litigation(cause="受贿罪"), None, "NOT_JOB_RELATED"),  # trust-tier group only
        (litigation(cause="离婚纠纷"), None, "PROHIBITED_TOPIC"),
        (litigation(party_role="plaintiff", outcome="judgment_for"), None, "LITIGATION_RIGHTS"),
        (litigation(party_role="plaintiff", cause="物业服务合同纠纷"), None, "LITIGATION_RIGHTS"),
    ],
)
def test_litigation_rules(
    run: Any, record_: dict[str, Any], rule: str | None, exclusion: str | None
) -> None:
    report = run(case([record_], categories=["litigation"]))
    assert rules(report) == ([rule] if rule else [])
    assert exclusion_of(report, "lit-1") == exclusion


def test_an_unverified_litigation_record_is_excluded(run: Any) -> None:
    document = case([litigation()], categories=["litigation"])
    document["records"][0]["source"]["kind"] = "witness"
    report = run(document)
    assert exclusion_of(report, "lit-1") == "UNVERIFIED" and rules(report) == []


def test_the_profile_lookback_overrides_the_default(run: Any) -> None:
    document = case([litigation(decided_on="2021-01-01")], categories=["litigation"])
    document["role"]["categories"]["litigation"]["lookback_years"] = 2
    assert exclusion_of(run(document), "lit-1") == "OUTSIDE_LOOKBACK"


@pytest.mark.parametrize("years", [2025, 12345, 10**9])
def test_a_lookback_longer_than_the_calendar_covers_every_date(run: Any, years: int) -> None:
    """The published schema bounds ``lookback_years`` below only: a lookback reaching back
    past year 1 (``date``'s first) takes in every record, where counting back crashed
    the evaluation ("year out of range")."""
    document = case([litigation(decided_on="1990-01-01")], categories=["litigation"])
    document["role"]["categories"]["litigation"]["lookback_years"] = years
    assert exclusion_of(run(document), "lit-1") != "OUTSIDE_LOOKBACK"


def test_a_profile_may_narrow_relevance(run: Any) -> None:
    document = case([litigation()], categories=["litigation"])
    document["role"]["relevant_groups"] = []
    document["role"]["relevance_justification"] = "a back-office role with no client money"
    assert exclusion_of(run(document), "lit-1") == "NOT_JOB_RELATED"


def test_a_family_case_is_dropped_as_a_prohibited_topic(run: Any) -> None:
    report = run(case([litigation(cause="离婚纠纷")], categories=["litigation"]))
    assert report["discarded"] == [{"record": "lit-1", "reason": "PROHIBITED_TOPIC"}]
    assert "离婚" not in dumps(report).decode()


# --- criminal records: the sensitive gate ----------------------------------------------------

SAFETY = ["identity", "criminal_record"]


def crim(**data: Any) -> dict[str, Any]:
    body = {
        "offence": "故意伤害罪",
        "convicted": True,
        "final": True,
        "offence_date": "2019-05-01",
        "judgment_date": "2020-01-10",
        **data,
    }
    return record("crim-1", "criminal_record", body)


@pytest.mark.parametrize(
    ("data", "rule", "exclusion"),
    [
        ({}, "CRIM_RELEVANT_CONVICTION", None),
        ({"offence": "猥亵儿童罪"}, "CRIM_RELEVANT_CONVICTION", None),
        ({"convicted": False}, None, "NO_ADVERSE_JUDGMENT"),
        ({"final": False}, None, "NO_ADVERSE_JUDGMENT"),
        (
            {"offence_date": "2007-06-01", "judgment_date": "2008-01-01"},
            None,
            "SEALED_JUVENILE_RECORD",
        ),
        ({"offence_date": "2010-01-01", "judgment_date": "2010-06-01"}, None, "OUTSIDE_LOOKBACK"),
        ({"offence": "受贿罪"}, None, "NOT_JOB_RELATED"),  # not relevant to tier safety
        (
            {"offence": "危险驾驶罪", "offence_group": "traffic_safety"},
            "CRIM_RELEVANT_CONVICTION",
            None,
        ),
    ],
)
def test_criminal_rules(
    run: Any, data: dict[str, Any], rule: str | None, exclusion: str | None
) -> None:
    report = run(case([identity_ok(), crim(**data)], tier="safety", categories=SAFETY))
    assert rules(report) == ([rule] if rule else [])
    assert exclusion_of(report, "crim-1") == exclusion
    if rule:
        assert report["rating"]["light"] == "red"


def test_a_juvenile_offence_is_sealed_even_when_old_enough_to_be_outside_lookback(run: Any) -> None:
    report = run(
        case(
            [crim(offence_date="2006-01-01", judgment_date="2006-06-01")],
            tier="safety",
            categories=SAFETY,
        )
    )
    assert exclusion_of(report, "crim-1") == "SEALED_JUVENILE_RECORD"


@pytest.mark.parametrize(
    ("birth_date", "offence_date", "exclusion"),
    [
        ("1990-01-01", "2007-12-31", "SEALED_JUVENILE_RECORD"),
        ("1990-01-01", "2008-01-01", "SEALED_JUVENILE_RECORD"),  # the 18th birthday itself
        ("1990-01-01", "2008-01-02", None),  # a full year of age from the day after
        ("1992-02-29", "2010-02-28", "SEALED_JUVENILE_RECORD"),  # no 29 Feb in 2010
        ("1992-02-29", "2010-03-01", None),
        ("1988-02-29", "2006-02-28", "SEALED_JUVENILE_RECORD"),
    ],
)
def test_an_offence_on_the_18th_birthday_is_a_juvenile_offence(
    run: Any, birth_date: str, offence_date: str, exclusion: str | None
) -> None:
    document = case(
        [identity_ok(), crim(offence_date=offence_date, judgment_date="2020-01-10")],
        tier="safety",
        categories=SAFETY,
        as_of="2024-03-15",
    )
    document["subject"]["birth_date"] = birth_date
    report = run(document)
    assert exclusion_of(report, "crim-1") == exclusion
    assert rules(report) == ([] if exclusion else ["CRIM_RELEVANT_CONVICTION"])


def test_a_criminal_judgment_in_the_court_database_needs_criminal_record_in_scope(run: Any) -> None:
    criminal_case = litigation(case_type="criminal", cause="诈骗罪")
    without = run(case([criminal_case], categories=["litigation"]))
    assert exclusion_of(without, "lit-1") == "NOT_IN_SCOPE" and rules(without) == []
    with_scope = run(
        case([criminal_case], tier="safety", categories=["litigation", "criminal_record"])
    )
    assert rules(with_scope) == ["CRIM_RELEVANT_CONVICTION"]


# --- enforcement and credit: tier trust only --------------------------------------------------


def enf(active: bool = True, **data: Any) -> dict[str, Any]:
    return record("enf-1", "enforcement", {"listing": "dishonest_debtor", "active": active, **data})


def test_an_active_debtor_listing_counts_only_for_tier_trust(run: Any) -> None:
    trust = run(case([enf()], tier="trust", categories=["enforcement"]))
    assert rules(trust) == ["ENF_ACTIVE_DEBTOR"] and trust["rating"]["light"] == "yellow"
    standard = run(case([enf()], categories=["enforcement"]))
    assert rules(standard) == [] and exclusion_of(standard, "enf-1") == "NOT_JOB_RELATED"


def test_a_lifted_listing_never_counts(run: Any) -> None:
    assert rules(run(case([enf(active=False)], tier="trust", categories=["enforcement"]))) == []
    removed = enf(removed_on="2024-01-01")
    assert rules(run(case([removed], tier="trust", categories=["enforcement"]))) == []


def test_credit_rules(run: Any) -> None:
    def credit(serious: bool, reported_on: str = "2023-01-01") -> dict[str, Any]:
        return record(
            "cr-1", "credit", {"serious_delinquency": serious, "reported_on": reported_on}
        )

    trust = ["credit"]
    assert rules(run(case([credit(True)], tier="trust", categories=trust))) == [
        "CREDIT_SERIOUS_DELINQUENCY"
    ]
    assert rules(run(case([credit(False)], tier="trust", categories=trust))) == []
    old = run(case([credit(True, "2015-01-01")], tier="trust", categories=trust))
    assert exclusion_of(old, "cr-1") == "OUTSIDE_LOOKBACK"


# --- exclusion precedence ----------------------------------------------------------------------


def _from(record_: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``record_`` with its identity or source changed."""
    changed = {**record_, **changes}
    if "kind" in changes:
        changed["source"] = {**record_["source"], "kind": changed.pop("kind")}
    return changed


@pytest.mark.parametrize(
    ("record_", "categories", "expected"),
    [
        # Each pair of neighbours in PRODUCT.md §4's table, both applying: the first wins.
        (_from(litigation(), identity=UNMATCHED), ["enforcement"], "NOT_IN_SCOPE"),
        (
            _from(litigation(cause="离婚纠纷"), identity=UNMATCHED),
            ["litigation"],
            "IDENTITY_UNMATCHED",
        ),
        (_from(litigation(cause="离婚纠纷"), kind="witness"), ["litigation"], "PROHIBITED_TOPIC"),
        (_from(litigation(party_role="plaintiff"), kind="witness"), ["litigation"], "UNVERIFIED"),
        (
            litigation(party_role="plaintiff", outcome="dismissed"),
            ["litigation"],
            "LITIGATION_RIGHTS",
        ),
        (
            litigation(outcome="dismissed", decided_on="2010-01-01"),
            ["litigation"],
            "NO_ADVERSE_JUDGMENT",
        ),
        (
            litigation(cause="物业服务合同纠纷", decided_on="2010-01-01"),
            ["litigation"],
            "OUTSIDE_LOOKBACK",
        ),
    ],
)
def test_where_several_exclusions_apply_the_first_in_the_table_is_reported(
    run: Any, record_: dict[str, Any], categories: list[str], expected: str
) -> None:
    assert exclusion_of(run(case([record_], categories=categories)), "lit-1") == expected


def test_a_sealed_juvenile_record_wins_over_no_adverse_judgment(run: Any) -> None:
    acquitted = crim(convicted=False, offence_date="2006-01-01", judgment_date="2006-06-01")
    report = run(case([acquitted], tier="safety", categories=["criminal_record"]))
    assert exclusion_of(report, "crim-1") == "SEALED_JUVENILE_RECORD"


# --- default lookbacks (PRODUCT.md §4: litigation 5 years, criminal record 7, credit 5) --------


def _credit_record(reported_on: str) -> dict[str, Any]:
    return record("cr-1", "credit", {"serious_delinquency": True, "reported_on": reported_on})


@pytest.mark.parametrize(
    ("record_", "tier", "categories", "rule"),
    [
        # Counted back from as_of (2024-03-15): the first day inside is the cutoff itself.
        (litigation(decided_on="2019-03-15"), "standard", ["litigation"], "LIT_RELEVANT_JUDGMENT"),
        (litigation(decided_on="2019-03-14"), "standard", ["litigation"], None),
        (
            crim(judgment_date="2017-03-15", offence_date="2016-01-01"),
            "safety",
            ["criminal_record"],
            "CRIM_RELEVANT_CONVICTION",
        ),
        (
            crim(judgment_date="2017-03-14", offence_date="2016-01-01"),
            "safety",
            ["criminal_record"],
            None,
        ),
        # Without a judgment date, the offence date.
        (
            crim(judgment_date=None, offence_date="2017-03-15"),
            "safety",
            ["criminal_record"],
            "CRIM_RELEVANT_CONVICTION",
        ),
        (crim(judgment_date=None, offence_date="2017-03-14"), "safety", ["criminal_record"], None),
        (_credit_record("2019-03-15"), "trust", ["credit"], "CREDIT_SERIOUS_DELINQUENCY"),
        (_credit_record("2019-03-14"), "trust", ["credit"], None),
    ],
)
def test_the_default_lookbacks(
    run: Any, record_: dict[str, Any], tier: str, categories: list[str], rule: str | None
) -> None:
    report = run(case([record_], tier=tier, categories=categories))
    assert rules(report) == ([rule] if rule else [])
    assert exclusion_of(report, record_["id"]) == (None if rule else "OUTSIDE_LOOKBACK")


# --- references --------------------------------------------------------------------------------


def test_two_witnesses_with_the_same_negative_assertion_are_a_corroborated_concern(
    run: Any,
) -> None:
    records = [
        witness("ref-1", "p-1", statement("多次未按期交付项目。", "missed_deadlines")),
        witness("ref-2", "p-2", statement("项目经常延期交付。", "missed_deadlines")),
    ]
    report = run(case(records, categories=["reference"]))
    assert rules(report) == ["REF_CORROBORATED_CONCERN"]
    assert report["rating"]["light"] == "yellow"


def test_a_single_witness_never_counts(run: Any) -> None:
    report = run(
        case(
            [witness("ref-1", "p-1", statement("多次未按期交付项目。", "missed_deadlines"))],
            categories=["reference"],
        )
    )
    assert rules(report) == [] and exclusion_of(report, "ref-1") == "UNVERIFIED"


def test_the_same_person_twice_is_one_witness(run: Any) -> None:
    records = [
        witness("ref-1", "p-1", statement("多次未按期交付项目。", "missed_deadlines")),
        witness("ref-2", "p-1", statement("项目经常延期交付。", "missed_deadlines")),
    ]
    assert rules(run(case(records, categories=["reference"]))) == []


def test_corroborated_praise_is_neutral(run: Any) -> None:
    records = [
        witness("ref-1", "p-1", statement("按时交付。", "delivers_on_time", "positive")),
        witness("ref-2", "p-2", statement("交付及时。", "delivers_on_time", "positive")),
    ]
    report = run(case(records, categories=["reference"]))
    assert rules(report) == [] and report["findings"][0]["verification"] == "verified"
    # the assertion in words, in every language, never its key (issue 13 item 8)
    summary = report["findings"][0]["summary"]
    assert summary["zh-Hans"].startswith("按时交付 — ")
    assert summary["zh-Hant"].startswith("按時交付 — ")
    assert summary["en"].startswith("Delivers on time — ")
    assert "delivers_on_time" not in dumps(report["findings"]).decode()


def test_a_private_life_remark_is_dropped_unread(run: Any) -> None:
    records = [
        witness("ref-1", "p-1", statement("他的生活作风有问题。", "private_conduct")),
        witness("ref-2", "p-2", statement("他生活作风不好。", "private_conduct")),
    ]
    report = run(case(records, categories=["reference"]))
    assert rules(report) == []
    assert {d["topic"] for d in report["dropped_statements"]} == {"private_life"}
    assert {d["reason"] for d in report["discarded"]} == {"PROHIBITED_TOPIC"}
    assert "生活作风" not in dumps(report).decode()


def test_an_investigator_label_naming_a_prohibited_topic_drops_the_statement(run: Any) -> None:
    labelled = {"text": "表现一般。", "topic": "marital_status", "polarity": "neutral"}
    report = run(case([witness("ref-1", "p-1", labelled)], categories=["reference"]))
    assert report["dropped_statements"] == [
        {"record": "ref-1", "index": 0, "topic": "marital_status"}
    ]


def test_two_witnesses_on_a_hobby_are_private_life_not_a_corroborated_concern(run: Any) -> None:
    # REF_CORROBORATED_CONCERN needs a negative *job-performance* assertion (PRODUCT.md §4);
    # a remark the investigator files under hobbies is about private life (Civil Code
    # art. 1032) and is dropped, whatever the classifier makes of its text.
    def golf(label: str) -> dict[str, str]:
        return {
            "text": "He is a terrible golfer.",
            "topic": label,
            "assertion": "bad_golfer",
            "polarity": "negative",
        }

    records = [witness("ref-1", "p-1", golf("hobbies")), witness("ref-2", "p-2", golf("Hobbies"))]
    report = run(case(records, categories=["reference"]))
    assert report["rating"]["light"] == "green" and rules(report) == []
    assert [d["topic"] for d in report["dropped_statements"]] == ["private_life", "private_life"]
    assert "golfer" not in dumps(report).decode()


@pytest.mark.parametrize(
    ("label", "topic"),
    [
        ("Marriage", "marital_status"),
        ("social life", "private_life"),
        ("mental-health", "health_condition"),
        ("politics", "political_views"),
        ("hukou", "household_registration"),
        ("婚姻", "marital_status"),
        ("私生活", "private_life"),
        ("兴趣爱好", "private_life"),
        ("健康", "health_condition"),
    ],
)
def test_everyday_labels_for_a_prohibited_topic_drop_the_statement(
    run: Any, label: str, topic: str
) -> None:
    labelled = {"text": "表现一般。", "topic": label, "polarity": "neutral"}
    report = run(case([witness("ref-1", "p-1", labelled)], categories=["reference"]))
    assert report["dropped_statements"] == [{"record": "ref-1", "index": 0, "topic": topic}]


@pytest.mark.parametrize(
    "label", ["job_performance", "conduct", "teamwork", "health_and_safety", "工作表现", None]
)
def test_a_job_label_or_none_keeps_the_statement(run: Any, label: str | None) -> None:
    labelled = {"text": "多次未按期交付项目。", "topic": label, "assertion": "late"}
    if label is None:
        del labelled["topic"]
    report = run(case([witness("ref-1", "p-1", labelled)], categories=["reference"]))
    assert report["dropped_statements"] == []


# --- scope -------------------------------------------------------------------------------------


def test_scope_reasons(run: Any) -> None:
    document = case([], categories=["identity", "litigation"])
    document["requested_categories"] = ["identity", "litigation", "education", "religion", "credit"]
    document["role"]["categories"]["education"] = {"justification": "needed for this role's degree"}
    report = run(document)
    assert report["scope"]["effective"] == ["identity", "litigation"]
    assert report["scope"]["excluded"] == [
        {"category": "education", "reason": "NOT_CONSENTED"},
        {"category": "credit", "reason": "NOT_NECESSARY_FOR_ROLE"},
        {"category": "religion", "reason": "PROHIBITED_CATEGORY"},
    ]


def test_a_sensitive_category_needs_its_separate_consent(run: Any) -> None:
    document = case([identity_ok(), crim()], tier="safety", categories=SAFETY)
    document["authorization"]["sensitive_categories_consented"] = []
    report = run(document)
    assert {"category": "criminal_record", "reason": "NOT_CONSENTED"} in report["scope"]["excluded"]
    assert exclusion_of(report, "crim-1") == "NOT_IN_SCOPE" and rules(report) == []


def test_records_outside_scope_and_unmatched_are_discarded(run: Any) -> None:
    records = [
        identity_ok(),
        record("rel-1", "religion", {"anything": "is never read"}),
        record(
            "edu-9",
            "education",
            {"institution": "A", "degree": "bachelor", "graduation_year": 2000},
        ),
        record("lit-9", "litigation", litigation()["data"], identity=UNMATCHED),
    ]
    report = run(case(records, categories=["identity", "litigation"]))
    assert report["discarded"] == [
        {"record": "rel-1", "reason": "NOT_IN_SCOPE"},
        {"record": "edu-9", "reason": "NOT_IN_SCOPE"},
        {"record": "lit-9", "reason": "IDENTITY_UNMATCHED"},
    ]
    assert rules(report) == []


def test_a_weak_match_with_a_different_birth_date_is_unmatched(run: Any) -> None:
    rec = record(
        "lit-1",
        "litigation",
        litigation()["data"],
        identity={"name": "测试甲", "birth_date": "1991-01-01"},
    )
    assert (
        exclusion_of(run(case([rec], categories=["litigation"])), "lit-1") == "IDENTITY_UNMATCHED"
    )


def test_name_and_birth_date_alone_never_override_a_different_id_number(run: Any) -> None:
    rec = record(
        "lit-1",
        "litigation",
        litigation()["data"],
        identity={
            "national_id": "999999198502020028",
            "name": "测试甲",
            "birth_date": "1990-01-01",
        },
    )
    assert (
        exclusion_of(run(case([rec], categories=["litigation"])), "lit-1") == "IDENTITY_UNMATCHED"
    )


@pytest.mark.parametrize(
    ("identity", "matched"),
    [
        # "equal" is NFKC + white space removed + case-folded (PRODUCT.md P3), nothing looser
        ({"national_id": "99999919900101001x", "name": "测试甲"}, True),
        ({"national_id": "９９９９９９１９９００１０１００１Ｘ", "name": "测试甲"}, True),
        ({"national_id": "999999 19900101 001X", "name": "测试　甲"}, True),  # U+3000
        ({"national_id": "99999919900101001X", "name": " 测 试 甲 "}, True),
        ({"national_id": "99999919900101001X", "name": "測試甲"}, False),  # traditional
        ({"national_id": "99999919900101001Y", "name": "测试甲"}, False),
        ({"national_id": "999999199001010010", "name": "测试甲"}, False),
        ({"name": "测试　甲", "birth_date": "1990-01-01"}, True),  # weak, never verifies
    ],
)
def test_identity_equality_is_nfkc_without_white_space_case_folded(
    run: Any, identity: dict[str, Any], matched: bool
) -> None:
    rec = record("lit-1", "litigation", litigation()["data"], identity=identity)
    exclusion = exclusion_of(run(case([rec], categories=["litigation"])), "lit-1")
    assert (exclusion != "IDENTITY_UNMATCHED") is matched


def test_a_subject_written_with_a_lower_case_x_and_full_width_spaces_matches(run: Any) -> None:
    document = case([identity_ok(), litigation()], categories=["identity", "litigation"])
    document["subject"]["national_id"] = "99999919900101001x"
    document["subject"]["name"] = "测试\u3000甲"
    report = run(document)
    assert report["discarded"] == []
    assert rules(report) == ["LIT_RELEVANT_JUDGMENT"]


# --- source failures ----------------------------------------------------------------------


def test_an_unavailable_source_makes_the_check_incomplete(run: Any) -> None:
    report = run(
        case(
            [identity_ok(), record("lit-1", "litigation", status="source_unavailable")],
            categories=["identity", "litigation"],
        )
    )
    assert rules(report) == ["CHECK_INCOMPLETE"] and report["rating"]["light"] == "blue"


def test_not_found_in_a_claim_free_category_is_clean(run: Any) -> None:
    report = run(
        case(
            [identity_ok(), record("lit-1", "litigation", status="not_found")],
            categories=["identity", "litigation"],
        )
    )
    assert rules(report) == [] and report["rating"]["light"] == "green"


def test_no_reference_found_is_not_verified(run: Any) -> None:
    """A reference nobody gave verifies nothing (issue 13 item 8: it was shown as
    "无相关记录 · 已核实"); a court search's "no record" stays a verified clean answer."""
    report = run(
        case(
            [
                identity_ok(),
                record("ref-1", "reference", status="not_found"),
                record("lit-1", "litigation", status="not_found"),
            ],
            categories=["identity", "litigation", "reference"],
        )
    )
    verification = {f["records"][0]: f["verification"] for f in report["findings"]}
    assert verification["ref-1"] == "unverified" and verification["lit-1"] == "verified"
    assert rules(report) == [] and report["rating"]["light"] == "green"


def test_an_unavailable_source_outside_scope_changes_nothing(run: Any) -> None:
    report = run(
        case(
            [identity_ok(), record("lit-1", "litigation", status="source_unavailable")],
            categories=["identity"],
        )
    )
    assert rules(report) == [] and exclusion_of(report, "lit-1") == "NOT_IN_SCOPE"


# --- the employer view -----------------------------------------------------------------------


def test_the_employer_view_holds_nothing_excluded_or_unverified(run: Any) -> None:
    records = [
        identity_ok(),
        litigation("lit-1", cause="物业服务合同纠纷"),
        litigation("lit-2", party_role="plaintiff"),
        litigation("lit-3"),
        witness("ref-1", "p-1", statement("他的生活作风有问题。", "x")),
        witness("ref-2", "p-2", statement("沟通能力较差。", "poor_communication")),
    ]
    report = run(case(records, categories=["identity", "litigation", "reference"]))
    view = report["employer_view"]
    assert set(view) == {"light", "reasons", "checks"}
    assert [r["rule"] for r in view["reasons"]] == ["LIT_RELEVANT_JUDGMENT"]
    text = dumps(view).decode()
    for secret in (
        "物业",
        "lit-1",
        "lit-2",
        "生活作风",
        "沟通能力",
        "UNVERIFIED",
        "NOT_JOB_RELATED",
    ):
        assert secret not in text


def test_a_remark_repeated_across_records_is_read_once_and_dropped_everywhere() -> None:
    # the classifier reads each distinct text once per evaluation (domain/evaluation.py,
    # _ReadOnce), and every copy of a prohibited remark is still dropped
    read: list[str] = []
    shipped = default_classifier()

    class Counting:
        def prohibited_topic(self, text: str) -> str | None:
            read.append(text)
            return shipped.prohibited_topic(text)

    remark = statement("他生活作风不好。", "private_conduct")
    job = statement("项目交付按时。", "delivers_on_time", "positive")
    records = [witness(f"ref-{n}", f"p-{n}", remark, job) for n in range(1, 4)]
    outcome = evaluate_case(dumps(case(records, categories=["reference"])), classifier=Counting())
    assert sorted(read) == sorted(["他生活作风不好。", "项目交付按时。"])
    assert [d["record"] for d in outcome.document["dropped_statements"]] == [
        "ref-1",
        "ref-2",
        "ref-3",
    ]


# --- reasons that explain themselves (issue 13 item 7) -----------------------------------------


def test_a_material_date_difference_says_what_differed(run: Any) -> None:
    report = run(case([emp(start="2017-04")], categories=["employment_history"], claims=EMP_CLAIM))
    [reason] = report["employer_view"]["reasons"]
    assert reason["rule"] == "EMP_DATES_MATERIAL"
    assert (
        "入职：候选人填 2016-07；原单位记录 2017-04（相差 9 个月）" in reason["summary"]["zh-Hans"]
    )
    assert (
        "start: the candidate gave 2016-07; the employer's record says 2017-04"
        in (reason["summary"]["en"])
    )
    assert "原單位記錄 2017-04（相差 9 個月）" in reason["summary"]["zh-Hant"]
    ended = run(case([emp(end="2024-06")], categories=["employment_history"], claims=EMP_CLAIM))
    assert (
        "离职：候选人填 2023-09；原单位记录 2024-06（相差 9 个月）"
        in (ended["employer_view"]["reasons"][0]["summary"]["zh-Hans"])
    )


def test_an_incomplete_check_says_which_and_why(run: Any) -> None:
    report = run(
        case(
            [identity_ok(), record("lit-1", "litigation", status="source_unavailable")],
            categories=["identity", "litigation"],
        )
    )
    [reason] = report["employer_view"]["reasons"]
    assert reason["summary"]["zh-Hans"].startswith("民事与行政诉讼记录：数据来源 ")
    assert "暂时无法查询" in reason["summary"]["zh-Hans"]
    assert "could not be queried" in reason["summary"]["en"]
    nothing = run(case([], categories=["identity"]))
    [reason] = nothing["employer_view"]["reasons"]
    assert "没有任何来源返回可用记录" in reason["summary"]["zh-Hans"]


def test_a_degree_level_is_said_in_words(run: Any) -> None:
    report = run(case([edu()], categories=["education"], claims=EDU_CLAIM))
    [finding] = report["findings"]
    assert "本科（学士）" in finding["summary"]["zh-Hans"]
    assert "學士" in finding["summary"]["zh-Hant"] and "本科" not in finding["summary"]["zh-Hant"]
    assert "bachelor's degree" in finding["summary"]["en"]
    assert " bachelor " not in finding["summary"]["zh-Hans"]

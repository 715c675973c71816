"""The two readings of a case file agree (``fairscreen.services.case_file``).

The one pass builds the domain's values inside pydantic-core; the step-by-step reading
validates model by model and reports the first error. For every valid input they build the
same ``Case``; every input the step-by-step reading refuses, the one pass refuses too.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_core import SchemaValidator

from factories import (
    UNMATCHED,
    WEAK,
    authorization,
    case,
    dumps,
    identity_ok,
    litigation,
    record,
    role,
    statement,
    witness,
)
from fairscreen.domain.categories import Category
from fairscreen.domain.errors import InvalidInput, InvalidValue
from fairscreen.domain.model import EmploymentData, RoleProfile
from fairscreen.services.case_file import (
    _DAY,
    _DomainCaseIn,
    _model_fields,
    _read_in_one_pass,
    _read_stepwise,
)
from fairscreen.services.case_models import AuthorizationIn, ProfileRefIn, to_date
from fairscreen.services.evaluation import builtin_profiles

SAFETY = ["identity", "employment_history", "litigation", "reference", "criminal_record"]
TRUST = ["identity", "education", "litigation", "enforcement", "credit", "criminal_record"]


def _every_shape() -> list[dict[str, Any]]:
    """Cases that between them hold every record category, status and optional field."""
    standard = case(
        [
            identity_ok(),
            record(
                "edu-1",
                "education",
                {
                    "institution": "示例大学",
                    "degree": "master",
                    "graduation_year": 2012,
                    "major": "CS",
                    "certificate_no": "C-1",
                    "conferred": False,
                },
            ),
            record(
                "emp-1",
                "employment_history",
                {"employer": "某公司", "title": "dev", "start": "2015-03", "end": "2019-12"},
                kind="issuer",
            ),
            record("emp-2", "employment_history", {"employer": "某公司", "employed": False}),
            record(
                "lic-1",
                "professional_license",
                {"number": "L-1", "status": "valid", "name": "n", "valid_until": "2030-01-01"},
            ),
            litigation(court="某法院", cause_group="labour", filed_on="2020-01-02"),
            record(
                "enf-1",
                "enforcement",
                {
                    "listing": "dishonest_debtor",
                    "active": True,
                    "listed_on": "2020-01-01",
                    "removed_on": "2025-01-01",
                    "case_no": "E-1",
                },
            ),
            witness("ref-1", "p-1", statement("按时交付", "on_time", "positive")),
            witness("ref-2", "p-2", {"text": "他离婚了", "topic": "marital_status"}),
            record("rel-1", "religion", {"anything": ["never", "read"]}, kind="witness"),
            record("rel-2", "religion", status="not_found"),
            record("edu-2", "education", status="not_found", data={"not": "a degree"}),
            record("lic-2", "professional_license", status="source_unavailable"),
            record("id-2", "identity", {"result": "match"}, identity=WEAK, kind="self"),
            record("id-3", "identity", {"result": "mismatch"}, identity=UNMATCHED),
        ],
        claims={
            "education": [{"institution": "示例大学", "degree": "master", "graduation_year": 2012}],
            "employment": [
                {"employer": "某公司", "start": "2015-03", "end": "2019-12", "title": "dev"},
                {"employer": "某公司", "start": "2020-01"},
            ],
            "licenses": [{"number": "L-1", "name": "n"}],
        },
    )
    safety = case(
        [
            record(
                "crim-1",
                "criminal_record",
                {
                    "offence": "危险驾驶罪",
                    "convicted": True,
                    "offence_group": "traffic_safety",
                    "offence_date": "2019-05-01",
                    "final": True,
                    "judgment_date": "2019-09-01",
                    "sentence": "拘役",
                },
            ),
            litigation("lit-2", case_type="criminal", cause="故意伤害罪"),
            record(
                "hc-1",
                "health_certificate",
                {"valid_until": "2025-01-01", "certificate_no": "H-1", "diagnosis": "x"},
            ),
        ],
        tier="safety",
        categories=[*SAFETY, "health_certificate"],
    )
    safety["role"] = role(
        "safety",
        SAFETY,
        relevant_groups=["violence"],
        relevance_justification="guards the site at night, alone",
    )
    safety["role"]["categories"]["litigation"]["lookback_years"] = 3
    trust = case(
        [record("cred-1", "credit", {"serious_delinquency": True, "reported_on": "2023-01-01"})],
        tier="trust",
        categories=TRUST,
    )
    trust["authorization"] = authorization(
        TRUST,
        role_id="test-role",
        revoked_at="2024-03-20T00:00:00Z",
        document_sha256="0" * 64,
    )
    by_profile = case([identity_ok()], categories=["identity"])
    by_profile["role"] = {"profile": "general-staff"}
    bare = case([identity_ok()], categories=["identity"])
    del bare["claims"], bare["authorization"]
    return [standard, safety, trust, by_profile, bare]


@pytest.mark.parametrize("document", _every_shape())
def test_both_readings_build_the_same_case(document: dict[str, Any]) -> None:
    content = dumps(document)
    one_pass = _read_in_one_pass(content, builtin_profiles())
    assert one_pass is not None
    assert one_pass == _read_stepwise(content, builtin_profiles())


def _changed(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(_every_shape()[0])
    target: Any = document
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("records", 0, "data"), KeyError),  # required when status is ok
        (("records", 0, "data"), None),
        (("records", 1, "data", "degree"), "phd"),
        (("records", 1, "data", "gender"), "x"),
        (("records", 2, "data", "start"), "2015-13"),
        (("records", 4, "data", "valid_until"), "2030-02-30"),
        (("records", 4, "data", "valid_until"), "0000-01-01"),
        (("records", 6, "data", "listed_on"), "20200101"),
        (("records", 5, "data", "cause_group"), "nobody"),
        (("records", 7, "data", "statements", 0, "polarity"), "angry"),
        (("records", 9, "data"), "not an object"),
        (("records", 10, "status"), "lost"),
        (("records", 11, "data"), []),
        (("records", 13, "source", "kind"), "rumour"),
        (("records", 13, "identity", "age"), 30),
        (("records", 14, "id"), "id-1"),  # a duplicate
        (("records", 14, "category"), "astrology"),
        (("claims", "employment", 1, "start"), "2020"),
        (("claims", "employment", 0, "end"), "2019-00"),
        (("records", 2, "data", "end"), "2019-13"),
        (("authorization", "categories", 0), "religion"),
        (("authorization", "sensitive_categories_consented"), ["identity"]),
        (("authorization", "signed_at"), "2024-03-01T09:00:00"),
        (("role", "tier"), "royal"),
        (("role", "relevant_groups"), ["nobody"]),
        (("role", "profile"), "general-staff"),
        (("subject", "gender"), "x"),
    ],
)
def test_what_the_stepwise_reading_refuses_the_one_pass_refuses(
    path: tuple[str | int, ...], value: Any
) -> None:
    content = dumps(_changed(path, value))
    with pytest.raises(InvalidInput) as stepwise:
        _read_stepwise(content, builtin_profiles())
    try:
        one_pass = _read_in_one_pass(content, builtin_profiles())
    except InvalidInput as refused:  # a named profile is looked up as in the stepwise reading
        assert (refused.field, str(refused)) == (stepwise.value.field, str(stepwise.value))
    else:
        assert one_pass is None


def test_an_unknown_profile_is_refused_by_name_in_one_pass() -> None:
    document = case([identity_ok()], categories=["identity"])
    document["role"] = {"profile": "astronaut"}
    with pytest.raises(InvalidInput, match="not one of the built-in profiles") as raised:
        _read_in_one_pass(dumps(document), builtin_profiles())
    assert raised.value.field == "role.profile"


@pytest.mark.parametrize(
    "text",
    [
        "2024-02-29",
        "0001-01-01",
        "9999-12-31",
        "2023-02-29",  # not a leap year
        "0000-01-01",  # no year 0
        "2024-13-01",
        "2024-04-31",
        "2024-01-00",
        "2024-6-1",
        "20240601",
        "1700000000",  # a timestamp, which pydantic's own date would take
        "2024-06-01T00:00:00",  # midnight, which lax date validation would take
        "2024-06-01 ",
        "２０２４-06-01",  # digits, but not ASCII ones
    ],
)
def test_the_one_pass_takes_a_date_where_the_models_do(text: str) -> None:
    try:
        expected: object = to_date(text)
    except InvalidValue:
        expected = None
    try:
        got: object = SchemaValidator(_DAY).validate_json(json.dumps(text))
    except ValidationError:
        got = None
    assert got == expected


def test_the_one_pass_reads_each_month_once() -> None:
    """Months are frozen values: the claim's and the record's ``2015-03`` are one value."""
    one_pass = _read_in_one_pass(dumps(_every_shape()[0]), builtin_profiles())
    assert one_pass is not None
    record = next(r for r in one_pass.records if r.id == "emp-1")
    assert isinstance(record.data, EmploymentData)
    assert record.data.start is one_pass.claims.employment[0].start


def test_the_one_pass_reads_the_role_in_the_same_pass() -> None:
    """An inline role becomes the domain's profile and a built-in one's name a reference,
    both while the JSON is read (not validated into a dict, then again)."""
    inline, by_profile = _every_shape()[1], _every_shape()[3]
    assert isinstance(_DomainCaseIn.model_validate_json(dumps(inline)).role, RoleProfile)
    assert _DomainCaseIn.model_validate_json(dumps(by_profile)).role == ProfileRefIn(
        profile="general-staff"
    )


@pytest.mark.parametrize("field", ["categories", "sensitive_categories_consented"])
def test_the_one_pass_takes_a_category_where_the_models_do(field: str) -> None:
    one_pass = SchemaValidator(_model_fields(AuthorizationIn)[field])
    for name in [*(category.value for category in Category), "astrology"]:
        document = authorization(["identity"]) | {field: [name]}
        try:
            AuthorizationIn.model_validate_json(json.dumps(document))
            expected = [Category(name)]
        except ValidationError:
            expected = None
        try:
            got = list(one_pass.validate_json(json.dumps([name])))
        except ValidationError:
            got = None
        assert got == expected, name
        assert got is None or type(got[0]) is Category  # the member, not its text

"""Properties of the rating (hypothesis), PRODUCT.md §3-§4 and issue 2:

- the same input twice gives identical bytes;
- adding a record that is unmatched, unverified, out of scope or on a prohibited topic
  never changes the light;
- renaming the subject consistently in subject and records never changes the light;
- the text of a dropped statement appears nowhere in the output.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import (
    OTHER_ID,
    SUBJECT,
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
from fairscreen.services.evaluation import evaluate_case, render_report

TIER_CATEGORIES = {
    "standard": [
        "identity",
        "education",
        "employment_history",
        "professional_license",
        "litigation",
        "enforcement",
        "reference",
    ],
    "trust": [
        "identity",
        "education",
        "employment_history",
        "litigation",
        "enforcement",
        "reference",
        "credit",
        "criminal_record",
    ],
    "safety": [
        "identity",
        "employment_history",
        "litigation",
        "reference",
        "criminal_record",
        "health_certificate",
    ],
}
CAUSES = [
    "合同诈骗罪",
    "物业服务合同纠纷",
    "民间借贷纠纷",
    "故意伤害罪",
    "受贿罪",
    "合同纠纷",
    "危险驾驶罪",
]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def records(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        identity_ok(result=draw(st.sampled_from(["match", "match", "mismatch"])))
    ]
    for i in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["lit", "edu", "emp", "enf", "crim", "credit", "ref", "hc"]))
        rid = f"{kind}-{i}"
        if kind == "lit":
            out.append(
                litigation(
                    rid,
                    cause=draw(st.sampled_from(CAUSES)),
                    party_role=draw(
                        st.sampled_from(["plaintiff", "defendant", "co_defendant", "respondent"])
                    ),
                    outcome=draw(
                        st.sampled_from(["judgment_against", "judgment_for", "pending", "settled"])
                    ),
                    decided_on=draw(st.sampled_from(["2017-01-01", "2021-05-05", "2023-12-01"])),
                )
            )
        elif kind == "edu":
            out.append(
                record(
                    rid,
                    "education",
                    {
                        "institution": "示例大学",
                        "degree": draw(st.sampled_from(["bachelor", "master"])),
                        "graduation_year": draw(st.integers(2009, 2015)),
                        "conferred": draw(st.booleans()),
                    },
                )
            )
        elif kind == "emp":
            out.append(
                record(
                    rid,
                    "employment_history",
                    {
                        "employer": "示例科技有限公司",
                        "start": draw(st.sampled_from(["2016-07", "2017-03"])),
                        "end": "2023-09",
                        "employed": draw(st.booleans()),
                    },
                    kind="issuer",
                )
            )
        elif kind == "enf":
            out.append(
                record(
                    rid,
                    "enforcement",
                    {"listing": "dishonest_debtor", "active": draw(st.booleans())},
                )
            )
        elif kind == "crim":
            out.append(
                record(
                    rid,
                    "criminal_record",
                    {
                        "offence": draw(st.sampled_from(CAUSES)),
                        "convicted": draw(st.booleans()),
                        "judgment_date": draw(st.sampled_from(["2012-01-01", "2021-01-01"])),
                    },
                )
            )
        elif kind == "credit":
            out.append(
                record(
                    rid,
                    "credit",
                    {"serious_delinquency": draw(st.booleans()), "reported_on": "2022-01-01"},
                )
            )
        elif kind == "hc":
            out.append(
                record(
                    rid,
                    "health_certificate",
                    {"valid_until": draw(st.sampled_from(["2023-01-01", "2030-01-01"]))},
                )
            )
        else:
            out.append(
                witness(
                    rid,
                    draw(st.sampled_from(["p-1", "p-2", "p-3"])),
                    statement(
                        "多次未按期交付项目。", draw(st.sampled_from(["missed_deadlines", "late"]))
                    ),
                )
            )
    return out


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    tier = draw(st.sampled_from(sorted(TIER_CATEGORIES)))
    categories = draw(st.lists(st.sampled_from(TIER_CATEGORIES[tier]), min_size=1, unique=True))
    document = case(
        draw(records()),
        tier=tier,
        categories=categories,
        claims={
            "education": [
                {"institution": "示例大学", "degree": "bachelor", "graduation_year": 2012}
            ],
            "employment": [{"employer": "示例科技有限公司", "start": "2016-07", "end": "2023-09"}],
        },
    )
    requested = draw(
        st.lists(st.sampled_from(TIER_CATEGORIES[tier] + ["religion", "credit"]), unique=True)
    )
    document["requested_categories"] = sorted(set(categories) | set(requested))
    document["role"] = role(tier, categories)
    document["authorization"] = authorization(
        draw(st.lists(st.sampled_from(categories), unique=True)) or categories
    )
    return document


def light(document: dict[str, Any]) -> str:
    return str(evaluate_case(dumps(document)).document["rating"]["light"])


@SETTINGS
@given(cases())
def test_the_same_input_gives_identical_bytes(document: dict[str, Any]) -> None:
    first = render_report(evaluate_case(dumps(document)).document)
    second = render_report(evaluate_case(dumps(copy.deepcopy(document))).document)
    assert first.encode() == second.encode()


def _irrelevant_records(draw: st.DrawFn) -> dict[str, Any]:
    adverse = litigation("extra-1", cause="合同诈骗罪")["data"]
    kind = draw(st.sampled_from(["unmatched", "unverified", "out_of_scope", "prohibited", "weak"]))
    if kind == "unmatched":
        return record("extra-1", "litigation", adverse, identity={"national_id": OTHER_ID})
    if kind == "unverified":
        return record("extra-1", "litigation", adverse, kind="witness", person="p-9")
    if kind == "weak":
        return record("extra-1", "litigation", adverse, identity=WEAK)
    if kind == "out_of_scope":
        return record(
            "extra-1",
            draw(st.sampled_from(["religion", "marital_status", "private_life"])),
            {"anything": "never read"},
        )
    return witness("extra-1", "p-8", statement("他离过婚，私生活混乱。", "private", "negative"))


@SETTINGS
@given(cases(), st.data())
def test_irrelevant_records_never_change_the_light(
    document: dict[str, Any], data: st.DataObject
) -> None:
    before = light(document)
    document["records"].append(data.draw(st.composite(_irrelevant_records)()))
    assert light(document) == before


@SETTINGS
@given(cases(), st.text(alphabet="赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨", min_size=2, max_size=4))
def test_renaming_the_subject_consistently_never_changes_the_light(
    document: dict[str, Any], new_name: str
) -> None:
    before = light(document)
    renamed = copy.deepcopy(document)
    renamed["subject"]["name"] = new_name
    for rec in renamed["records"]:
        if rec.get("identity", {}).get("name") == SUBJECT["name"]:
            rec["identity"]["name"] = new_name
    assert light(renamed) == before


PROHIBITED_REMARKS = [
    "此人生活作风存在问题。",
    "她最近在备孕，可能很快休产假。",
    "他信教，每周都去教堂。",
    "He is gay and lives with his partner.",
    "她是乙肝病毒携带者。",
    "他是农村户口。",
]


@SETTINGS
@given(
    cases(), st.sampled_from(PROHIBITED_REMARKS), st.text(alphabet="qxzjv", min_size=6, max_size=10)
)
def test_a_dropped_statement_appears_nowhere(
    document: dict[str, Any], remark: str, marker: str
) -> None:
    text = f"{remark}{marker}"
    document["records"].append(witness("drop-1", "p-7", statement(text, "private", "negative")))
    output = render_report(evaluate_case(dumps(document)).document)
    assert marker not in output and remark not in output


@SETTINGS
@given(document=cases())
def test_generated_cases_follow_the_published_case_schema(
    document: dict[str, Any], case_schema_validator: Any
) -> None:
    case_schema_validator.validate(document)

"""Refusals (exit 3) and invalid inputs (exit 2) of ``fairscreen evaluate``, PRODUCT.md §5."""

from __future__ import annotations

from typing import Any

import pytest

from factories import case, dumps, identity_ok
from fairscreen.domain.categories import Tier
from fairscreen.domain.errors import InvalidInput, ScopeViolation
from fairscreen.services.evaluation import builtin_profiles, current_rulebook, evaluate_case


def refusal(document: dict[str, Any]) -> str:
    outcome = evaluate_case(dumps(document))
    assert outcome.refused and outcome.document["status"] == "refused"
    # nothing about the case beyond its heading: the rulebook and topic model it would
    # have been evaluated under (every report names both), and the refusal
    heading = {"schema", "status", "case_id", "as_of", "rulebook", "topic_model"}
    assert set(outcome.document) == heading | {"refusal"}
    return str(outcome.document["refusal"]["code"])


def base() -> dict[str, Any]:
    return case([identity_ok()], categories=["identity"])


def test_no_authorization_is_refused() -> None:
    document = base()
    del document["authorization"]
    assert refusal(document) == "AUTHORIZATION_MISSING"


def test_an_expired_authorization_is_refused() -> None:
    document = base()
    document["as_of"] = "2024-04-15"
    assert refusal(document) == "AUTHORIZATION_EXPIRED"


def test_an_authorization_expiring_during_the_evaluation_day_covers_that_day() -> None:
    document = base()  # expires 2024-03-31T09:00:00+08:00
    document["as_of"] = "2024-03-31"
    outcome = evaluate_case(dumps(document))
    assert not outcome.refused and outcome.document["status"] == "completed"


def test_an_authorization_that_expired_the_day_before_is_refused_as_expired_before() -> None:
    document = base()
    document["as_of"] = "2024-04-01"
    outcome = evaluate_case(dumps(document))
    assert outcome.document["refusal"] == {
        "code": "AUTHORIZATION_EXPIRED",
        "message": "the authorization expired before the evaluation date",
    }


def test_the_expiry_date_is_read_in_its_own_offset() -> None:
    # 2024-03-31T23:30 at UTC-05:00 is 2024-04-01 in UTC: still the 31st where it was written
    document = base()
    document["authorization"]["expires_at"] = "2024-03-31T23:30:00-05:00"
    document["as_of"] = "2024-03-31"
    assert not evaluate_case(dumps(document)).refused
    document["as_of"] = "2024-04-01"
    assert refusal(document) == "AUTHORIZATION_EXPIRED"


def test_a_revocation_on_the_evaluation_day_still_refuses() -> None:
    document = base()
    document["authorization"]["revoked_at"] = "2024-03-15T23:59:00+08:00"
    assert refusal(document) == "AUTHORIZATION_REVOKED"
    document["as_of"] = "2024-03-31"  # also on the expiry day itself
    document["authorization"]["revoked_at"] = "2024-03-31T08:00:00+08:00"
    assert refusal(document) == "AUTHORIZATION_REVOKED"


def test_a_revoked_authorization_is_refused() -> None:
    document = base()
    document["authorization"]["revoked_at"] = "2024-03-10T12:00:00+08:00"
    assert refusal(document) == "AUTHORIZATION_REVOKED"


def test_a_revocation_after_the_evaluation_date_does_not_refuse() -> None:
    document = base()
    document["authorization"]["revoked_at"] = "2024-03-20T12:00:00+08:00"
    assert not evaluate_case(dumps(document)).refused


def test_an_authorization_for_another_employer_is_refused() -> None:
    document = base()
    document["authorization"]["employer_id"] = "someone-else"
    assert refusal(document) == "AUTHORIZATION_WRONG_EMPLOYER"


def test_an_authorization_signed_after_the_evaluation_date_does_not_exist_yet() -> None:
    document = base()
    document["as_of"] = "2024-02-20"
    assert refusal(document) == "AUTHORIZATION_MISSING"


def test_an_authorization_naming_another_role_is_refused() -> None:
    document = base()
    document["authorization"]["role_id"] = "another-role"
    assert refusal(document) == "AUTHORIZATION_MISSING"


def test_the_refusal_names_no_personal_data() -> None:
    document = base()
    del document["authorization"]
    text = dumps(evaluate_case(dumps(document)).document).decode()
    assert document["subject"]["name"] not in text
    assert document["subject"]["national_id"] not in text


# --- invalid input: one line naming the field ------------------------------------------------


def error_for(document: dict[str, Any] | bytes) -> str:
    content = document if isinstance(document, bytes) else dumps(document)
    with pytest.raises(InvalidInput) as caught:
        evaluate_case(content)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_protected_attribute_is_refused() -> None:
    document = base()
    document["subject"]["gender"] = "female"
    assert error_for(document) == "subject.gender: not allowed"


@pytest.mark.parametrize("attribute", ["age", "ethnicity", "marital_status", "religion", "sex"])
def test_any_protected_attribute_on_the_subject_is_refused(attribute: str) -> None:
    document = base()
    document["subject"][attribute] = "x"
    assert error_for(document) == f"subject.{attribute}: not allowed"


def test_a_category_outside_the_tier_is_refused() -> None:
    document = base()
    document["role"]["categories"]["criminal_record"] = {
        "justification": "a justification long enough",
        "legal_basis": "some law",
    }
    with pytest.raises(ScopeViolation) as caught:
        evaluate_case(dumps(document))
    assert str(caught.value) == "role.categories.criminal_record: not allowed for tier standard"


def test_credit_is_not_allowed_for_tier_safety() -> None:
    document = case([], tier="safety", categories=["identity"])
    document["role"]["categories"]["credit"] = {"justification": "a justification long enough"}
    assert error_for(document) == "role.categories.credit: not allowed for tier safety"


#: PRODUCT.md P2: what each tier may add to the permitted set.
TIER_SENSITIVE = {
    "standard": {"health_certificate"},
    "trust": {"credit", "criminal_record"},
    "safety": {"criminal_record", "health_certificate"},
}


@pytest.mark.parametrize("tier", sorted(TIER_SENSITIVE))
@pytest.mark.parametrize("category", ["criminal_record", "credit", "health_certificate"])
def test_each_tier_may_add_exactly_its_sensitive_categories(tier: str, category: str) -> None:
    document = case([identity_ok()], tier=tier, categories=["identity"])
    document["role"]["categories"][category] = {
        "justification": "a justification long enough",
        "legal_basis": "the law that requires this check for the job",
    }
    if category in TIER_SENSITIVE[tier]:
        assert evaluate_case(dumps(document)).document["status"] == "completed"
    else:
        assert error_for(document) == f"role.categories.{category}: not allowed for tier {tier}"


def test_a_health_certificate_needs_its_legal_basis() -> None:
    document = base()
    document["role"]["categories"]["health_certificate"] = {
        "justification": "a justification long enough"
    }
    assert error_for(document).startswith("role.categories.health_certificate.legal_basis:")


def test_a_prohibited_category_in_a_profile_is_refused() -> None:
    document = base()
    document["role"]["categories"]["religion"] = {"justification": "a justification long enough"}
    assert error_for(document).startswith("role.categories.religion:")


def test_a_criminal_record_needs_its_legal_basis() -> None:
    document = case([], tier="safety", categories=["identity"])
    document["role"]["categories"]["criminal_record"] = {
        "justification": "a justification long enough"
    }
    assert error_for(document).startswith("role.categories.criminal_record.legal_basis:")


def test_a_short_justification_is_refused() -> None:
    document = base()
    document["role"]["categories"]["identity"]["justification"] = "short"
    assert error_for(document) == (
        "role.categories.identity.justification: must have at least 10 characters"
    )


def test_relevance_outside_the_tier_is_refused() -> None:
    document = base()
    document["role"]["relevant_groups"] = ["violence"]
    assert error_for(document) == "role.relevant_groups.violence: not allowed for tier standard"


def test_narrowed_relevance_needs_a_written_justification() -> None:
    # PRODUCT.md §4: a profile narrows or widens relevance "with a written justification,
    # as it does for categories".
    document = base()
    document["role"]["relevant_groups"] = []  # the standard tier's one group left out
    assert error_for(document) == (
        "role.relevance_justification: a written necessity justification of at least 10 "
        "characters is required"
    )
    document["role"]["relevance_justification"] = "短"
    assert error_for(document).startswith("role.relevance_justification: ")
    document["role"]["relevance_justification"] = "only handles invoices, never cash"
    assert not evaluate_case(dumps(document)).refused


def test_the_tiers_own_relevance_needs_no_justification() -> None:
    document = base()
    own = current_rulebook().groups_by_tier()[Tier.STANDARD]
    document["role"]["relevant_groups"] = sorted(group.value for group in own)
    assert not evaluate_case(dumps(document)).refused


def test_an_unknown_profile_is_refused() -> None:
    document = base()
    document["role"] = {"profile": "astronaut"}
    assert error_for(document) == "role.profile: not one of the built-in profiles"


def test_an_unknown_category_is_refused() -> None:
    document = base()
    document["requested_categories"].append("astrology")
    said = error_for(document)
    # what is expected, never the value typed (it may be personal where a code belongs)
    assert said.startswith("requested_categories[1]: this value is not allowed here (expected")
    assert "astrology" not in said


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("case_id"), "case_id: required"),
        (lambda d: d.update(as_of="15/03/2024"), "as_of: must be a date YYYY-MM-DD"),
        (lambda d: d.update(as_of="2024-02-30"), "as_of: not a real calendar date"),
        (
            lambda d: d.update(schema="fairscreen/case/v0"),
            "schema: this value is not allowed here (expected 'fairscreen/case/v1')",
        ),
        (lambda d: d.update(records={}), "records: must be an array"),
        (
            lambda d: d["records"][0].update(category=7),
            "records[0].category: this value is not allowed",
        ),
        (
            lambda d: d["records"][0]["data"].update(result="maybe"),
            "records[0].data.result: this value is not allowed here (expected 'match' or",
        ),
        (lambda d: d["records"][0]["data"].update(extra=1), "records[0].data.extra: not allowed"),
        (lambda d: d["records"][0].pop("data"), "records[0].data: required when status is ok"),
        (
            lambda d: d["authorization"].update(signed_at="2024-03-01T09:00:00"),
            "authorization.signed_at: must be a date-time with a UTC offset",
        ),
        (
            lambda d: d["claims"].update(
                education=[{"institution": "A", "degree": "bachelor", "graduation_year": "2012"}]
            ),
            "claims.education[0].graduation_year: must be an integer",
        ),
        (
            lambda d: d["records"].append(dict(d["records"][0])),
            "records[1].id: duplicate record id",
        ),
        (
            lambda d: d.update(role={"profile": "accountant", "tier": "trust"}),
            "role.tier: not allowed",
        ),
    ],
)
def test_invalid_inputs_name_their_field(change: Any, expected: str) -> None:
    document = base()
    change(document)
    assert error_for(document).startswith(expected)


def test_malformed_json_is_one_line() -> None:
    assert error_for(b'{"schema": ').startswith("(root): not valid JSON")


def test_a_json_array_is_not_a_case() -> None:
    assert error_for(b"[]") == "(root): must be an object"


def test_every_builtin_profile_stays_within_its_tier() -> None:
    profiles = builtin_profiles()
    assert {
        "general-staff",
        "software-engineer",
        "food-handler",
        "accountant",
        "kindergarten-teacher",
    } <= set(profiles)
    assert profiles["kindergarten-teacher"].tier == "safety"
    crim = profiles["kindergarten-teacher"].categories["criminal_record"]  # type: ignore[index]
    assert crim.legal_basis and "未成年人保护法" in crim.legal_basis
    assert profiles["accountant"].tier == "trust"


def test_a_case_may_name_a_builtin_profile() -> None:
    document = case([identity_ok()], categories=["identity"])
    document["role"] = {"profile": "general-staff"}
    document["authorization"]["categories"] = ["identity", "education"]
    document["requested_categories"] = ["identity", "education", "credit"]
    report = evaluate_case(dumps(document)).document
    assert report["role"] == {"id": "general-staff", "tier": "standard"}
    assert report["scope"]["excluded"] == [
        {"category": "credit", "reason": "NOT_NECESSARY_FOR_ROLE"}
    ]

"""``POST /v1/cases`` for a candidate with an open case at the same employer: a keyed 409
(``DUPLICATE_ORDER``, ``transition.duplicate_open_case``) naming that case, nothing
stored, unless ``confirm_duplicate: true``; another employer's case is never consulted;
the OpenAPI document describes the field."""

from __future__ import annotations

from typing import Any

from api.conftest import REQUESTED, Api
from factories import SUBJECT


def _order(api: Api, **extra: Any) -> Any:
    body = {
        "subject_id": api.ids["candidate"],
        "profile_id": api.ids["profile"],
        "requested": REQUESTED,
        "agency_id": api.ids["agency"],
    }
    return api.call("employer", "POST", "/v1/cases", json=body | extra)


def _case_ids(api: Api, who: str) -> list[str]:
    listed = api.call(who, "GET", "/v1/cases?limit=100")
    assert listed.status_code == 200, listed.text
    return [c["case_id"] for c in listed.json()["items"]]


def test_a_second_order_is_a_keyed_409_until_confirmed(api: Api) -> None:
    first = _order(api)
    assert first.status_code == 201, first.text
    case_id = first.json()["id"]
    before = _case_ids(api, "employer")

    refused = _order(api)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert (problem["code"], problem["key"], problem["field"]) == (
        "DUPLICATE_ORDER",
        "transition.duplicate_open_case",
        "confirm_duplicate",
    )
    assert case_id in problem["detail"]
    # the key's parameters, for a client that words the refusal in its reader's language
    assert problem["params"] == {"case_id": case_id}
    assert _case_ids(api, "employer") == before  # nothing stored
    assert _order(api, confirm_duplicate=False).status_code == 409
    assert _order(api, confirm_duplicate="yes").status_code == 422  # true or false only

    confirmed = _order(api, confirm_duplicate=True)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["id"] not in before


def test_another_employers_open_case_is_never_named(api: Api) -> None:
    """Employer B registers the same person (its own record, by its own keyed hash) while
    A's case of them is open: B's first order asks nothing, and its second names only B's
    own case."""
    assert _order(api).status_code == 201
    registered = api.call("employer_b", "POST", "/v1/candidates", json=SUBJECT)
    assert registered.status_code == 201, registered.text
    profile = api.call(
        "employer_b", "POST", "/v1/profiles/builtin", json={"profile": "food-handler"}
    )
    assert profile.status_code == 201, profile.text
    body = {
        "subject_id": registered.json()["id"],
        "profile_id": profile.json()["id"],
        "requested": ["identity"],
    }
    theirs = api.call("employer_b", "POST", "/v1/cases", json=body)
    assert theirs.status_code == 201, theirs.text
    again = api.call("employer_b", "POST", "/v1/cases", json=body)
    assert again.status_code == 409
    assert theirs.json()["id"] in again.json()["detail"]
    for mine in _case_ids(api, "employer"):
        assert mine not in again.json()["detail"]


def test_the_openapi_document_describes_confirm_duplicate(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    field = document["components"]["schemas"]["OrderIn"]["properties"]["confirm_duplicate"]
    assert "409 DUPLICATE_ORDER" in field["description"]
    order = document["paths"]["/v1/cases"]["post"]
    assert "confirm_duplicate" in order["description"]

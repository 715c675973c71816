"""The agency's reference-check routes (issue 15 item 4): invite a referee and list the
invitations; the link never comes back over the API; bad input is refused by field and
changes nothing; another tenant's case does not exist."""

from __future__ import annotations

from api.conftest import Api, order_over_api, sign_over_api

REFEREE = {"name": "测试证明人丁", "contact": "referee-d@example.test", "lang": "en"}


def test_invite_and_list_referees(api: Api) -> None:
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    path = f"/v1/cases/{case_id}/referees"
    answer = api.call("agency", "POST", path, json=REFEREE | {"days": 3})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert set(body) == {"id", "expires_at"}  # no link, no token
    (sent,) = [n for n in api.world.notifier.sent if n.kind == "reference_invitation"]
    token = str(sent.fields["link"]).removeprefix("/referee/")
    listed = api.call("agency", "GET", path)
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["id"] == body["id"] and row["state"] == "open" and row["lang"] == "en"
    assert row["name"] == REFEREE["name"] and row["expires_at"] == body["expires_at"]
    assert token not in listed.text and token not in answer.text
    # another tenant's agency, and the employer of an agency's case
    assert api.call("agency_b", "GET", path).status_code == 404
    assert api.call("agency_b", "POST", path, json=REFEREE).status_code == 404
    assert api.call("employer", "POST", path, json=REFEREE).status_code == 403


def test_bad_invitations_are_refused_by_field_and_change_nothing(api: Api) -> None:
    case_id = order_over_api(api)
    path = f"/v1/cases/{case_id}/referees"
    unsigned = api.call("agency", "POST", path, json=REFEREE)
    assert unsigned.status_code == 409 and unsigned.json()["code"] == "INVALID_TRANSITION"
    sign_over_api(api, case_id)
    for changes, field in (
        ({"contact": "somewhere"}, "contact"),
        ({"days": 15}, "days"),
        ({"lang": "fr"}, "lang"),
        ({"relation": "friend"}, "relation"),
    ):
        refused = api.call("agency", "POST", path, json=REFEREE | changes)
        assert refused.status_code == 422, refused.text
        assert field in (refused.json().get("field") or ""), refused.json()
    assert api.call("agency", "GET", path).json() == []
    assert not [n for n in api.world.notifier.sent if n.kind == "reference_invitation"]

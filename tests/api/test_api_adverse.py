"""PRODUCT.md P4's two steps over the API (issue 13 item 6): the employer's pre-adverse
notice, the candidate's answer, the final adverse decision after the waiting period, the
notices and the decision as each party reads them, and the refusals in between."""

from __future__ import annotations

from api.conftest import Api, released_case


def test_an_adverse_decision_over_the_api(api: Api) -> None:
    case_id = released_case(api)
    light = api.call("employer", "GET", f"/v1/cases/{case_id}").json()["light"]
    assert light != "green"
    base = f"/v1/cases/{case_id}"
    too_soon = api.call(
        "employer",
        "POST",
        f"{base}/decision",
        json={"outcome": "not_hired", "reason": "不符合", "cites_report": True},
    )
    assert too_soon.status_code == 409, too_soon.text
    unanswered = api.call(
        "employer", "POST", f"{base}/pre-adverse-notice", json={"reason": "不符合"}
    )
    assert unanswered.status_code == 422  # whether the report played a part is asked
    sent = api.call(
        "employer",
        "POST",
        f"{base}/pre-adverse-notice",
        json={"reason": "不符合岗位要求", "cites_report": True},
    )
    assert sent.status_code == 201, sent.text
    assert "wait_ends" in sent.json()
    assert api.call("candidate", "GET", f"{base}/decision").json() is None
    [notice] = api.call("candidate", "GET", f"{base}/notices").json()
    assert notice["kind"] == "pre_adverse"
    assert notice["body"]["intended_outcome"] == "not_hired"
    assert notice["body"]["report_as_released"]["light"] == light

    answered = api.call(
        "candidate", "POST", f"{base}/adverse-response", json={"statement": "我补充了学历证明"}
    )
    assert answered.status_code == 204, answered.text
    assert (
        api.call(
            "employer", "POST", f"{base}/adverse-response", json={"statement": "x"}
        ).status_code
        == 403
    )
    kinds = [n["kind"] for n in api.call("employer", "GET", f"{base}/notices").json()]
    assert kinds == ["pre_adverse", "adverse_response"]

    api.later(days=7)
    final = api.call(
        "employer",
        "POST",
        f"{base}/decision",
        json={"outcome": "not_hired", "reason": "核实后仍不符合", "cites_report": True},
    )
    assert final.status_code == 204, final.text
    seen = api.call("candidate", "GET", f"{base}/decision").json()
    assert (seen["outcome"], seen["reason"], seen["adverse"]) == (
        "not_hired",
        "核实后仍不符合",
        True,
    )
    kinds = [n["kind"] for n in api.call("candidate", "GET", f"{base}/notices").json()]
    assert kinds == ["pre_adverse", "adverse_response", "adverse_action"]
    audit = api.call("regulator", "GET", "/v1/ledger/audit").json()
    assert audit["violations"] == [], audit

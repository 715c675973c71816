"""Issue 13 item 4: an employer that checks a case itself ("不委托机构（由本单位核查）")
answers the candidate's disputes from its portal, with the agency desk's form and
service; the case is rated again and the candidate reviews it again. The employer of an
agency's case cannot answer, and the employer sees only the disputed findings, never the
rest of the report before it is released (PRODUCT.md P4)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from api.conftest import order_over_api, sign_over_api
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import case_queries
from fairscreen.services.context import Actor
from integration.service_fixtures import reads_by_reason
from web.conftest import Web, disputed_case, refused_every_outcome


def _state(web: Web, case_id: str) -> str:
    actor = Actor(ActorRole.EMPLOYER, web.api.ids["employer"])
    return str(case_queries.case_summary(web.api.world.svc, actor, case_id)["state"])


def _own_disputed(web: Web) -> tuple[str, str]:
    case_id = order_over_api(web.api, agency=False)
    sign_over_api(web.api, case_id)
    assert web.post("employer", f"/employer/cases/{case_id}/investigation").status_code == 303
    answer = web.api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": ["LIT-3"], "statement": "这不是我的案件"},
    )
    assert answer.status_code == 201, answer.text
    return case_id, str(answer.json()["dispute_ids"][0])


@pytest.mark.parametrize(("lang", "words"), [("zh-Hans", "由本单位核查"), ("en", "re-verify")])
def test_the_employer_answers_a_dispute_on_its_own_check_case(
    web: Web, lang: str, words: str
) -> None:
    case_id, dispute_id = _own_disputed(web)
    web.client("employer").cookies.set("fs_lang", lang)
    page = web.get("employer", f"/employer/cases/{case_id}").text
    assert 'id="own-disputes"' in page and words in page and "这不是我的案件" in page
    action = f"/employer/cases/{case_id}/disputes/{dispute_id}/resolution"
    assert f'action="{action}"' in page
    # only the disputed finding is on the page, not the rest of the unreleased report
    assert set(re.findall(r'id="d-(dsp_[^"]+)"', page)) == {dispute_id}
    assert "LIT-1" not in page and "EDU-1" not in page
    empty = web.post("employer", action, {"outcome": "removed", "answer": " "})
    assert empty.status_code == 422 and _state(web, case_id) == "disputed"
    answered = web.post(
        "employer", action, {"outcome": "removed", "answer": "原单位无法再次核实该判决。"}
    )
    assert answered.status_code == 303, answered.text[:500]
    assert "done=answered" in answered.headers["location"]
    assert _state(web, case_id) == "candidate_review"  # rated again, reviewed again
    web.refresh_candidates()
    mine = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert "原单位无法再次核实该判决。" in mine
    after = web.api.call("candidate", "GET", f"/v1/cases/{case_id}/report").json()
    assert "LIT-3" not in {f["id"] for f in after["report"]["findings"]}
    assert 'id="own-disputes"' not in web.get("employer", f"/employer/cases/{case_id}").text


def test_the_employer_of_an_agency_case_cannot_answer_its_disputes(web: Web) -> None:
    """Every outcome is refused alike (403, the agency answers) before anything is read:
    a correction, which reads the disputed records to build the corrected ones, too."""
    case_id, dispute_id = disputed_case(web)
    page = web.get("employer", f"/employer/cases/{case_id}").text
    assert 'id="own-disputes"' not in page and "resolution" not in page
    action = f"/employer/cases/{case_id}/disputes/{dispute_id}/resolution"
    refused_every_outcome(web, action, ("upheld", "corrected", "removed"))
    assert _state(web, case_id) == "disputed"
    files = web.get("employer", f"/employer/cases/{case_id}/disputes/{dispute_id}/files/evf_1")
    assert files.status_code == 404  # the agency holds its evidence


def test_the_agency_desk_still_answers_with_the_shared_form(web: Web) -> None:
    case_id, dispute_id = disputed_case(web)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    action = f"/agency/cases/{case_id}/disputes/{dispute_id}/resolution"
    assert f'action="{action}"' in page
    answered = web.post("agency", action, {"outcome": "upheld", "answer": "来源已再次确认。"})
    assert answered.status_code == 303 and _state(web, case_id) == "candidate_review"


@pytest.mark.parametrize("portal", ["agency", "employer"])
def test_a_refused_answer_reads_the_dispute_once(web: Web, portal: str) -> None:
    """P5: a refused answer shows the case page again, with the records it needs: one
    read of them, as opening the page is, though a correction read them first to build
    the corrected records (the refusal changed nothing, so the page shows that read).
    Another agency's answer is refused before anything is read."""
    case_id, dispute_id = disputed_case(web) if portal == "agency" else _own_disputed(web)
    world = web.api.world
    before = reads_by_reason(world)
    assert web.get(portal, f"/{portal}/cases/{case_id}").status_code == 200
    opened = reads_by_reason(world) - before
    assert opened == Counter({"dispute_records": 1})
    action = f"/{portal}/cases/{case_id}/disputes/{dispute_id}/resolution"
    for form in (
        {"outcome": "corrected", "answer": "记录有误", "rec-0-status": "no such status"},
        {"outcome": "corrected", "answer": " "},
        {"outcome": "removed", "answer": " "},
        {"outcome": "maybe", "answer": "无法核实"},
    ):
        before = reads_by_reason(world)
        refused = web.post(portal, action, form)
        assert refused.status_code == 422 and f'action="{action}"' in refused.text
        assert reads_by_reason(world) - before == opened, form
        assert _state(web, case_id) == "disputed"
    if portal == "agency":
        before = reads_by_reason(world)
        stranger = web.post("agency_b", action, {"outcome": "corrected", "answer": "x"})
        assert stranger.status_code == 404 and reads_by_reason(world) == before


def test_an_answer_on_the_desk_tells_the_candidate_the_review_is_open_again(web: Web) -> None:
    """The candidate invited by mobile disputes; the agency answers on its desk: the
    candidate's phone gets "review_reopened" (the demo's outbox shows it) with the link and
    the new window's end, never the answer."""
    import dataclasses

    from web.conftest import order_on_the_portal

    ordered = order_on_the_portal(web)  # the tests' candidate, invited at 13900139000
    assert ordered.status_code == 303, ordered.text
    case_id = ordered.headers["location"].split("/")[-1].split("?")[0]
    sign_over_api(web.api, case_id)
    assert web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    finding = web.api.call("candidate", "GET", f"/v1/cases/{case_id}/report").json()["report"][
        "findings"
    ][0]["id"]
    disputed = web.api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": [finding], "statement": "这不是我的记录"},
    )
    assert disputed.status_code == 201, disputed.text
    dispute_id = disputed.json()["dispute_ids"][0]
    action = f"/agency/cases/{case_id}/disputes/{dispute_id}/resolution"
    answered = web.post("agency", action, {"outcome": "upheld", "answer": "来源已再次确认。"})
    assert answered.status_code == 303 and _state(web, case_id) == "candidate_review"

    svc = web.api.world.svc
    svc.config = dataclasses.replace(svc.config, demo=True)
    shown = web.get("anonymous", "/dev/outbox").text
    told = re.findall(r'data-kind="review_reopened".*?<pre>(.*?)</pre>', shown, re.S)
    assert len(told) == 1, shown[:2000]
    assert "的异议已有答复，报告已更新" in told[0] and f"/candidate/cases/{case_id}" in told[0]
    assert "来源已再次确认" not in told[0]

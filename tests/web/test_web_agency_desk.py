"""The agency desk before querying (issue 14 item 1): the queue names each case's role,
employer, state and due date; the case page gives the investigator the role, the
employer, the effective scope (and what may not be checked, with why), the candidate's
claims and the deadline."""

from __future__ import annotations

import re

from api.conftest import order_over_api, sign_over_api
from web.conftest import Web, disputed_case


def test_the_queue_and_the_brief_say_what_the_investigator_needs(web: Web) -> None:
    api = web.api
    waiting = order_over_api(api)
    to_run = order_over_api(api)
    sign_over_api(api, to_run)

    queue = web.get("agency", "/agency")
    assert queue.status_code == 200
    rows = re.findall(r"<tr>\s*<td><a href=\"/agency/cases/([^\"]+)\">([^<]+)</a>", queue.text)
    assert {case for case, _ in rows} >= {waiting, to_run}
    assert all(role == "质量专员" for _, role in rows)  # the role's title, not an id
    assert "某食品公司" in queue.text  # the employer by name
    assert "授权到期" in queue.text  # the case to run is due when its authorization ends

    brief = web.get("agency", f"/agency/cases/{to_run}")
    assert brief.status_code == 200 and 'id="brief"' in brief.text
    scope = re.search(r'<ul id="brief-scope">(.*?)</ul>', brief.text, re.S)
    assert scope is not None
    for label in ("身份", "学历", "工作经历", "民事与行政诉讼记录", "证明人访谈"):
        assert label in scope.group(1)
    assert "岗位要求食品相关专业本科学历" in scope.group(1)  # each category's justification
    excluded = re.search(r'<ul id="brief-excluded">(.*?)</ul>', brief.text, re.S)
    assert excluded is not None and "婚姻状况" in excluded.group(1)
    claims = re.search(r'<ul id="brief-claims">(.*?)</ul>', brief.text, re.S)
    assert claims is not None and "示例大学" in claims.group(1)
    assert 'id="brief-deadline"' in brief.text
    assert "2024-03-31" in brief.text  # signed 2024-03-01, valid 30 days

    unsigned = web.get("agency", f"/agency/cases/{waiting}")
    assert "求职者尚未签署授权，不得查询" in unsigned.text
    english = web.get("agency", f"/agency/cases/{to_run}?lang=en")
    assert "Before you query" in english.text and "marital status" in english.text
    # Another agency sees none of it.
    assert web.get("agency_b", f"/agency/cases/{to_run}").status_code == 404
    assert to_run not in web.get("agency_b", "/agency").text


def test_a_dispute_is_corrected_through_a_form_of_the_records_fields(web: Web) -> None:
    from factories import SUBJECT

    api = web.api
    case_id, dispute_id = disputed_case(web, "该案已被驳回")

    page = web.get("agency", f"/agency/cases/{case_id}")
    assert page.status_code == 200
    assert 'name="corrected_records"' not in page.text  # no raw JSON to edit
    assert SUBJECT["national_id"] not in page.text  # nor the ID number the source matched
    options = re.findall(r'<select[^>]*name="rec-0-data-outcome">(.*?)</select>', page.text, re.S)
    assert (
        options
        and 'value="dismissed"' in options[0]
        and 'value="judgment_against" selected' in options[0]
    )
    sources = re.findall(r'name="rec-0-source">\s*<option value="([^"]+)"', page.text)
    assert sources and sources[0].endswith("|registry")  # the held record's source first
    fields = dict(re.findall(r'name="(rec-0-[a-z_-]+)"[^>]*value="([^"]*)"', page.text))
    form = {
        "outcome": "corrected",
        "answer": "经法院复核，该案已驳回起诉，记录已更正。",
        "rec-0-id": fields["rec-0-id"],
        "rec-0-source": sources[0],
        "rec-0-status": "ok",
        "rec-0-data-case_no": fields["rec-0-data-case_no"],
        "rec-0-data-cause": fields["rec-0-data-cause"],
        "rec-0-data-case_type": "civil",
        "rec-0-data-party_role": "defendant",
        "rec-0-data-outcome": "dismissed",
    }
    path = f"/agency/cases/{case_id}/disputes/{dispute_id}/resolution"
    # Bad input names the field and changes nothing.
    bad = web.post("agency", path, {**form, "rec-0-data-outcome": "acquitted"})
    assert bad.status_code == 422 and "corrected_records[0].data.outcome" in bad.text
    forged = web.post("agency", path, {**form, "rec-0-source": "anywhere|registry"})
    assert forged.status_code == 422 and "corrected_records[0].source" in forged.text
    missing = web.post("agency", path, {**form, "rec-0-data-case_no": ""})
    assert missing.status_code == 422 and "corrected_records[0].data.case_no" in missing.text
    state = api.call("agency", "GET", f"/v1/cases/{case_id}").json()["state"]
    assert state == "disputed"

    done = web.post("agency", path, form)
    assert done.status_code == 303, done.text[:500]
    web.refresh_candidates()
    report = api.call("candidate", "GET", f"/v1/cases/{case_id}/report").json()
    assert report["report"]["rating"]["light"] == "green"  # the judgment was dismissed
    (answered,) = [d for d in report["disputes"] if d["id"] == dispute_id]
    assert answered["outcome"] == "corrected"

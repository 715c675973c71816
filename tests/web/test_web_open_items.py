"""The verifier's case page lists every open item at once (usability walk: the queue
said "补充材料待答复 (1)" while the case page showed only the disputes, and said "nothing
to do" under a supplement waiting for its answer): the disputes and the supplements
together, and "nothing to do" only when nothing is open."""

from __future__ import annotations

from web.conftest import Web, run_background_jobs
from web.test_web_supplements import _in_review, _supply

NOTHING = "此案件当前没有需要您处理的事项"


def test_a_waiting_supplement_is_something_to_do(web: Web) -> None:
    case_id = _in_review(web)
    assert NOTHING in web.get("agency", f"/agency/cases/{case_id}").text
    assert _supply(web, case_id).status_code == 303
    run_background_jobs(web)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    assert 'id="verifier-supplements"' in page and "/supplements/sup_" in page
    assert NOTHING not in page


def test_a_supplement_stays_listed_while_the_disputes_freeze_the_case(web: Web) -> None:
    case_id = _in_review(web)
    assert _supply(web, case_id).status_code == 303
    disputed = web.api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": ["LIT-3"], "statement": "不是我的案件"},
    )
    assert disputed.status_code == 201, disputed.text
    queue = web.get("agency", "/agency").text
    assert "补充材料待答复 (1)" in queue
    page = web.get("agency", f"/agency/cases/{case_id}").text
    assert 'id="verifier-supplements"' in page and "证书编号 1001234567" in page
    assert "请先答复异议" in page  # answered once the disputes are
    assert (
        "/supplements/sup_"
        not in page.split('id="verifier-supplements"', 1)[1].split("</section>", 1)[0]
    )  # no answer form while the case is frozen
    assert "/resolution" in page and NOTHING not in page

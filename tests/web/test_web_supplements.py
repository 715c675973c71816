"""补充材料 on the portals (issue 13 item 9; PRODUCT.md P4): the candidate supplies a
document beside an unverified finding (no dispute, no freeze), sees its status and the
verifier's answer; the agency desk (or the employer of a case it checks itself) reads
the file and answers "re-verified" with the correction form or "not sufficient" with a
reason; the employer of an agency's case sees nothing of it."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from api.test_api_supplements import in_review_without_the_degree, in_the_wait_without_the_degree
from evidence_samples import jpeg
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import review
from fairscreen.services.context import Actor
from integration.service_fixtures import reads_by_reason
from web.conftest import Web, refused_every_outcome, run_background_jobs

JPEG = jpeg(400, 300)  # a real photo of about 480 KB: its content check accepts it


def _in_review(web: Web, *, agency: bool = True) -> str:
    case_id = in_review_without_the_degree(web.api, agency=agency)
    web.refresh_candidates()
    return case_id


def _in_the_wait(web: Web) -> str:
    """A case released yellow, its degree unverifiable, the pre-adverse notice sent."""
    case_id = in_the_wait_without_the_degree(web.api)
    web.refresh_candidates()
    return case_id


def _supply(web: Web, case_id: str, data: bytes = JPEG, name: str = "学位证书.jpg", **form: str):  # type: ignore[no-untyped-def]
    return web.post(
        "candidate",
        f"/candidate/cases/{case_id}/supplements",
        {"finding_id": "EDU-1", "note": "证书编号 1001234567", **form},
        files={"document": (name, data, "image/jpeg")},
    )


def _state(web: Web, case_id: str) -> str:
    return str(web.api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["state"])


def _education(web: Web, case_id: str) -> dict:  # type: ignore[type-arg]
    actor = Actor(ActorRole.CANDIDATE, web.api.ids["candidate"])
    report = review.read_report(web.api.world.svc, actor, case_id)["report"]
    [finding] = [f for f in report["findings"] if f["category"] == "education"]
    return dict(finding)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh-Hans", "为 EDU-1 补充材料"),
        ("zh-Hant", "為 EDU-1 補充材料"),
        ("en", "Supply a document"),
    ],
)
def test_the_form_is_beside_unverified_findings_only(web: Web, lang: str, words: str) -> None:
    case_id = _in_review(web)
    web.client("candidate").cookies.set("fs_lang", lang)
    page = web.get("candidate", f"/candidate/cases/{case_id}").text
    article = page.split('id="finding-EDU-1"', 1)[1].split("</article>", 1)[0]
    assert words in article and 'action="/candidate/cases/' in article
    for finding in ("LIT-3", "REF-1"):  # verified; unverified but excluded
        article = page.split(f'id="finding-{finding}"', 1)[1].split("</article>", 1)[0]
        assert "/supplements" not in article


def test_a_candidate_supplies_a_document_and_the_agency_answers(web: Web) -> None:
    case_id = _in_review(web)
    excluded = _supply(web, case_id, finding_id="REF-1")  # a crafted form: refused
    assert excluded.status_code == 422 and "这一项不计入评估" in excluded.text
    refused = _supply(web, case_id, b"GIF89a" + bytes(100), "a.jpg")
    assert refused.status_code == 422
    form = refused.text.split('id="finding-EDU-1"', 1)[1]
    assert "照片（JPEG、PNG 或 HEIC）或 PDF" in form.split('id="document-EDU-1-error"', 1)[1]
    assert "证书编号 1001234567</textarea>" in form  # the note as typed
    supplied = _supply(web, case_id)
    assert supplied.status_code == 303, supplied.text[:400]
    assert _state(web, case_id) == "candidate_review"  # no dispute, no freeze
    mine = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert 'id="supplements"' in mine and "已提交，等待核查方答复" in mine
    assert "学位证书.jpg" in mine
    assert "为 EDU-1 补充材料</summary>" not in mine  # one at a time per finding

    # the employer of an agency's case sees nothing of it (P4)
    employer = web.get("employer", f"/employer/cases/{case_id}").text
    assert "verifier-supplements" not in employer and "补充" not in employer

    queue = web.get("agency", "/agency").text
    waiting = queue.split('id="q-supplements"', 1)[1].split("</section>", 1)[0]
    assert f"/agency/cases/{case_id}" in waiting and "补充材料待答复 (1)" in waiting
    desk = web.get("agency", f"/agency/cases/{case_id}").text
    assert 'id="verifier-supplements"' in desk and "证书编号 1001234567" in desk
    # the photo opens only once its content check has accepted it
    assert "/files/evf_" not in desk and "正在检查" in desk
    run_background_jobs(web)
    desk = web.get("agency", f"/agency/cases/{case_id}").text
    link = re.search(r'href="(/agency/cases/[^"]+/supplements/(sup_[^/]+)/files/evf_[^"]+)"', desk)
    assert link
    download = web.get("agency", link.group(1))
    assert download.status_code == 200 and download.content == JPEG
    assert download.headers["content-disposition"] == 'attachment; filename="evidence.jpg"'
    assert web.get("agency_b", link.group(1)).status_code == 404
    assert web.get("employer", link.group(1)).status_code == 403

    # the employer of an agency's case has the same routes under /employer (for the cases
    # it checks itself) and is refused on this one: no answer, no file
    own_routes = link.group(1).replace("/agency/", "/employer/", 1)
    assert web.get("employer", own_routes).status_code == 404
    not_theirs = f"/employer/cases/{case_id}/supplements/{link.group(2)}/answer"
    refused_every_outcome(web, not_theirs, ("not_sufficient", "reverified"))
    assert "补充材料待答复 (1)" in web.get("agency", "/agency").text

    answer = f"/agency/cases/{case_id}/supplements/{link.group(2)}/answer"
    assert f'action="{answer}"' in desk
    empty = web.post("agency", answer, {"outcome": "not_sufficient", "answer": " "})
    assert empty.status_code == 422
    said = web.post(
        "agency", answer, {"outcome": "not_sufficient", "answer": "照片模糊，看不清证书编号。"}
    )
    assert said.status_code == 303 and "done=supplement_answered" in said.headers["location"]
    # answered, its file is no longer opened (as an answered dispute's): nothing to verify
    assert web.get("agency", link.group(1)).status_code == 404
    mine = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert "材料不足，未能核实" in mine and "照片模糊，看不清证书编号。" in mine
    queue = web.get("agency", "/agency").text
    assert "补充材料待答复 (0)" in queue
    assert _education(web, case_id)["verification"] == "unverified"

    # a clearer photo, re-verified with the correction form
    assert _supply(web, case_id).status_code == 303
    desk = web.get("agency", f"/agency/cases/{case_id}").text
    second = re.findall(r'action="(/agency/cases/[^"]+/supplements/sup_[^/]+/answer)"', desk)[0]
    held = re.search(r'name="rec-0-id" value="([^"]+)"', desk)
    source = re.search(r'<option value="([^"|]+\|issuer)"', desk)
    assert held and source
    done = web.post(
        "agency",
        second,
        {
            "outcome": "reverified",
            "answer": "已向学校核实，学位属实。",
            "rec-0-id": held.group(1),
            "rec-0-source": source.group(1),
            "rec-0-status": "ok",
            "rec-0-data-institution": "示例大学",
            "rec-0-data-degree": "bachelor",
            "rec-0-data-graduation_year": "2012",
        },
    )
    assert done.status_code == 303, done.text[:600]
    assert _education(web, case_id)["verification"] == "verified"
    assert _state(web, case_id) == "candidate_review"
    mine = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert "已重新核实，报告已更新" in mine and "已向学校核实，学位属实。" in mine


def test_the_employer_answers_on_a_case_it_checks_itself(web: Web) -> None:
    case_id = _in_review(web, agency=False)
    assert _supply(web, case_id).status_code == 303
    page = web.get("employer", f"/employer/cases/{case_id}").text
    assert 'id="verifier-supplements"' in page
    found = re.search(r'action="(/employer/cases/[^"]+/supplements/sup_[^/]+/answer)"', page)
    assert found
    said = web.post("employer", found.group(1), {"outcome": "not_sufficient", "answer": "无法核实"})
    assert said.status_code == 303
    assert "无法核实" in web.get("candidate", f"/candidate/cases/{case_id}").text


def test_refused_once_the_case_is_released(web: Web) -> None:
    case_id = _in_review(web)
    accepted = web.api.call("candidate", "POST", f"/v1/cases/{case_id}/acceptance", json={})
    assert accepted.status_code in (200, 204), accepted.text
    page = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert "/supplements" not in page
    refused = _supply(web, case_id)
    assert refused.status_code == 422 and "只有在审阅报告期间" in refused.text


def test_supplied_in_the_pre_adverse_wait(web: Web) -> None:
    """P4: "in the waiting period the candidate may respond or supply what was missing"."""
    case_id = _in_the_wait(web)
    page = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert 'id="answer-form"' in page and "为 EDU-1 补充材料" in page
    assert _supply(web, case_id).status_code == 303
    assert _state(web, case_id) == "adverse_notice"
    assert "已提交，等待核查方答复" in web.get("candidate", f"/candidate/cases/{case_id}").text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh-Hans", "候选人在等待期内补充了材料，核查方答复后才能作出最终决定"),
        ("zh-Hant", "候選人在等待期內補充了材料，核查方答覆後才能作出最終決定"),
        ("en", "the final decision waits for the verifier"),
    ],
)
def test_the_final_decision_waits_for_the_document_supplied_in_the_wait(
    web: Web, lang: str, words: str
) -> None:
    """P4: "respond or supply what was missing. Only then the final decision". The
    employer sees that the candidate's document is with the verifier (not what it is),
    the candidate that the decision waits for it; the adverse decision is refused until
    the agency answers."""
    case_id = _in_the_wait(web)
    for who in ("employer", "candidate"):
        web.client(who).cookies.set("fs_lang", lang)
    assert (
        'id="supplement-with-verifier"'
        not in web.get("employer", f"/employer/cases/{case_id}").text
    )
    assert _supply(web, case_id).status_code == 303
    web.api.later(days=7)
    web.refresh_candidates()
    mine = web.get("candidate", f"/candidate/cases/{case_id}").text
    assert 'id="supplement-with-verifier"' in mine
    theirs = web.get("employer", f"/employer/cases/{case_id}").text
    told = theirs.split('id="supplement-with-verifier"', 1)[1].split("</div>", 1)[0]
    assert {"zh-Hans": "补充了材料", "zh-Hant": "補充了材料", "en": "supplied material"}[
        lang
    ] in told
    for secret in ("证书编号", "学位证书", "EDU-1", "/files/", "sup_"):
        assert secret not in theirs
    path = f"/employer/cases/{case_id}/decision"
    form = {"outcome": "not_hired", "reason": "诉讼记录与岗位相关", "cites_report": "yes"}
    for step in (form, {**form, "confirmed": "yes"}):
        refused = web.post("employer", path, step)
        assert refused.status_code == 409 and words in refused.text
    assert _state(web, case_id) == "adverse_notice"

    desk = web.get("agency", f"/agency/cases/{case_id}").text
    answer = re.findall(r'action="(/agency/cases/[^"]+/supplements/sup_[^/]+/answer)"', desk)[0]
    said = web.post("agency", answer, {"outcome": "not_sufficient", "answer": "照片模糊。"})
    assert said.status_code == 303
    assert (
        'id="supplement-with-verifier"'
        not in web.get("employer", f"/employer/cases/{case_id}").text
    )
    assert (
        'id="supplement-with-verifier"'
        not in web.get("candidate", f"/candidate/cases/{case_id}").text
    )
    done = web.post("employer", path, {**form, "confirmed": "yes"})
    assert done.status_code == 303 and "done=decided" in done.headers["location"]


def test_the_verifier_s_reads_are_logged_once_each(web: Web) -> None:
    """P5: opening the desk reads the notes and the records to re-verify (one read), the
    file's download is one more; a refused download reads nothing."""
    case_id = _in_review(web)
    assert _supply(web, case_id).status_code == 303
    run_background_jobs(web)
    world = web.api.world
    before = reads_by_reason(world)
    desk = web.get("agency", f"/agency/cases/{case_id}").text
    assert reads_by_reason(world) - before == Counter({"supplement_records": 1})
    link = re.search(r'href="(/agency/cases/[^"]+/supplements/sup_[^/]+/files/evf_[^"]+)"', desk)
    assert link
    assert web.get("agency", link.group(1)).content == JPEG
    staff = Counter({"supplement_records": 1, "supplement_file": 1})
    assert reads_by_reason(world) - before == staff
    assert web.get("agency_b", link.group(1)).status_code == 404  # refused: nothing read
    assert reads_by_reason(world) - before == staff
    # the candidate's page logs the candidate's read of the report, not of the supplement
    assert web.get("candidate", f"/candidate/cases/{case_id}").status_code == 200
    assert reads_by_reason(world) - before == staff + Counter({"candidate_review": 1})


def test_a_refused_reverification_reads_the_supplements_once(web: Web) -> None:
    """As a refused answer to a dispute: the re-verification's records are read to build
    the correction, and the case page shown again with the refusal shows that read."""
    case_id = _in_review(web)
    assert _supply(web, case_id).status_code == 303
    world = web.api.world
    desk = web.get("agency", f"/agency/cases/{case_id}").text
    answer = re.findall(r'action="(/agency/cases/[^"]+/supplements/sup_[^/]+/answer)"', desk)[0]
    for form in (
        {"outcome": "reverified", "answer": "已核实", "rec-0-status": "no such status"},
        {"outcome": "not_sufficient", "answer": " "},
    ):
        before = reads_by_reason(world)
        refused = web.post("agency", answer, form)
        assert refused.status_code == 422 and f'action="{answer}"' in refused.text
        assert reads_by_reason(world) - before == Counter({"supplement_records": 1}), form
    assert _education(web, case_id)["verification"] == "unverified"

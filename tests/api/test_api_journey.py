"""The whole journey through the HTTP API on SQLite and PostgreSQL: the employer orders,
the candidate signs in with a code and signs, the agency runs the sources, the candidate
disputes, the agency corrects, the candidate accepts, the employer reads the released
view and records a decision, the regulator reads the checkpoint and the audit."""

from __future__ import annotations

import base64
import json

from api.conftest import Api, order_over_api, sign_over_api
from fairscreen.entrypoints.api.scheduler import tick


def test_the_whole_journey(api: Api) -> None:
    # 1. The employer orders a check; the candidate sees the case waiting for them.
    case_id = order_over_api(api)
    listed = api.call("candidate", "GET", "/v1/cases").json()
    assert [c["case_id"] for c in listed["items"]] == [case_id]
    assert listed["items"][0]["state"] == "ordered"

    # 2. The candidate reads the notice and signs exactly that text.
    sign_over_api(api, case_id)
    assert api.call("employer", "GET", f"/v1/cases/{case_id}").json()["state"] == "scoped"
    receipt = api.call("candidate", "GET", f"/v1/cases/{case_id}/consent-receipt").json()
    assert receipt["version"] == "KI-CR-v1.1.0"

    # 3. The agency runs the sources; the report opens for the candidate's review.
    ran = api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    assert ran.status_code == 200, ran.text
    assert ran.json()["light"] == "yellow"
    early = api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view")
    assert early.status_code == 409 and early.json()["code"] == "INVALID_TRANSITION"
    summary = api.call("employer", "GET", f"/v1/cases/{case_id}").json()
    assert summary["state"] == "candidate_review" and summary["light"] is None

    # 4. The candidate reads the full report first and disputes the adverse finding.
    report = api.call("candidate", "GET", f"/v1/cases/{case_id}/report").json()
    adverse = [f for f in report["report"]["findings"] if f["disposition"] == "adverse"]
    assert [f["id"] for f in adverse] == ["LIT-3"]
    forged = json.dumps(
        {
            "kind": "fairscreen/evidence/v1",
            "filename": "scan.png",
            "content_type": "image/png",
            "data": base64.b64encode(b"<script>alert(1)</script>").decode(),
        }
    )
    refused = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": ["LIT-3"], "statement": "不是我的案件。", "evidence": forged},
    )
    assert refused.status_code == 422 and refused.json()["field"] == "evidence"
    opened = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": ["LIT-3"], "statement": "该判决不是我的案件。"},
    )
    assert opened.status_code == 201, opened.text
    (dispute_id,) = opened.json()["dispute_ids"]
    assert api.call("agency", "GET", f"/v1/cases/{case_id}").json()["state"] == "disputed"

    # 5. The agency re-checks and removes the finding; a new review opens.
    answered = api.call(
        "agency",
        "POST",
        f"/v1/cases/{case_id}/disputes/{dispute_id}/resolution",
        json={"outcome": "removed", "answer": "无法重新核实，删除该记录。"},
    )
    assert answered.status_code == 204, answered.text
    again = api.call("candidate", "GET", f"/v1/cases/{case_id}/report").json()
    assert again["state"] == "candidate_review"
    assert again["report"]["rating"]["light"] == "green"
    assert again["disputes"][0]["outcome"] == "removed"

    # 6. The candidate accepts with a statement; the report is released at once.
    api.later(hours=1)
    accepted = api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/acceptance",
        json={"statement": "报告已核对。"},
    )
    assert accepted.status_code == 204, accepted.text

    # 7. The employer reads the released view and records a decision with a reason.
    view = api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view")
    assert view.status_code == 200, view.text
    assert view.json()["employer_view"]["light"] == "green"
    assert view.json()["employer_view"]["statement"] == "报告已核对。"
    decided = api.call(
        "employer",
        "POST",
        f"/v1/cases/{case_id}/decision",
        json={"outcome": "hired", "reason": "面试与报告均符合岗位要求"},
    )
    assert decided.status_code == 204, decided.text
    assert api.call("employer", "GET", f"/v1/cases/{case_id}").json()["state"] == "decided"

    # 8. The scheduler publishes a checkpoint; the regulator reads it, the status and
    #    the audit. The regulator never reads a report.
    assert tick(api.world.svc).failed_steps == ()
    checkpoint = api.client.get("/checkpoint")
    assert checkpoint.status_code == 200
    status = api.call("regulator", "GET", "/v1/ledger/status").json()
    assert status["verified"] is True
    assert status["checkpoint"]["note"] == checkpoint.text
    assert checkpoint.text.splitlines()[1] == str(status["size"])
    audit = api.call("regulator", "GET", "/v1/ledger/audit").json()
    assert audit == {"ok": True, "entries": status["size"], "violations": []}
    denied = api.call("regulator", "GET", f"/v1/cases/{case_id}/report")
    assert denied.status_code == 403

    # 9. The candidate downloads their data; no token leaks into it.
    exported = api.call("candidate", "GET", "/v1/me/data")
    assert exported.status_code == 200
    assert exported.json()["cases"][0]["decision"]["outcome"] == "hired"
    assert api.tokens["candidate"] not in json.dumps(exported.json())


def test_a_legal_hold_is_true_or_false_only(api: Api) -> None:
    case_id = order_over_api(api)
    path = f"/v1/cases/{case_id}/legal-hold"
    for loose in ("yes", 1, "true"):
        refused = api.call("operator", "PUT", path, json={"hold": loose})
        assert refused.status_code == 422 and refused.json()["field"] == "hold", loose
    assert api.call("operator", "PUT", path, json={"hold": True}).status_code == 204


def test_operator_reads_a_report_only_with_a_reason(api: Api) -> None:
    case_id = order_over_api(api)
    sign_over_api(api, case_id)
    api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    bare = api.call("operator", "GET", f"/v1/cases/{case_id}/report")
    assert bare.status_code == 403 and bare.json()["field"] == "reason"
    given = api.call("operator", "GET", f"/v1/cases/{case_id}/report?reason=complaint 42")
    assert given.status_code == 200


def test_an_employer_running_its_own_check_sees_the_light_only_once_released(api: Api) -> None:
    """No agency: the employer runs the sources itself, but the candidate still sees the
    result first (PRODUCT.md P4): the light is not in the investigation's answer."""
    case_id = order_over_api(api, agency=False)
    sign_over_api(api, case_id)
    ran = api.call("employer", "POST", f"/v1/cases/{case_id}/investigation")
    assert ran.status_code == 200, ran.text
    assert ran.json()["light"] is None and ran.json()["incomplete"] == [] and ran.json()["queried"]
    assert api.call("employer", "GET", f"/v1/cases/{case_id}").json()["light"] is None
    api.later(hours=1)
    assert (
        api.call("candidate", "POST", f"/v1/cases/{case_id}/acceptance", json={}).status_code == 204
    )
    assert api.call("employer", "GET", f"/v1/cases/{case_id}").json()["light"] == "yellow"


def test_deletion_then_the_certificate(api: Api) -> None:
    """The candidate asks for deletion; the scheduler destroys the case when due; the
    candidate signs in again and downloads the destruction certificate (P6)."""
    case_id = order_over_api(api)
    sign_over_api(api, case_id, lang="en")  # the English notice, its own SHA-256
    asked = api.call("candidate", "POST", "/v1/me/deletion-request")
    assert asked.status_code == 200 and asked.json()["cases"] == [case_id]
    api.later(days=16)
    assert tick(api.world.svc).destroyed == 1
    api.later(minutes=1)  # a fresh sign-in after the destruction still works
    gone = api.call("employer", "GET", f"/v1/cases/{case_id}/employer-view")
    assert gone.status_code == 410 and gone.json()["code"] == "CASE_DESTROYED"
    certificate = api.call("candidate", "GET", f"/v1/cases/{case_id}/certificate")
    assert certificate.status_code == 200, certificate.text
    body = certificate.json()
    assert body["reason"] == "deletion_request"
    assert body["receipt"] and body["log_key"]
    assert api.call("employer_b", "GET", f"/v1/cases/{case_id}/certificate").status_code == 403

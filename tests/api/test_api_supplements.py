"""补充材料 over the HTTP API (issue 13 item 9), beside the dispute endpoints: the
candidate uploads a document (multipart) for an unverified finding, both sides list it,
the agency answers; refusals are keyed problems and change nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from api.conftest import Api, order_over_api, sign_over_api
from evidence_samples import jpeg
from fairscreen.adapters.db.repository import ServiceRepository
from fairscreen.domain.categories import Category
from fairscreen.entrypoints.api.schemas import SupplementOut
from integration.service_fixtures import RecordedSource, reads_by_reason, records_without_the_degree

JPEG = jpeg(700, 520)  # a real photo of about 1.5 MB


def in_review_without_the_degree(api: Api, *, agency: bool = True) -> str:
    """A case in review whose degree the register did not find (EDU-1 unverified),
    investigated by the agency, or by the employer when ``agency`` is false."""
    world = api.world
    records = records_without_the_degree()
    world.svc.sources = {c: RecordedSource(records, now=world.clock) for c in Category}
    case_id = order_over_api(api, agency=agency)
    sign_over_api(api, case_id)
    who = "agency" if agency else "employer"
    assert api.call(who, "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    return case_id


def in_the_wait_without_the_degree(api: Api) -> str:
    """As :func:`in_review_without_the_degree`, then accepted by the candidate (released
    yellow) and the employer's pre-adverse notice sent: the case is in its wait."""
    case_id = in_review_without_the_degree(api)
    accepted = api.call("candidate", "POST", f"/v1/cases/{case_id}/acceptance", json={})
    assert accepted.status_code in (200, 204), accepted.text
    notice = api.call(
        "employer",
        "POST",
        f"/v1/cases/{case_id}/pre-adverse-notice",
        json={"reason": "诉讼记录与岗位相关", "cites_report": True},
    )
    assert notice.status_code == 201, notice.text
    return case_id


def _supply(api: Api, case_id: str, finding: str = "EDU-1", data: bytes = JPEG) -> object:
    return api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/supplements",
        data={"finding_id": finding, "note": "学位证书"},
        files={"document": ("degree.jpg", data, "image/jpeg")},
    )


def test_supply_list_and_answer(api: Api) -> None:
    case_id = in_review_without_the_degree(api)
    created = _supply(api, case_id)
    assert created.status_code == 201, created.text  # type: ignore[attr-defined]
    supplement_id = created.json()["supplement_id"]  # type: ignore[attr-defined]
    assert api.call("candidate", "GET", f"/v1/cases/{case_id}").json()["state"] == (
        "candidate_review"
    )
    [mine] = api.call("candidate", "GET", f"/v1/cases/{case_id}/supplements").json()
    assert mine["id"] == supplement_id and mine["outcome"] is None and mine["note"] == "学位证书"
    assert mine["files"][0]["size"] == len(JPEG) and mine["files"][0]["content_type"] == (
        "image/jpeg"
    )
    [desk] = api.call("agency", "GET", f"/v1/cases/{case_id}/supplements").json()
    assert desk["id"] == supplement_id
    # the employer of an agency's case: nothing (P4)
    assert api.call("employer", "GET", f"/v1/cases/{case_id}/supplements").status_code == 404
    path = f"/v1/cases/{case_id}/supplements/{supplement_id}/answer"
    refused = api.call("employer", "POST", path, json={"outcome": "not_sufficient", "answer": "x"})
    assert refused.status_code == 403
    assert refused.json()["key"] == "denied.agency_answers_disputes"
    answered = api.call(
        "agency", "POST", path, json={"outcome": "not_sufficient", "answer": "模糊"}
    )
    assert answered.status_code == 204, answered.text
    [mine] = api.call("candidate", "GET", f"/v1/cases/{case_id}/supplements").json()
    assert mine["outcome"] == "not_sufficient" and mine["answer"] == "模糊"


def test_refusals_are_keyed_problems(api: Api) -> None:
    case_id = in_review_without_the_degree(api)
    verified = _supply(api, case_id, "LIT-3")
    assert verified.status_code == 422  # type: ignore[attr-defined]
    assert verified.json()["key"] == "input.supplement_finding_verified"  # type: ignore[attr-defined]
    excluded = _supply(api, case_id, "REF-1")  # unverified, but it counts for nothing
    assert excluded.status_code == 422  # type: ignore[attr-defined]
    assert excluded.json()["key"] == "input.supplement_finding_excluded"  # type: ignore[attr-defined]
    not_a_photo = _supply(api, case_id, data=b"GIF89a" + bytes(50))
    assert not_a_photo.json()["key"] == "input.must_photo_jpeg_png_heic"  # type: ignore[attr-defined]
    too_large = _supply(api, case_id, data=JPEG[:4] + bytes(10_000_001))
    assert too_large.status_code == 422  # type: ignore[attr-defined]
    assert too_large.json()["key"] == "input.most_10_mb"  # type: ignore[attr-defined]
    assert api.call("candidate", "GET", f"/v1/cases/{case_id}/supplements").json() == []


def test_the_verifiers_list_is_one_read_of_what_it_returns(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """P5: the agency's list decrypts the candidate's notes, so it is logged, once; it
    returns no finding, claim or record, so it decrypts none (the portal's desk, which
    shows them to re-verify, reads them). The candidate's own list is no staff read."""
    case_id = in_review_without_the_degree(api)
    assert _supply(api, case_id).status_code == 201  # type: ignore[attr-defined]
    opened: list[str] = []
    for name in ("report", "records", "claims"):
        real = getattr(ServiceRepository, name)

        def spy(self: ServiceRepository, *args: Any, _real: Any = real, _name: str = name) -> Any:
            opened.append(_name)
            return _real(self, *args)

        monkeypatch.setattr(ServiceRepository, name, spy)
    before = reads_by_reason(api.world)
    [listed] = api.call("agency", "GET", f"/v1/cases/{case_id}/supplements").json()
    assert listed["note"] == "学位证书" and set(listed) == set(SupplementOut.model_fields)
    assert opened == []
    assert reads_by_reason(api.world) - before == Counter({"supplements": 1})
    mine = api.call("candidate", "GET", f"/v1/cases/{case_id}/supplements")
    assert mine.status_code == 200 and reads_by_reason(api.world) - before == Counter(
        {"supplements": 1}
    )

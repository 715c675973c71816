"""A correction of a finding that has no record (issue: "correcting a finding that has no
records is a dead end"): a claimed spell of employment nobody confirmed. The verifier's
form offers a new record of the finding's category, prefilled from the candidate's
claim, and says which claimed name it must match (PRODUCT.md P3, "Matching claims to
records"); entered unchanged, the record is bound to the candidate and verifies the
claim, whether answering a dispute or a supplementary document (补充材料)."""

from __future__ import annotations

import re

from api.conftest import order_over_api, sign_over_api
from evidence_samples import jpeg
from fairscreen.adapters.sources.recorded import RecordedSource
from fairscreen.domain.categories import Category
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import review
from fairscreen.services.context import Actor
from integration.service_fixtures import sample_records
from web.conftest import Web, run_background_jobs

EMPLOYER = "示例科技有限公司"  # as the candidate claims it (integration.service_fixtures.CLAIMS)


def _without_the_employment(web: Web) -> str:
    """A case in review whose employment spell nobody confirmed: the employment source
    found nothing (EMP-1's one record: not found, no data)."""
    world = web.api.world
    records = [r for r in sample_records() if r["id"] != "emp-1"]
    world.svc.sources = {c: RecordedSource(records, now=world.clock) for c in Category}
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    assert web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation").status_code == 200
    web.refresh_candidates()
    [held] = _employment(web, case_id)["records"]
    assert held.endswith(":not_found")
    return case_id


def _dispute(web: Web, case_id: str) -> str:
    disputed = web.api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": ["EMP-1"], "statement": "我在该公司任职七年，可向人事部核实。"},
    )
    assert disputed.status_code == 201, disputed.text
    return str(disputed.json()["dispute_ids"][0])


def _with_no_record(web: Web) -> str:
    """As the walk-through left it: a correction over the API named someone else's
    identity, its record was not used, and EMP-1 is back in review with no record."""
    case_id = _without_the_employment(web)
    dispute_id = _dispute(web, case_id)
    answered = web.api.call(
        "agency",
        "POST",
        f"/v1/cases/{case_id}/disputes/{dispute_id}/resolution",
        json={
            "outcome": "corrected",
            "answer": "已更正。",
            "corrected_records": [
                {
                    "id": "emp-x",
                    "category": "employment_history",
                    "source": {"id": "acme-hr", "kind": "issuer"},
                    "identity": {"national_id": "110101199001010000"},
                    "data": {"employer": EMPLOYER},
                }
            ],
        },
    )
    assert answered.status_code == 204, answered.text
    web.refresh_candidates()
    assert _employment(web, case_id)["records"] == []
    return case_id


def _employment(web: Web, case_id: str) -> dict:  # type: ignore[type-arg]
    actor = Actor(ActorRole.CANDIDATE, web.api.ids["candidate"])
    report = review.read_report(web.api.world.svc, actor, case_id)["report"]
    [finding] = [f for f in report["findings"] if f["id"] == "EMP-1"]
    return dict(finding)


def _record_form(page: str, form_key: str) -> dict[str, str]:
    """The fields of the record on the answer form ``form_key``, as the page fills them."""
    fieldset = page.split(f'id="records-{form_key}"', 1)[1].split(
        "</fieldset>\n    </fieldset>", 1
    )[0]
    claim = re.search(r'id="[^"]+-claim">(.*?)</p>', fieldset, re.S)
    assert (
        claim and "工作单位" in claim.group(1) and f"<strong>{EMPLOYER}</strong>" in claim.group(1)
    )
    fields = dict(re.findall(r'name="(rec-0-[a-z_-]+)"[^>]*value="([^"]*)"', fieldset))
    source = re.search(r'name="rec-0-source">\s*<option value="([^"]+)"', fieldset)
    assert source
    fields["rec-0-source"] = source.group(1)
    return fields


def test_a_dispute_on_a_record_not_found_is_corrected_from_the_claim(web: Web) -> None:
    """The source found nothing: its record has no data; the form fills it from the claim,
    and the corrected record is the candidate's (it had no identity to match)."""
    case_id = _without_the_employment(web)
    dispute_id = _dispute(web, case_id)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    fields = _record_form(page, dispute_id)
    assert fields["rec-0-data-employer"] == EMPLOYER
    assert fields["rec-0-data-start"] == "2016-07" and fields["rec-0-data-end"] == "2023-09"
    done = web.post(
        "agency",
        f"/agency/cases/{case_id}/disputes/{dispute_id}/resolution",
        {"outcome": "corrected", "answer": "已向该公司人事部核实任职。", **fields},
    )
    assert done.status_code == 303, done.text[:500]
    finding = _employment(web, case_id)
    assert finding["verification"] == "verified" and finding["records"]


def test_a_supplement_on_a_finding_without_records_is_reverified_with_a_new_record(
    web: Web,
) -> None:
    case_id = _with_no_record(web)
    supplied = web.post(
        "candidate",
        f"/candidate/cases/{case_id}/supplements",
        {"finding_id": "EMP-1", "note": "劳动合同"},
        files={"document": ("合同.jpg", jpeg(400, 300), "image/jpeg")},
    )
    assert supplied.status_code == 303, supplied.text[:400]
    run_background_jobs(web)
    page = web.get("agency", f"/agency/cases/{case_id}").text
    answer = re.search(r'action="(/agency/cases/[^"]+/supplements/(sup_[^/]+)/answer)"', page)
    assert answer
    fields = _record_form(page, answer.group(2))
    assert "新记录" in page.split(f'id="records-{answer.group(2)}"', 1)[1]  # no held id
    assert fields["rec-0-data-employer"] == EMPLOYER
    done = web.post(
        "agency",
        answer.group(1),
        {"outcome": "reverified", "answer": "已核实劳动合同。", "rec-0-status": "ok", **fields},
    )
    assert done.status_code == 303, done.text[:500]
    assert _employment(web, case_id)["verification"] == "verified"


def test_every_field_and_value_of_the_record_form_is_named_in_three_languages() -> None:
    """The record form shows words, not the schema's codes (``employer``, ``bachelor``):
    each field of each category's shape has a label, each enum value a name."""
    from fairscreen.domain.bilingual import LANGUAGES
    from fairscreen.entrypoints.web.i18n import catalog
    from fairscreen.entrypoints.web.record_form import data_fields

    messages = catalog()
    for category in Category:
        for field in data_fields(category.value):
            keys = [field.label, *(field.option(o) for o in field.options)]
            for key in keys:
                assert set(messages.get(key, {})) == set(LANGUAGES), (category, key)


def test_the_correction_form_names_its_fields_in_chinese(web: Web) -> None:
    case_id = _without_the_employment(web)
    disputed = web.api.call(
        "candidate",
        "POST",
        f"/v1/cases/{case_id}/disputes",
        json={"finding_ids": ["EMP-1", "EDU-1"], "statement": "非本人"},
    )
    assert disputed.status_code == 201, disputed.text
    for lang, employer, start, bachelor in (
        ("zh-Hans", "工作单位", "入职年月", "学士"),
        ("zh-Hant", "工作單位", "入職年月", "學士"),
    ):
        web.client("agency").cookies.set("fs_lang", lang)
        page = web.get("agency", f"/agency/cases/{case_id}").text
        labels = re.findall(r'<label for="[^"]+-rec-0-[a-z_]+">([^<]*)', page)
        assert any(employer in label for label in labels), labels
        assert any(start in label for label in labels), labels
        assert "<code>employer</code>" not in page and "<code>start</code>" not in page
        degree = re.search(r'name="rec-0-data-degree">(.*?)</select>', page, re.S)
        assert degree and f">{bachelor}</option>" in degree.group(1)
        assert ">bachelor<" not in degree.group(1) and ">associate<" not in degree.group(1)


def test_a_refused_answer_comes_back_on_the_case_page_with_what_was_typed(web: Web) -> None:
    """A refusal of the answer form is the case page again (422), the error beside the
    field and everything typed kept, never a page of its own that loses the answer."""
    case_id = _without_the_employment(web)
    dispute_id = _dispute(web, case_id)
    fields = _record_form(web.get("agency", f"/agency/cases/{case_id}").text, dispute_id)
    typed = "已向该公司人事部核实，任职属实。"
    bad = web.post(
        "agency",
        f"/agency/cases/{case_id}/disputes/{dispute_id}/resolution",
        {
            "outcome": "corrected",
            "answer": typed,
            **fields,
            "rec-0-data-title": "质检主管",
            "rec-0-data-start": "2016年7月",
        },
    )
    assert bad.status_code == 422
    page = bad.text
    assert 'id="answer-refused"' in page and "INVALID_INPUT" not in page
    form = page.split(f'id="answer-form-{dispute_id}"', 1)[1].split("</form>", 1)[0]
    assert f">{typed}</textarea>" in form
    assert 'value="corrected" checked' in form
    assert 'value="质检主管"' in form and 'value="2016年7月"' in form
    start = re.search(r'id="([^"]+-rec-0-start)"[^>]*aria-invalid="true"', form)
    assert start and f'id="{start.group(1)}-error"' in form
    assert 'data-field="corrected_records[0].data.start"' in form
    assert web.api.call("agency", "GET", f"/v1/cases/{case_id}").json()["state"] == "disputed"


def test_a_refused_supplement_answer_comes_back_open_on_the_employers_own_case(
    web: Web,
) -> None:
    """The same on the employer console, for a case it checks itself: the "not
    sufficient" form opens again with the refusal beside the reason."""
    from web.test_web_supplements import _in_review, _supply

    case_id = _in_review(web, agency=False)
    assert _supply(web, case_id).status_code == 303
    page = web.get("employer", f"/employer/cases/{case_id}").text
    answer = re.search(r'action="(/employer/cases/[^"]+/supplements/(sup_[^/]+)/answer)"', page)
    assert answer
    bad = web.post("employer", answer.group(1), {"outcome": "not_sufficient", "answer": "x" * 4001})
    assert bad.status_code == 422 and 'id="answer-refused"' in bad.text
    form = bad.text.split(f'id="insufficient-form-{answer.group(2)}"', 1)[1].split("</form>", 1)[0]
    assert f'id="insufficient-{answer.group(2)}-error"' in form and "x" * 4001 in form
    assert (
        "<details open>\n    <summary>"
        in bad.text.split(f'id="insufficient-form-{answer.group(2)}"')[0][-400:]
    )

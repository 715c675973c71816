"""HR's list and case page on a phone (usability walk screens 08 and 38): a case in its
pre-adverse wait shows when the wait ends, every text-like input is as wide as the
column (the notification e-mail field was a sliver), and an ordered case whose
invitation went out says so, with the candidate id only as a folded fallback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.conftest import released_case
from web.conftest import Web, order_on_the_portal

WEB = Path(__file__).resolve().parents[2] / "src" / "fairscreen" / "entrypoints" / "web"


@pytest.mark.parametrize(
    ("lang", "label"),
    [
        ("zh-Hans", "预告知等待期结束"),
        ("en", "pre-adverse wait ends"),
        ("zh-Hant", "預告知等待期結束"),
    ],
)
def test_a_case_in_its_pre_adverse_wait_shows_when_the_wait_ends(
    web: Web, lang: str, label: str
) -> None:
    case_id = released_case(web.api)
    path = f"/employer/cases/{case_id}/decision"
    form = {"outcome": "not_hired", "reason": "与岗位诚信要求相关", "cites_report": "yes"}
    assert web.post("employer", path, {**form, "confirmed": "yes"}).status_code == 303
    listed = web.get("employer", f"/employer?lang={lang}").text
    section = listed.split('id="state-adverse_notice"', 1)[1].split("</section>", 1)[0]
    row = re.search(
        r'<span class="nowrap">(\d{4}-\d{2}-\d{2})</span> <span class="muted">([^<]+)', section
    )
    assert row, section[:600]
    assert row.group(2) == label
    case_page = web.get("employer", f"/employer/cases/{case_id}?lang={lang}").text
    status = case_page.split('id="case-status">', 1)[1].split("</div>", 1)[0]
    assert row.group(1) in status


def test_every_text_like_input_the_pages_use_is_styled_full_width() -> None:
    css = (WEB / "static" / "app.css").read_text("utf-8")
    rule = css[: css.index("{ width: 100%")].rsplit("}", 1)[1]
    styled = set(re.findall(r"input\[type=(\w+)\]", rule))
    used: set[str] = set()
    for template in (WEB / "templates").rglob("*.html"):
        used |= set(re.findall(r'<input type="(\w+)"', template.read_text("utf-8")))
    not_text = {"hidden", "checkbox", "radio", "file", "submit"}
    assert used - not_text - styled == set()
    assert "email" in styled


def test_an_ordered_case_whose_invitation_went_out_folds_the_candidate_id(web: Web) -> None:
    ordered = order_on_the_portal(web)
    assert ordered.status_code == 303, ordered.text
    case_id = ordered.headers["location"].split("/")[-1].split("?")[0]
    page = web.get("employer", f"/employer/cases/{case_id}?lang=zh-Hant").text
    assert 'id="invited"' in page
    fold = page.split('<details class="card soft" id="candidate-id-fold">', 1)
    assert len(fold) == 2, "the id is folded"
    assert 'id="candidate-id"' in fold[1].split("</details>", 1)[0]
    assert 'id="candidate-id"' not in fold[0]
